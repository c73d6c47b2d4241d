/**
 * Validation of function settings with AWS's codes and texts. Shape constraints (lengths, ranges,
 * patterns, enums) are collected into one ValidationException like AWS's request validator;
 * service rules (runtime, environment size, reserved keys) raise InvalidParameterValueException.
 */
import { LambdaError, ValidationErrors, invalidParameter } from '../errors.js';
import { ALL_RUNTIMES, DEPRECATED_RUNTIMES, isKnownRuntime } from './runtimes.js';

export const ROLE_PATTERN = 'arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+';
const ENV_NAME_PATTERN = '[a-zA-Z]([a-zA-Z0-9_])+';
const LOG_GROUP_PATTERN = '[\\.\\-_/#A-Za-z0-9]+';
const LAYER_PATTERN = 'arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+';

export const RESERVED_ENV_KEYS = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

export const LIMITS = {
  memoryMin: 128,
  memoryMax: 10240,
  timeoutMin: 1,
  timeoutMax: 900,
  storageMin: 512,
  storageMax: 10240,
  envBytes: 4096,
  descriptionMax: 256,
  handlerMax: 128,
  tagsMax: 50,
  tagKeyMax: 128,
  tagValueMax: 256,
  layersMax: 5,
} as const;

/** The members CreateFunction and UpdateFunctionConfiguration share. */
export interface SettingsInput {
  Role?: unknown;
  Handler?: unknown;
  Runtime?: unknown;
  Description?: unknown;
  Timeout?: unknown;
  MemorySize?: unknown;
  Environment?: unknown;
  EphemeralStorage?: unknown;
  TracingConfig?: unknown;
  LoggingConfig?: unknown;
  Layers?: unknown;
  DeadLetterConfig?: unknown;
  KMSKeyArn?: unknown;
  VpcConfig?: unknown;
  ImageConfig?: unknown;
  FileSystemConfigs?: unknown;
  SnapStart?: unknown;
}

/** Type checks: a member of the wrong JSON type is a malformed request. */
function expectType(value: unknown, type: 'string' | 'number' | 'boolean' | 'object' | 'array', member: string): void {
  if (value === undefined || value === null) return;
  const ok =
    type === 'array' ? Array.isArray(value)
    : type === 'object' ? typeof value === 'object' && !Array.isArray(value)
    : type === 'number' ? typeof value === 'number' && Number.isInteger(value)
    : typeof value === type;
  if (!ok) throw new LambdaError('InvalidRequestContentException', `Could not parse request body into json: Unexpected value for member ${member}: expected ${type === 'number' ? 'integer' : type}`);
}

function range(errors: ValidationErrors, value: unknown, path: string, min: number, max: number): void {
  if (typeof value !== 'number') return;
  if (value < min) errors.add(value, path, `Member must have value greater than or equal to ${min}`);
  else if (value > max) errors.add(value, path, `Member must have value less than or equal to ${max}`);
}

function enumOf(errors: ValidationErrors, value: unknown, path: string, values: readonly string[]): void {
  if (typeof value === 'string' && !values.includes(value)) {
    errors.add(value, path, `Member must satisfy enum value set: [${values.join(', ')}]`);
  }
}

