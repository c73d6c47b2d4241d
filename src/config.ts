/**
 * One typed configuration object, assembled from defaults, then an optional JSON file,
 * then LAMBKIN_* environment variables, then command-line flags (last wins).
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

export type SandboxMode = 'auto' | 'bwrap' | 'process';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  accountId: string;
  defaultRegion: string;
  /** Account-wide concurrent executions (AWS default 1000). */
  concurrencyLimit: number;
  /** Idle environments end after this long. */
  keepAliveMs: number;
  /** Lambda's init phase limit. */
  initTimeoutMs: number;
  /** Runtime id → command that runs our bootstrap for it (see runtimes/catalog.ts). */
  runtimeOverrides: Record<string, string>;
  /** Accept runtimes AWS no longer lets you create (go1.x, provided, nodejs16.x…), for migrating old functions. */
  allowDeprecatedRuntimes: boolean;
  sandbox: SandboxMode;
  /** Prewarmed generic environments kept per runtime family (0 disables the pool). */
  prewarmPerRuntime: number;
  /** Retry delays for failed async invocations (AWS: ~1 min then ~2 min). */
  asyncRetryDelaysMs: number[];
  /** Cap on stored log bytes, shared fairly by the log groups (the largest lose their oldest events first). */
  logMaxBytes: number;
  /** What one log group may keep; 0 means a quarter of logMaxBytes. */
  logGroupMaxBytes: number;
  /**
   * Each log group's write budget: a sustained rate and a burst (a token bucket, in bytes; each event
   * costs its message plus 26 bytes, as CloudWatch counts). Beyond it a function's log lines are
   * dropped, counted, and noticed in its stream every logDropNoticeMs. 0 disables the budget.
   */
  logRateBytesPerSec: number;
  logBurstBytes: number;
  logDropNoticeMs: number;
  logRetentionSweepMs: number;
  /** Lets clients move the event sources' clock forward (POST /_lambkin/clock); for tests only. */
  testClock: boolean;
}

export const DEFAULTS: Config = {
  host: '127.0.0.1',
  port: 9001,
  dataDir: './.lambkin',
  accountId: '000000000000',
  defaultRegion: 'us-east-1',
  concurrencyLimit: 1000,
  keepAliveMs: 10 * 60_000,
  initTimeoutMs: 10_000,
  runtimeOverrides: {},
  allowDeprecatedRuntimes: false,
  sandbox: 'auto',
  prewarmPerRuntime: 2,
  asyncRetryDelaysMs: [60_000, 120_000],
  logMaxBytes: 1024 * 1024 * 1024,
  logGroupMaxBytes: 0,
  // CloudWatch's own ceiling per stream: 5 PutLogEvents requests/s of at most 1 MiB each.
  logRateBytesPerSec: 5 * 1024 * 1024,
  logBurstBytes: 16 * 1024 * 1024,
  logDropNoticeMs: 10_000,
  logRetentionSweepMs: 60_000,
  testClock: false,
};

type Partial_ = { [K in keyof Config]?: Config[K] };

const ENV_KEYS: Record<string, keyof Config> = {
  LAMBKIN_HOST: 'host',
  LAMBKIN_PORT: 'port',
  LAMBKIN_DATA_DIR: 'dataDir',
  LAMBKIN_ACCOUNT_ID: 'accountId',
  LAMBKIN_REGION: 'defaultRegion',
  LAMBKIN_CONCURRENCY_LIMIT: 'concurrencyLimit',
  LAMBKIN_KEEP_ALIVE_MS: 'keepAliveMs',
  LAMBKIN_INIT_TIMEOUT_MS: 'initTimeoutMs',
  LAMBKIN_ALLOW_DEPRECATED_RUNTIMES: 'allowDeprecatedRuntimes',
  LAMBKIN_SANDBOX: 'sandbox',
  LAMBKIN_PREWARM: 'prewarmPerRuntime',
  LAMBKIN_ASYNC_RETRY_DELAYS_MS: 'asyncRetryDelaysMs',
  LAMBKIN_LOG_MAX_BYTES: 'logMaxBytes',
  LAMBKIN_LOG_GROUP_MAX_BYTES: 'logGroupMaxBytes',
  LAMBKIN_LOG_RATE_BYTES_PER_SEC: 'logRateBytesPerSec',
  LAMBKIN_LOG_BURST_BYTES: 'logBurstBytes',
  LAMBKIN_LOG_DROP_NOTICE_MS: 'logDropNoticeMs',
  LAMBKIN_LOG_RETENTION_SWEEP_MS: 'logRetentionSweepMs',
  LAMBKIN_TEST_CLOCK: 'testClock',
};

/** Converts a string (from env or flags) to the type the default has. */
function coerce(key: keyof Config, raw: string): Config[keyof Config] {
  const def = DEFAULTS[key];
  if (typeof def === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new Error(`${key}: expected a number, got '${raw}'`);
    return n;
  }
  if (typeof def === 'boolean') return /^(1|true|yes|on)$/i.test(raw);
  if (Array.isArray(def)) return raw.split(',').filter(Boolean).map(Number);
  if (key === 'runtimeOverrides') return JSON.parse(raw) as Record<string, string>;
  if (key === 'sandbox' && !['auto', 'bwrap', 'process'].includes(raw)) {
    throw new Error(`sandbox: expected auto, bwrap or process, got '${raw}'`);
  }
  return raw as Config[keyof Config];
}

export interface LoadOptions {
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Record<string, string | undefined>;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const config: Config = { ...DEFAULTS, runtimeOverrides: {} };
  const file = opts.configFile ?? env.LAMBKIN_CONFIG;
  if (file) {
    if (!existsSync(file)) throw new Error(`config file not found: ${file}`);
    Object.assign(config, JSON.parse(readFileSync(file, 'utf8')) as Partial_);
  }
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') (config as unknown as Record<string, unknown>)[key] = coerce(key, raw);
  }
  for (const [key, raw] of Object.entries(opts.flags ?? {})) {
    if (raw !== undefined && key in DEFAULTS) {
      (config as unknown as Record<string, unknown>)[key] = coerce(key as keyof Config, raw);
    }
  }
  config.dataDir = path.resolve(config.dataDir);
  if (!/^\d{12}$/.test(config.accountId)) throw new Error(`accountId must be 12 digits, got '${config.accountId}'`);
  return config;
}
