/**
 * A small model of the Lambda API's input shapes (the part of botocore's service model that the
 * CLI needs to parse arguments): types, member order, and a sample value for skeletons.
 */
export type Shape =
  | { t: 'string'; sample?: string }
  | { t: 'integer' }
  | { t: 'double' }
  | { t: 'boolean' }
  | { t: 'blob' }
  | { t: 'structure'; members: Members; required?: readonly string[] }
  | { t: 'list'; member: Shape }
  | { t: 'map'; value: Shape };

export type Members = Record<string, Shape>;

export const str: Shape = { t: 'string' };
export const int: Shape = { t: 'integer' };
export const double: Shape = { t: 'double' };
export const bool: Shape = { t: 'boolean' };
export const blob: Shape = { t: 'blob' };
export const enm = (sample: string): Shape => ({ t: 'string', sample });
export const struct = (members: Members, required?: string[]): Shape => ({ t: 'structure', members, required });
export const list = (member: Shape): Shape => ({ t: 'list', member });
export const map = (value: Shape): Shape => ({ t: 'map', value });

export const isScalar = (s: Shape): boolean => s.t !== 'structure' && s.t !== 'list' && s.t !== 'map';

/**
 * botocore's xform_name with "-": `FunctionName` → `function-name`, `KMSKeyArn` → `kms-key-arn`,
 * `CodeSha256` → `code-sha256`.
 */
export function kebab(name: string): string {
  let n = name;
  const special = /[A-Z]{2,}s$/.exec(n);
  if (special) n = `${n.slice(0, -special[0].length)}-${special[0].toLowerCase()}`;
  n = n.replace(/(.)([A-Z][a-z]+)/g, '$1-$2');
  return n.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

// Shapes shared by several operations (botocore lambda 2015-03-31, member order kept).
export const Environment = struct({ Variables: map(str) });
export const TracingConfig = struct({ Mode: enm('PassThrough') });
export const Tags = map(str);
export const Architectures = list(enm('x86_64'));
export const VpcConfig = struct({ SubnetIds: list(str), SecurityGroupIds: list(str), Ipv6AllowedForDualStack: bool });
export const DeadLetterConfig = struct({ TargetArn: str });
export const FileSystemConfigs = list(struct({ Arn: str, LocalMountPath: str }, ['Arn', 'LocalMountPath']));
export const ImageConfig = struct({ EntryPoint: list(str), Command: list(str), WorkingDirectory: str });
export const EphemeralStorage = struct({ Size: int }, ['Size']);
export const SnapStart = struct({ ApplyOn: enm('PublishedVersions') });
export const LoggingConfig = struct({
  LogFormat: enm('Text'),
  ApplicationLogLevel: enm('INFO'),
  SystemLogLevel: enm('INFO'),
  LogGroup: str,
});
export const CapacityProviderConfig = struct({
  LambdaManagedInstancesCapacityProviderConfig: struct(
    { CapacityProviderArn: str, PerExecutionEnvironmentMaxConcurrency: int, ExecutionEnvironmentMemoryGiBPerVCpu: double },
    ['CapacityProviderArn'],
  ),
});
export const DurableConfig = struct({ RetentionPeriodInDays: int, ExecutionTimeout: int });
export const TenancyConfig = struct({ TenantIsolationMode: enm('PER_TENANT') }, ['TenantIsolationMode']);
export const FunctionCode = struct({
  ZipFile: blob,
  S3Bucket: str,
  S3Key: str,
  S3ObjectVersion: str,
  ImageUri: str,
  SourceKMSKeyArn: str,
});
export const RoutingConfig = struct({ AdditionalVersionWeights: map(double) });