/** Checks every member's shape; collects VE items, then throws once. */
export function checkSettingsShape(input: SettingsInput, errors: ValidationErrors): void {
  expectType(input.Role, 'string', 'Role');
  expectType(input.Handler, 'string', 'Handler');
  expectType(input.Runtime, 'string', 'Runtime');
  expectType(input.Description, 'string', 'Description');
  expectType(input.Timeout, 'number', 'Timeout');
  expectType(input.MemorySize, 'number', 'MemorySize');
  expectType(input.Environment, 'object', 'Environment');
  expectType(input.EphemeralStorage, 'object', 'EphemeralStorage');
  expectType(input.TracingConfig, 'object', 'TracingConfig');
  expectType(input.LoggingConfig, 'object', 'LoggingConfig');
  expectType(input.Layers, 'array', 'Layers');
  expectType(input.DeadLetterConfig, 'object', 'DeadLetterConfig');
  expectType(input.KMSKeyArn, 'string', 'KMSKeyArn');
  expectType(input.VpcConfig, 'object', 'VpcConfig');

  if (typeof input.Role === 'string' && !new RegExp(`^${ROLE_PATTERN}$`).test(input.Role)) {
    errors.add(input.Role, 'role', `Member must satisfy regular expression pattern: ${ROLE_PATTERN}`);
  }
  if (typeof input.Handler === 'string') {
    if (input.Handler.length > LIMITS.handlerMax) errors.add(input.Handler, 'handler', `Member must have length less than or equal to ${LIMITS.handlerMax}`);
    if (!/^[^\s]+$/.test(input.Handler)) errors.add(input.Handler, 'handler', 'Member must satisfy regular expression pattern: [^\\s]+');
  }
  if (typeof input.Description === 'string' && input.Description.length > LIMITS.descriptionMax) {
    errors.add(input.Description, 'description', `Member must have length less than or equal to ${LIMITS.descriptionMax}`);
  }
  range(errors, input.Timeout, 'timeout', LIMITS.timeoutMin, LIMITS.timeoutMax);
  range(errors, input.MemorySize, 'memorySize', LIMITS.memoryMin, LIMITS.memoryMax);

  const storage = input.EphemeralStorage as { Size?: unknown } | undefined;
  if (storage) {
    expectType(storage.Size, 'number', 'EphemeralStorage.Size');
    if (storage.Size === undefined || storage.Size === null) errors.add(null, 'ephemeralStorage.size', 'Member must not be null');
    range(errors, storage.Size, 'ephemeralStorage.size', LIMITS.storageMin, LIMITS.storageMax);
  }
  const tracing = input.TracingConfig as { Mode?: unknown } | undefined;
  if (tracing) enumOf(errors, tracing.Mode, 'tracingConfig.mode', ['Active', 'PassThrough']);

  const logging = input.LoggingConfig as Record<string, unknown> | undefined;
  if (logging) {
    enumOf(errors, logging.LogFormat, 'loggingConfig.logFormat', ['JSON', 'Text']);
    enumOf(errors, logging.ApplicationLogLevel, 'loggingConfig.applicationLogLevel', ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);
    enumOf(errors, logging.SystemLogLevel, 'loggingConfig.systemLogLevel', ['DEBUG', 'INFO', 'WARN']);
    if (typeof logging.LogGroup === 'string') {
      if (logging.LogGroup.length > 512) errors.add(logging.LogGroup, 'loggingConfig.logGroup', 'Member must have length less than or equal to 512');
      if (!new RegExp(`^${LOG_GROUP_PATTERN}$`).test(logging.LogGroup)) {
        errors.add(logging.LogGroup, 'loggingConfig.logGroup', `Member must satisfy regular expression pattern: ${LOG_GROUP_PATTERN}`);
      }
    }
  }
  if (Array.isArray(input.Layers)) {
    for (const layer of input.Layers) {
      if (typeof layer !== 'string' || !new RegExp(`^${LAYER_PATTERN}$`).test(layer)) {
        errors.add(input.Layers, 'layers', `Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${LAYER_PATTERN}, Member must not be null]`);
        break;
      }
    }
  }
  const env = input.Environment as { Variables?: unknown } | undefined;
  if (env) {
    expectType(env.Variables, 'object', 'Environment.Variables');
    const vars = (env.Variables ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(vars)) {
      if (typeof v !== 'string') expectType(v, 'string', `Environment.Variables.${k}`);
    }
    if (Object.keys(vars).some((k) => !new RegExp(`^${ENV_NAME_PATTERN}$`).test(k))) {
      errors.add(vars, 'environment.variables', `Map keys must satisfy constraint: [Member must satisfy regular expression pattern: ${ENV_NAME_PATTERN}]`);
    }
  }
}

export function checkArchitectures(value: unknown, errors: ValidationErrors): void {
  if (value === undefined || value === null) return;
  expectType(value, 'array', 'Architectures');
  const list = value as unknown[];
  if (list.length > 1) errors.add(list, 'architectures', 'Member must have length less than or equal to 1');
  else if (list.length < 1) errors.add(list, 'architectures', 'Member must have length greater than or equal to 1');
  else if (!['x86_64', 'arm64'].includes(String(list[0]))) {
    errors.add(list, 'architectures', 'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]');
  }
}

