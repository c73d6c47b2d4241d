/**
 * `lambkin stats [F] [--minutes 5] [--watch]`: the last minutes of invocations as a table (count,
 * errors, throttles, cold starts, p50/p90/p99 duration), from the server's /_lambkin/stats.
 */
import type { Command } from 'commander';
import { ApiError, endpointFrom, getJson, palette, useColor, type Palette } from './logs.js';
import type { FunctionStats } from '../metrics/recent.js';
import { renderEvents, type EventsOverview } from './events.js';

export interface StatsFlags {
  minutes?: string;
  watch?: boolean;
  endpointUrl?: string;
  region?: string;
  color?: string;
}

interface StatsResponse {
  windowMinutes: number;
  functions: FunctionStats[];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const msText = (x: number | undefined) => (x === undefined ? '-' : x >= 1000 ? `${(x / 1000).toFixed(2)}s` : `${x.toFixed(x < 10 ? 2 : 1)}`);

/** Renders rows as an aligned table (numbers right-aligned). */
export function table(header: string[], rows: string[][], c: Palette): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  return [c.bold(line(header)), ...rows.map(line)].join('\n') + '\n';
}

export function renderStats(res: StatsResponse, fn: string | undefined, c: Palette): string {
  if (res.functions.length === 0 || res.functions.every((f) => f.invocations + f.throttles === 0)) {
    return `no invocations${fn ? ` of ${fn}` : ''} in the last ${res.windowMinutes} minute(s)\n`;
  }
  const header = ['FUNCTION', 'INVOCATIONS', 'ERRORS', 'ERROR%', 'THROTTLES', 'COLD%', 'P50 ms', 'P90 ms', 'P99 ms', 'MAX ms', 'INIT P50', 'RUNNING'];
  const rows = res.functions.map((f) => [
    f.functionName,
    String(f.invocations),
    String(f.errors),
    pct(f.errorRate),
    String(f.throttles),
    pct(f.coldStartRate),
    msText(f.duration?.p50),
    msText(f.duration?.p90),
    msText(f.duration?.p99),
    msText(f.duration?.max),
    msText(f.initDuration?.p50),
    String(f.concurrentExecutions),
  ]);
  let text = `${c.dim(`last ${res.windowMinutes} minute(s)`)}\n${table(header, rows, c)}`;
  if (fn && res.functions.length === 1) {
    const f = res.functions[0];
    const versions = Object.entries(f.byVersion).map(([v, n]) => `${v}: ${n}`).join(', ');
    if (versions) text += `versions: ${versions}\n`;
    const errors = Object.entries(f.errorTypes).map(([t, n]) => `${t}: ${n}`).join(', ');
    if (errors) text += `${c.red(`errors: ${errors}`)}\n`;
  }
  return text;
}

/** Event source mappings and schedules, when there are any (`lambkin events` shows them in full). */
async function eventsSection(ep: ReturnType<typeof endpointFrom>, c: Palette): Promise<string> {
  const o = await getJson<EventsOverview>(ep, '/_lambkin/events').catch(() => undefined);
  if (!o || (o.mappings.length === 0 && o.schedules.length === 0)) return '';
  return `\n${c.dim('event sources')}\n${renderEvents(o, c)}`;
}

export async function stats(fn: string | undefined, flags: StatsFlags): Promise<number> {
  const ep = endpointFrom(flags);
  const c = palette(useColor(flags.color));
  const minutes = flags.minutes ?? '5';
  const path = `/_lambkin/stats?minutes=${encodeURIComponent(minutes)}&region=${encodeURIComponent(ep.region)}${fn ? `&function=${encodeURIComponent(fn)}` : ''}`;
  try {
    if (!flags.watch) {
      process.stdout.write(renderStats(await getJson<StatsResponse>(ep, path), fn, c) + (await eventsSection(ep, c)));
      return 0;
    }
    let stop = false;
    process.once('SIGINT', () => (stop = true));
    while (!stop) {
      const text = renderStats(await getJson<StatsResponse>(ep, path), fn, c) + (await eventsSection(ep, c));
      process.stdout.write(process.stdout.isTTY ? `\x1b[H\x1b[2J${text}` : `${text}\n`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    return 0;
  } catch (err) {
    if (err instanceof ApiError) {
      process.stderr.write(err.status ? `An error occurred (${err.code}): ${err.message}\n` : `${err.message}\n`);
      return err.status ? 254 : 255;
    }
    throw err;
  }
}

export function registerStatsCommand(program: Command): void {
  program
    .command('stats [function]')
    .description('recent invocations per function: count, errors, cold starts, p50/p90/p99 duration')
    .option('-m, --minutes <n>', 'window, in minutes (at most 60)', '5')
    .option('-w, --watch', 'refresh every 2 seconds')
    .option('--endpoint-url <url>', 'Lambkin endpoint (LAMBKIN_ENDPOINT, default http://127.0.0.1:9001)')
    .option('--region <region>', 'region (AWS_REGION, AWS_DEFAULT_REGION, default us-east-1)')
    .option('--color <when>', 'auto, on or off', 'auto')
    .action(async (fn: string | undefined, flags: StatsFlags) => {
      process.exitCode = await stats(fn, flags);
    });
}
