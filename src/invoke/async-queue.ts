/**
 * Asynchronous (Event) invocations: stored durably before the caller gets its 202, run at least once
 * (also after a restart), retried on function errors as Lambda does (MaximumRetryAttempts 2, with
 * delays), re-queued with backoff when throttled, dropped past the maximum event age.
 */
import { LambdaError } from '../errors.js';
import type { EventQueueStore, QueuedEvent } from '../store/store.js';
import type { InvokeResult } from './invoke-service.js';

export interface AsyncQueueOptions {
  /** Delays before retry 1, 2… after a function error; their count is MaximumRetryAttempts. */
  retryDelaysMs: number[];
  maxEventAgeMs: number;
  pollMs?: number;
  log?: (line: string) => void;
}

export type QueuedRunner = (e: QueuedEvent) => Promise<InvokeResult>;

export class AsyncQueue {
  private readonly running = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private pumping = false;
  private again = false;

  constructor(private readonly store: EventQueueStore, private readonly runner: QueuedRunner, private readonly opts: AsyncQueueOptions) {}

  async enqueue(e: { id: string; region: string; functionName: string; qualifier: string; payload: Buffer }): Promise<void> {
    const now = Date.now();
    await this.store.enqueue({ ...e, attempts: 0, enqueuedAt: now, notBefore: now });
    this.kick();
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** Looks for due events now (and keeps polling for delayed ones). */
  kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
      if (this.again) {
        this.again = false;
        this.kick();
      } else this.schedule();
    });
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => this.kick(), this.opts.pollMs ?? 500);
    this.timer.unref();
  }

  private async pump(): Promise<void> {
    const due = await this.store.due(Date.now(), 100);
    for (const e of due) {
      if (this.running.has(e.id)) continue;
      this.running.add(e.id);
      void this.runOne(e).finally(() => this.running.delete(e.id));
    }
  }

  private async runOne(e: QueuedEvent): Promise<void> {
    const now = Date.now();
    if (now - e.enqueuedAt > this.opts.maxEventAgeMs) {
      this.opts.log?.(`async event ${e.id} for ${e.functionName} dropped: older than the maximum event age`);
      await this.store.remove(e.id);
      return;
    }
    let result: InvokeResult | undefined;
    try {
      result = await this.runner(e);
    } catch (err) {
      if (err instanceof LambdaError && err.code === 'ResourceNotFoundException') {
        this.opts.log?.(`async event ${e.id} dropped: ${err.message}`);
        await this.store.remove(e.id);
        return;
      }
      // Throttled or a platform problem: back off (1 s doubling, at most 5 min) and try again.
      const delay = Math.min(300_000, 1000 * 2 ** Math.min(e.attempts, 8));
      await this.store.reschedule(e.id, e.attempts, Date.now() + delay);
      return;
    }
    if (!result.functionError) {
      await this.store.remove(e.id);
      return;
    }
    const attempt = e.attempts + 1;
    if (attempt > this.opts.retryDelaysMs.length) {
      this.opts.log?.(`async event ${e.id} for ${e.functionName} failed after ${attempt} attempts; discarded`);
      await this.store.remove(e.id);
      return;
    }
    await this.store.reschedule(e.id, attempt, Date.now() + this.opts.retryDelaysMs[attempt - 1]);
    this.kick();
  }

  /** Waits (bounded) for running events to finish, for graceful shutdown. */
  async drain(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.running.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }
}
