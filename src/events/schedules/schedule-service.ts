/**
 * The EventBridge Scheduler API: schedules (Create/Get/Update/Delete/ListSchedules) and schedule
 * groups, validated as Scheduler does. Lambda function targets only. Changes go to the runner.
 */
import type { ScheduleGroupRecord, ScheduleRecord, ScheduleStore } from '../../store/events-store.js';
import type { Clock } from '../clock.js';
import { SchedulerError, schedulerValidation } from './errors.js';
import { ExpressionError, parseExpression } from './expression.js';
import { isTimeZone } from './zones.js';

type Body = Record<string, unknown>;

const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;
const ROLE = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const DLQ = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_.]+$/;
const LAMBDA_TARGET = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
export const DEFAULT_GROUP = 'default';

export interface ScheduleChanges {
  changed(s: ScheduleRecord): void;
  removed(region: string, group: string, name: string): void;
}

export const scheduleArn = (s: { region: string; group: string; name: string }, accountId: string) =>
  `arn:aws:scheduler:${s.region}:${accountId}:schedule/${s.group}/${s.name}`;
const groupArn = (region: string, name: string, accountId: string) => `arn:aws:scheduler:${region}:${accountId}:schedule-group/${name}`;
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function checkName(v: unknown, what: string): string {
  if (typeof v !== 'string' || !NAME.test(v)) {
    throw schedulerValidation(`1 validation error detected: Value '${String(v)}' at '${what}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$`);
  }
  return v;
}

/** Timestamps arrive as epoch seconds (rest-json) or ISO strings. */
function date(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw schedulerValidation(`Invalid ${what}: ${String(v)}.`);
  return ms;
}

export class ScheduleService {
  constructor(
    private readonly store: ScheduleStore,
    private readonly clock: Clock,
    private readonly accountId: string,
    private readonly changes: ScheduleChanges,
  ) {}

  async createSchedule(region: string, name: string, b: Body): Promise<Body> {
    const now = this.clock.now();
    const s = this.build(region, name, b, now, { createdAt: now, firings: 0, anchor: now });
    await this.requireGroup(region, s.group);
    if (!(await this.store.createSchedule(s))) throw new SchedulerError('ConflictException', `Schedule ${name} already exists.`);
    this.changes.changed(s);
    return { ScheduleArn: scheduleArn(s, this.accountId) };
  }

