/**
 * Function management: create, read, list, update code and configuration, delete.
 * No HTTP here: inputs are the API's request members, outputs are response objects.
 */
import { LambdaError, ValidationErrors, conflict, invalidParameter, notFound } from '../errors.js';
import { lambdaTimestamp } from '../util/time.js';
import { newRevisionId } from '../util/ids.js';
import type { PackageSource, StoredPackage } from '../code/code-store.js';
import type { ControlContext } from './context.js';
import { LATEST, type FunctionRecord, type LoggingConfig, type StoredConfig, type VersionRecord } from './model.js';
import { functionArn, parseFunctionName, resolveQualifier, type FunctionRef } from './names.js';
import { renderConfiguration, runtimeVersionArn, type FunctionConfiguration } from './render.js';
import { checkArchitectures, checkSettingsRules, checkSettingsShape, checkTagRules, checkTags, type SettingsInput } from './validation.js';
import { publishFromLatest } from './versions.js';
import { checkRevision, decodeMarker, encodeMarker, pageSize } from './paging.js';

export interface CreateFunctionInput extends SettingsInput {
  FunctionName?: unknown;
  Code?: { ZipFile?: PackageSource; S3Bucket?: string; S3Key?: string; ImageUri?: string };
  Publish?: unknown;
  PackageType?: unknown;
  Tags?: unknown;
  Architectures?: unknown;
}

export interface UpdateCodeInput {
  ZipFile?: PackageSource;
  S3Bucket?: string;
  S3Key?: string;
  ImageUri?: string;
  Publish?: unknown;
  DryRun?: unknown;
  RevisionId?: unknown;
  Architectures?: unknown;
}

export interface UpdateConfigurationInput extends SettingsInput {
  RevisionId?: unknown;
}

export interface GetFunctionResult {
  Configuration: FunctionConfiguration;
  codeSha: string;
  Tags?: Record<string, string>;
  Concurrency?: { ReservedConcurrentExecutions: number };
}

const CREATING = { State: 'Pending' as const, StateReason: 'The function is being created.', StateReasonCode: 'Creating' };
const UPDATING = {
  LastUpdateStatus: 'InProgress' as const,
  LastUpdateStatusReason: 'The function is being created.',
  LastUpdateStatusReasonCode: 'Creating',
};

export class FunctionService {
  constructor(private readonly ctx: ControlContext) {}

  private get accountId() {
    return this.ctx.config.accountId;
  }

  arn(region: string, name: string, qualifier?: string): string {
    return functionArn(region, this.accountId, name, qualifier);
  }

  fnNotFound(region: string, name: string, qualifier?: string): LambdaError {
    return notFound(`Function not found: ${this.arn(region, name, qualifier)}`);
  }

  parse(region: string, raw: string, use: 'create' | 'write' | 'read'): FunctionRef {
    return parseFunctionName(raw, use, region, this.accountId);
  }

