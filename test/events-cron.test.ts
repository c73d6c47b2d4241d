/** Schedule expressions: EventBridge's cron grammar, rates, at(), time zones and DST. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpressionError, nextFiring, parseExpression } from '../src/events/schedules/expression.js';

const utc = (s: string) => Date.parse(s);
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString().replace('.000Z', 'Z'));

/** The next `n` firings after `from` in `tz`. */
function runs(expr: string, from: string, n: number, tz = 'UTC', extra: { startDate?: number; endDate?: number } = {}): (string | undefined)[] {
  const e = parseExpression(expr);
  const out: (string | undefined)[] = [];
  let t = utc(from);
  for (let i = 0; i < n; i++) {
    const next = nextFiring(e, t, { timezone: tz, anchor: utc(from), ...extra });
    out.push(iso(next));
    if (next === undefined) break;
    t = next;
  }
  return out;
}

test('AWS examples', () => {
  assert.deepEqual(runs('cron(15 10 * * ? *)', '2024-03-01T00:00:00Z', 2), ['2024-03-01T10:15:00Z', '2024-03-02T10:15:00Z']);
  assert.deepEqual(runs('cron(0 18 ? * MON-FRI *)', '2024-03-01T19:00:00Z', 2), ['2024-03-04T18:00:00Z', '2024-03-05T18:00:00Z']); // Fri → Mon
  assert.deepEqual(runs('cron(0 8 1 * ? *)', '2024-03-01T09:00:00Z', 1), ['2024-04-01T08:00:00Z']);
  assert.deepEqual(runs('cron(0/10 * ? * MON-FRI *)', '2024-03-01T23:45:00Z', 2), ['2024-03-01T23:50:00Z', '2024-03-04T00:00:00Z']);
  assert.deepEqual(runs('cron(0/5 8-17 ? * MON-FRI *)', '2024-03-01T17:56:00Z', 1), ['2024-03-04T08:00:00Z']);
  assert.deepEqual(runs('cron(0 9 ? * 2#1 *)', '2024-03-01T00:00:00Z', 2), ['2024-03-04T09:00:00Z', '2024-04-01T09:00:00Z']); // first Monday
});

test('day-of-week is 1-7 from Sunday; names and numbers agree', () => {
  assert.deepEqual(runs('cron(0 12 ? * 1 *)', '2024-06-01T00:00:00Z', 1), ['2024-06-02T12:00:00Z']); // Sunday
  assert.deepEqual(runs('cron(0 12 ? * SUN *)', '2024-06-01T00:00:00Z', 1), ['2024-06-02T12:00:00Z']);
  assert.deepEqual(runs('cron(0 12 ? * 7 *)', '2024-06-02T00:00:00Z', 1), ['2024-06-08T12:00:00Z']); // Saturday
  assert.deepEqual(runs('cron(0 12 ? * sat *)', '2024-06-02T00:00:00Z', 1), ['2024-06-08T12:00:00Z']);
});

test('month ends and L: the last day of each month, leap years included', () => {
  assert.deepEqual(runs('cron(0 0 L * ? *)', '2024-01-15T00:00:00Z', 4), ['2024-01-31T00:00:00Z', '2024-02-29T00:00:00Z', '2024-03-31T00:00:00Z', '2024-04-30T00:00:00Z']);
  assert.deepEqual(runs('cron(0 0 L 2 ? *)', '2024-03-01T00:00:00Z', 2), ['2025-02-28T00:00:00Z', '2026-02-28T00:00:00Z']);
  // The 31st only fires in months that have one; the 29th of February only in leap years.
  assert.deepEqual(runs('cron(0 0 31 * ? *)', '2024-04-01T00:00:00Z', 3), ['2024-05-31T00:00:00Z', '2024-07-31T00:00:00Z', '2024-08-31T00:00:00Z']);
  assert.deepEqual(runs('cron(0 0 29 2 ? *)', '2024-03-01T00:00:00Z', 1), ['2028-02-29T00:00:00Z']);
  // L in day-of-week is Saturday; nL is the last such weekday of the month.
  assert.deepEqual(runs('cron(0 0 ? * L *)', '2024-06-02T00:00:00Z', 1), ['2024-06-08T00:00:00Z']);
  assert.deepEqual(runs('cron(0 0 ? * 6L *)', '2024-01-01T00:00:00Z', 3), ['2024-01-26T00:00:00Z', '2024-02-23T00:00:00Z', '2024-03-29T00:00:00Z']); // last Friday
});

