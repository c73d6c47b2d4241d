/**
 * `lambkin logs F [--follow] [--since 10m] [--filter PATTERN] [--qualifier Q]`: a function's logs,
 * readable. Each request's lines are printed together (START … REPORT; one execution environment runs
 * one request at a time, so a stream's lines between START and REPORT belong to that request), REPORT
 * lines stand out, errors are red. Colour on a terminal, plain when piped (NO_COLOR/FORCE_COLOR obeyed).
 * Talks to the server's CloudWatch Logs API, so it works against any Lambkin (or AWS) endpoint.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Command } from 'commander';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9001';

// ---------------------------------------------------------------- a small signed HTTP client

export interface Endpoint {
  url: string;
  region: string;
}

export function endpointFrom(flags: { endpointUrl?: string; region?: string }): Endpoint {
  const env = process.env;
  return {
    url: (flags.endpointUrl ?? env.LAMBKIN_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, ''),
    region: flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
  };
}

export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
  }
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** SigV4 headers (Lambkin accepts any credentials; AWS needs real ones from the environment). */
function sign(method: string, url: URL, headers: Record<string, string>, body: string, region: string, service: string): Record<string, string> {
  const env = process.env;
  const accessKey = env.AWS_ACCESS_KEY_ID || 'lambkin';
  const secret = env.AWS_SECRET_ACCESS_KEY || 'lambkin';
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const all: Record<string, string> = { ...headers, host: url.host, 'x-amz-date': amzDate };
  if (env.AWS_SESSION_TOKEN) all['x-amz-security-token'] = env.AWS_SESSION_TOKEN;
  const names = Object.keys(all).map((k) => k.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(all).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const canonicalUri = url.pathname.split('/').map((seg) => rfc3986(decodeURIComponent(seg))).join('/');
  const query = [...url.searchParams].map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).sort().join('&');
  const canonical = [method, canonicalUri, query, names.map((n) => `${n}:${lower[n]}\n`).join(''), names.join(';'), sha256(body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return { ...all, authorization: `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}

async function request(ep: Endpoint, method: string, path: string, service: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<unknown> {
  const url = new URL(ep.url + path);
  const body = opts.body ?? '';
  const headers = sign(method, url, opts.headers ?? {}, body, ep.region, service);
  delete headers.host;
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: method === 'GET' ? undefined : body });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
    const why = cause?.code ?? cause?.errors?.[0]?.code;
    throw new ApiError('ConnectionError', `Could not connect to the endpoint URL: "${url.origin}/"${why ? ` (${why})` : ''}`, 0);
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { message: text };
  }
  if (!res.ok) {
    const p = parsed as { __type?: string; message?: string; Message?: string };
    const code = (res.headers.get('x-amzn-errortype') ?? p.__type ?? `HTTP ${res.status}`).split(':')[0].replace(/^.*#/, '');
    throw new ApiError(code, p.message ?? p.Message ?? text, res.status);
  }
  return parsed;
}

/** One CloudWatch Logs JSON 1.1 call. */
export function logsCall<T>(ep: Endpoint, op: string, body: Record<string, unknown>): Promise<T> {
  return request(ep, 'POST', '/', 'logs', {
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Logs_20140328.${op}` },
  }) as Promise<T>;
}

export function getJson<T>(ep: Endpoint, path: string, service = 'lambda'): Promise<T> {
  return request(ep, 'GET', path, service) as Promise<T>;
}

// ---------------------------------------------------------------- colour

