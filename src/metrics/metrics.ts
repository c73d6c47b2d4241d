/**
 * Server metrics in Prometheus form (prom-client, one registry per server): per function and version
 * the counterparts of Lambda's CloudWatch metrics (Invocations, Errors, Throttles, Duration,
 * ConcurrentExecutions) plus cold starts and init duration; server-wide environments by state and
 * memory committed; log storage. Also feeds the recent-invocations ring behind `lambkin stats`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { VersionRecord } from '../control/model.js';
import type { InvocationOutcome } from '../environment/outcome.js';
import { RecentInvocations } from './recent.js';

type FnLabels = 'region' | 'function' | 'version';

export interface EnvironmentCounts {
  busy: number;
  idle: number;
  starting: number;
  /** Generic environments started ahead, waiting for a function (the prewarmed pool). */
  prewarmed: number;
  /** Σ MemorySize of live environments. */
  memoryMB: number;
}

export interface LogCounts {
  storedBytes: number;
  /** Events dropped because the disk was nearly full or a write failed. */
  dropped: number;
  expired: number;
  capped: number;
  written: number;
}

/** Per log group: what its write budget dropped, what the size budgets evicted, what it holds. */
export interface LogGroupCounts {
  throttled: { region: string; group: string; events: number; bytes: number }[];
  evicted: { region: string; group: string; events: number; bytes: number }[];
  stored: { region: string; group: string; bytes: number }[];
}