test('# and W: nth weekday of the month, nearest weekday', () => {
  assert.deepEqual(runs('cron(0 12 ? * 3#2 *)', '2024-01-01T00:00:00Z', 2), ['2024-01-09T12:00:00Z', '2024-02-13T12:00:00Z']); // 2nd Tuesday
  // A 5th Monday exists only in some months.
  assert.deepEqual(runs('cron(0 12 ? * MON#5 *)', '2024-01-01T00:00:00Z', 3), ['2024-01-29T12:00:00Z', '2024-04-29T12:00:00Z', '2024-07-29T12:00:00Z']);
  // 15W: the 15th, or the nearest weekday within the month (Sat 15 Jun 2024 → Fri 14th; Sun 15 Sep → Mon 16th).
  assert.deepEqual(runs('cron(0 12 15W * ? *)', '2024-06-01T00:00:00Z', 4), ['2024-06-14T12:00:00Z', '2024-07-15T12:00:00Z', '2024-08-15T12:00:00Z', '2024-09-16T12:00:00Z']);
  // 1W never crosses into the previous month (Sat 1 Jun 2024 → Mon 3rd).
  assert.deepEqual(runs('cron(0 12 1W * ? *)', '2024-05-02T00:00:00Z', 2), ['2024-06-03T12:00:00Z', '2024-07-01T12:00:00Z']);
});

test('the year field bounds a schedule; a time that never comes has no next firing', () => {
  assert.deepEqual(runs('cron(0 0 1 1 ? 2030-2031)', '2024-06-01T00:00:00Z', 3), ['2030-01-01T00:00:00Z', '2031-01-01T00:00:00Z', undefined]);
  assert.deepEqual(runs('cron(0 0 1 1 ? 2020)', '2024-06-01T00:00:00Z', 1), [undefined]);
  assert.deepEqual(runs('cron(0 0 30 2 ? *)', '2024-06-01T00:00:00Z', 1), [undefined]);
});

test('time zones: local times, DST gaps skip, DST overlaps fire once (America/New_York)', () => {
  // 09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer.
  assert.deepEqual(runs('cron(0 9 * * ? *)', '2024-03-09T00:00:00Z', 2, 'America/New_York'), ['2024-03-09T14:00:00Z', '2024-03-10T13:00:00Z']);
  // 02:30 does not exist on 10 Mar 2024 (spring forward): that day is skipped.
  assert.deepEqual(runs('cron(30 2 * * ? *)', '2024-03-09T00:00:00Z', 2, 'America/New_York'), ['2024-03-09T07:30:00Z', '2024-03-11T06:30:00Z']);
  // 01:30 happens twice on 3 Nov 2024 (fall back): it fires once, at the first.
  assert.deepEqual(runs('cron(30 1 * * ? *)', '2024-11-02T12:00:00Z', 2, 'America/New_York'), ['2024-11-03T05:30:00Z', '2024-11-04T06:30:00Z']);
  // An every-30-minutes schedule does not run the repeated hour again.
  assert.deepEqual(runs('cron(0/30 * * * ? *)', '2024-11-03T05:00:00Z', 5, 'America/New_York'), [
    '2024-11-03T05:30:00Z', // 01:30 EDT
    '2024-11-03T07:00:00Z', // 02:00 EST (01:00–01:59 EST, the repeat, is skipped)
    '2024-11-03T07:30:00Z',
    '2024-11-03T08:00:00Z',
    '2024-11-03T08:30:00Z',
  ]);
});

