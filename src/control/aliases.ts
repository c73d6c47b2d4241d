/** Aliases: named pointers to a version, optionally splitting traffic with a second version by weight. */
import { LambdaError, ValidationErrors, conflict, invalidParameter, notFound } from '../errors.js';
import { newRevisionId } from '../util/ids.js';
import type { ControlContext } from './context.js';
import { LATEST, type AliasRecord } from './model.js';
import { functionArn, parseFunctionName } from './names.js';
import { checkRevision, decodeMarker, encodeMarker, pageSize } from './paging.js';
import { expectString } from './versions.js';

const ALIAS_PATTERN = '(?!^[0-9]+$)([a-zA-Z0-9-_]+)';
const VERSION_PATTERN = '(\\$LATEST|[0-9]+)';

export interface AliasInput {
  Name?: unknown;
  FunctionVersion?: unknown;
  Description?: unknown;
  RoutingConfig?: { AdditionalVersionWeights?: Record<string, unknown> } | null;
  RevisionId?: unknown;
}

export class AliasService {
  constructor(private readonly ctx: ControlContext) {}

  private arn(region: string, fn: string, alias?: string): string {
    return functionArn(region, this.ctx.config.accountId, fn, alias);
  }

  render(a: AliasRecord) {
    return {
      AliasArn: this.arn(a.region, a.functionName, a.name),
      Name: a.name,
      FunctionVersion: a.functionVersion,
      Description: a.description,
      ...(a.additionalVersionWeights ? { RoutingConfig: { AdditionalVersionWeights: a.additionalVersionWeights } } : {}),
      RevisionId: a.revisionId,
    };
  }

  /** Alias operations on a function that doesn't exist report the function, not the alias. */
  private async requireFunction(region: string, fn: string): Promise<void> {
    if (!(await this.ctx.store.getFunction(region, fn))) throw notFound(`Function not found: ${this.arn(region, fn)}`);
  }

  private fnName(region: string, raw: string): string {
    const ref = parseFunctionName(raw, 'write', region, this.ctx.config.accountId);
    return ref.name;
  }

  private checkShape(input: AliasInput, creating: boolean): void {
    for (const member of ['Name', 'FunctionVersion', 'Description', 'RevisionId'] as const) expectString(input[member], member);
    const routing = input.RoutingConfig as unknown;
    const weightsRaw = (routing as { AdditionalVersionWeights?: unknown } | null | undefined)?.AdditionalVersionWeights;
    for (const [value, member] of [[routing, 'RoutingConfig'], [weightsRaw, 'RoutingConfig.AdditionalVersionWeights']] as const) {
      if (value !== undefined && value !== null && (typeof value !== 'object' || Array.isArray(value))) {
        throw new LambdaError('InvalidRequestContentException', `Could not parse request body into json: Unexpected value for member ${member}: expected object`);
      }
    }
    const errors = new ValidationErrors();
    if (creating) {
      if (input.Name == null) errors.add(null, 'name', 'Member must not be null');
      if (input.FunctionVersion == null) errors.add(null, 'functionVersion', 'Member must not be null');
    }
    if (typeof input.Name === 'string') aliasName(input.Name, errors);
    if (typeof input.FunctionVersion === 'string') {
      if (!new RegExp(`^${VERSION_PATTERN}$`).test(input.FunctionVersion)) {
        errors.add(input.FunctionVersion, 'functionVersion', `Member must satisfy regular expression pattern: ${VERSION_PATTERN}`);
      }
    }
    if (typeof input.Description === 'string' && input.Description.length > 256) {
      errors.add(input.Description, 'description', 'Member must have length less than or equal to 256');
    }
    const weights = input.RoutingConfig?.AdditionalVersionWeights;
    if (weights) {
      if (Object.keys(weights).some((k) => !/^[0-9]+$/.test(k))) {
        errors.add(weights, 'routingConfig.additionalVersionWeights', 'Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]');
      }
      if (Object.values(weights).some((w) => typeof w !== 'number' || w < 0 || w > 1)) {
        errors.add(weights, 'routingConfig.additionalVersionWeights', 'Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]');
      }
    }
    errors.throwIfAny();
  }

  /** The service rules on a complete alias (after merging an update). */
  private async checkTargets(region: string, fn: string, version: string, weights: Record<string, number> | undefined): Promise<void> {
    if (version !== LATEST && !(await this.ctx.store.getVersion(region, fn, version))) {
      throw notFound(`Function not found: ${this.arn(region, fn, version)}`);
    }
    if (!weights || Object.keys(weights).length === 0) return;
    const keys = Object.keys(weights);
    if (keys.length > 1) throw invalidParameter('Number of items in AdditionalVersionWeights cannot be greater than 1');
    if (version === LATEST) throw invalidParameter('$LATEST is not supported for an alias pointing to more than 1 version');
    if (keys[0] === version) {
      throw invalidParameter(`Invalid function version ${version}. Function version ${version} is already included in routing configuration.`);
    }
    if (!(await this.ctx.store.getVersion(region, fn, keys[0]))) throw notFound(`Function not found: ${this.arn(region, fn, keys[0])}`);
  }

