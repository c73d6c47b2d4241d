/**
 * EventBridge's cron grammar — `cron(min hour day-of-month month day-of-week year)`, 1 = SUN, with
 * `?`, `L`, `W`, `#` — checked here to AWS's rules and handed to croner (which does the calendar
 * arithmetic) in its Quartz-weekday, seconds+year form. Times are wall-clock times: milliseconds
 * as if the local time were UTC; time zones are applied by the caller (see zones.ts).
 */
import { Cron } from 'croner';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export class CronSyntaxError extends Error {}

interface FieldSpec {
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 1, max: 7, names: DAYS },
  { min: 1970, max: 2199 },
];

const bad = (why: string): never => {
  throw new CronSyntaxError(why);
};

function value(raw: string, f: FieldSpec): number {
  const upper = raw.toUpperCase();
  const named = f.names?.indexOf(upper) ?? -1;
  const n = named >= 0 ? named + 1 : /^\d+$/.test(raw) ? Number(raw) : bad(`'${raw}' is not a value`);
  if (n < f.min || n > f.max) bad(`${raw} is out of range ${f.min}-${f.max}`);
  return n;
}

/** One comma-separated item of a plain field: *, n, a-b, with an optional /step. */
function item(raw: string, f: FieldSpec): string {
  const [range, step, extra] = raw.split('/');
  if (extra !== undefined) bad(`'${raw}' has two steps`);
  let from: number;
  let to: number;
  let text: string;
  if (range === '*') {
    from = f.min;
    to = f.max;
    text = '*';
  } else if (range.includes('-')) {
    const [a, b, more] = range.split('-');
    if (more !== undefined || a === '' || b === '') bad(`'${raw}' is not a range`);
    from = value(a, f);
    to = value(b, f);
    if (from > to) bad(`'${raw}' runs backwards`);
    text = `${from}-${to}`;
  } else {
    from = value(range, f);
    to = step !== undefined ? f.max : from;
    text = String(from);
  }
  if (step === undefined) return text;
  if (!/^\d+$/.test(step) || Number(step) < 1) bad(`'${raw}' has a bad step`);
  return `${range === '*' ? '*' : `${from}-${to}`}/${Number(step)}`;
}

function plainField(raw: string, f: FieldSpec): string {
  return raw.split(',').map((i) => (i === '' ? bad('empty list item') : item(i, f))).join(',');
}

function dayOfMonth(raw: string): string {
  if (raw === '?' || raw === 'L' || raw === 'LW') return raw === '?' ? '*' : raw;
  const w = /^(\d{1,2})W$/.exec(raw);
  if (w) return `${value(w[1], FIELDS[2])}W`;
  if (/[LW#]/.test(raw)) bad(`'${raw}' is not a day of month`);
  return plainField(raw, FIELDS[2]);
}

function dayOfWeek(raw: string): string {
  if (raw === '?') return '*';
  if (raw === 'L') return '7'; // the last day of the week: Saturday
  if ((raw.match(/#/g) ?? []).length > 1) bad('only one # expression is allowed');
  return raw
    .split(',')
    .map((i) => {
      const last = /^([A-Za-z]{3}|\d)L$/.exec(i);
      if (last) return `${value(last[1], FIELDS[4])}#L`;
      const nth = /^([A-Za-z]{3}|\d)#([1-5])$/.exec(i);
      if (nth) return `${value(nth[1], FIELDS[4])}#${nth[2]}`;
      if (/[L#W]/.test(i)) bad(`'${i}' is not a day of week`);
      return i === '' ? bad('empty list item') : item(i, FIELDS[4]);
    })
    .join(',');
}

export interface CronSpec {
  source: string;
  cron: Cron;
}

/** Parses the inside of `cron(...)`. */
export function parseCron(fields: string): CronSpec {
  const parts = fields.trim().split(/\s+/);
  if (parts.length !== 6) bad('a cron expression has 6 fields');
  const [min, hour, dom, month, dow, year] = parts;
  if ((dom === '?') === (dow === '?')) bad('one of day-of-month and day-of-week must be ?');
  const pattern = [
    '0',
    plainField(min, FIELDS[0]),
    plainField(hour, FIELDS[1]),
    dayOfMonth(dom),
    plainField(month, FIELDS[3]),
    dayOfWeek(dow),
    plainField(year, FIELDS[5]),
  ].join(' ');
  let cron: Cron;
  try {
    cron = new Cron(pattern, { mode: '7-part', alternativeWeekdays: true, timezone: 'Etc/UTC', paused: true });
  } catch (err) {
    throw new CronSyntaxError((err as Error).message);
  }
  return { source: fields, cron };
}

/** The first matching wall-clock time strictly after `afterWall`. */
export function nextCronWall(spec: CronSpec, afterWall: number): number | undefined {
  const d = spec.cron.nextRun(new Date(afterWall));
  return d ? d.getTime() : undefined;
}
