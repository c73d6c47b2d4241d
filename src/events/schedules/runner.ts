/**
 * The firing loop: one clock timer at the earliest due schedule. A firing is recorded durably
 * (lastFiredFor = its scheduled time) before the target is invoked, so no time fires twice, even
 * across a crash; a firing more than a minute late (the server was down) is skipped, not replayed.
 * Each firing invokes the function asynchronously; failures to hand the event over are retried
 * per the target's RetryPolicy and then sent to its DeadLetterConfig queue.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { LambdaError } from '../../errors.js';
import type { ScheduleRecord, ScheduleStore } from '../../store/events-store.js';
import type { Clock } from '../clock.js';
import { nextFiring, parseExpression, type Expression } from './expression.js';
import { scheduleArn, type ScheduleChanges } from './schedule-service.js';

export interface RunnerDeps {
  store: ScheduleStore;
  clock: Clock;
  accountId: string;
  /** Async (Event) invoke of a function ARN. */
  invokeAsync: (region: string, functionArn: string, payload: Buffer) => Promise<void>;
  sendToQueue: (queueArn: string, body: string, attributes: Record<string, { DataType: string; StringValue: string }>) => Promise<void>;
  observe?: (s: ScheduleRecord, result: 'fired' | 'skipped' | 'failed' | 'dead-lettered') => void;
  log?: (line: string) => void;
}

/** How late a firing may start and still run (Scheduler's one-minute precision). */
const ON_TIME_MS = 60_000;
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 60_000;
/** Errors that retrying cannot fix: they go to the dead-letter queue at once. */
const PERMANENT = new Set(['ResourceNotFoundException', 'InvalidParameterValueException', 'InvalidRequestContentException', 'RequestEntityTooLargeException', 'ValidationException', 'AccessDeniedException']);

interface Entry {
  s: ScheduleRecord;
  expr: Expression;
  /** Scheduled time of the next firing, and when (within the flexible window) it runs. */
  next?: number;
  runAt?: number;
}

const key = (region: string, group: string, name: string) => `${region}\u0000${group}\u0000${name}`;

export class ScheduleRunner implements ScheduleChanges {
  private readonly entries = new Map<string, Entry>();
  private cancelTimer?: () => void;
  private readonly retries = new Set<() => void>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private ticking = false;

  constructor(private readonly deps: RunnerDeps) {}

  async start(): Promise<void> {
    for (const s of await this.deps.store.listSchedules(undefined)) this.load(s);
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    for (const c of this.retries) c();
    await Promise.all([...this.inFlight]);
  }

  changed(s: ScheduleRecord): void {
    this.load(s);
    this.arm();
  }

  removed(region: string, group: string, name: string): void {
    this.entries.delete(key(region, group, name));
    this.arm();
  }

  /** Next firing per schedule (for `lambkin events`). */
  nextRun(s: ScheduleRecord): number | undefined {
    return this.entries.get(key(s.region, s.group, s.name))?.runAt;
  }

  private load(s: ScheduleRecord): void {
    const k = key(s.region, s.group, s.name);
    if (s.state !== 'ENABLED') {
      this.entries.delete(k);
      return;
    }
    const e: Entry = { s, expr: parseExpression(s.expression) };
    // Never before what already fired; never further back than a minute ago (no bursts after downtime).
    const now = this.deps.clock.now();
    this.plan(e, Math.max(s.lastFiredFor ?? -Infinity, now - ON_TIME_MS - 1));
    this.entries.set(k, e);
  }

  private plan(e: Entry, after: number): void {
    const s = e.s;
    e.next = nextFiring(e.expr, after, { timezone: s.timezone ?? 'UTC', anchor: s.anchor, startDate: s.startDate, endDate: s.endDate });
    e.runAt = e.next === undefined ? undefined : e.next + flexOffset(s, e.next);
  }