export interface Palette {
  dim(s: string): string;
  bold(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  green(s: string): string;
  tag(s: string, key: string): string;
}

export function useColor(mode: string | undefined, stream: NodeJS.WriteStream = process.stdout): boolean {
  if (mode === 'on' || mode === 'always') return true;
  if (mode === 'off' || mode === 'never') return false;
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export function palette(color: boolean): Palette {
  const wrap = (open: number, close: number) => (s: string) => (color ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  const tagColors = [32, 33, 34, 35, 36, 92, 93, 94, 95, 96];
  return {
    dim: wrap(2, 22),
    bold: wrap(1, 22),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    green: wrap(32, 39),
    tag: (s, key) => {
      if (!color) return s;
      let h = 0;
      for (const c of key) h = (h * 31 + c.charCodeAt(0)) >>> 0;
      return `\x1b[${tagColors[h % tagColors.length]}m${s}\x1b[39m`;
    },
  };
}

// ---------------------------------------------------------------- parsing and grouping

export interface LogEventIn {
  logStreamName: string;
  timestamp: number;
  message: string;
  eventId?: string;
}

type Platform = { kind: 'start' | 'end' | 'report' | 'other'; requestId?: string; failed?: boolean };

const PLATFORM_TEXT = /^(START|END|REPORT) RequestId: ([0-9a-fA-F-]{8,})/;

/** Recognises platform lines (text or JSON log format). */
export function platformLine(message: string): Platform | undefined {
  const m = PLATFORM_TEXT.exec(message);
  if (m) {
    const kind = m[1].toLowerCase() as 'start' | 'end' | 'report';
    return { kind, requestId: m[2], failed: kind === 'report' && /Status: (error|timeout)/.test(message) };
  }
  if (/^(INIT_START|INIT_REPORT|EXTENSION|TELEMETRY|XRAY) /.test(message)) return { kind: 'other', failed: /Status: (error|timeout)/.test(message) };
  if (message.startsWith('{"time"') && message.includes('"type":"platform.')) {
    try {
      const v = JSON.parse(message) as { type?: string; record?: { requestId?: string; status?: string } };
      const kind = v.type === 'platform.start' ? 'start' : v.type === 'platform.runtimeDone' ? 'end' : v.type === 'platform.report' ? 'report' : 'other';
      const status = v.record?.status;
      return { kind, requestId: v.record?.requestId, failed: status !== undefined && status !== 'success' };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Does a function's own line look like an error (Node/Python level fields, tracebacks, JSON level)? */
export function looksLikeError(message: string): boolean {
  return (
    /^\S+\t\S+\t(ERROR|FATAL)\t/.test(message) ||
    /^\[(ERROR|CRITICAL)\]/.test(message) ||
    /^(ERROR|FATAL|Error|Exception)\b/.test(message) ||
    /^Traceback \(most recent call last\)/.test(message) ||
    /"level"\s*:\s*"(ERROR|FATAL|error|fatal)"/.test(message) ||
    /Task timed out after/.test(message)
  );
}

interface Block {
  requestId: string;
  stream: string;
  lines: LogEventIn[];
  openedAt: number;
  /** Printed already (follow mode lets long requests through before their REPORT). */
  live: boolean;
}

export interface RendererOptions {
  palette: Palette;
  write: (s: string) => void;
  /** Group lines by request (off when a filter pattern may have hidden START/REPORT). */
  group: boolean;
  /** In follow mode, a request whose REPORT has not come after this long is printed as it goes. */
  holdMs: number;
  now?: () => number;
}

/** Turns events (in any interleaving of streams) into grouped, coloured output. */
export class LogRenderer {
  private readonly open = new Map<string, Block>();

  constructor(private readonly o: RendererOptions) {}

  add(e: LogEventIn): void {
    const msg = e.message.replace(/\n$/, '');
    const ev = { ...e, message: msg };
    const p = this.o.group ? platformLine(msg) : undefined;
    const block = this.open.get(e.logStreamName);
    if (p?.kind === 'start' && p.requestId) {
      if (block) this.close(block);
      const b: Block = { requestId: p.requestId, stream: e.logStreamName, lines: [ev], openedAt: (this.o.now ?? Date.now)(), live: false };
      this.open.set(e.logStreamName, b);
      return;
    }
    if (block && (!p?.requestId || p.requestId === block.requestId)) {
      if (block.live) this.print(ev, block.requestId);
      else block.lines.push(ev);
      if (p?.kind === 'report') this.close(block);
      return;
    }
    this.print(ev, p?.requestId);
  }

  /** Prints requests held back too long (follow mode), or everything (end of output). */
  tick(all = false): void {
    const now = (this.o.now ?? Date.now)();
    for (const b of [...this.open.values()].sort((a, c) => a.openedAt - c.openedAt)) {
      if (all) this.close(b);
      else if (!b.live && now - b.openedAt >= this.o.holdMs) {
        b.live = true;
        for (const l of b.lines) this.print(l, b.requestId);
        b.lines = [];
      }
    }
  }

  private close(b: Block): void {
    this.open.delete(b.stream);
    for (const l of b.lines) this.print(l, b.requestId);
  }

  private print(e: LogEventIn, requestId: string | undefined): void {
    const c = this.o.palette;
    const p = platformLine(e.message);
    const tag = requestId ? c.tag(requestId.slice(0, 8), requestId) : c.dim(envTag(e.logStreamName));
    let text = e.message.replace(/\t$/, '');
    if (p?.kind === 'report' || (p?.kind === 'other' && /^INIT_REPORT/.test(text))) {
      text = text.replace(/\t/g, '  ');
      text = p.failed ? c.bold(c.red(text)) : c.bold(c.cyan(text));
    } else if (p?.kind === 'start' || p?.kind === 'end' || p?.kind === 'other') {
      text = c.dim(text.replace(/\t/g, '  '));
    } else if (looksLikeError(text)) {
      text = c.red(text);
    }
    const lines = text.split('\n');
    const prefix = `${c.green(formatTime(e.timestamp))} ${tag} `;
    this.o.write(`${prefix}${lines[0]}\n${lines.slice(1).map((l) => `${' '.repeat(visibleLength(prefix))}${l}\n`).join('')}`);
  }
}

const visibleLength = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;

/** `2024/01/01/[$LATEST]3e42ef8a…` → `3e42ef8a` (8 characters, like a request tag). */
function envTag(stream: string): string {
  const m = /\]([0-9a-f]{8})[0-9a-f]*$/.exec(stream);
  return m ? m[1] : stream.slice(-8).padStart(8);
}

/** Local time `YYYY-MM-DD HH:MM:SS.mmm`. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** `10m`, `2h`, `30s`, `1d`, `1w`, or an ISO date → epoch ms. */
export function parseSince(s: string, now = Date.now()): number {
  const m = /^(\d+)\s*(s|m|h|d|w)$/.exec(s.trim());
  if (m) return now - Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 's']!;
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`--since: expected e.g. 10m, 2h, 1d or an ISO date, got '${s}'`);
  return t;
}

// ---------------------------------------------------------------- the command

export interface LogsFlags {
  follow?: boolean;
  since?: string;
  filter?: string;
  qualifier?: string;
  endpointUrl?: string;
  region?: string;
  color?: string;
  interval?: string;
}

interface FunctionConfiguration {
  Version?: string;
  LoggingConfig?: { LogGroup?: string };
}

/** The log group and (for a qualifier) the version whose streams to show. */
async function target(ep: Endpoint, fn: string, qualifier: string | undefined): Promise<{ group: string; version?: string }> {
  if (fn.startsWith('/')) return { group: fn };
  const q = qualifier ? `?Qualifier=${encodeURIComponent(qualifier)}` : '';
  try {
    const c = await getJson<FunctionConfiguration>(ep, `/2015-03-31/functions/${encodeURIComponent(fn)}/configuration${q}`);
    return { group: c.LoggingConfig?.LogGroup ?? `/aws/lambda/${fn}`, version: qualifier ? c.Version : undefined };
  } catch (err) {
    // A deleted function's logs are still there (as in CloudWatch).
    if (err instanceof ApiError && err.code === 'ResourceNotFoundException' && !qualifier) return { group: `/aws/lambda/${fn.replace(/^.*:function:/, '')}` };
    throw err;
  }
}

interface FilterPage {
  events: LogEventIn[];
  nextToken?: string;
}

export async function logs(fn: string, flags: LogsFlags): Promise<number> {
  const ep = endpointFrom(flags);
  const out = (s: string) => process.stdout.write(s);
  const c = palette(useColor(flags.color));
  try {
    const { group, version } = await target(ep, fn, flags.qualifier);
    const since = parseSince(flags.since ?? '10m');
    const renderer = new LogRenderer({ palette: c, write: out, group: !flags.filter, holdMs: flags.follow ? 2000 : Infinity });
    const wanted = (e: LogEventIn) => version === undefined || e.logStreamName.includes(`[${version}]`);
    const seen = new Map<string, number>();
    let newest = since;

    const fetchFrom = async (startTime: number, tolerateMissing: boolean): Promise<void> => {
      let nextToken: string | undefined;
      do {
        let page: FilterPage;
        try {
          page = await logsCall<FilterPage>(ep, 'FilterLogEvents', {
            logGroupName: group,
            startTime,
            ...(flags.filter ? { filterPattern: flags.filter } : {}),
            ...(nextToken ? { nextToken } : {}),
          });
        } catch (err) {
          if (err instanceof ApiError && err.code === 'ResourceNotFoundException') {
            // No logs yet (the function never ran): in follow mode, wait for them.
            if (tolerateMissing) return;
            throw new ApiError(err.code, `no logs: log group ${group} does not exist (the function has not run yet, or does not exist)`, err.status);
          }
          throw err;
        }
        for (const e of page.events) {
          const id = e.eventId ?? `${e.logStreamName}\0${e.timestamp}\0${e.message}`;
          if (seen.has(id)) continue;
          seen.set(id, e.timestamp);
          if (e.timestamp > newest) newest = e.timestamp;
          if (wanted(e)) renderer.add(e);
        }
        nextToken = page.nextToken;
      } while (nextToken);
    };

    await fetchFrom(since, Boolean(flags.follow));
    if (!flags.follow) {
      renderer.tick(true);
      return 0;
    }
    const interval = Math.max(200, Number(flags.interval ?? 1000));
    let stop = false;
    const onSignal = () => {
      stop = true;
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    while (!stop) {
      await new Promise((r) => setTimeout(r, interval));
      if (stop) break;
      // Re-read a few seconds back: events can be stored slightly out of timestamp order across streams.
      const from = Math.max(since, newest - 5000);
      await fetchFrom(from, true);
      for (const [id, ts] of seen) if (ts < from) seen.delete(id);
      renderer.tick();
    }
    renderer.tick(true);
    return 0;
  } catch (err) {
    if (err instanceof ApiError) {
      process.stderr.write(err.status ? `An error occurred (${err.code}): ${err.message}\n` : `${err.message}\n`);
      return err.status ? 254 : 255;
    }
    process.stderr.write(`${(err as Error).message}\n`);
    return 255;
  }
}

export function registerLogsCommand(program: Command): void {
  program
    .command('logs <function>')
    .description("show a function's logs, each request's lines together (a name starting with / is a log group)")
    .option('-f, --follow', 'keep printing new log lines as they come')
    .option('-s, --since <time>', 'from how far back: 30s, 10m, 2h, 1d, or an ISO date', '10m')
    .option('--filter <pattern>', 'CloudWatch filter pattern, e.g. ERROR, "?WARN ?ERROR", \'{ $.level = "ERROR" }\'')
    .option('-q, --qualifier <q>', 'only the environments of this version or alias')
    .option('--endpoint-url <url>', 'Lambkin endpoint (LAMBKIN_ENDPOINT, default http://127.0.0.1:9001)')
    .option('--region <region>', 'region (AWS_REGION, AWS_DEFAULT_REGION, default us-east-1)')
    .option('--color <when>', 'auto, on or off', 'auto')
    .option('--interval <ms>', 'how often --follow polls', '1000')
    .action(async (fn: string, flags: LogsFlags) => {
      process.exitCode = await logs(fn, flags);
    });
}
