/**
 * Event source mappings (SQS): the Lambda API's Create/Get/Update/Delete/ListEventSourceMappings
 * with AWS's validation, states (Creating → Enabled, Enabling, Updating, Disabling → Disabled,
 * Deleting) and errors; one Poller per enabled mapping.
 */
import { randomUUID } from 'node:crypto';
import { LambdaError, ValidationErrors, conflict, invalidParameter, notFound } from '../../errors.js';
import { functionArn, parseFunctionName } from '../../control/names.js';
import type { FunctionStore } from '../../store/store.js';
import type { MappingRecord, MappingStore } from '../../store/events-store.js';
import type { Clock } from '../clock.js';
import type { SqsService } from '../queues/sqs-service.js';
import { parseQueueArn } from '../queues/names.js';
import { compileFilterCriteria, FilterPatternError } from './filter.js';
import { Poller, type PollerDeps, type PollerStats } from './poller.js';

type Body = Record<string, unknown>;

export interface MappingServiceDeps extends Omit<PollerDeps, 'sqs' | 'clock'> {
  mappings: MappingStore;
  functions: FunctionStore;
  sqs: SqsService;
  clock: Clock;
  accountId: string;
}

const ESM_NOT_FOUND = 'The resource you requested does not exist.';

export class MappingService {
  private readonly pollers = new Map<string, Poller>();
  private readonly settling = new Set<Promise<void>>();

  constructor(private readonly deps: MappingServiceDeps) {}