  async create(region: string, input: CreateFunctionInput): Promise<FunctionConfiguration> {
    const errors = new ValidationErrors();
    if (input.FunctionName === undefined || input.FunctionName === null) errors.add(null, 'functionName', 'Member must not be null');
    if (input.Role === undefined || input.Role === null) errors.add(null, 'role', 'Member must not be null');
    if (input.Code === undefined || input.Code === null) errors.add(null, 'code', 'Member must not be null');
    checkSettingsShape(input, errors);
    checkArchitectures(input.Architectures, errors);
    const tags = input.Tags === undefined ? {} : checkTags(input.Tags, errors);
    if (typeof input.FunctionName !== 'string' && input.FunctionName != null) errors.add(input.FunctionName, 'functionName', 'Member must be a string');
    errors.throwIfAny();
    const ref = this.parse(region, input.FunctionName as string, 'create');
    if (ref.qualifier !== undefined) throw invalidParameter('Function name cannot contain a qualifier on create. Use Publish=true to publish a version.');

    if (input.PackageType !== undefined && input.PackageType !== 'Zip') {
      if (input.PackageType === 'Image') throw invalidParameter('Lambkin runs .zip functions only: PackageType Image needs a container runtime, which Lambkin does not use.');
      const bad = new ValidationErrors();
      bad.add(input.PackageType, 'packageType', 'Member must satisfy enum value set: [Zip, Image]');
      bad.throwIfAny();
    }
    if (input.Runtime === undefined || input.Handler === undefined) {
      throw invalidParameter('Runtime and Handler are mandatory parameters for functions created with deployment packages.');
    }
    checkSettingsRules(input, this.ctx.config);
    checkTagRules(tags);
    const zip = requireZip(input.Code ?? {});

    if (await this.ctx.store.getFunction(region, ref.name)) throw conflict(`Function already exist: ${ref.name}`);
    // Held until the function row references it, so a concurrent code clean-up cannot take it.
    const pkg = await this.ctx.code.put(zip, { hold: true });
    const now = Date.now();
    const config = this.applySettings(baseConfig(region, ref.name, input.Role as string, pkg, now), input, region, ref.name);
    config.Architectures = (input.Architectures as string[] | undefined) ?? ['x86_64'];
    // Code is validated and extracted before we answer, so the function is ready now. The caller
    // sees AWS's Pending response; what is stored is the state after AWS's asynchronous Pending →
    // Active transition, with its own new RevisionId. One write: a crash leaves no function, or a
    // ready one, never one stuck in Pending.
    const pending: VersionRecord = { region, functionName: ref.name, version: LATEST, codeSha: pkg.sha, config: { ...config, ...CREATING } };
    const active: VersionRecord = { ...pending, config: settled(config) };
    const fn: FunctionRecord = { region, functionName: ref.name, createdAt: now, lastVersion: 0, tags };
    try {
      if (!(await this.ctx.store.createFunction(fn, [active]))) throw conflict(`Function already exist: ${ref.name}`);
    } finally {
      this.ctx.code.release(pkg.sha);
    }

    let response = renderConfiguration(pending, this.accountId);
    if (input.Publish === true) {
      // AWS answers with version 1 as it is being created, under the unqualified ARN.
      const { version } = await publishFromLatest(this.ctx, region, ref.name, {});
      response = { ...renderConfiguration(justPublished(version), this.accountId), FunctionArn: this.arn(region, ref.name) };
    }
    this.ctx.changes.publish({ kind: 'function', region, name: ref.name, deleted: false });
    return response;
  }

  /** Resolves a qualifier ($LATEST, a number, or an alias) to a version. */
  async resolve(region: string, name: string, qualifier: string | undefined): Promise<{ version: VersionRecord; alias?: string }> {
    if (qualifier === undefined || qualifier === LATEST) {
      const v = await this.ctx.store.getVersion(region, name, LATEST);
      if (!v) throw this.fnNotFound(region, name, qualifier);
      return { version: v };
    }
    if (/^\d+$/.test(qualifier)) {
      const v = await this.ctx.store.getVersion(region, name, qualifier);
      if (!v) throw this.fnNotFound(region, name, qualifier);
      return { version: v };
    }
    const alias = await this.ctx.store.getAlias(region, name, qualifier);
    if (!alias) throw this.fnNotFound(region, name, qualifier);
    const v = await this.ctx.store.getVersion(region, name, alias.functionVersion);
    if (!v) throw this.fnNotFound(region, name, qualifier);
    return { version: v, alias: qualifier };
  }

  async getConfiguration(region: string, rawName: string, qualifierParam?: string): Promise<FunctionConfiguration> {
    const ref = this.parse(region, rawName, 'read');
    const qualifier = resolveQualifier(ref, qualifierParam);
    const { version, alias } = await this.resolve(region, ref.name, qualifier);
    return renderConfiguration(version, this.accountId, { style: qualifier === undefined ? 'default' : 'qualified', alias });
  }

