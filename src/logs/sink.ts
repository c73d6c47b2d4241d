/**
 * Persists log events in batches, off the invoke path: events are buffered in memory and written to
 * the store in one transaction every `flushMs` (or sooner when the buffer grows). `append` is called
 * for every line a function writes, so it only buffers, after checking the log group's write budget
 * (a token bucket of bytes): over budget, the line is dropped and counted, and the stream it was
 * written to gets one `LOGS_DROPPED` notice per `noticeMs` saying how many were dropped and why.
 */
import type { LogEvent, LogStore } from '../store/store.js';
import { ByteBucket, EVENT_OVERHEAD_BYTES, type BudgetOptions } from './budget.js';
import { logsDroppedLine } from './platform.js';

interface Batch {
  region: string;
  group: string;
  stream: string;
  events: LogEvent[];
}

/** One log group's buffer, budget and drop counts. */
interface GroupState {
  region: string;
  group: string;
  bucket?: ByteBucket;
  /** Buffered events by stream. */
  batches: Map<string, Batch>;
  lastActive: number;
  /** Dropped since the last notice, and where the notice goes. */
  noticeEvents: number;
  noticeBytes: number;
  noticeStream: string;
  noticeJson: boolean;
  /** Dropped for the budget since the start (metrics). */
  throttledEvents: number;
  throttledBytes: number;
}

export interface ThrottledCounts {
  region: string;
  group: string;
  events: number;
  bytes: number;
}

export type LogListener = (region: string, group: string, stream: string, e: LogEvent) => void;

export interface SinkOptions {
  flushMs?: number;
  maxBuffered?: number;
  /** Per-group write budget; absent (or a rate of 0) means unlimited. */
  budget?: BudgetOptions;
  /** How often a throttled stream is told how many of its events were dropped. */
  noticeMs?: number;
  /** Where write failures are reported (rate-limited). */
  log?: (line: string) => void;
  /** The clock (tests inject one). */
  now?: () => number;
}

