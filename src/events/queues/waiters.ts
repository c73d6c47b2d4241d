/**
 * In-process wake-ups for long polls: a receiver that found nothing waits here until a message is
 * sent (or becomes visible) on its queue, its deadline passes, or the server stops. A per-queue
 * version number closes the gap between "found nothing" and "started waiting".
 */
import type { Clock } from '../clock.js';

export class Waiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly versions = new Map<string, number>();
  private isStopped = false;

  constructor(private readonly clock: Clock) {}

  version(key: string): number {
    return this.versions.get(key) ?? 0;
  }

  notify(key: string): void {
    this.versions.set(key, this.version(key) + 1);
    const set = this.waiting.get(key);
    if (!set) return;
    this.waiting.delete(key);
    for (const wake of set) wake();
  }

  /** Waits until `until`, a notify after `seen` (a version read before looking), an abort, or stop(). */
  wait(key: string, seen: number, until: number, signal?: AbortSignal): Promise<void> {
    if (this.isStopped || this.version(key) !== seen || this.clock.now() >= until || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiting.get(key);
      if (!set) this.waiting.set(key, (set = new Set()));
      const wake = () => {
        cancel();
        signal?.removeEventListener('abort', wake);
        this.waiting.get(key)?.delete(wake);
        resolve();
      };
      set.add(wake);
      const cancel = this.clock.at(until, wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  get stopped(): boolean {
    return this.isStopped;
  }

  get count(): number {
    let n = 0;
    for (const s of this.waiting.values()) n += s.size;
    return n;
  }

  stop(): void {
    this.isStopped = true;
    for (const key of [...this.waiting.keys()]) this.notify(key);
  }
}