  /** Starts the pollers of enabled mappings and finishes transitions an earlier run left open. */
  async start(): Promise<void> {
    let after: string | undefined;
    do {
      const page = await this.deps.mappings.listMappings(undefined, after, 500);
      for (const m of page.items) {
        if (m.state === 'Deleting') await this.deps.mappings.deleteMapping(m.uuid);
        else await this.settle(m.uuid);
      }
      after = page.next;
    } while (after);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.settling]);
    await Promise.all([...this.pollers.values()].map((p) => p.stop()));
    this.pollers.clear();
  }

  stats(uuid: string): PollerStats | undefined {
    return this.pollers.get(uuid)?.stats;
  }

  async create(region: string, b: Body): Promise<Body> {
    const now = this.deps.clock.now();
    const fn = await this.resolveFunction(region, b.FunctionName);
    const source = await this.checkSource(region, b.EventSourceArn);
    const enabled = b.Enabled === undefined || b.Enabled === null ? true : b.Enabled === true;
    const m: MappingRecord = {
      uuid: randomUUID(),
      region,
      ...fn,
      eventSourceArn: source.arn,
      batchSize: 10,
      maximumBatchingWindowInSeconds: 0,
      enabled,
      state: enabled ? 'Creating' : 'Disabled',
      stateTransitionReason: 'USER_INITIATED',
      functionResponseTypes: [],
      lastModified: now,
      tags: (b.Tags ?? {}) as Record<string, string>,
    };
    applyConfig(m, b, source.fifo);
    const existing = await this.deps.mappings.createMapping(m);
    if (existing !== 'created') {
      throw conflict(`An event source mapping with SQS arn (" ${m.eventSourceArn} ") and function (" ${fn.functionName} ") already exists. Please update or delete the existing mapping with UUID ${existing.uuid}`);
    }
    if (enabled) this.settleLater(m.uuid);
    return render(m, this.deps.accountId);
  }

  async get(uuid: string): Promise<Body> {
    const m = await this.deps.mappings.getMapping(uuid);
    if (!m) throw notFound(ESM_NOT_FOUND);
    return render(m, this.deps.accountId);
  }

  async update(region: string, uuid: string, b: Body): Promise<Body> {
    const current = await this.deps.mappings.getMapping(uuid);
    if (!current || current.region !== region) throw notFound(ESM_NOT_FOUND);
    if (b.StartingPosition !== undefined) throw invalidParameter('StartingPosition is not valid for SQS event sources.');
    const fn = b.FunctionName !== undefined ? await this.resolveFunction(region, b.FunctionName) : undefined;
    const fifo = parseQueueArn(current.eventSourceArn)?.name.endsWith('.fifo') ?? false;
    const next = await this.deps.mappings.updateMapping(uuid, (m) => {
      const u: MappingRecord = { ...m, ...(fn ?? {}), lastModified: this.deps.clock.now() };
      applyConfig(u, b, fifo);
      const enabled = b.Enabled === undefined || b.Enabled === null ? m.enabled : b.Enabled === true;
      u.state = enabled !== m.enabled ? (enabled ? 'Enabling' : 'Disabling') : 'Updating';
      u.enabled = enabled;
      return u;
    });
    if (!next) throw notFound(ESM_NOT_FOUND);
    this.settleLater(uuid);
    return render(next, this.deps.accountId);
  }

  async delete(region: string, uuid: string): Promise<Body> {
    const m = await this.deps.mappings.updateMapping(uuid, (cur) => ({ ...cur, state: 'Deleting' }));
    if (!m || m.region !== region) throw notFound(ESM_NOT_FOUND);
    const p = (async () => {
      await this.pollers.get(uuid)?.stop();
      this.pollers.delete(uuid);
      await this.deps.mappings.deleteMapping(uuid);
    })();
    this.track(p);
    return render(m, this.deps.accountId);
  }

  async list(region: string, q: { eventSourceArn?: string; functionName?: string; marker?: string; maxItems?: number }): Promise<Body> {
    if (q.maxItems !== undefined && (q.maxItems < 1 || q.maxItems > 10_000)) {
      const e = new ValidationErrors();
      e.add(q.maxItems, 'maxItems', q.maxItems < 1 ? 'Member must have value greater than or equal to 1' : 'Member must have value less than or equal to 10000');
      e.throwIfAny();
    }
    const limit = Math.min(q.maxItems ?? 100, 100);
    const fn = q.functionName !== undefined ? parseFunctionName(q.functionName, 'read', region, this.deps.accountId) : undefined;
    const matches = (m: MappingRecord) =>
      (q.eventSourceArn === undefined || m.eventSourceArn === q.eventSourceArn) &&
      (fn === undefined || (m.functionName === fn.name && (fn.qualifier === undefined || m.qualifier === fn.qualifier)));
    const items: MappingRecord[] = [];
    let after = q.marker;
    let more = false;
    for (;;) {
      const page = await this.deps.mappings.listMappings(region, after, 200);
      for (const m of page.items) {
        if (!matches(m)) continue;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push(m);
      }
      if (more || !page.next) break;
      after = page.next;
    }
    return {
      EventSourceMappings: items.map((m) => render(m, this.deps.accountId)),
      ...(more ? { NextMarker: items[items.length - 1].uuid } : {}),
    };
  }

  /** All mappings with their pollers' stats (for `lambkin events`). */
  async overview(): Promise<{ mapping: MappingRecord; stats?: PollerStats }[]> {
    const out: { mapping: MappingRecord; stats?: PollerStats }[] = [];
    let after: string | undefined;
    do {
      const page = await this.deps.mappings.listMappings(undefined, after, 500);
      for (const m of page.items) out.push({ mapping: m, stats: this.pollers.get(m.uuid)?.stats });
      after = page.next;
    } while (after);
    return out;
  }

  private track(p: Promise<void>): void {
    const t = p.catch((err) => this.deps.log?.(`event source mapping: ${String(err)}`)).finally(() => this.settling.delete(t));
    this.settling.add(t);
  }

  private settleLater(uuid: string): void {
    this.track(new Promise<void>((r) => setImmediate(r)).then(() => this.settle(uuid)));
  }

  /** Brings pollers in line with the stored mapping and ends its transitional state. */
  private async settle(uuid: string): Promise<void> {
    const m = await this.deps.mappings.getMapping(uuid);
    const old = this.pollers.get(uuid);
    if (old) {
      await old.stop();
      this.pollers.delete(uuid);
    }
    if (!m || m.state === 'Deleting') return;
    if (m.enabled) {
      const p = new Poller(m, { ...this.deps });
      if (old) Object.assign(p.stats, { ...old.stats, workers: 0 });
      this.pollers.set(uuid, p);
      p.start();
    }
    const state = m.enabled ? 'Enabled' : 'Disabled';
    if (m.state !== state) await this.deps.mappings.updateMapping(uuid, (cur) => (cur.state === 'Deleting' ? cur : { ...cur, state }));
  }

  private async resolveFunction(region: string, raw: unknown): Promise<Pick<MappingRecord, 'functionName' | 'qualifier' | 'functionArn'>> {
    if (typeof raw !== 'string') throw new LambdaError('InvalidParameterValueException', 'FunctionName is required.');
    const ref = parseFunctionName(raw, 'read', region, this.deps.accountId);
    const arn = functionArn(region, this.deps.accountId, ref.name, ref.qualifier);
    const fn = await this.deps.functions.getFunction(region, ref.name);
    let exists = fn !== undefined;
    if (exists && ref.qualifier !== undefined && ref.qualifier !== '$LATEST') {
      exists = /^\d+$/.test(ref.qualifier)
        ? (await this.deps.functions.getVersion(region, ref.name, ref.qualifier)) !== undefined
        : (await this.deps.functions.getAlias(region, ref.name, ref.qualifier)) !== undefined;
    }
    if (!exists) throw notFound(`Function not found: ${arn}`);
    return { functionName: ref.name, ...(ref.qualifier !== undefined ? { qualifier: ref.qualifier } : {}), functionArn: arn };
  }

  private async checkSource(region: string, raw: unknown): Promise<{ arn: string; fifo: boolean }> {
    if (typeof raw !== 'string' || raw === '') throw invalidParameter('Unrecognized event source, must be kinesis, dynamodb stream or sqs.');
    const ref = parseQueueArn(raw);
    if (!ref) {
      if (/^arn:aws[a-z-]*:(kinesis|dynamodb|kafka|mq|docdb):/.test(raw)) throw invalidParameter(`Lambkin supports SQS event sources only, not ${raw}.`);
      throw invalidParameter('Unrecognized event source, must be kinesis, dynamodb stream or sqs.');
    }
    const q = ref.region === region ? await this.deps.sqs.queueByArn(raw) : undefined;
    if (!q) {
      throw invalidParameter('Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.');
    }
    return { arn: raw, fifo: q.fifo };
  }
}