test('time zones: southern hemisphere and half-hour offsets', () => {
  // Sydney: AEDT (+11) until 7 Apr 2024 03:00, then AEST (+10).
  assert.deepEqual(runs('cron(0 12 * * ? *)', '2024-04-06T00:00:00Z', 2, 'Australia/Sydney'), ['2024-04-06T01:00:00Z', '2024-04-07T02:00:00Z']);
  assert.deepEqual(runs('cron(0 0 * * ? *)', '2024-06-01T00:00:00Z', 1, 'Asia/Kolkata'), ['2024-06-01T18:30:00Z']);
});

test('rate: fixed periods from the anchor; StartDate and EndDate bound them', () => {
  assert.deepEqual(runs('rate(1 minute)', '2024-01-01T00:00:30Z', 3), ['2024-01-01T00:01:30Z', '2024-01-01T00:02:30Z', '2024-01-01T00:03:30Z']);
  assert.deepEqual(runs('rate(2 hours)', '2024-01-01T00:00:00Z', 2), ['2024-01-01T02:00:00Z', '2024-01-01T04:00:00Z']);
  // rate(1 day) stays 24 hours across a DST change.
  assert.deepEqual(runs('rate(1 day)', '2024-03-09T12:00:00Z', 2, 'America/New_York'), ['2024-03-10T12:00:00Z', '2024-03-11T12:00:00Z']);
  const e = parseExpression('rate(5 minutes)');
  const start = utc('2024-01-01T01:00:00Z');
  assert.equal(iso(nextFiring(e, utc('2024-01-01T00:00:00Z'), { timezone: 'UTC', anchor: 0, startDate: start })), '2024-01-01T01:00:00Z');
  assert.equal(nextFiring(e, utc('2024-01-01T01:00:00Z'), { timezone: 'UTC', anchor: 0, startDate: start, endDate: utc('2024-01-01T01:04:00Z') }), undefined);
});

test('at(): one time, in its time zone', () => {
  assert.deepEqual(runs('at(2030-05-01T10:00:00)', '2024-01-01T00:00:00Z', 2), ['2030-05-01T10:00:00Z', undefined]);
  assert.deepEqual(runs('at(2030-05-01T10:00:00)', '2024-01-01T00:00:00Z', 1, 'Europe/Berlin'), ['2030-05-01T08:00:00Z']);
  assert.deepEqual(runs('at(2020-05-01T10:00:00)', '2024-01-01T00:00:00Z', 1), [undefined]);
});

test('invalid expressions are refused as Scheduler refuses them', () => {
  for (const bad of [
    'cron(0 12 * * * *)', // day-of-month and day-of-week both given
    'cron(0 12 ? * ? *)', // both ?
    'cron(0 12 * * ?)', // five fields
    'cron(60 12 * * ? *)',
    'cron(0 24 * * ? *)',
    'cron(0 12 32 * ? *)',
    'cron(0 12 ? * 8 *)',
    'cron(0 12 ? * 3#1,6#3 *)', // two # expressions
    'cron(0 12 ? * 2#6 *)',
    'cron(0 12 ? 13 ? *)',
    'cron(0 12 1 * ? 1969)',
    'cron(0 12 L-3 * ? *)',
    'cron(0 12 5-1 * ? *)',
    'rate(0 minutes)',
    'rate(1 second)',
    'rate(minutes)',
    'at(2024-02-30T10:00:00)',
    'at(2024-01-01 10:00:00)',
    'every(5 minutes)',
  ]) {
    assert.throws(() => parseExpression(bad), (err: unknown) => err instanceof ExpressionError && err.message === `Invalid Schedule Expression ${bad}.`, bad);
  }
});
