/**
 * Schedule expressions: `rate(n unit)`, `cron(...)` and `at(yyyy-mm-ddThh:mm:ss)`, evaluated in
 * ScheduleExpressionTimezone (default UTC). As EventBridge Scheduler does it: a cron time that a
 * DST change skips does not fire, one that occurs twice fires once (the first time); rates are
 * fixed durations counted from the start date.
 */
import { CronSyntaxError, nextCronWall, parseCron, type CronSpec } from './cron.js';
import { instantsOf, wallOf } from './zones.js';

export type Expression =
  | { kind: 'rate'; periodMs: number }
  | { kind: 'cron'; spec: CronSpec }
  | { kind: 'at'; wall: number };

export class ExpressionError extends Error {}

const UNITS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3600_000, hours: 3600_000, day: 86_400_000, days: 86_400_000 };

export function parseExpression(raw: string): Expression {
  const m = /^(rate|cron|at)\((.*)\)$/s.exec(raw.trim());
  if (!m) throw new ExpressionError(`Invalid Schedule Expression ${raw}.`);
  if (m[1] === 'rate') {
    const r = /^\s*(\d+)\s+([a-z]+)\s*$/.exec(m[2]);
    const n = r ? Number(r[1]) : 0;
    if (!r || !(r[2] in UNITS) || n < 1 || !Number.isSafeInteger(n)) throw new ExpressionError(`Invalid Schedule Expression ${raw}.`);
    return { kind: 'rate', periodMs: n * UNITS[r[2]] };
  }
  if (m[1] === 'cron') {
    try {
      return { kind: 'cron', spec: parseCron(m[2]) };
    } catch (err) {
      if (err instanceof CronSyntaxError) throw new ExpressionError(`Invalid Schedule Expression ${raw}.`);
      throw err;
    }
  }
  const a = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(m[2]);
  if (!a) throw new ExpressionError(`Invalid Schedule Expression ${raw}.`);
  const [y, mo, d, h, mi, s] = a.slice(1).map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw new ExpressionError(`Invalid Schedule Expression ${raw}.`);
  return { kind: 'at', wall };
}

export interface Window {
  timezone: string;
  /** Rate schedules count from here (StartDate, else when the schedule was created). */
  anchor: number;
  startDate?: number;
  endDate?: number;
}

/** The first firing time strictly after `after` within the window, if any. */
export function nextFiring(e: Expression, after: number, w: Window): number | undefined {
  const from = w.startDate !== undefined ? Math.max(after, w.startDate - 1) : after;
  let t: number | undefined;
  switch (e.kind) {
    case 'rate': {
      const anchor = w.startDate ?? w.anchor;
      t = from < anchor ? anchor : anchor + (Math.floor((from - anchor) / e.periodMs) + 1) * e.periodMs;
      break;
    }
    case 'at': {
      const instants = instantsOf(e.wall, w.timezone);
      // A time inside a DST gap means the same moment the clock shows after the jump.
      const at = instants[0] ?? instantsOf(e.wall + 3600_000, w.timezone)[0] - 3600_000;
      t = at > from ? at : undefined;
      break;
    }
    case 'cron':
      t = nextCron(e.spec, from, w.timezone);
      break;
  }
  return t !== undefined && (w.endDate === undefined || t <= w.endDate) ? t : undefined;
}

function nextCron(spec: CronSpec, after: number, tz: string): number | undefined {
  let wall = wallOf(after, tz);
  for (let i = 0; i < 100_000; i++) {
    const next = nextCronWall(spec, wall);
    if (next === undefined) return undefined;
    wall = next;
    const instants = instantsOf(wall, tz);
    if (instants.length === 0) continue; // skipped by a DST gap
    if (instants[0] > after) return instants[0];
    // the wall time repeats (DST overlap) and its first pass is behind us: it does not fire again
  }
  return undefined;
}