/** Applies and checks the settable members of Create/UpdateEventSourceMapping. */
function applyConfig(m: MappingRecord, b: Body, fifo: boolean): void {
  const errors = new ValidationErrors();
  const int = (key: string, path: string, min: number, max: number): number | undefined => {
    const v = b[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      errors.add(v, path, 'Member must be an integer');
      return undefined;
    }
    if (v < min) errors.add(v, path, `Member must have value greater than or equal to ${min}`);
    if (v > max) errors.add(v, path, `Member must have value less than or equal to ${max}`);
    return v;
  };
  const batchSize = int('BatchSize', 'batchSize', 1, 10_000);
  const window = int('MaximumBatchingWindowInSeconds', 'maximumBatchingWindowInSeconds', 0, 300);
  const scaling = b.ScalingConfig as Body | undefined | null;
  let maxConcurrency: number | undefined;
  if (scaling && scaling.MaximumConcurrency !== undefined) {
    const v = scaling.MaximumConcurrency;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 2 || v > 1000) {
      errors.add(v, 'scalingConfig.maximumConcurrency', typeof v === 'number' && v > 1000 ? 'Member must have value less than or equal to 1000' : 'Member must have value greater than or equal to 2');
    } else maxConcurrency = v;
  }
  const types = b.FunctionResponseTypes;
  if (types !== undefined && types !== null) {
    if (!Array.isArray(types) || types.length > 1 || types.some((t) => t !== 'ReportBatchItemFailures')) {
      errors.add(types, 'functionResponseTypes', 'Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]');
    }
  }
  if (b.StartingPosition !== undefined && !['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'].includes(String(b.StartingPosition))) {
    errors.add(b.StartingPosition, 'startingPosition', 'Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]');
  }
  errors.throwIfAny();
  if (b.StartingPosition !== undefined || b.StartingPositionTimestamp !== undefined) throw invalidParameter('StartingPosition is not valid for SQS event sources.');
  if (batchSize !== undefined) m.batchSize = batchSize;
  if (window !== undefined) m.maximumBatchingWindowInSeconds = window;
  if (fifo && m.batchSize > 10) throw invalidParameter('Batch size must be between 1 and 10 for FIFO queues.');
  if (m.batchSize > 10 && m.maximumBatchingWindowInSeconds < 1) {
    throw invalidParameter('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
  }
  if (scaling !== undefined) {
    if (maxConcurrency === undefined) delete m.maximumConcurrency;
    else m.maximumConcurrency = maxConcurrency;
  }
  if (Array.isArray(types)) m.functionResponseTypes = types as string[];
  if (b.FilterCriteria !== undefined) {
    const fc = b.FilterCriteria as { Filters?: { Pattern?: string }[] } | null;
    const filters = fc?.Filters ?? [];
    try {
      if (!Array.isArray(filters) || filters.length > 5) throw new FilterPatternError();
      compileFilterCriteria(filters);
    } catch (err) {
      if (err instanceof FilterPatternError) throw invalidParameter(err.message);
      throw err;
    }
    if (filters.length === 0) delete m.filterCriteria;
    else m.filterCriteria = { Filters: filters.map((f) => ({ Pattern: String(f.Pattern) })) };
  }
}

export function render(m: MappingRecord, accountId: string): Body {
  return {
    UUID: m.uuid,
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    EventSourceArn: m.eventSourceArn,
    ...(m.filterCriteria ? { FilterCriteria: m.filterCriteria } : {}),
    FunctionArn: m.functionArn,
    LastModified: m.lastModified / 1000,
    State: m.state,
    StateTransitionReason: m.stateTransitionReason,
    FunctionResponseTypes: m.functionResponseTypes,
    ...(m.maximumConcurrency !== undefined ? { ScalingConfig: { MaximumConcurrency: m.maximumConcurrency } } : {}),
    EventSourceMappingArn: `arn:aws:lambda:${m.region}:${accountId}:event-source-mapping:${m.uuid}`,
  };
}
