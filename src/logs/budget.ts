/**
 * Per-log-group write budgets: a token bucket of bytes (a rate with a burst). Checked for every line
 * a function writes, so it is a few arithmetic operations on numbers the caller already has.
 */

/** What CloudWatch counts per event on top of its message (PutLogEvents' batch-size rule). */
export const EVENT_OVERHEAD_BYTES = 26;

export interface BudgetOptions {
  /** Sustained bytes per second per log group; 0 (or less) means unlimited. */
  rateBytesPerSec: number;
  /** Bytes a group may write at once before the rate applies (the bucket's size). */
  burstBytes: number;
}

export class ByteBucket {
  private tokens: number;
  private at: number;

  constructor(private readonly o: BudgetOptions, now: number) {
    this.tokens = o.burstBytes;
    this.at = now;
  }

  /** Takes `n` bytes if the bucket holds them (all or nothing). */
  take(n: number, now: number): boolean {
    if (now > this.at) {
      this.tokens = Math.min(this.o.burstBytes, this.tokens + ((now - this.at) * this.o.rateBytesPerSec) / 1000);
      this.at = now;
    }
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Bytes the bucket holds at `now`. */
  available(now: number): number {
    return Math.min(this.o.burstBytes, this.tokens + (Math.max(0, now - this.at) * this.o.rateBytesPerSec) / 1000);
  }

  /** Whether the bucket is full again at `now` (its group has been quiet long enough to forget). */
  full(now: number): boolean {
    return this.tokens + ((now - this.at) * this.o.rateBytesPerSec) / 1000 >= this.o.burstBytes;
  }
}