  private arm(): void {
    this.cancelTimer?.();
    if (this.stopped) return;
    let earliest = Infinity;
    for (const e of this.entries.values()) if (e.runAt !== undefined && e.runAt < earliest) earliest = e.runAt;
    if (earliest !== Infinity) this.cancelTimer = this.deps.clock.at(earliest, () => void this.tick());
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const now = this.deps.clock.now();
      for (const [k, e] of [...this.entries]) {
        if (e.runAt === undefined || e.runAt > now || e.next === undefined) continue;
        const scheduled = e.next;
        if (now - e.runAt > ON_TIME_MS) {
          this.deps.observe?.(e.s, 'skipped');
          this.plan(e, now - ON_TIME_MS - 1);
          if (e.runAt !== undefined && e.runAt <= now) continue; // a later time is still on time: next tick
        } else {
          await this.fire(k, e, scheduled);
        }
        if (e.next === undefined && this.entries.get(k) === e) await this.complete(k, e);
      }
    } catch (err) {
      this.deps.log?.(`schedule runner: ${(err as Error)?.stack ?? String(err)}`);
    } finally {
      this.ticking = false;
      this.arm();
    }
    // Times that became due while this tick ran.
    const now = this.deps.clock.now();
    if ([...this.entries.values()].some((e) => e.runAt !== undefined && e.runAt <= now)) void this.tick();
  }

  private async fire(k: string, e: Entry, scheduled: number): Promise<void> {
    const s = e.s;
    const now = this.deps.clock.now();
    let fresh = false;
    const stored = await this.deps.store.updateSchedule(s.region, s.group, s.name, (cur) => {
      if (cur.lastFiredFor !== undefined && cur.lastFiredFor >= scheduled) return cur;
      fresh = true;
      return { ...cur, lastFiredFor: scheduled, lastRunAt: now, firings: cur.firings + 1 };
    });
    if (!stored) {
      this.entries.delete(k);
      return;
    }
    if (!fresh) {
      // This time already fired (before a restart): plan from there.
      e.s = stored;
      this.plan(e, Math.max(scheduled, stored.lastFiredFor ?? scheduled));
      return;
    }
    e.s = stored;
    this.plan(e, scheduled);
    this.deps.observe?.(stored, 'fired');
    const executionId = randomBytes(8).toString('hex');
    const p = this.deliver(stored, scheduled, executionId, 0, now).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** One attempt to hand the event to Lambda; schedules the next on a retryable failure. */
  private async deliver(s: ScheduleRecord, scheduled: number, executionId: string, attempt: number, firstAt: number): Promise<void> {
    const target = s.target as { Arn: string; Input?: string; RetryPolicy: { MaximumEventAgeInSeconds: number; MaximumRetryAttempts: number }; DeadLetterConfig?: { Arn: string } };
    const payload = this.payload(s, scheduled, executionId, attempt + 1);
    const region = /^arn:[^:]+:lambda:([^:]+):/.exec(target.Arn)?.[1] ?? s.region;
    try {
      await this.deps.invokeAsync(region, target.Arn, Buffer.from(payload));
      await this.result(s, 'OK');
      return;
    } catch (err) {
      const code = err instanceof LambdaError ? err.code : 'InternalError';
      const message = err instanceof Error ? err.message : String(err);
      const now = this.deps.clock.now();
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt);
      const tooOld = now + delay - firstAt > target.RetryPolicy.MaximumEventAgeInSeconds * 1000;
      const exhausted = attempt >= target.RetryPolicy.MaximumRetryAttempts;
      if (!PERMANENT.has(code) && !tooOld && !exhausted && !this.stopped) {
        await this.result(s, `Retrying (${code}: ${message})`);
        const cancel = this.deps.clock.at(now + delay, () => {
          this.retries.delete(cancel);
          const p = this.deliver(s, scheduled, executionId, attempt + 1, firstAt).finally(() => this.inFlight.delete(p));
          this.inFlight.add(p);
        });
        this.retries.add(cancel);
        return;
      }
      this.deps.observe?.(s, 'failed');
      await this.result(s, `Failed (${code}: ${message})`);
      if (!target.DeadLetterConfig?.Arn) return;
      const attributes: Record<string, { DataType: string; StringValue: string }> = {
        ERROR_CODE: { DataType: 'String', StringValue: code },
        ERROR_MESSAGE: { DataType: 'String', StringValue: message.slice(0, 1000) || code },
        EXECUTION_ID: { DataType: 'String', StringValue: executionId },
        RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(attempt) },
        SCHEDULE_ARN: { DataType: 'String', StringValue: scheduleArn(s, this.deps.accountId) },
        TARGET_ARN: { DataType: 'String', StringValue: target.Arn },
      };
      if (!PERMANENT.has(code)) attributes.EXHAUSTED_RETRY_CONDITION = { DataType: 'String', StringValue: exhausted ? 'MaximumRetryAttempts' : 'MaximumEventAgeInSeconds' };
      try {
        await this.deps.sendToQueue(target.DeadLetterConfig.Arn, payload, attributes);
        this.deps.observe?.(s, 'dead-lettered');
      } catch (dlqErr) {
        this.deps.log?.(`schedule ${s.name}: dead-letter queue ${target.DeadLetterConfig.Arn}: ${String((dlqErr as Error).message ?? dlqErr)}`);
      }
    }
  }

  private async result(s: ScheduleRecord, text: string): Promise<void> {
    const stored = await this.deps.store.updateSchedule(s.region, s.group, s.name, (cur) => ({ ...cur, lastResult: text }));
    const e = this.entries.get(key(s.region, s.group, s.name));
    if (stored && e) e.s = { ...e.s, lastResult: text };
  }

  /** A schedule with no firing left: ActionAfterCompletion DELETE removes it. */
  private async complete(k: string, e: Entry): Promise<void> {
    this.entries.delete(k);
    if (e.s.actionAfterCompletion === 'DELETE') {
      await Promise.all([...this.inFlight]);
      await this.deps.store.deleteSchedule(e.s.region, e.s.group, e.s.name);
    }
  }

  /** Target Input with context attributes substituted, else Scheduler's default event. */
  private payload(s: ScheduleRecord, scheduled: number, executionId: string, attempt: number): string {
    const arn = scheduleArn(s, this.deps.accountId);
    const time = new Date(Math.floor(scheduled / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const input = (s.target as { Input?: string }).Input;
    if (input !== undefined) {
      return input
        .replaceAll('<aws.scheduler.schedule-arn>', arn)
        .replaceAll('<aws.scheduler.scheduled-time>', time)
        .replaceAll('<aws.scheduler.execution-id>', executionId)
        .replaceAll('<aws.scheduler.attempt-number>', String(attempt));
    }
    return JSON.stringify({
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      account: this.deps.accountId,
      time,
      region: s.region,
      resources: [arn],
      detail: '{}',
    });
  }
}

/** Where in its flexible window a firing runs: fixed per schedule and time, spread over the window. */
function flexOffset(s: ScheduleRecord, scheduled: number): number {
  const minutes = s.flexibleTimeWindow.Mode === 'FLEXIBLE' ? (s.flexibleTimeWindow.MaximumWindowInMinutes ?? 0) : 0;
  if (minutes === 0) return 0;
  const h = createHash('sha256').update(`${s.region}/${s.group}/${s.name}/${scheduled}`).digest().readUInt32BE(0);
  return h % (minutes * 60_000);
}