export interface MetricsSources {
  environments?: () => EnvironmentCounts;
  logs?: () => LogCounts | Promise<LogCounts>;
  logGroups?: () => LogGroupCounts;
}

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
const INIT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();
  readonly recent = new RecentInvocations();
  private readonly invocations: Counter<FnLabels>;
  private readonly errors: Counter<FnLabels>;
  private readonly throttles: Counter<FnLabels>;
  private readonly coldStarts: Counter<FnLabels>;
  private readonly duration: Histogram<FnLabels>;
  private readonly initDuration: Histogram<FnLabels>;
  private readonly concurrent: Gauge<FnLabels>;
  /** In flight per region/function/version, and which versions each function has series for. */
  private readonly inflight = new Map<string, number>();
  private readonly versionsSeen = new Map<string, Set<string>>();

  constructor(sources: MetricsSources = {}) {
    const registers = [this.registry];
    const fn = { labelNames: ['region', 'function', 'version'] as FnLabels[], registers };
    this.invocations = new Counter({ name: 'lambkin_invocations_total', help: 'Invocations that ran (successful or with a function error; not throttled ones).', ...fn });
    this.errors = new Counter({ name: 'lambkin_errors_total', help: 'Invocations that ended in a function error (incl. timeouts and runtime crashes).', ...fn });
    this.throttles = new Counter({ name: 'lambkin_throttles_total', help: 'Invocation requests refused for lack of concurrency.', ...fn });
    this.coldStarts = new Counter({ name: 'lambkin_cold_starts_total', help: 'Invocations that started a new execution environment.', ...fn });
    this.duration = new Histogram({ name: 'lambkin_duration_seconds', help: 'Invocation duration as REPORT shows it.', buckets: DURATION_BUCKETS, ...fn });
    this.initDuration = new Histogram({ name: 'lambkin_init_duration_seconds', help: 'Init phase duration of new execution environments.', buckets: INIT_BUCKETS, ...fn });
    this.concurrent = new Gauge({ name: 'lambkin_concurrent_executions', help: 'Invocations running now.', ...fn });

    const envs = sources.environments;
    if (envs) {
      new Gauge({
        name: 'lambkin_environments',
        help: 'Execution environments by state.',
        labelNames: ['state'],
        registers,
        collect() {
          const c = envs();
          this.set({ state: 'busy' }, c.busy);
          this.set({ state: 'idle' }, c.idle);
          this.set({ state: 'starting' }, c.starting);
          this.set({ state: 'prewarmed' }, c.prewarmed);
        },
      });
      new Gauge({
        name: 'lambkin_memory_committed_megabytes',
        help: 'Sum of the configured MemorySize of all live execution environments.',
        registers,
        collect() {
          this.set(envs().memoryMB);
        },
      });
    }
    const logs = sources.logs;
    if (logs) {
      new Gauge({ name: 'lambkin_log_stored_bytes', help: 'Bytes of log messages stored.', registers, async collect() { this.set((await logs()).storedBytes); } });
      const counterFrom = (name: string, help: string, pick: (c: LogCounts) => number) => {
        let seen = 0;
        new Counter({
          name,
          help,
          registers,
          async collect() {
            const v = pick(await logs());
            if (v > seen) this.inc(v - seen);
            seen = Math.max(seen, v);
          },
        });
      };
      counterFrom('lambkin_log_events_written_total', 'Log events stored.', (c) => c.written);
      counterFrom('lambkin_log_events_dropped_total', 'Log events dropped (disk nearly full, or a failed write).', (c) => c.dropped);
      counterFrom('lambkin_log_events_expired_total', 'Log events deleted by retention policies.', (c) => c.expired);
      counterFrom('lambkin_log_events_capped_total', 'Oldest log events deleted to stay within logMaxBytes / logGroupMaxBytes.', (c) => c.capped);
    }
    const groups = sources.logGroups;
    if (groups) this.logGroupMetrics(groups);
    collectDefaultMetrics({ register: this.registry, prefix: 'lambkin_' });
  }

  /** Labelled by region and log_group; counters follow the sources' running totals. */
  private logGroupMetrics(groups: () => LogGroupCounts): void {
    const registers = [this.registry];
    const labelNames = ['region', 'log_group'] as const;
    const counter = (name: string, help: string, pick: (c: LogGroupCounts) => { region: string; group: string; events: number; bytes: number }[], field: 'events' | 'bytes') => {
      const seen = new Map<string, number>();
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          for (const r of pick(groups())) {
            const key = `${r.region}\0${r.group}`;
            const before = seen.get(key) ?? 0;
            if (r[field] > before) this.inc({ region: r.region, log_group: r.group }, r[field] - before);
            seen.set(key, Math.max(before, r[field]));
          }
        },
      });
    };
    counter('lambkin_log_group_throttled_events_total', 'Log events a function wrote beyond its log group\'s rate budget (dropped).', (c) => c.throttled, 'events');
    counter('lambkin_log_group_throttled_bytes_total', 'Bytes of log events dropped for the log group\'s rate budget.', (c) => c.throttled, 'bytes');
    counter('lambkin_log_group_evicted_events_total', 'Stored log events deleted to keep the group within its share of the size budgets.', (c) => c.evicted, 'events');
    counter('lambkin_log_group_evicted_bytes_total', 'Bytes of stored log events deleted for the size budgets.', (c) => c.evicted, 'bytes');
    new Gauge({
      name: 'lambkin_log_group_stored_bytes',
      help: 'Bytes of log messages a log group holds (as of the last maintenance pass).',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const g of groups().stored) this.set({ region: g.region, log_group: g.group }, g.bytes);
      },
    });
  }

  private labels(v: VersionRecord): Record<FnLabels, string> {
    const fnKey = `${v.region}\0${v.functionName}`;
    let seen = this.versionsSeen.get(fnKey);
    if (!seen) this.versionsSeen.set(fnKey, (seen = new Set()));
    seen.add(v.version);
    return { region: v.region, function: v.functionName, version: v.version };
  }

  /** An invocation got past the concurrency check and is about to run. */
  started(v: VersionRecord): void {
    const l = this.labels(v);
    const key = `${v.region}\0${v.functionName}\0${v.version}`;
    this.inflight.set(key, (this.inflight.get(key) ?? 0) + 1);
    this.concurrent.inc(l);
  }

  /** An invocation finished (outcome), was throttled, or failed before running (neither). */
  finished(v: VersionRecord, outcome: InvocationOutcome | undefined, throttled: boolean): void {
    const l = this.labels(v);
    const now = Date.now();
    if (throttled) {
      this.throttles.inc(l);
      this.recent.add(v.region, v.functionName, { t: now, version: v.version, durationMs: 0, error: false, throttled: true, cold: false });
      return;
    }
    const key = `${v.region}\0${v.functionName}\0${v.version}`;
    const n = (this.inflight.get(key) ?? 0) - 1;
    if (n > 0) this.inflight.set(key, n);
    else this.inflight.delete(key);
    this.concurrent.set(l, Math.max(0, n));
    if (!outcome) return;
    this.invocations.inc(l);
    if (outcome.functionError) this.errors.inc(l);
    if (outcome.coldStart) this.coldStarts.inc(l);
    this.duration.observe(l, outcome.durationMs / 1000);
    if (outcome.initDurationMs !== undefined) this.initDuration.observe(l, outcome.initDurationMs / 1000);
    this.recent.add(v.region, v.functionName, {
      t: now,
      version: v.version,
      durationMs: outcome.durationMs,
      error: outcome.functionError,
      errorType: outcome.errorType,
      throttled: false,
      cold: outcome.coldStart,
      initMs: outcome.initDurationMs,
    });
  }

  /** Invocations of a function running now (all versions). */
  concurrency(region: string, functionName: string): number {
    let n = 0;
    const prefix = `${region}\0${functionName}\0`;
    for (const [k, v] of this.inflight) if (k.startsWith(prefix)) n += v;
    return n;
  }

  /** A deleted function's series go (a new function of the same name starts from zero, as in CloudWatch). */
  functionDeleted(region: string, functionName: string): void {
    const fnKey = `${region}\0${functionName}`;
    for (const version of this.versionsSeen.get(fnKey) ?? []) {
      if (this.inflight.has(`${fnKey}\0${version}`)) continue;
      const l = { region, function: functionName, version };
      for (const m of [this.invocations, this.errors, this.throttles, this.coldStarts, this.duration, this.initDuration, this.concurrent]) m.remove(l);
    }
    this.versionsSeen.delete(fnKey);
    this.recent.forget(region, functionName);
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
