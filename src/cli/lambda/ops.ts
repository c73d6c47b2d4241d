/**
 * The `lambkin lambda` operations: one row per operation, members in botocore's order. The SDK
 * command is `<operation>Command` from @aws-sdk/client-lambda; CLI flags are the kebab-case
 * member names, as the aws CLI derives them.
 */
import * as s from './shapes.js';
import type { Members } from './shapes.js';

export interface OpDef {
  /** Subcommand, e.g. `create-function`. */
  name: string;
  /** API operation, e.g. `CreateFunction`. */
  operation: string;
  input: Members;
  required: readonly string[];
  /** Paginated with Marker/MaxItems → NextMarker; the value is the result key. */
  paginated?: string;
  /** The blob member `ZipFile` of this structure member is given as a top-level --zip-file. */
  hoistZipInto?: string;
  /** Invoke: a positional OUTFILE receives the response Payload. */
  outfile?: boolean;
}

const FN = { FunctionName: s.str };
const QUALIFIED = { FunctionName: s.str, Qualifier: s.str };
const PAGE = { Marker: s.str, MaxItems: s.int };

const op = (name: string, operation: string, input: Members, required: string[], extra: Partial<OpDef> = {}): OpDef => ({
  name,
  operation,
  input,
  required,
  ...extra,
});

export const OPS: readonly OpDef[] = [
  op(
    'create-function',
    'CreateFunction',
    {
      FunctionName: s.str,
      Runtime: s.enm('nodejs20.x'),
      Role: s.str,
      Handler: s.str,
      Code: s.FunctionCode,
      Description: s.str,
      Timeout: s.int,
      MemorySize: s.int,
      Publish: s.bool,
      VpcConfig: s.VpcConfig,
      PackageType: s.enm('Zip'),
      DeadLetterConfig: s.DeadLetterConfig,
      Environment: s.Environment,
      KMSKeyArn: s.str,
      TracingConfig: s.TracingConfig,
      Tags: s.Tags,
      Layers: s.list(s.str),
      FileSystemConfigs: s.FileSystemConfigs,
      ImageConfig: s.ImageConfig,
      CodeSigningConfigArn: s.str,
      Architectures: s.Architectures,
      EphemeralStorage: s.EphemeralStorage,
      SnapStart: s.SnapStart,
      LoggingConfig: s.LoggingConfig,
      CapacityProviderConfig: s.CapacityProviderConfig,
      PublishTo: s.enm('LATEST_PUBLISHED'),
      DurableConfig: s.DurableConfig,
      TenancyConfig: s.TenancyConfig,
    },
    ['FunctionName', 'Role', 'Code'],
    { hoistZipInto: 'Code' },
  ),
  op('get-function', 'GetFunction', QUALIFIED, ['FunctionName']),
  op('get-function-configuration', 'GetFunctionConfiguration', QUALIFIED, ['FunctionName']),
  op('list-functions', 'ListFunctions', { MasterRegion: s.str, FunctionVersion: s.enm('ALL'), ...PAGE }, [], {
    paginated: 'Functions',
  }),
  op(
    'update-function-code',
    'UpdateFunctionCode',
    {
      ...FN,
      ZipFile: s.blob,
      S3Bucket: s.str,
      S3Key: s.str,
      S3ObjectVersion: s.str,
      ImageUri: s.str,
      Publish: s.bool,
      DryRun: s.bool,
      RevisionId: s.str,
      Architectures: s.Architectures,
      SourceKMSKeyArn: s.str,
      PublishTo: s.enm('LATEST_PUBLISHED'),
    },
    ['FunctionName'],
  ),
  op(
    'update-function-configuration',
    'UpdateFunctionConfiguration',
    {
      ...FN,
      Role: s.str,
      Handler: s.str,
      Description: s.str,
      Timeout: s.int,
      MemorySize: s.int,
      VpcConfig: s.VpcConfig,
      Environment: s.Environment,
      Runtime: s.enm('nodejs20.x'),
      DeadLetterConfig: s.DeadLetterConfig,
      KMSKeyArn: s.str,
      TracingConfig: s.TracingConfig,
      RevisionId: s.str,
      Layers: s.list(s.str),
      FileSystemConfigs: s.FileSystemConfigs,
      ImageConfig: s.ImageConfig,
      EphemeralStorage: s.EphemeralStorage,
      SnapStart: s.SnapStart,
      LoggingConfig: s.LoggingConfig,
      CapacityProviderConfig: s.CapacityProviderConfig,
      DurableConfig: s.DurableConfig,
    },
    ['FunctionName'],
  ),
  op('delete-function', 'DeleteFunction', QUALIFIED, ['FunctionName']),
  op('tag-resource', 'TagResource', { Resource: s.str, Tags: s.Tags }, ['Resource', 'Tags']),
  op('untag-resource', 'UntagResource', { Resource: s.str, TagKeys: s.list(s.str) }, ['Resource', 'TagKeys']),
  op('list-tags', 'ListTags', { Resource: s.str }, ['Resource']),
  op('get-account-settings', 'GetAccountSettings', {}, []),
  op(
    'invoke',
    'Invoke',
    {
      ...FN,
      InvocationType: s.enm('RequestResponse'),
      LogType: s.enm('None'),
      ClientContext: s.str,
      DurableExecutionName: s.str,
      Payload: s.blob,
      Qualifier: s.str,
      TenantId: s.str,
    },
    ['FunctionName'],
    { outfile: true },
  ),
  op('publish-version', 'PublishVersion', { ...FN, CodeSha256: s.str, Description: s.str, RevisionId: s.str, PublishTo: s.enm('LATEST_PUBLISHED') }, [
    'FunctionName',
  ]),
  op('list-versions-by-function', 'ListVersionsByFunction', { ...FN, ...PAGE }, ['FunctionName'], { paginated: 'Versions' }),
  op(
    'create-alias',
    'CreateAlias',
    { ...FN, Name: s.str, FunctionVersion: s.str, Description: s.str, RoutingConfig: s.RoutingConfig },
    ['FunctionName', 'Name', 'FunctionVersion'],
  ),
  op('get-alias', 'GetAlias', { ...FN, Name: s.str }, ['FunctionName', 'Name']),
  op(
    'update-alias',
    'UpdateAlias',
    { ...FN, Name: s.str, FunctionVersion: s.str, Description: s.str, RoutingConfig: s.RoutingConfig, RevisionId: s.str },
    ['FunctionName', 'Name'],
  ),
  op('delete-alias', 'DeleteAlias', { ...FN, Name: s.str }, ['FunctionName', 'Name']),
  op('list-aliases', 'ListAliases', { ...FN, FunctionVersion: s.str, ...PAGE }, ['FunctionName'], { paginated: 'Aliases' }),
];

export const findOp = (name: string): OpDef | undefined => OPS.find((o) => o.name === name);
