/**
 * What Lambkin stores about functions. `StoredConfig` keeps AWS's member names (PascalCase) so that
 * rendering a FunctionConfiguration is a copy plus the computed name/ARN/version fields.
 */
export type FunctionState = 'Pending' | 'Active' | 'Inactive' | 'Failed';
export type UpdateStatus = 'InProgress' | 'Successful' | 'Failed';

export interface LoggingConfig {
  LogFormat: 'Text' | 'JSON';
  LogGroup: string;
  ApplicationLogLevel?: string;
  SystemLogLevel?: string;
}

export interface StoredConfig {
  Runtime?: string;
  Role: string;
  Handler?: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  CodeSha256: string;
  RevisionId: string;
  Environment?: { Variables: Record<string, string> };
  TracingConfig: { Mode: 'PassThrough' | 'Active' };
  Layers?: { Arn: string; CodeSize: number }[];
  DeadLetterConfig?: { TargetArn?: string };
  KMSKeyArn?: string;
  VpcConfig?: { SubnetIds?: string[]; SecurityGroupIds?: string[]; VpcId?: string; Ipv6AllowedForDualStack?: boolean };
  State: FunctionState;
  StateReason?: string;
  StateReasonCode?: string;
  LastUpdateStatus?: UpdateStatus;
  LastUpdateStatusReason?: string;
  LastUpdateStatusReasonCode?: string;
  PackageType: 'Zip';
  Architectures: string[];
  EphemeralStorage: { Size: number };
  SnapStart: { ApplyOn: string; OptimizationStatus: string };
  LoggingConfig: LoggingConfig;
  RuntimeVersionConfig?: { RuntimeVersionArn: string };
}

/** One version of a function: `$LATEST` (mutable) or a published number (immutable). */
export interface VersionRecord {
  region: string;
  functionName: string;
  version: string;
  /** Hex SHA-256 of the deployment zip: the key of the content-addressed code store. */
  codeSha: string;
  config: StoredConfig;
}

/** Function-wide settings, shared by all versions. */
export interface FunctionRecord {
  region: string;
  functionName: string;
  createdAt: number;
  /** Highest version number ever published (numbers are never reused). */
  lastVersion: number;
  tags: Record<string, string>;
  reservedConcurrency?: number;
}

export interface AliasRecord {
  region: string;
  functionName: string;
  name: string;
  functionVersion: string;
  description: string;
  /** Extra version → weight (0..1), at most one entry. */
  additionalVersionWeights?: Record<string, number>;
  revisionId: string;
}

export const LATEST = '$LATEST';
