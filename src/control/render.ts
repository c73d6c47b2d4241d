/** Renders stored versions as the API's FunctionConfiguration, with ARNs as AWS forms them per context. */
import { createHash } from 'node:crypto';
import { functionArn } from './names.js';
import { LATEST, type StoredConfig, type VersionRecord } from './model.js';

export type ArnStyle =
  /** $LATEST unqualified (Create/Update/Get without qualifier/ListFunctions), versions `:n`. */
  | 'default'
  /** Always qualified, `:$LATEST` included (ListVersionsByFunction, ListFunctions ALL, Qualifier=$LATEST). */
  | 'qualified';

export interface RenderOptions {
  style?: ArnStyle;
  /** Alias the caller used: the ARN ends in it while Version shows the resolved number. */
  alias?: string;
  /** List operations omit state, last-update status and runtime version. */
  list?: boolean;
}

export type FunctionConfiguration = Record<string, unknown>;

const LIST_OMITS: (keyof StoredConfig)[] = [
  'State', 'StateReason', 'StateReasonCode', 'LastUpdateStatus', 'LastUpdateStatusReason', 'LastUpdateStatusReasonCode', 'RuntimeVersionConfig',
];

export function renderConfiguration(v: VersionRecord, accountId: string, opts: RenderOptions = {}): FunctionConfiguration {
  const qualifier = opts.alias ?? (v.version === LATEST && (opts.style ?? 'default') === 'default' ? undefined : v.version);
  const out: FunctionConfiguration = {
    FunctionName: v.functionName,
    FunctionArn: functionArn(v.region, accountId, v.functionName, qualifier),
    ...v.config,
    Version: v.version,
  };
  if (opts.list) for (const k of LIST_OMITS) delete out[k];
  return out;
}

/** A stable per-runtime fake of AWS's runtime version ARN. */
export function runtimeVersionArn(region: string, runtime: string): string {
  return `arn:aws:lambda:${region}::runtime:${createHash('sha256').update(runtime).digest('hex')}`;
}
