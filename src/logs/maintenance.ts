/**
 * Keeps stored logs within bounds, in the background:
 *  - retention: events older than their group's retentionInDays go (every `sweepMs`);
 *  - size: each group keeps at most `groupMaxBytes`, and all groups together at most `maxBytes`, shared
 *    fairly (see fairness.ts): the groups over their fair share lose their own oldest events, largest
 *    first, so one flooding function cannot evict anyone else's logs (on the same timer, and early
 *    whenever the sink has taken in a tenth of a budget since the last look);
 *  - disk: when the data dir's file system is nearly full, new log events are dropped (and counted)
 *    until space comes back, so logs never fill the disk;
 *  - after big deletions the database gives the freed space back (incremental vacuum, WAL truncate).
 * Deletions run in bounded chunks with the event loop free in between, so invocations never wait long.
 */
import { statfs } from 'node:fs/promises';
import type { LogStore } from '../store/store.js';
import type { LogSink } from './sink.js';
import { fairShares } from './fairness.js';

export interface MaintenanceOptions {
  sweepMs: number;
  maxBytes: number;
  /** What one log group may keep (default: all of `maxBytes`). */
  groupMaxBytes?: number;
  /** The data dir, whose file system is watched. */
  dataDir: string;
  log: (line: string) => void;
  /** Keep at least this much disk free (default: 2% of the file system, between 64 MiB and 1 GiB). */
  reserveBytes?: number;
}

const CHUNK_ROWS = 5000;
/** Compact once this many events were deleted since the last compaction. */
const COMPACT_AFTER_ROWS = 1000;

export class LogMaintenance {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private deletedSinceCompact = 0;
  /** Totals, for metrics. */
  expiredEvents = 0;
  cappedEvents = 0;
  storedBytes = 0;
  /** Events and bytes each group lost to the size budgets, and what each holds (as of the last pass). */
  readonly evicted = new Map<string, { region: string; group: string; events: number; bytes: number }>();
  groupBytes: { region: string; group: string; bytes: number }[] = [];

  constructor(private readonly store: LogStore, private readonly sink: LogSink, private readonly opts: MaintenanceOptions) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), Math.max(50, this.opts.sweepMs));
    this.timer.unref();
    const smallest = Math.min(this.opts.maxBytes, this.groupMax);
    this.sink.checkEveryBytes = Math.max(64 * 1024, Math.min(smallest / 10, 64 * 1024 * 1024));
    this.sink.onGrowth = () => this.kick();
    this.kick();
  }

  private get groupMax(): number {
    return this.opts.groupMaxBytes && this.opts.groupMaxBytes > 0 ? this.opts.groupMaxBytes : this.opts.maxBytes;
  }

  /** Runs a pass now (or right after the one in progress). */
  kick(): void {
    if (this.stopped) return;
    this.sink.bytesSinceCheck = 0;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (err) {
          this.opts.log(`log maintenance failed: ${String(err)}`);
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
  }

  /** Waits for the pass in progress, if any (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.sink.onGrowth = undefined;
    await this.idle();
  }

  private async pass(): Promise<void> {
    await this.sink.flush();
    const deletedBefore = this.deletedSinceCompact;
    let n: number;
    do {
      n = await this.store.sweepRetention(Date.now(), CHUNK_ROWS);
      this.expiredEvents += n;
      this.deletedSinceCompact += n;
      if (n > 0) await breathe();
    } while (n === CHUNK_ROWS && !this.stopped);
    await this.enforceSizes();
    this.storedBytes = await this.store.totalLogBytes();
    // Compact after many deletions, and once deletions have stopped (the last few since a compaction).
    const settled = this.deletedSinceCompact > 0 && this.deletedSinceCompact === deletedBefore;
    if (this.deletedSinceCompact >= COMPACT_AFTER_ROWS || settled) {
      this.deletedSinceCompact = 0;
      await this.store.compactLogs();
    }
    await this.checkDisk();
  }

  /** Trims every group over its share down to it, in chunks. */
  private async enforceSizes(): Promise<void> {
    const targets = fairShares(await this.store.logGroupSizes(), this.opts.maxBytes, this.groupMax);
    for (const t of targets) {
      while (t.bytes > t.keep && !this.stopped) {
        const r = await this.store.trimLogGroup(t.region, t.group, t.keep, CHUNK_ROWS);
        if (r.events === 0) break;
        t.bytes -= r.bytes;
        this.cappedEvents += r.events;
        this.deletedSinceCompact += r.events;
        const key = `${t.region}\0${t.group}`;
        const e = this.evicted.get(key) ?? { region: t.region, group: t.group, events: 0, bytes: 0 };
        e.events += r.events;
        e.bytes += r.bytes;
        this.evicted.set(key, e);
        await breathe();
      }
    }
    this.groupBytes = targets.map((t) => ({ region: t.region, group: t.group, bytes: Math.max(0, t.bytes) }));
  }

  private async checkDisk(): Promise<void> {
    let free: number;
    let size: number;
    try {
      const s = await statfs(this.opts.dataDir);
      free = s.bavail * s.bsize;
      size = s.blocks * s.bsize;
    } catch {
      return;
    }
    const reserve = this.opts.reserveBytes ?? Math.min(1024 ** 3, Math.max(64 * 1024 ** 2, size * 0.02));
    if (!this.sink.shedding && free < reserve) {
      this.sink.shedding = true;
      this.opts.log(`only ${Math.round(free / 1024 ** 2)} MiB free in ${this.opts.dataDir}: new log events are dropped until space is freed`);
    } else if (this.sink.shedding && free > reserve * 1.5) {
      this.sink.shedding = false;
      this.opts.log(`disk space recovered in ${this.opts.dataDir}: storing log events again`);
    }
  }
}

const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));
