/**
 * The event sources as one unit the server starts and stops: the SQS-compatible queues, the event
 * source mappings' pollers and the schedules' runner, sharing one clock.
 */
import type { Registry } from 'prom-client';
import type { Store } from '../store/store.js';
import type { InvokeService } from '../invoke/invoke-service.js';
import { EventClock } from './clock.js';
import { SqsService } from './queues/sqs-service.js';
import { MappingService } from './mappings/mapping-service.js';
import { ScheduleService } from './schedules/schedule-service.js';
import { ScheduleRunner } from './schedules/runner.js';
import { EventMetrics } from '../metrics/event-metrics.js';

export interface EventSourcesOptions {
  store: Store;
  invoke: InvokeService;
  accountId: string;
  /** Account-wide concurrency limit (bounds a mapping's concurrent batches when the function reserves none). */
  concurrencyLimit: number;
  registry: Registry;
  log: (line: string) => void;
}

export class EventSources {
  readonly clock = new EventClock();
  readonly sqs: SqsService;
  readonly mappings: MappingService;
  readonly schedules: ScheduleService;
  readonly runner: ScheduleRunner;
  readonly metrics: EventMetrics;
  private readonly store: Store;

  constructor(opts: EventSourcesOptions) {
    this.store = opts.store;
    const { store, invoke, clock } = { ...opts, clock: this.clock };
    this.sqs = new SqsService({ store, clock, accountId: opts.accountId, log: opts.log });
    this.metrics = new EventMetrics(opts.registry, {
      now: () => clock.now(),
      queues: async () => Promise.all((await store.listAllQueues()).map(async (q) => ({ q, counts: await this.sqs.counts(q) }))),
    });
    const m = this.metrics;
    this.mappings = new MappingService({
      mappings: store,
      functions: store,
      sqs: this.sqs,
      clock,
      accountId: opts.accountId,
      log: opts.log,
      invoke: async (mapping, payload) => {
        const r = await invoke.invoke({ region: mapping.region, functionName: mapping.functionArn, payload, invocationType: 'RequestResponse' });
        return { functionError: r.functionError, payload: r.payload };
      },
      functionConcurrency: async (mapping) => (await store.getFunction(mapping.region, mapping.functionName))?.reservedConcurrency ?? opts.concurrencyLimit,
      observe: (mapping, result) => {
        const labels = { region: mapping.region, function: mapping.functionName, uuid: mapping.uuid };
        if (result.outcome === 'filtered') return;
        m.batches.inc({ ...labels, result: result.outcome });
        m.records.inc(labels, result.records);
        if (result.failed > 0) m.batchFailures.inc(labels);
      },
    });
    this.runner = new ScheduleRunner({
      store,
      clock,
      accountId: opts.accountId,
      log: opts.log,
      invokeAsync: async (region, functionArn, payload) => {
        await invoke.invoke({ region, functionName: functionArn, payload, invocationType: 'Event' });
      },
      sendToQueue: (arn, body, attributes) => this.sqs.sendInternal(arn, body, attributes),
      observe: (s, result) => m.firings.inc({ region: s.region, group: s.group, schedule: s.name, result }),
    });
    this.schedules = new ScheduleService(store, clock, opts.accountId, this.runner);
  }

  async start(): Promise<void> {
    this.sqs.start();
    await this.mappings.start();
    await this.runner.start();
  }

  async stop(): Promise<void> {
    this.sqs.stop();
    await this.mappings.stop();
    await this.runner.stop();
    this.clock.stop();
  }

  /** Mappings and schedules with their last run and backlog (for `lambkin events`). */
  async overview(): Promise<Record<string, unknown>> {
    const mappings = await Promise.all(
      (await this.mappings.overview()).map(async ({ mapping, stats }) => {
        const q = await this.sqs.queueByArn(mapping.eventSourceArn);
        const counts = q ? await this.sqs.counts(q) : undefined;
        return {
          UUID: mapping.uuid,
          FunctionArn: mapping.functionArn,
          EventSourceArn: mapping.eventSourceArn,
          State: mapping.state,
          BatchSize: mapping.batchSize,
          backlog: counts ? counts.visible + counts.delayed : null,
          inFlight: counts?.inFlight ?? null,
          pollers: stats?.workers ?? 0,
          batches: stats?.batches ?? 0,
          batchFailures: stats?.batchFailures ?? 0,
          records: stats?.records ?? 0,
          lastRun: stats?.lastRunAt ?? null,
          lastResult: stats?.lastResult ?? null,
        };
      }),
    );
    const schedules = (await this.store.listSchedules(undefined)).map((s) => ({
      Name: s.name,
      GroupName: s.group,
      Region: s.region,
      ScheduleExpression: s.expression,
      ScheduleExpressionTimezone: s.timezone ?? 'UTC',
      State: s.state,
      Target: (s.target as { Arn: string }).Arn,
      firings: s.firings,
      lastRun: s.lastRunAt ?? null,
      lastScheduledTime: s.lastFiredFor ?? null,
      lastResult: s.lastResult ?? null,
      nextRun: this.runner.nextRun(s) ?? null,
    }));
    return { now: this.clock.now(), mappings, schedules };
  }
}
