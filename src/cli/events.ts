/**
 * `lambkin events`: event source mappings (state, backlog, batches, last run) and schedules
 * (expression, firings, last and next run), from the server's /_lambkin/events.
 */
import type { Command } from 'commander';
import { ApiError, endpointFrom, getJson, palette, useColor, type Palette } from './logs.js';
import { table } from './stats.js';

export interface EventsOverview {
  now: number;
  mappings: {
    UUID: string; FunctionArn: string; EventSourceArn: string; State: string; BatchSize: number;
    backlog: number | null; inFlight: number | null; pollers: number; batches: number; batchFailures: number; records: number;
    lastRun: number | null; lastResult: string | null;
  }[];
  schedules: {
    Name: string; GroupName: string; ScheduleExpression: string; ScheduleExpressionTimezone: string; State: string; Target: string;
    firings: number; lastRun: number | null; lastResult: string | null; nextRun: number | null;
  }[];
}

const tail = (arn: string) => arn.replace(/^arn:aws[a-z-]*:[a-z]+:[^:]*:\d{12}:(function:)?/, '');

/** "5s ago", "in 2m", "-". */
export function relative(t: number | null, now: number): string {
  if (t === null) return '-';
  const d = Math.round((t - now) / 1000);
  const abs = Math.abs(d);
  const text = abs < 60 ? `${abs}s` : abs < 3600 ? `${Math.round(abs / 60)}m` : abs < 86_400 ? `${Math.round(abs / 3600)}h` : `${Math.round(abs / 86_400)}d`;
  return d < 0 ? `${text} ago` : d === 0 ? 'now' : `in ${text}`;
}

export function renderEvents(o: EventsOverview, c: Palette): string {
  let text = '';
  if (o.mappings.length === 0) text += 'no event source mappings\n';
  else {
    text += table(
      ['MAPPING', 'FUNCTION', 'QUEUE', 'STATE', 'BACKLOG', 'IN FLIGHT', 'POLLERS', 'BATCHES', 'FAILED', 'LAST RUN', 'LAST RESULT'],
      o.mappings.map((m) => [
        m.UUID.slice(0, 8), tail(m.FunctionArn), tail(m.EventSourceArn), m.State, m.backlog === null ? '-' : String(m.backlog), m.inFlight === null ? '-' : String(m.inFlight),
        String(m.pollers), String(m.batches), String(m.batchFailures), relative(m.lastRun, o.now), m.lastResult ?? '-',
      ]),
      c,
    );
  }
  text += '\n';
  if (o.schedules.length === 0) text += 'no schedules\n';
  else {
    text += table(
      ['SCHEDULE', 'EXPRESSION', 'TZ', 'STATE', 'TARGET', 'FIRINGS', 'LAST RUN', 'NEXT RUN', 'LAST RESULT'],
      o.schedules.map((s) => [
        `${s.GroupName}/${s.Name}`, s.ScheduleExpression, s.ScheduleExpressionTimezone, s.State, tail(s.Target), String(s.firings),
        relative(s.lastRun, o.now), relative(s.nextRun, o.now), s.lastResult ?? '-',
      ]),
      c,
    );
  }
  return text;
}

export async function events(flags: { endpointUrl?: string; region?: string; color?: string; json?: boolean }): Promise<number> {
  const ep = endpointFrom(flags);
  try {
    const o = await getJson<EventsOverview>(ep, '/_lambkin/events');
    process.stdout.write(flags.json ? `${JSON.stringify(o, null, 2)}\n` : renderEvents(o, palette(useColor(flags.color))));
    return 0;
  } catch (err) {
    if (err instanceof ApiError) {
      process.stderr.write(err.status ? `An error occurred (${err.code}): ${err.message}\n` : `${err.message}\n`);
      return err.status ? 254 : 255;
    }
    throw err;
  }
}

export function registerEventsCommand(program: Command): void {
  program
    .command('events')
    .description('event source mappings and schedules: state, backlog, last and next run')
    .option('--json', 'print the overview as JSON')
    .option('--endpoint-url <url>', 'Lambkin endpoint (LAMBKIN_ENDPOINT, default http://127.0.0.1:9001)')
    .option('--region <region>', 'region (AWS_REGION, AWS_DEFAULT_REGION, default us-east-1)')
    .option('--color <when>', 'auto, on or off', 'auto')
    .action(async (flags) => {
      process.exitCode = await events(flags);
    });
}