/** Service-level rules, checked after the shape is valid. */
export function checkSettingsRules(input: SettingsInput, opts: { allowDeprecatedRuntimes: boolean }): void {
  if (typeof input.Runtime === 'string') {
    if (!isKnownRuntime(input.Runtime)) {
      throw invalidParameter(
        `Value ${input.Runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${ALL_RUNTIMES.join(', ')}] or be a valid ARN`,
      );
    }
    if (DEPRECATED_RUNTIMES.has(input.Runtime) && !opts.allowDeprecatedRuntimes) {
      throw invalidParameter(
        `The runtime parameter of ${input.Runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`,
      );
    }
  }
  const env = input.Environment as { Variables?: Record<string, string> } | undefined;
  if (env?.Variables) {
    const reserved = Object.keys(env.Variables).filter((k) => RESERVED_ENV_KEYS.has(k));
    if (reserved.length > 0) {
      throw invalidParameter(
        `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
      );
    }
    // A NUL cannot be passed to a process (execve strings end at it), so such a value could never
    // reach the function: refused here instead of failing every invoke.
    const withNul = Object.keys(env.Variables).filter((k) => String(env.Variables![k]).includes('\0'));
    if (withNul.length > 0) {
      throw invalidParameter(
        `Lambda was unable to configure your environment variables because the environment variables you have provided contain the NUL character (\\u0000), which environment variable values cannot hold. Keys with such values: ${withNul.join(', ')}`,
      );
    }
    const measured = JSON.stringify(env.Variables);
    if (Buffer.byteLength(measured) > LIMITS.envBytes) {
      throw invalidParameter(
        `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
      );
    }
  }
  const logging = input.LoggingConfig as Record<string, unknown> | undefined;
  if (logging && logging.LogFormat !== 'JSON' && (logging.ApplicationLogLevel || logging.SystemLogLevel)) {
    throw invalidParameter('Application and system log levels are only supported when LogFormat is JSON. To set log levels, change the LogFormat to JSON.');
  }
  if (Array.isArray(input.Layers)) {
    if (input.Layers.length > LIMITS.layersMax) throw invalidParameter('Cannot reference more than 5 layers.');
    // Layers are not stored by Lambkin yet, so every referenced version is unknown.
    if (input.Layers.length > 0) throw invalidParameter(`Layer version ${input.Layers[0]} does not exist.`);
  }
  if (input.ImageConfig !== undefined) {
    throw invalidParameter('ImageConfig is only supported for functions with PackageType Image, which Lambkin does not run.');
  }
  if (Array.isArray(input.FileSystemConfigs) && input.FileSystemConfigs.length > 0) {
    throw invalidParameter('Lambkin does not support FileSystemConfigs (Amazon EFS).');
  }
}

/** Tags on create and TagResource: AWS's limits and texts. */
export function checkTags(tags: unknown, errors: ValidationErrors): Record<string, string> {
  expectType(tags, 'object', 'Tags');
  const map = (tags ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== 'string') expectType(v, 'string', `Tags.${k}`);
    if (k.length < 1 || k.length > LIMITS.tagKeyMax) {
      errors.add(map, 'tags', `Map keys must satisfy constraint: [Member must have length less than or equal to ${LIMITS.tagKeyMax}, Member must have length greater than or equal to 1]`);
    }
    if (String(v).length > LIMITS.tagValueMax) {
      errors.add(map, 'tags', `Map value must satisfy constraint: [Member must have length less than or equal to ${LIMITS.tagValueMax}]`);
    }
  }
  return map as Record<string, string>;
}

export function checkTagRules(tags: Record<string, string>, existing: Record<string, string> = {}): void {
  if (Object.keys({ ...existing, ...tags }).length > LIMITS.tagsMax) throw invalidParameter('Number of tags exceeds resource tag limit.');
  const reserved = Object.keys(tags).find((k) => k.toLowerCase().startsWith('aws:'));
  if (reserved) throw invalidParameter(`Tag keys starting with 'aws:' are reserved for AWS use: ${reserved}`);
}