  async get(region: string, rawName: string, qualifierParam?: string): Promise<GetFunctionResult> {
    const ref = this.parse(region, rawName, 'read');
    const qualifier = resolveQualifier(ref, qualifierParam);
    const { version, alias } = await this.resolve(region, ref.name, qualifier);
    const fn = await this.ctx.store.getFunction(region, ref.name);
    if (!fn) throw this.fnNotFound(region, ref.name);
    return {
      Configuration: renderConfiguration(version, this.accountId, { style: qualifier === undefined ? 'default' : 'qualified', alias }),
      codeSha: version.codeSha,
      ...(qualifier === undefined && Object.keys(fn.tags).length > 0 ? { Tags: fn.tags } : {}),
      ...(fn.reservedConcurrency !== undefined ? { Concurrency: { ReservedConcurrentExecutions: fn.reservedConcurrency } } : {}),
    };
  }

  async list(region: string, opts: { marker?: string; maxItems?: number; functionVersion?: string }) {
    const page = pageSize(opts.maxItems);
    if (opts.functionVersion !== undefined && opts.functionVersion !== 'ALL') {
      const errors = new ValidationErrors();
      errors.add(opts.functionVersion, 'functionVersion', 'Member must satisfy enum value set: [ALL]');
      errors.throwIfAny();
    }
    const after = decodeMarker(opts.marker);
    const result =
      opts.functionVersion === 'ALL'
        ? await this.ctx.store.listAllVersions(region, after, page)
        : await this.ctx.store.listLatest(region, after, page);
    return {
      Functions: result.items.map((v) =>
        renderConfiguration(v, this.accountId, { list: true, style: opts.functionVersion === 'ALL' ? 'qualified' : 'default' }),
      ),
      ...(result.next ? { NextMarker: encodeMarker(result.next) } : {}),
    };
  }

  async updateCode(region: string, rawName: string, input: UpdateCodeInput): Promise<FunctionConfiguration> {
    const errors = new ValidationErrors();
    checkArchitectures(input.Architectures, errors);
    errors.throwIfAny();
    const ref = this.parse(region, rawName, 'write');
    if (ref.qualifier !== undefined) throw invalidParameter('Updating the code of a function version or alias is not supported. Please specify the function name.');
    const zip = requireZip(input);
    const current = await this.ctx.store.getVersion(region, ref.name, LATEST);
    if (!current) throw this.fnNotFound(region, ref.name);
    checkRevision(input.RevisionId, current.config.RevisionId);
    if (input.DryRun === true) {
      const pkg = await this.ctx.code.check(zip);
      return renderConfiguration({ ...current, config: { ...current.config, CodeSha256: pkg.sha256b64, CodeSize: pkg.size } }, this.accountId);
    }
    const pkg = await this.ctx.code.put(zip, { hold: true });
    let inProgress: VersionRecord | undefined;
    try {
      await this.ctx.store.updateVersion(region, ref.name, LATEST, (v) => {
        checkRevision(input.RevisionId, v.config.RevisionId);
        const config: StoredConfig = {
          ...stripState(v.config),
          State: 'Active',
          CodeSha256: pkg.sha256b64,
          CodeSize: pkg.size,
          LastModified: lambdaTimestamp(Date.now()),
          RevisionId: newRevisionId(),
          ...(input.Architectures ? { Architectures: input.Architectures as string[] } : {}),
        };
        inProgress = { ...v, codeSha: pkg.sha, config: { ...config, ...UPDATING } };
        return { ...inProgress, config: settled(config) };
      });
    } finally {
      this.ctx.code.release(pkg.sha);
    }
    // Deleted while the package was being extracted.
    if (!inProgress) throw this.fnNotFound(region, ref.name);
    return this.finishUpdate(region, ref.name, inProgress, input.Publish === true);
  }

