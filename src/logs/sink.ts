/**
 * Persists log events in batches, off the invoke path: events are buffered in memory and written to
 * the store in one transaction every `flushMs` (or sooner when the buffer grows). `append` is called
 * for every line a function writes, so it only buffers.
 */
import type { LogEvent, LogStore } from '../store/store.js';

interface Batch {
  region: string;
  group: string;
  stream: string;
  events: LogEvent[];
}

export type LogListener = (region: string, group: string, stream: string, e: LogEvent) => void;

export interface SinkOptions {
  flushMs?: number;
  maxBuffered?: number;
  /** Where write failures are reported (rate-limited). */
  log?: (line: string) => void;
}

/** CloudWatch's largest event (256 KiB minus the 26 bytes of per-event overhead). */
export const MAX_EVENT_BYTES = 262_144 - 26;

/**
 * Lambda stores function and platform text lines with their line end (`"START RequestId: … $LATEST\n"`,
 * `"hello\n"` for a print); records of the JSON log format (platform `{"time":…}`, runtime
 * `{"timestamp":…}`) are stored as the bare JSON object.
 */
export function lambdaMessage(message: string): string {
  if (message.endsWith('\n')) return message;
  if (message.startsWith('{"time') && message.endsWith('}')) return message;
  return `${message}\n`;
}

export class LogSink {
  private batches = new Map<string, Batch>();
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<LogListener>();
  private readonly flushMs: number;
  private readonly maxBuffered: number;
  private readonly log: (line: string) => void;
  private lastErrorAt = 0;
  /** Bytes appended since the owner last looked (the log-size guard uses it to act early). */
  bytesSinceCheck = 0;
  /** While set (the disk is nearly full), new events are counted and dropped. */
  shedding = false;
  dropped = 0;
  written = 0;
  /** Called when `bytesSinceCheck` passes `checkEveryBytes`. */
  onGrowth?: () => void;
  checkEveryBytes = Infinity;

  constructor(private readonly store: LogStore, opts: SinkOptions = {}) {
    this.flushMs = opts.flushMs ?? 100;
    this.maxBuffered = opts.maxBuffered ?? 5000;
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** One line (or framed record) of an execution environment: stored as Lambda stores it. */
  append(region: string, group: string, stream: string, message: string, timestamp: number): void {
    this.push(region, group, stream, lambdaMessage(message), timestamp, Date.now());
  }

  /** Events exactly as given (PutLogEvents). */
  put(region: string, group: string, stream: string, events: { timestamp: number; message: string }[]): void {
    const now = Date.now();
    for (const e of events) this.push(region, group, stream, e.message, e.timestamp, now);
  }

  private push(region: string, group: string, stream: string, message: string, timestamp: number, ingestionTime: number): void {
    if (this.shedding) {
      this.dropped++;
      return;
    }
    const key = `${region}\0${group}\0${stream}`;
    let b = this.batches.get(key);
    if (!b) {
      b = { region, group, stream, events: [] };
      this.batches.set(key, b);
    }
    const e = { timestamp, ingestionTime, message };
    b.events.push(e);
    this.bytesSinceCheck += message.length;
    if (this.listeners.size > 0) for (const l of this.listeners) l(region, group, stream, e);
    if (++this.count >= this.maxBuffered) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
    if (this.bytesSinceCheck >= this.checkEveryBytes) this.onGrowth?.();
  }

  /** Live listeners (metrics, live tails); called synchronously from `append`, so keep them cheap. */
  onEvent(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Writes everything buffered so far; resolves when it is stored. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.count === 0) return this.flushing;
    const batches = [...this.batches.values()];
    const n = this.count;
    this.batches = new Map();
    this.count = 0;
    this.flushing = this.flushing
      .then(() => this.store.appendLogs(batches))
      .then(
        () => {
          this.written += n;
        },
        (err) => {
          this.dropped += n;
          const now = Date.now();
          if (now - this.lastErrorAt > 10_000) {
            this.lastErrorAt = now;
            this.log(`log write failed, ${n} event(s) lost: ${String(err)}`);
          }
        },
      );
    return this.flushing;
  }
}
