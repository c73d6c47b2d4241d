/**
 * Keeps stored logs within bounds, in the background:
 *  - retention: events older than their group's retentionInDays go (every `sweepMs`);
 *  - size: total stored log bytes stay ≤ `maxBytes`, oldest events dropped first (on the same timer,
 *    and early whenever the sink has taken in a tenth of the cap since the last look);
 *  - disk: when the data dir's file system is nearly full, new log events are dropped (and counted)
 *    until space comes back, so logs never fill the disk;
 *  - after big deletions the database gives the freed space back (incremental vacuum, WAL truncate).
 * Deletions run in bounded chunks with the event loop free in between, so invocations never wait long.
 */
import { statfs } from 'node:fs/promises';
import type { LogStore } from '../store/store.js';
import type { LogSink } from './sink.js';

export interface MaintenanceOptions {
  sweepMs: number;
  maxBytes: number;
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

  constructor(private readonly store: LogStore, private readonly sink: LogSink, private readonly opts: MaintenanceOptions) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), Math.max(50, this.opts.sweepMs));
    this.timer.unref();
    this.sink.checkEveryBytes = Math.max(64 * 1024, Math.min(this.opts.maxBytes / 10, 64 * 1024 * 1024));
    this.sink.onGrowth = () => this.kick();
    this.kick();
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
    let n: number;
    do {
      n = await this.store.sweepRetention(Date.now(), CHUNK_ROWS);
      this.expiredEvents += n;
      this.deletedSinceCompact += n;
      if (n > 0) await breathe();
    } while (n === CHUNK_ROWS && !this.stopped);
    do {
      n = await this.store.capLogBytes(this.opts.maxBytes, CHUNK_ROWS);
      this.cappedEvents += n;
      this.deletedSinceCompact += n;
      if (n > 0) await breathe();
    } while (n === CHUNK_ROWS && !this.stopped);
    this.storedBytes = await this.store.totalLogBytes();
    if (this.deletedSinceCompact >= COMPACT_AFTER_ROWS) {
      this.deletedSinceCompact = 0;
      await this.store.compactLogs();
    }
    await this.checkDisk();
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