  async updateConfiguration(region: string, rawName: string, input: UpdateConfigurationInput): Promise<FunctionConfiguration> {
    const errors = new ValidationErrors();
    checkSettingsShape(input, errors);
    errors.throwIfAny();
    const ref = this.parse(region, rawName, 'write');
    if (ref.qualifier !== undefined) throw invalidParameter('Updating the configuration of a function version or alias is not supported. Please specify the function name.');
    checkSettingsRules(input, this.ctx.config);
    let inProgress: VersionRecord | undefined;
    const updated = await this.ctx.store.updateVersion(region, ref.name, LATEST, (v) => {
      checkRevision(input.RevisionId, v.config.RevisionId);
      const config = this.applySettings({ ...stripState(v.config), State: 'Active' }, input, region, ref.name);
      config.LastModified = lambdaTimestamp(Date.now());
      config.RevisionId = newRevisionId();
      inProgress = { ...v, config: { ...config, ...UPDATING } };
      return { ...inProgress, config: settled(config) };
    });
    if (!updated) throw this.fnNotFound(region, ref.name);
    return this.finishUpdate(region, ref.name, inProgress!, false);
  }

  /**
   * The update is complete when stored (stored as Successful, see settled()); the caller is answered
   * with the InProgress view, as AWS does.
   */
  private async finishUpdate(region: string, name: string, inProgress: VersionRecord, publish: boolean): Promise<FunctionConfiguration> {
    this.ctx.changes.publish({ kind: 'function', region, name, version: LATEST, deleted: false });
    if (publish) {
      // AWS answers with the new version (qualified ARN) as it is being created: Pending, no LastUpdateStatus.
      const { version, created } = await publishFromLatest(this.ctx, region, name, {});
      return renderConfiguration(created ? justPublished(version) : version, this.accountId);
    }
    return renderConfiguration(inProgress, this.accountId);
  }

  async delete(region: string, rawName: string, qualifierParam?: string): Promise<void> {
    const ref = this.parse(region, rawName, 'read');
    const qualifier = resolveQualifier(ref, qualifierParam);
    if (qualifier === undefined) {
      const deleted = await this.ctx.store.deleteFunction(region, ref.name);
      if (!deleted) throw this.fnNotFound(region, ref.name);
      this.ctx.changes.publish({ kind: 'function', region, name: ref.name, deleted: true });
      return;
    }
    if (qualifier === LATEST) throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    if (!/^\d+$/.test(qualifier)) throw invalidParameter('Deletion of aliases is not currently supported.');
    if (!(await this.ctx.store.getFunction(region, ref.name))) throw this.fnNotFound(region, ref.name);
    const deleted = await this.ctx.store.deleteVersion(region, ref.name, qualifier, (aliases) => {
      const using = aliases.filter((a) => a.functionVersion === qualifier || a.additionalVersionWeights?.[qualifier] !== undefined);
      if (using.length > 0) {
        throw conflict(`Unable to delete version because the following aliases reference it: [${using.map((a) => a.name).join(', ')}]`);
      }
    });
    if (deleted) this.ctx.changes.publish({ kind: 'function', region, name: ref.name, version: qualifier, deleted: true });
  }

  async getFunctionRecord(region: string, name: string): Promise<FunctionRecord> {
    const fn = await this.ctx.store.getFunction(region, name);
    if (!fn) throw this.fnNotFound(region, name);
    return fn;
  }

