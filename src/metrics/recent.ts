/**
 * A small in-memory record of recent invocations per function, for windowed statistics that
 * Prometheus histograms cannot give (p50/p90/p99 over the last N minutes, error and cold-start
 * rates). Bounded by age and by count per function.
 */

export interface Sample {
  /** Completion time, epoch ms. */
  t: number;
  version: string;
  durationMs: number;
  error: boolean;
  errorType?: string;
  throttled: boolean;
  cold: boolean;
  initMs?: number;
}

export interface DurationStats {
  p50: number;
  p90: number;
  p99: number;
  avg: number;
  max: number;
}

export interface FunctionStats {
  region: string;
  functionName: string;
  invocations: number;
  errors: number;
  throttles: number;
  coldStarts: number;
  errorRate: number;
  coldStartRate: number;
  duration?: DurationStats;
  initDuration?: DurationStats;
  concurrentExecutions: number;
  byVersion: Record<string, number>;
  errorTypes: Record<string, number>;
  lastInvocation?: number;
}

/** A queue that drops from the front cheaply. */
class Ring {
  items: Sample[] = [];
  head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(s: Sample): void {
    this.items.push(s);
  }
  dropWhile(pred: (s: Sample) => boolean, max: number): void {
    while (this.head < this.items.length && (pred(this.items[this.head]) || this.size > max)) this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
  since(t: number): Sample[] {
    // Samples are appended in completion order: binary search the first one at or after t.
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid].t < t) lo = mid + 1;
      else hi = mid;
    }
    return this.items.slice(lo);
  }
}

export class RecentInvocations {
  private readonly rings = new Map<string, Ring>();

  constructor(readonly windowMs = 60 * 60_000, private readonly maxPerFunction = 100_000) {}

  add(region: string, functionName: string, s: Sample): void {
    const key = `${region}\0${functionName}`;
    let ring = this.rings.get(key);
    if (!ring) {
      ring = new Ring();
      this.rings.set(key, ring);
    }
    ring.push(s);
    const cutoff = s.t - this.windowMs;
    ring.dropWhile((x) => x.t < cutoff, this.maxPerFunction);
  }

  forget(region: string, functionName: string): void {
    this.rings.delete(`${region}\0${functionName}`);
  }

  /** Statistics over the last `minutes`, for one function or every function of a region (or all regions). */
  summary(opts: { region?: string; functionName?: string; minutes: number; now?: number; concurrency?: (region: string, fn: string) => number }): FunctionStats[] {
    const now = opts.now ?? Date.now();
    const since = now - opts.minutes * 60_000;
    const out: FunctionStats[] = [];
    for (const [key, ring] of this.rings) {
      const [region, functionName] = key.split('\0');
      if (opts.region && region !== opts.region) continue;
      if (opts.functionName && functionName !== opts.functionName) continue;
      const samples = ring.since(since);
      if (samples.length === 0 && !opts.functionName) continue;
      out.push(summarise(region, functionName, samples, opts.concurrency?.(region, functionName) ?? 0));
    }
    return out.sort((a, b) => a.functionName.localeCompare(b.functionName) || a.region.localeCompare(b.region));
  }
}

function summarise(region: string, functionName: string, samples: Sample[], concurrentExecutions: number): FunctionStats {
  const ran = samples.filter((s) => !s.throttled);
  const errors = ran.filter((s) => s.error).length;
  const cold = ran.filter((s) => s.cold).length;
  const byVersion: Record<string, number> = {};
  const errorTypes: Record<string, number> = {};
  for (const s of ran) {
    byVersion[s.version] = (byVersion[s.version] ?? 0) + 1;
    if (s.error) errorTypes[s.errorType ?? 'Unknown'] = (errorTypes[s.errorType ?? 'Unknown'] ?? 0) + 1;
  }
  const inits = ran.filter((s) => s.initMs !== undefined).map((s) => s.initMs!);
  return {
    region,
    functionName,
    invocations: ran.length,
    errors,
    throttles: samples.length - ran.length,
    coldStarts: cold,
    errorRate: ran.length ? errors / ran.length : 0,
    coldStartRate: ran.length ? cold / ran.length : 0,
    ...(ran.length ? { duration: durationStats(ran.map((s) => s.durationMs)) } : {}),
    ...(inits.length ? { initDuration: durationStats(inits) } : {}),
    concurrentExecutions,
    byVersion,
    errorTypes,
    ...(samples.length ? { lastInvocation: samples[samples.length - 1].t } : {}),
  };
}

/** Nearest-rank percentiles. */
export function durationStats(values: number[]): DurationStats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    avg: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    max: round(sorted[sorted.length - 1]),
  };
}