/** CloudWatch's largest event (256 KiB minus the 26 bytes of per-event overhead). */
export const MAX_EVENT_BYTES = 262_144 - 26;
/** A group quiet this long with a full bucket and never throttled is forgotten. */
const FORGET_AFTER_MS = 60_000;

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
  /** region → group → state: two lookups per line, no key strings built. */
  private regions = new Map<string, Map<string, GroupState>>();
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private noticeTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<LogListener>();
  private readonly flushMs: number;
  private readonly maxBuffered: number;
  private readonly noticeMs: number;
  private readonly budget?: BudgetOptions;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private lastErrorAt = 0;
  /** Bytes appended since the owner last looked (the log-size guard uses it to act early). */
  bytesSinceCheck = 0;
  /** While set (the disk is nearly full), new events are counted and dropped. */
  shedding = false;
  dropped = 0;
  written = 0;
  /** Events and bytes dropped because their group was over its write budget. */
  throttledEvents = 0;
  throttledBytes = 0;
  /** Called when `bytesSinceCheck` passes `checkEveryBytes`. */
  onGrowth?: () => void;
  checkEveryBytes = Infinity;

  constructor(private readonly store: LogStore, opts: SinkOptions = {}) {
    this.flushMs = opts.flushMs ?? 100;
    this.maxBuffered = opts.maxBuffered ?? 5000;
    this.noticeMs = opts.noticeMs ?? 10_000;
    this.budget = opts.budget && opts.budget.rateBytesPerSec > 0 ? opts.budget : undefined;
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.now = opts.now ?? Date.now;
  }

  /**
   * One line (or framed record) of an execution environment: stored as Lambda stores it, if its
   * group's budget allows. `json`: the function's log format, for the drop notice. `platform`: a line of
   * the platform's own (START, END, REPORT…), bounded per invocation, so never refused by the budget:
   * a flooding function still shows what happened to each of its invocations.
   */
  append(region: string, group: string, stream: string, message: string, timestamp: number, json = false, platform = false): void {
    if (this.shedding) {
      this.dropped++;
      return;
    }
    const now = this.now();
    const g = this.state(region, group, now);
    if (!platform && g.bucket && !g.bucket.take(message.length + EVENT_OVERHEAD_BYTES, now)) {
      this.throttle(g, 1, message.length, stream, json);
      return;
    }
    this.push(g, stream, lambdaMessage(message), timestamp, now);
  }

  /**
   * Events exactly as given (PutLogEvents). The batch is taken whole or not at all: false when its
   * group's budget cannot take it now (the caller answers ThrottlingException).
   */
  put(region: string, group: string, stream: string, events: { timestamp: number; message: string }[]): boolean {
    if (this.shedding) {
      this.dropped += events.length;
      return true;
    }
    const now = this.now();
    const g = this.state(region, group, now);
    if (g.bucket) {
      let cost = 0;
      for (const e of events) cost += e.message.length + EVENT_OVERHEAD_BYTES;
      if (!g.bucket.take(cost, now)) {
        g.throttledEvents += events.length;
        g.throttledBytes += cost - events.length * EVENT_OVERHEAD_BYTES;
        this.throttledEvents += events.length;
        this.throttledBytes += cost - events.length * EVENT_OVERHEAD_BYTES;
        return false;
      }
    }
    for (const e of events) this.push(g, stream, e.message, e.timestamp, now);
    return true;
  }

  /**
   * Whether the group's budget could take an event now. While it cannot, the capture drops what the
   * function writes in whole chunks, unsplit (`dropUnread`): a flood then costs the server next to nothing.
   */
  admits(region: string, group: string): boolean {
    if (!this.budget) return true;
    const now = this.now();
    const g = this.state(region, group, now);
    return g.bucket!.available(now) > EVENT_OVERHEAD_BYTES;
  }

  /** Output dropped unread while the group was over its budget: counted and noticed like dropped lines. */
  dropUnread(region: string, group: string, stream: string, events: number, bytes: number, json: boolean): void {
    this.throttle(this.state(region, group, this.now()), events, bytes, stream, json);
  }

  private state(region: string, group: string, now: number): GroupState {
    let groups = this.regions.get(region);
    if (!groups) this.regions.set(region, (groups = new Map()));
    let g = groups.get(group);
    if (!g) {
      g = {
        region,
        group,
        bucket: this.budget && new ByteBucket(this.budget, now),
        batches: new Map(),
        lastActive: now,
        noticeEvents: 0,
        noticeBytes: 0,
        noticeStream: '',
        noticeJson: false,
        throttledEvents: 0,
        throttledBytes: 0,
      };
      groups.set(group, g);
    }
    g.lastActive = now;
    return g;
  }

  private throttle(g: GroupState, events: number, bytes: number, stream: string, json: boolean): void {
    g.throttledEvents += events;
    g.throttledBytes += bytes;
    this.throttledEvents += events;
    this.throttledBytes += bytes;
    g.noticeEvents += events;
    g.noticeBytes += bytes;
    g.noticeStream = stream;
    g.noticeJson = json;
    if (!this.noticeTimer) {
      this.noticeTimer = setInterval(() => this.sendNotices(), this.noticeMs);
      this.noticeTimer.unref();
    }
  }

  /** One notice per throttled stream for the drops since the last one (not charged to the budget). */
  private sendNotices(): void {
    let any = false;
    const now = this.now();
    for (const groups of this.regions.values()) {
      for (const g of groups.values()) {
        if (g.noticeEvents === 0) continue;
        any = true;
        const b = this.budget!;
        const reason =
          `The function's log output exceeded its log group's budget of ${b.rateBytesPerSec} bytes per second ` +
          `(burst ${b.burstBytes} bytes); ${g.noticeEvents} log events written since the last notice were dropped.`;
        const line = logsDroppedLine(g.noticeEvents, g.noticeBytes, reason, g.noticeJson);
        g.noticeEvents = 0;
        g.noticeBytes = 0;
        this.push(g, g.noticeStream, lambdaMessage(line), now, now);
      }
    }
    if (!any) {
      clearInterval(this.noticeTimer);
      this.noticeTimer = undefined;
    }
  }

  private push(g: GroupState, stream: string, message: string, timestamp: number, ingestionTime: number): void {
    let b = g.batches.get(stream);
    if (!b) {
      b = { region: g.region, group: g.group, stream, events: [] };
      g.batches.set(stream, b);
    }
    const e = { timestamp, ingestionTime, message };
    b.events.push(e);
    this.bytesSinceCheck += message.length;
    if (this.listeners.size > 0) for (const l of this.listeners) l(g.region, g.group, stream, e);
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

  /** Events and bytes each group lost to its budget so far (groups that lost none are left out). */
  throttledByGroup(): ThrottledCounts[] {
    const out: ThrottledCounts[] = [];
    for (const groups of this.regions.values()) {
      for (const g of groups.values()) {
        if (g.throttledEvents > 0) out.push({ region: g.region, group: g.group, events: g.throttledEvents, bytes: g.throttledBytes });
      }
    }
    return out;
  }

  /** Writes everything buffered so far; resolves when it is stored. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.count === 0) return this.flushing;
    const batches: Batch[] = [];
    const now = this.now();
    for (const groups of this.regions.values()) {
      for (const [name, g] of groups) {
        for (const b of g.batches.values()) if (b.events.length > 0) batches.push(b);
        g.batches = new Map();
        // A group that was throttled keeps its state: its counts are metrics.
        if (now - g.lastActive > FORGET_AFTER_MS && g.throttledEvents === 0 && (!g.bucket || g.bucket.full(now))) groups.delete(name);
      }
    }
    const n = this.count;
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

  /** Sends the notices still due and writes everything (shutdown). */
  close(): Promise<void> {
    if (this.noticeTimer) this.sendNotices();
    clearInterval(this.noticeTimer);
    this.noticeTimer = undefined;
    return this.flush();
  }
}