  /** Applies the settings members present in `input` onto `config` (absent = unchanged). */
  private applySettings(config: StoredConfig, input: SettingsInput, region: string, name: string): StoredConfig {
    const out: StoredConfig = { ...config };
    if (input.Role !== undefined) out.Role = input.Role as string;
    if (input.Handler !== undefined) out.Handler = input.Handler as string;
    if (input.Runtime !== undefined) {
      out.Runtime = input.Runtime as string;
      out.RuntimeVersionConfig = { RuntimeVersionArn: runtimeVersionArn(region, out.Runtime) };
    }
    if (input.Description !== undefined) out.Description = input.Description as string;
    if (input.Timeout !== undefined) out.Timeout = input.Timeout as number;
    if (input.MemorySize !== undefined) out.MemorySize = input.MemorySize as number;
    if (input.Environment !== undefined) {
      out.Environment = { Variables: { ...((input.Environment as { Variables?: Record<string, string> }).Variables ?? {}) } };
    }
    if (input.EphemeralStorage !== undefined) out.EphemeralStorage = { Size: (input.EphemeralStorage as { Size: number }).Size };
    if (input.TracingConfig !== undefined) out.TracingConfig = { Mode: ((input.TracingConfig as { Mode?: string }).Mode ?? 'PassThrough') as 'PassThrough' | 'Active' };
    if (input.LoggingConfig !== undefined) out.LoggingConfig = loggingConfig(name, { ...out.LoggingConfig, ...(input.LoggingConfig as Partial<LoggingConfig>) });
    if (input.DeadLetterConfig !== undefined) {
      const target = (input.DeadLetterConfig as { TargetArn?: string }).TargetArn;
      if (target) out.DeadLetterConfig = { TargetArn: target };
      else delete out.DeadLetterConfig;
    }
    if (input.KMSKeyArn !== undefined) {
      if (input.KMSKeyArn) out.KMSKeyArn = input.KMSKeyArn as string;
      else delete out.KMSKeyArn;
    }
    if (input.VpcConfig !== undefined) {
      const vpc = input.VpcConfig as { SubnetIds?: string[]; SecurityGroupIds?: string[] };
      if (vpc.SubnetIds?.length || vpc.SecurityGroupIds?.length) {
        out.VpcConfig = { SubnetIds: vpc.SubnetIds ?? [], SecurityGroupIds: vpc.SecurityGroupIds ?? [], VpcId: 'vpc-lambkin', Ipv6AllowedForDualStack: false };
      } else delete out.VpcConfig;
    }
    return out;
  }
}

function baseConfig(region: string, name: string, role: string, pkg: StoredPackage, now: number): StoredConfig {
  return {
    Role: role,
    CodeSize: pkg.size,
    Description: '',
    Timeout: 3,
    MemorySize: 128,
    LastModified: lambdaTimestamp(now),
    CodeSha256: pkg.sha256b64,
    RevisionId: newRevisionId(),
    TracingConfig: { Mode: 'PassThrough' },
    State: 'Active',
    PackageType: 'Zip',
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: loggingConfig(name, {}),
  };
}

function loggingConfig(name: string, given: Partial<LoggingConfig>): LoggingConfig {
  const format = given.LogFormat ?? 'Text';
  const out: LoggingConfig = { LogFormat: format, LogGroup: given.LogGroup || `/aws/lambda/${name}` };
  if (format === 'JSON') {
    out.ApplicationLogLevel = given.ApplicationLogLevel ?? 'INFO';
    out.SystemLogLevel = given.SystemLogLevel ?? 'INFO';
  }
  return out;
}

/** A just-published version as Publish=true on Create/UpdateFunctionCode reports it (the stored one is Active). */
function justPublished(v: VersionRecord): VersionRecord {
  return { ...v, config: { ...stripState(v.config), ...CREATING } };
}

/**
 * The stored form of a create or update: AWS's asynchronous transition (Pending → Active,
 * InProgress → Successful) already done, with the new RevisionId that transition brings. It is
 * written in the same transaction as the change itself, so no crash can leave a function stuck
 * Pending or InProgress.
 */
function settled(c: StoredConfig): StoredConfig {
  return { ...stripState(c), State: 'Active', LastUpdateStatus: 'Successful', RevisionId: newRevisionId() };
}

function stripState(c: StoredConfig): StoredConfig {
  const { StateReason, StateReasonCode, LastUpdateStatus, LastUpdateStatusReason, LastUpdateStatusReasonCode, ...rest } = c;
  void StateReason; void StateReasonCode; void LastUpdateStatus; void LastUpdateStatusReason; void LastUpdateStatusReasonCode;
  return rest as StoredConfig;
}

function requireZip(code: { ZipFile?: PackageSource; S3Bucket?: string; S3Key?: string; ImageUri?: string }): PackageSource {
  if (code.ZipFile) return code.ZipFile;
  if (code.S3Bucket || code.S3Key) {
    throw invalidParameter(`Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist (Lambkin has no S3: upload the package as Code.ZipFile)`);
  }
  if (code.ImageUri) throw invalidParameter('Lambkin runs .zip functions only: ImageUri needs a container runtime, which Lambkin does not use.');
  throw invalidParameter('Please provide a source for function code.');
}
