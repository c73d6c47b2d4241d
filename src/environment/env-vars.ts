/** The environment variables a function sees: the function's own, then Lambda's reserved ones (spec §6). */
import type { VersionRecord } from '../control/model.js';
import type { SandboxLayout } from '../sandbox/sandbox.js';
import type { RuntimeLaunch } from '../runtimes/catalog.js';
import path from 'node:path';

export interface EnvVarContext {
  version: VersionRecord;
  region: string;
  launch: RuntimeLaunch;
  layout: SandboxLayout;
  runtimeApi: string;
  logStream: string;
  /** Where AWS SDK calls from inside the function should go (this Lambkin server). */
  endpointUrl: string;
  /** The host's node binary directory, put on PATH in plain-process mode. */
  extraPath?: string;
}

/** Credentials handed to functions: Lambkin accepts any, so these only need to exist. */
const ROLE_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'ASIALAMBKINFUNCTION0',
  AWS_ACCESS_KEY: 'ASIALAMBKINFUNCTION0',
  AWS_SECRET_ACCESS_KEY: 'lambkin/function/role/secret/key/000000000',
  AWS_SESSION_TOKEN: 'lambkin-function-session-token',
};

export function functionEnvironment(ctx: EnvVarContext): Record<string, string> {
  const c = ctx.version.config;
  const { layout } = ctx;
  const family = ctx.launch.family;
  const langBin = ctx.extraPath ? `${ctx.extraPath}:` : '';
  const env: Record<string, string> = {
    ...passable(c.Environment?.Variables),
    PATH: `${langBin}/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin`,
    LD_LIBRARY_PATH: `/var/lang/lib:/lib64:/usr/lib64:${layout.runtimeDir}:${layout.runtimeDir}/lib:${layout.taskRoot}:${layout.taskRoot}/lib:${layout.optDir}/lib`,
    // Lambda says en_US.UTF-8; Debian hosts rarely have that locale, and C.UTF-8 behaves the same for runtimes.
    LANG: 'C.UTF-8',
    TZ: ':UTC',
    HOME: layout.tmpDir,
    TMPDIR: layout.tmpDir,
    ...ROLE_CREDENTIALS,
    AWS_ENDPOINT_URL: ctx.endpointUrl,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    _HANDLER: c.Handler ?? '',
    AWS_REGION: ctx.region,
    AWS_DEFAULT_REGION: ctx.region,
    AWS_LAMBDA_FUNCTION_NAME: ctx.version.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.MemorySize),
    AWS_LAMBDA_FUNCTION_VERSION: ctx.version.version,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: c.LoggingConfig.LogGroup,
    AWS_LAMBDA_LOG_STREAM_NAME: ctx.logStream,
    AWS_LAMBDA_RUNTIME_API: ctx.runtimeApi,
    AWS_LAMBDA_RUNTIME_NAME: c.Runtime ?? '',
    LAMBDA_TASK_ROOT: layout.taskRoot,
    LAMBDA_RUNTIME_DIR: layout.runtimeDir,
    _LAMBDA_TELEMETRY_LOG_FD: '3',
  };
  if (ctx.launch.executionEnv) env.AWS_EXECUTION_ENV = ctx.launch.executionEnv;
  if (c.LoggingConfig.LogFormat === 'JSON') {
    env.AWS_LAMBDA_LOG_FORMAT = 'JSON';
    env.AWS_LAMBDA_LOG_LEVEL = c.LoggingConfig.ApplicationLogLevel ?? 'INFO';
  }
  if (family === 'nodejs') {
    const major = /nodejs(\d+)/.exec(c.Runtime ?? '')?.[1] ?? '';
    const opt = layout.optDir;
    env.NODE_PATH = [`${opt}/nodejs/node${major}/node_modules`, `${opt}/nodejs/node_modules`, `${layout.runtimeDir}/node_modules`, layout.runtimeDir, layout.taskRoot].join(':');
  }
  if (family === 'python') {
    env.PYTHONPATH = layout.runtimeDir;
  }
  return env;
}

/**
 * The function's own variables that a process can carry. Values with a NUL are refused by the API,
 * but one stored before that check (an older data dir) must not make every start fail: it is left out.
 */
function passable(vars: Record<string, string> | undefined): Record<string, string> {
  if (!vars) return {};
  for (const k in vars) {
    if (vars[k].includes('\0') || k.includes('\0')) {
      const out: Record<string, string> = {};
      for (const [key, v] of Object.entries(vars)) if (!v.includes('\0') && !key.includes('\0')) out[key] = v;
      return out;
    }
  }
  return vars;
}

export const nodeBinDir = (): string => path.dirname(process.execPath);