  async updateSchedule(region: string, name: string, b: Body): Promise<Body> {
    const now = this.clock.now();
    const group = b.GroupName === undefined ? DEFAULT_GROUP : checkName(b.GroupName, 'groupName');
    const current = await this.store.getSchedule(region, group, name);
    if (!current) throw new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`);
    const next = this.build(region, name, b, now, {
      createdAt: current.createdAt,
      firings: current.firings,
      anchor: current.expression === b.ScheduleExpression ? current.anchor : now,
      ...(current.lastFiredFor !== undefined ? { lastFiredFor: current.lastFiredFor } : {}),
      ...(current.lastRunAt !== undefined ? { lastRunAt: current.lastRunAt, lastResult: current.lastResult } : {}),
    });
    const stored = await this.store.updateSchedule(region, group, name, () => next);
    if (!stored) throw new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`);
    this.changes.changed(stored);
    return { ScheduleArn: scheduleArn(stored, this.accountId) };
  }

  async getSchedule(region: string, name: string, group: string | undefined): Promise<Body> {
    const s = await this.store.getSchedule(region, group === undefined ? DEFAULT_GROUP : checkName(group, 'groupName'), checkName(name, 'name'));
    if (!s) throw new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return this.render(s);
  }

  async deleteSchedule(region: string, name: string, group: string | undefined): Promise<Body> {
    const g = group === undefined ? DEFAULT_GROUP : checkName(group, 'groupName');
    if (!(await this.store.deleteSchedule(region, g, checkName(name, 'name')))) throw new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`);
    this.changes.removed(region, g, name);
    return {};
  }

  async listSchedules(region: string, q: { group?: string; prefix?: string; state?: string; maxResults?: number; nextToken?: string }): Promise<Body> {
    if (q.maxResults !== undefined && (!Number.isInteger(q.maxResults) || q.maxResults < 1 || q.maxResults > 100)) {
      throw schedulerValidation(`1 validation error detected: Value '${q.maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100`);
    }
    if (q.state !== undefined && q.state !== 'ENABLED' && q.state !== 'DISABLED') {
      throw schedulerValidation(`1 validation error detected: Value '${q.state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]`);
    }
    if (q.group !== undefined) await this.requireGroup(region, q.group);
    const all = (await this.store.listSchedules(region)).filter(
      (s) => (q.group === undefined || s.group === q.group) && (q.prefix === undefined || s.name.startsWith(q.prefix)) && (q.state === undefined || s.state === q.state),
    );
    const start = q.nextToken ? Number(Buffer.from(q.nextToken, 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0) throw schedulerValidation('Invalid NextToken.');
    const limit = q.maxResults ?? 100;
    const page = all.slice(start, start + limit);
    return {
      Schedules: page.map((s) => ({
        Arn: scheduleArn(s, this.accountId),
        CreationDate: seconds(s.createdAt),
        GroupName: s.group,
        LastModificationDate: seconds(s.modifiedAt),
        Name: s.name,
        State: s.state,
        Target: { Arn: s.target.Arn },
      })),
      ...(start + limit < all.length ? { NextToken: Buffer.from(String(start + limit)).toString('base64url') } : {}),
    };
  }

  // ------------------------------------------------------------------ groups

  async createScheduleGroup(region: string, name: string, b: Body): Promise<Body> {
    checkName(name, 'name');
    const now = this.clock.now();
    const tags = Array.isArray(b.Tags) ? (b.Tags as { Key: string; Value: string }[]) : [];
    if (name === DEFAULT_GROUP || !(await this.store.createScheduleGroup({ region, name, createdAt: now, modifiedAt: now, tags }))) {
      throw new SchedulerError('ConflictException', `Schedule group ${name} already exists.`);
    }
    return { ScheduleGroupArn: groupArn(region, name, this.accountId) };
  }

  async getScheduleGroup(region: string, name: string): Promise<Body> {
    return this.renderGroup(await this.requireGroup(region, checkName(name, 'name')));
  }

  async listScheduleGroups(region: string, q: { prefix?: string; maxResults?: number; nextToken?: string }): Promise<Body> {
    const groups = [await this.defaultGroup(region), ...(await this.store.listScheduleGroups(region))].filter((g) => q.prefix === undefined || g.name.startsWith(q.prefix));
    const start = q.nextToken ? Number(Buffer.from(q.nextToken, 'base64url').toString()) : 0;
    const limit = q.maxResults ?? 100;
    return {
      ScheduleGroups: groups.slice(start, start + limit).map((g) => this.renderGroup(g)),
      ...(start + limit < groups.length ? { NextToken: Buffer.from(String(start + limit)).toString('base64url') } : {}),
    };
  }

  async deleteScheduleGroup(region: string, name: string): Promise<Body> {
    if (name === DEFAULT_GROUP) throw schedulerValidation('Cannot delete the default schedule group.');
    const schedules = (await this.store.listSchedules(region)).filter((s) => s.group === name);
    if (!(await this.store.deleteScheduleGroup(region, checkName(name, 'name')))) throw new SchedulerError('ResourceNotFoundException', `Schedule group ${name} does not exist.`);
    for (const s of schedules) this.changes.removed(region, name, s.name);
    return {};
  }

  async tagResource(region: string, arn: string, b: Body): Promise<Body> {
    const name = this.groupFromArn(arn);
    const tags = Array.isArray(b.Tags) ? (b.Tags as { Key: string; Value: string }[]) : [];
    const g = await this.store.updateScheduleGroup(region, name, (cur) => ({
      ...cur,
      tags: [...cur.tags.filter((t) => !tags.some((n) => n.Key === t.Key)), ...tags],
    }));
    if (!g) throw new SchedulerError('ResourceNotFoundException', `Schedule group ${name} does not exist.`);
    return {};
  }

  async untagResource(region: string, arn: string, keys: string[]): Promise<Body> {
    const name = this.groupFromArn(arn);
    const g = await this.store.updateScheduleGroup(region, name, (cur) => ({ ...cur, tags: cur.tags.filter((t) => !keys.includes(t.Key)) }));
    if (!g) throw new SchedulerError('ResourceNotFoundException', `Schedule group ${name} does not exist.`);
    return {};
  }

  async listTagsForResource(region: string, arn: string): Promise<Body> {
    const name = this.groupFromArn(arn);
    const g = name === DEFAULT_GROUP ? await this.defaultGroup(region) : await this.store.getScheduleGroup(region, name);
    if (!g) throw new SchedulerError('ResourceNotFoundException', `Schedule group ${name} does not exist.`);
    return { Tags: g.tags };
  }

  // ------------------------------------------------------------------ helpers

  private groupFromArn(arn: string): string {
    const m = /^arn:aws[a-z-]*:scheduler:[a-z0-9-]+:\d{12}:schedule-group\/([0-9a-zA-Z-_.]+)$/.exec(arn);
    if (!m) throw schedulerValidation(`Invalid ResourceArn: ${arn}.`);
    return m[1];
  }

  private async defaultGroup(region: string): Promise<ScheduleGroupRecord> {
    return { region, name: DEFAULT_GROUP, createdAt: 0, modifiedAt: 0, tags: [] };
  }

  private async requireGroup(region: string, name: string): Promise<ScheduleGroupRecord> {
    if (name === DEFAULT_GROUP) return this.defaultGroup(region);
    const g = await this.store.getScheduleGroup(region, name);
    if (!g) throw new SchedulerError('ResourceNotFoundException', `Schedule group ${name} does not exist.`);
    return g;
  }

  private renderGroup(g: ScheduleGroupRecord): Body {
    return {
      Arn: groupArn(g.region, g.name, this.accountId),
      CreationDate: seconds(g.createdAt),
      LastModificationDate: seconds(g.modifiedAt),
      Name: g.name,
      State: 'ACTIVE',
    };
  }

  render(s: ScheduleRecord): Body {
    return {
      ...(s.actionAfterCompletion ? { ActionAfterCompletion: s.actionAfterCompletion } : {}),
      Arn: scheduleArn(s, this.accountId),
      CreationDate: seconds(s.createdAt),
      ...(s.description !== undefined ? { Description: s.description } : {}),
      ...(s.endDate !== undefined ? { EndDate: seconds(s.endDate) } : {}),
      FlexibleTimeWindow: s.flexibleTimeWindow,
      GroupName: s.group,
      ...(s.kmsKeyArn ? { KmsKeyArn: s.kmsKeyArn } : {}),
      LastModificationDate: seconds(s.modifiedAt),
      Name: s.name,
      ScheduleExpression: s.expression,
      ScheduleExpressionTimezone: s.timezone ?? 'UTC',
      ...(s.startDate !== undefined ? { StartDate: seconds(s.startDate) } : {}),
      State: s.state,
      Target: s.target,
    };
  }

  /** Validates a Create/UpdateSchedule body into a record. */
  private build(region: string, name: string, b: Body, now: number, keep: Pick<ScheduleRecord, 'createdAt' | 'firings' | 'anchor'> & Partial<ScheduleRecord>): ScheduleRecord {
    checkName(name, 'name');
    const group = b.GroupName === undefined || b.GroupName === null ? DEFAULT_GROUP : checkName(b.GroupName, 'groupName');
    const expression = b.ScheduleExpression;
    if (typeof expression !== 'string' || expression.length < 1 || expression.length > 256) throw schedulerValidation('ScheduleExpression is required and must be 1 to 256 characters long.');
    try {
      parseExpression(expression);
    } catch (err) {
      if (err instanceof ExpressionError) throw schedulerValidation(err.message);
      throw err;
    }
    const tz = b.ScheduleExpressionTimezone;
    if (tz !== undefined && tz !== null && (typeof tz !== 'string' || !isTimeZone(tz))) throw schedulerValidation(`Invalid time zone: ${String(tz)}.`);
    const fw = b.FlexibleTimeWindow as Body | undefined;
    if (!fw || (fw.Mode !== 'OFF' && fw.Mode !== 'FLEXIBLE')) {
      throw schedulerValidation(`1 validation error detected: Value '${String(fw?.Mode)}' at 'flexibleTimeWindow.mode' failed to satisfy constraint: Member must satisfy enum value set: [OFF, FLEXIBLE]`);
    }
    const window = fw.MaximumWindowInMinutes;
    if (fw.Mode === 'FLEXIBLE' && (typeof window !== 'number' || !Number.isInteger(window) || window < 1 || window > 1440)) {
      throw schedulerValidation('MaximumWindowInMinutes must be between 1 and 1440 when Mode is FLEXIBLE.');
    }
    if (fw.Mode === 'OFF' && window !== undefined) throw schedulerValidation('MaximumWindowInMinutes must not be set when Mode is OFF.');
    const target = this.checkTarget(b.Target);
    const state = b.State ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') {
      throw schedulerValidation(`1 validation error detected: Value '${String(state)}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]`);
    }
    const action = b.ActionAfterCompletion;
    if (action !== undefined && action !== 'NONE' && action !== 'DELETE') {
      throw schedulerValidation(`1 validation error detected: Value '${String(action)}' at 'actionAfterCompletion' failed to satisfy constraint: Member must satisfy enum value set: [NONE, DELETE]`);
    }
    if (b.Description !== undefined && (typeof b.Description !== 'string' || b.Description.length > 512)) throw schedulerValidation('Description must be at most 512 characters long.');
    const startDate = date(b.StartDate, 'StartDate');
    const endDate = date(b.EndDate, 'EndDate');
    if (startDate !== undefined && endDate !== undefined && endDate <= startDate) throw schedulerValidation('The EndDate must be after the StartDate.');
    if (endDate !== undefined && endDate <= now) throw schedulerValidation('The EndDate you specify cannot be earlier than the current time.');
    return {
      ...keep,
      region,
      group,
      name,
      expression,
      ...(typeof tz === 'string' ? { timezone: tz } : {}),
      ...(startDate !== undefined ? { startDate } : {}),
      ...(endDate !== undefined ? { endDate } : {}),
      state,
      ...(typeof b.Description === 'string' ? { description: b.Description } : {}),
      flexibleTimeWindow: fw.Mode === 'FLEXIBLE' ? { Mode: 'FLEXIBLE', MaximumWindowInMinutes: window as number } : { Mode: 'OFF' },
      target,
      actionAfterCompletion: (action as string | undefined) ?? 'NONE',
      ...(typeof b.KmsKeyArn === 'string' ? { kmsKeyArn: b.KmsKeyArn } : {}),
      modifiedAt: now,
    };
  }

  private checkTarget(raw: unknown): Record<string, unknown> {
    const t = raw as Body | undefined;
    if (!t || typeof t !== 'object') throw schedulerValidation('Target is required.');
    if (typeof t.Arn !== 'string' || t.Arn === '') throw schedulerValidation('Target.Arn is required.');
    if (typeof t.RoleArn !== 'string' || !ROLE.test(t.RoleArn)) {
      throw schedulerValidation(`1 validation error detected: Value '${String(t.RoleArn)}' at 'target.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:iam::\\d{12}:role\\/[\\w+=,.@\\/-]+$`);
    }
    if (!LAMBDA_TARGET.test(t.Arn)) throw schedulerValidation(`Lambkin supports Lambda function targets only; ${t.Arn} is not a function ARN.`);
    if (t.Input !== undefined) {
      if (typeof t.Input !== 'string' || t.Input === '') throw schedulerValidation('Target.Input must be a non-empty string.');
      try {
        // Context attributes may stand where strings go; they are substituted at each firing.
        JSON.parse(t.Input.replace(/<aws\.scheduler\.[a-z-]+>/g, '1'));
      } catch {
        throw schedulerValidation('Target.Input must be valid JSON for a Lambda target.');
      }
    }
    const rp = t.RetryPolicy as Body | undefined;
    if (rp !== undefined) {
      const age = rp.MaximumEventAgeInSeconds;
      const tries = rp.MaximumRetryAttempts;
      if (age !== undefined && (typeof age !== 'number' || age < 60 || age > 86_400)) throw schedulerValidation('MaximumEventAgeInSeconds must be between 60 and 86400.');
      if (tries !== undefined && (typeof tries !== 'number' || tries < 0 || tries > 185)) throw schedulerValidation('MaximumRetryAttempts must be between 0 and 185.');
    }
    const dlq = t.DeadLetterConfig as Body | undefined;
    if (dlq?.Arn !== undefined && (typeof dlq.Arn !== 'string' || !DLQ.test(dlq.Arn))) {
      throw schedulerValidation(`1 validation error detected: Value '${String(dlq.Arn)}' at 'target.deadLetterConfig.arn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:sqs:[a-z0-9\\-]+:\\d{12}:[a-zA-Z0-9\\-_]+$`);
    }
    return {
      Arn: t.Arn,
      RoleArn: t.RoleArn,
      ...(t.Input !== undefined ? { Input: t.Input } : {}),
      RetryPolicy: { MaximumEventAgeInSeconds: (rp?.MaximumEventAgeInSeconds as number | undefined) ?? 86_400, MaximumRetryAttempts: (rp?.MaximumRetryAttempts as number | undefined) ?? 185 },
      ...(dlq?.Arn ? { DeadLetterConfig: { Arn: dlq.Arn } } : {}),
    };
  }
}
