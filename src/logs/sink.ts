/**
 * Persists log events in batches, off the invoke path: events are buffered in memory and written to
 * the store in one transaction every `flushMs` (or sooner when the buffer grows).
 */
import type { LogEvent, LogStore } from '../store/store.js';

interface Batch {
  region: string;
  group: string;
  stream: string;
  events: LogEvent[];
}

export class LogSink {
  private batches = new Map<string, Batch>();
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Listeners for live tails (`logs tail --follow`, metrics…). */
  private readonly listeners = new Set<(region: string, group: string, stream: string, e: LogEvent) => void>();

  constructor(private readonly store: LogStore, private readonly flushMs = 100, private readonly maxBuffered = 5000) {}

  append(region: string, group: string, stream: string, message: string, timestamp: number): void {
    const key = `${region}\0${group}\0${stream}`;
    let b = this.batches.get(key);
    if (!b) {
      b = { region, group, stream, events: [] };
      this.batches.set(key, b);
    }
    const e = { timestamp, ingestionTime: Date.now(), message };
    b.events.push(e);
    for (const l of this.listeners) l(region, group, stream, e);
    if (++this.count >= this.maxBuffered) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  onEvent(listener: (region: string, group: string, stream: string, e: LogEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Writes everything buffered so far; resolves when it is stored. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.count === 0) return this.flushing;
    const batches = [...this.batches.values()];
    this.batches = new Map();
    this.count = 0;
    this.flushing = this.flushing.then(() => this.store.appendLogs(batches)).catch((err) => {
      process.stderr.write(`log write failed: ${String(err)}\n`);
    });
    return this.flushing;
  }
}
