/** Prometheus series of the event sources: queue depth and age, mapping batches, schedule firings. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { QueueCounts, QueueRecord } from '../store/events-store.js';

export interface EventMetricsSources {
  queues: () => Promise<{ q: QueueRecord; counts: QueueCounts }[]>;
  now: () => number;
}

export class EventMetrics {
  readonly batches: Counter<'region' | 'function' | 'uuid' | 'result'>;
  readonly records: Counter<'region' | 'function' | 'uuid'>;
  readonly batchFailures: Counter<'region' | 'function' | 'uuid'>;
  readonly firings: Counter<'region' | 'group' | 'schedule' | 'result'>;

  constructor(registry: Registry, sources: EventMetricsSources) {
    const registers = [registry];
    this.batches = new Counter({ name: 'lambkin_esm_batches_total', help: 'Batches an event source mapping handed to its function, by result.', labelNames: ['region', 'function', 'uuid', 'result'], registers });
    this.records = new Counter({ name: 'lambkin_esm_records_total', help: 'Records delivered by event source mappings.', labelNames: ['region', 'function', 'uuid'], registers });
    this.batchFailures = new Counter({ name: 'lambkin_esm_batch_failures_total', help: 'Batches that failed in whole or in part (function errors, reported item failures, throttles).', labelNames: ['region', 'function', 'uuid'], registers });
    this.firings = new Counter({ name: 'lambkin_schedule_firings_total', help: 'Schedule firings by result (fired, skipped after downtime, failed, dead-lettered).', labelNames: ['region', 'group', 'schedule', 'result'], registers });
    let latest: Promise<{ q: QueueRecord; counts: QueueCounts }[]> | undefined;
    const snapshot = () => (latest ??= sources.queues().finally(() => setImmediate(() => (latest = undefined))));
    new Gauge({
      name: 'lambkin_queue_messages',
      help: 'Messages in each queue by state (visible, in_flight, delayed).',
      labelNames: ['region', 'queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const { q, counts } of await snapshot()) {
          this.set({ region: q.region, queue: q.name, state: 'visible' }, counts.visible);
          this.set({ region: q.region, queue: q.name, state: 'in_flight' }, counts.inFlight);
          this.set({ region: q.region, queue: q.name, state: 'delayed' }, counts.delayed);
        }
      },
    });
    new Gauge({
      name: 'lambkin_queue_oldest_message_age_seconds',
      help: 'Age of the oldest message in each queue (ApproximateAgeOfOldestMessage).',
      labelNames: ['region', 'queue'],
      registers,
      async collect() {
        this.reset();
        const now = sources.now();
        for (const { q, counts } of await snapshot()) {
          this.set({ region: q.region, queue: q.name }, counts.oldestSentAt === undefined ? 0 : Math.max(0, (now - counts.oldestSentAt) / 1000));
        }
      },
    });
  }
}
