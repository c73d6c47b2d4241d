/**
 * The event sources' clock: visibility timeouts, delays, long-poll deadlines, batching windows and
 * schedule firings all read time and set timers through it, never through Date.now()/setTimeout
 * directly. It follows the system clock, plus an offset that only a test-clock server lets a
 * client move forward (POST /_lambkin/clock), so tests can skip minutes without waiting them.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once the clock reaches `at` (at once if it has). Returns a cancel function. */
  at(at: number, fn: () => void): () => void;
  /** Resolves at `at`, or early when `signal` aborts. */
  sleepUntil(at: number, signal?: AbortSignal): Promise<void>;
}

/** setTimeout's largest delay; longer waits re-arm. */
const MAX_DELAY = 2_147_483_647;

interface Pending {
  at: number;
  fn: () => void;
  timer?: NodeJS.Timeout;
}

export class EventClock implements Clock {
  private offsetMs = 0;
  private readonly pending = new Set<Pending>();

  now(): number {
    return Date.now() + this.offsetMs;
  }

  at(at: number, fn: () => void): () => void {
    const p: Pending = { at, fn };
    this.pending.add(p);
    this.arm(p);
    return () => {
      clearTimeout(p.timer);
      this.pending.delete(p);
    };
  }

  sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        cancel();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const cancel = this.at(at, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Moves the clock forward (test clock only); timers that are now due fire. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
    for (const p of [...this.pending]) {
      clearTimeout(p.timer);
      this.arm(p);
    }
    return this.now();
  }

  /** Cancels every timer (server shutdown). */
  stop(): void {
    for (const p of this.pending) clearTimeout(p.timer);
    this.pending.clear();
  }

  private arm(p: Pending): void {
    const delay = p.at - this.now();
    p.timer = setTimeout(() => {
      if (this.now() < p.at) return this.arm(p);
      this.pending.delete(p);
      p.fn();
    }, Math.min(MAX_DELAY, Math.max(0, delay)));
    p.timer.unref();
  }
}