  async create(region: string, rawFn: string, input: AliasInput) {
    this.checkShape(input, true);
    const fn = this.fnName(region, rawFn);
    if (!(await this.ctx.store.getFunction(region, fn))) throw notFound(`Function not found: ${this.arn(region, fn)}`);
    const weights = normaliseWeights(input.RoutingConfig?.AdditionalVersionWeights);
    await this.checkTargets(region, fn, input.FunctionVersion as string, weights);
    const alias: AliasRecord = {
      region,
      functionName: fn,
      name: input.Name as string,
      functionVersion: input.FunctionVersion as string,
      description: (input.Description as string | undefined) ?? '',
      ...(weights ? { additionalVersionWeights: weights } : {}),
      revisionId: newRevisionId(),
    };
    const result = await this.ctx.store.createAlias(alias);
    if (result === 'exists') throw conflict(`Alias already exists: ${this.arn(region, fn, alias.name)}`);
    if (result === 'no-function') throw notFound(`Function not found: ${this.arn(region, fn)}`);
    this.ctx.changes.publish({ kind: 'alias', region, name: fn, alias: alias.name });
    return this.render(alias);
  }

  async get(region: string, rawFn: string, name: string) {
    this.checkShape({ Name: name }, false);
    const fn = this.fnName(region, rawFn);
    await this.requireFunction(region, fn);
    const alias = await this.ctx.store.getAlias(region, fn, name);
    if (!alias) throw notFound(`Cannot find alias arn: ${this.arn(region, fn, name)}`);
    return this.render(alias);
  }

  async update(region: string, rawFn: string, name: string, input: AliasInput) {
    this.checkShape({ ...input, Name: name }, false);
    const fn = this.fnName(region, rawFn);
    await this.requireFunction(region, fn);
    const current = await this.ctx.store.getAlias(region, fn, name);
    if (!current) throw notFound(`Alias not found: ${this.arn(region, fn, name)}`);
    checkRevision(input.RevisionId, current.revisionId);
    const version = (input.FunctionVersion as string | undefined) ?? current.functionVersion;
    const weights =
      input.RoutingConfig === undefined ? current.additionalVersionWeights : normaliseWeights(input.RoutingConfig?.AdditionalVersionWeights);
    await this.checkTargets(region, fn, version, weights);
    const updated = await this.ctx.store.updateAlias(region, fn, name, (a) => {
      checkRevision(input.RevisionId, a.revisionId);
      const next: AliasRecord = {
        ...a,
        functionVersion: version,
        description: (input.Description as string | undefined) ?? a.description,
        revisionId: newRevisionId(),
      };
      delete next.additionalVersionWeights;
      if (weights) next.additionalVersionWeights = weights;
      return next;
    });
    if (!updated) throw notFound(`Alias not found: ${this.arn(region, fn, name)}`);
    this.ctx.changes.publish({ kind: 'alias', region, name: fn, alias: name });
    return this.render(updated);
  }

  async delete(region: string, rawFn: string, name: string) {
    this.checkShape({ Name: name }, false);
    const fn = this.fnName(region, rawFn);
    await this.ctx.store.deleteAlias(region, fn, name);
    this.ctx.changes.publish({ kind: 'alias', region, name: fn, alias: name });
  }

  async list(region: string, rawFn: string, opts: { functionVersion?: string; marker?: string; maxItems?: number }) {
    const fn = this.fnName(region, rawFn);
    const limit = pageSize(opts.maxItems);
    if (!(await this.ctx.store.getFunction(region, fn))) throw notFound(`Function not found: ${this.arn(region, fn)}`);
    const after = decodeMarker(opts.marker);
    const all = (await this.ctx.store.listAliases(region, fn)).filter(
      (a) => opts.functionVersion === undefined || a.functionVersion === opts.functionVersion,
    );
    const start = after === undefined ? 0 : all.findIndex((a) => a.name > after);
    const page = start < 0 ? [] : all.slice(start, start + limit);
    const more = start >= 0 && start + limit < all.length;
    return {
      Aliases: page.map((a) => this.render(a)),
      ...(more ? { NextMarker: encodeMarker(page[page.length - 1].name) } : {}),
    };
  }
}

function aliasName(name: string, errors: ValidationErrors): void {
  if (name.length > 128) errors.add(name, 'name', 'Member must have length less than or equal to 128');
  if (name.length < 1) errors.add(name, 'name', 'Member must have length greater than or equal to 1');
  else if (!/^[a-zA-Z0-9-_]+$/.test(name) || /^[0-9]+$/.test(name)) {
    errors.add(name, 'name', `Member must satisfy regular expression pattern: ${ALIAS_PATTERN}`);
  }
}

function normaliseWeights(w: Record<string, unknown> | undefined): Record<string, number> | undefined {
  if (!w || Object.keys(w).length === 0) return undefined;
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, Number(v)]));
}
