/**
 * The CloudWatch Logs API (JSON 1.1: `POST /`, `X-Amz-Target: Logs_20140328.<Op>`) on the Lambda
 * endpoint, enough for boto3/SDK logs clients, `aws logs filter-log-events|get-log-events|describe-*`
 * and `aws logs tail [--follow]`. Errors are JSON 1.1 shaped: HTTP 400 `{"__type":…,"message":…}`.
 */
import type { ApiRequest, ApiResponse, Handler } from './http.js';
import type { LogCursor, LogGroupInfo, LogStore, LogStreamInfo, StoredLogEvent } from '../store/store.js';
import type { LogSink } from '../logs/sink.js';
import { compileFilterPattern, FilterPatternError } from '../logs/filter-pattern.js';

export const LOGS_TARGET_PREFIX = 'Logs_20140328.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const GROUP_NAME = /^[.\-_/#A-Za-z0-9]+$/;
const STREAM_NAME = /^[^:*]*$/;
/** FilterLogEvents and GetLogEvents answer at most this much message text per call (AWS: 1 MB). */
const MAX_RESPONSE_BYTES = 1_048_576;
/** FilterLogEvents examines at most this many events per call, then returns a nextToken to go on from. */
const SCAN_BUDGET = 50_000;
const SCAN_CHUNK = 1000;

type LogsErrorCode =
  | 'ResourceNotFoundException'
  | 'ResourceAlreadyExistsException'
  | 'InvalidParameterException'
  | 'InvalidSequenceTokenException'
  | 'ServiceUnavailableException'
  | 'UnknownOperationException'
  | 'SerializationException'
  | 'ValidationException'
  | 'ThrottlingException';

export class LogsError extends Error {
  constructor(readonly code: LogsErrorCode, message: string, readonly status = 400) {
    super(message);
  }
}

const groupNotFound = () => new LogsError('ResourceNotFoundException', 'The specified log group does not exist.');
const streamNotFound = () => new LogsError('ResourceNotFoundException', 'The specified log stream does not exist.');
const invalid = (message: string) => new LogsError('InvalidParameterException', message);

export interface LogsApiDeps {
  store: LogStore;
  sink: LogSink;
  accountId: string;
  onInternalError?: (err: unknown) => void;
}

type Body = Record<string, unknown>;
type Op = (region: string, body: Body) => Promise<Body>;

export function logsTargetHandler(deps: LogsApiDeps): { prefix: string; handler: Handler } {
  const api = new LogsApi(deps);
  const ops: Record<string, Op> = {
    CreateLogGroup: (r, b) => api.createLogGroup(r, b),
    DeleteLogGroup: (r, b) => api.deleteLogGroup(r, b),
    DescribeLogGroups: (r, b) => api.describeLogGroups(r, b),
    CreateLogStream: (r, b) => api.createLogStream(r, b),
    DeleteLogStream: (r, b) => api.deleteLogStream(r, b),
    DescribeLogStreams: (r, b) => api.describeLogStreams(r, b),
    PutRetentionPolicy: (r, b) => api.putRetentionPolicy(r, b),
    DeleteRetentionPolicy: (r, b) => api.deleteRetentionPolicy(r, b),
    PutLogEvents: (r, b) => api.putLogEvents(r, b),
    GetLogEvents: (r, b) => api.getLogEvents(r, b),
    FilterLogEvents: (r, b) => api.filterLogEvents(r, b),
  };
  const handler = async (req: ApiRequest): Promise<ApiResponse> => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const opName = target.slice(LOGS_TARGET_PREFIX.length);
    try {
      const op = Object.prototype.hasOwnProperty.call(ops, opName) ? ops[opName] : undefined;
      if (!op) throw new LogsError('UnknownOperationException', `Unknown operation ${target}`);
      const body = parseBody(req.body);
      return { status: 200, headers: { 'Content-Type': CONTENT_TYPE }, body: Buffer.from(JSON.stringify(await op(req.region, body))) };
    } catch (err) {
      let e = err;
      if (!(e instanceof LogsError)) {
        deps.onInternalError?.(e);
        e = new LogsError('ServiceUnavailableException', 'The service cannot complete the request.', 500);
      }
      const le = e as LogsError;
      return {
        status: le.status,
        headers: { 'Content-Type': CONTENT_TYPE, 'x-amzn-ErrorType': le.code },
        body: Buffer.from(JSON.stringify({ __type: le.code, message: le.message })),
      };
    }
  };
  return { prefix: LOGS_TARGET_PREFIX, handler };
}

function parseBody(raw: Buffer): Body {
  if (raw.length === 0) return {};
  try {
    const v = JSON.parse(raw.toString('utf8')) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Body;
  } catch {
    throw new LogsError('SerializationException', 'Start of structure or map found where not expected.');
  }
}

// ---------------------------------------------------------------- parameter helpers

function str(b: Body, key: string, required: true): string;
function str(b: Body, key: string, required?: false): string | undefined;
function str(b: Body, key: string, required = false): string | undefined {
  const v = b[key];
  if (v === undefined || v === null) {
    if (required) throw invalid(`1 validation error detected: Value null at '${key}' failed to satisfy constraint: Member must not be null`);
    return undefined;
  }
  if (typeof v !== 'string') throw new LogsError('SerializationException', `Expected a string for ${key}`);
  return v;
}

function int(b: Body, key: string, min?: number, max?: number): number | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new LogsError('SerializationException', `Expected an integer for ${key}`);
  if (min !== undefined && v < min) throw invalid(`1 validation error detected: Value '${v}' at '${key}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`);
  if (max !== undefined && v > max) throw invalid(`1 validation error detected: Value '${v}' at '${key}' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
  return v;
}

function bool(b: Body, key: string): boolean | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new LogsError('SerializationException', `Expected a boolean for ${key}`);
  return v;
}

function checkGroupName(name: string, key = 'logGroupName'): string {
  if (name.length < 1 || name.length > 512) throw invalid(`1 validation error detected: Value '${name}' at '${key}' failed to satisfy constraint: Member must have length less than or equal to 512`);
  if (!GROUP_NAME.test(name)) throw invalid(`1 validation error detected: Value '${name}' at '${key}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`);
  return name;
}

function checkStreamName(name: string): string {
  if (name.length < 1 || name.length > 512) throw invalid(`1 validation error detected: Value '${name}' at 'logStreamName' failed to satisfy constraint: Member must have length less than or equal to 512`);
  if (!STREAM_NAME.test(name)) throw invalid(`1 validation error detected: Value '${name}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`);
  return name;
}

/** logGroupName, or logGroupIdentifier (a name or an ARN, with or without the trailing `:*`). */
function groupOf(b: Body): string {
  const name = str(b, 'logGroupName');
  const id = str(b, 'logGroupIdentifier');
  if (name !== undefined && id !== undefined) throw invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  if (name !== undefined) return checkGroupName(name);
  if (id !== undefined) {
    const m = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)(:\*)?$/.exec(id);
    return checkGroupName(m ? m[1] : id, 'logGroupIdentifier');
  }
  throw invalid('Should provide either name or ARN of the log group.');
}

const encodeToken = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

function decodeToken<T>(token: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (check(v)) return v;
  } catch {
    /* fall through */
  }
  throw invalid('The specified nextToken is invalid.');
}

const isCursor = (v: unknown): v is { t: number; s: number } =>
  typeof v === 'object' && v !== null && Number.isSafeInteger((v as { t: unknown }).t) && Number.isSafeInteger((v as { s: unknown }).s);

/** GetLogEvents tokens look like AWS's: `f/<56 digits>/s`, here (timestamp, seq) zero-padded. */
function positionToken(dir: 'f' | 'b', c: LogCursor): string {
  return `${dir}/${String(Math.max(0, c.ts)).padStart(17, '0')}${String(c.seq).padStart(39, '0')}/s`;
}

function parsePositionToken(token: string): { dir: 'f' | 'b'; cursor: LogCursor } {
  const m = /^([fb])\/(\d{17})(\d{39})(\/s)?$/.exec(token);
  if (!m) throw invalid('The specified nextToken is invalid.');
  return { dir: m[1] as 'f' | 'b', cursor: { ts: Number(m[2]), seq: Number(m[3]) } };
}

const eventId = (seq: number): string => String(seq).padStart(56, '0');
const byteLen = (s: string): number => Buffer.byteLength(s);

// ---------------------------------------------------------------- the operations

class LogsApi {
  constructor(private readonly d: LogsApiDeps) {}

  private groupArn(region: string, name: string): string {
    return `arn:aws:logs:${region}:${this.d.accountId}:log-group:${name}`;
  }

  private async requireGroup(region: string, group: string): Promise<LogGroupInfo> {
    const g = await this.d.store.getLogGroup(region, group);
    if (!g) throw groupNotFound();
    return g;
  }

  /** Reads see every event appended so far, including those still in the sink's buffer. */
  private async settle(): Promise<void> {
    await this.d.sink.flush();
  }

  async createLogGroup(region: string, b: Body): Promise<Body> {
    const name = checkGroupName(str(b, 'logGroupName', true));
    if (!(await this.d.store.createLogGroup(region, name, Date.now()))) {
      throw new LogsError('ResourceAlreadyExistsException', 'The specified log group already exists');
    }
    return {};
  }

  async deleteLogGroup(region: string, b: Body): Promise<Body> {
    const name = checkGroupName(str(b, 'logGroupName', true));
    await this.settle();
    if (!(await this.d.store.deleteLogGroup(region, name))) throw groupNotFound();
    return {};
  }

  async describeLogGroups(region: string, b: Body): Promise<Body> {
    const prefix = str(b, 'logGroupNamePrefix');
    const pattern = str(b, 'logGroupNamePattern');
    if (prefix !== undefined && pattern !== undefined) {
      throw invalid('LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.');
    }
    const limit = int(b, 'limit', 1, 50) ?? 50;
    const after = decodeToken(str(b, 'nextToken'), (v): v is { n: string } => typeof (v as { n?: unknown })?.n === 'string');
    await this.settle();
    const rows = await this.d.store.listLogGroups(region, { prefix: prefix || undefined, pattern: pattern || undefined, after: after?.n, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return {
      logGroups: page.map((g) => ({
        logGroupName: g.name,
        creationTime: g.creationTime,
        ...(g.retentionInDays !== undefined ? { retentionInDays: g.retentionInDays } : {}),
        metricFilterCount: 0,
        arn: `${this.groupArn(region, g.name)}:*`,
        storedBytes: g.storedBytes,
        logGroupClass: 'STANDARD',
        logGroupArn: this.groupArn(region, g.name),
      })),
      ...(rows.length > limit ? { nextToken: encodeToken({ n: page[page.length - 1].name }) } : {}),
    };
  }

  async createLogStream(region: string, b: Body): Promise<Body> {
    const group = checkGroupName(str(b, 'logGroupName', true));
    const stream = checkStreamName(str(b, 'logStreamName', true));
    await this.requireGroup(region, group);
    if (!(await this.d.store.createLogStream(region, group, stream, Date.now()))) {
      throw new LogsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    }
    return {};
  }

  async deleteLogStream(region: string, b: Body): Promise<Body> {
    const group = checkGroupName(str(b, 'logGroupName', true));
    const stream = checkStreamName(str(b, 'logStreamName', true));
    await this.settle();
    await this.requireGroup(region, group);
    if (!(await this.d.store.deleteLogStream(region, group, stream))) throw streamNotFound();
    return {};
  }

  async describeLogStreams(region: string, b: Body): Promise<Body> {
    const group = groupOf(b);
    const prefix = str(b, 'logStreamNamePrefix');
    const orderBy = str(b, 'orderBy') ?? 'LogStreamName';
    if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') {
      throw invalid(`1 validation error detected: Value '${orderBy}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]`);
    }
    if (orderBy === 'LastEventTime' && prefix) throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
    const descending = bool(b, 'descending') ?? false;
    const limit = int(b, 'limit', 1, 50) ?? 50;
    const start = decodeToken(str(b, 'nextToken'), (v): v is { o: number } => Number.isSafeInteger((v as { o?: unknown })?.o))?.o ?? 0;
    await this.settle();
    await this.requireGroup(region, group);
    const rows = await this.d.store.listLogStreams(region, group, { prefix: prefix || undefined, orderBy, descending, offset: start, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return {
      logStreams: page.map((s) => this.renderStream(region, group, s)),
      ...(rows.length > limit ? { nextToken: encodeToken({ o: start + limit }) } : {}),
    };
  }

  private renderStream(region: string, group: string, s: LogStreamInfo): Body {
    return {
      logStreamName: s.name,
      creationTime: s.creationTime,
      ...(s.firstEventTimestamp !== undefined ? { firstEventTimestamp: s.firstEventTimestamp } : {}),
      ...(s.lastEventTimestamp !== undefined ? { lastEventTimestamp: s.lastEventTimestamp } : {}),
      ...(s.lastIngestionTime !== undefined ? { lastIngestionTime: s.lastIngestionTime } : {}),
      arn: `${this.groupArn(region, group)}:log-stream:${s.name}`,
      storedBytes: 0,
    };
  }

  async putRetentionPolicy(region: string, b: Body): Promise<Body> {
    const group = checkGroupName(str(b, 'logGroupName', true));
    const days = b.retentionInDays;
    if (days === undefined || days === null) {
      throw invalid(`1 validation error detected: Value null at 'retentionInDays' failed to satisfy constraint: Member must not be null`);
    }
    if (typeof days !== 'number' || !RETENTION_DAYS.includes(days)) {
      throw invalid(
        `1 validation error detected: Value '${String(days)}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
      );
    }
    if (!(await this.d.store.setRetention(region, group, days))) throw groupNotFound();
    return {};
  }

  async deleteRetentionPolicy(region: string, b: Body): Promise<Body> {
    const group = checkGroupName(str(b, 'logGroupName', true));
    if (!(await this.d.store.setRetention(region, group, undefined))) throw groupNotFound();
    return {};
  }

  async putLogEvents(region: string, b: Body): Promise<Body> {
    const group = checkGroupName(str(b, 'logGroupName', true));
    const stream = checkStreamName(str(b, 'logStreamName', true));
    const raw = b.logEvents;
    if (!Array.isArray(raw) || raw.length === 0) {
      throw invalid(`1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1`);
    }
    if (raw.length > 10_000) throw invalid(`1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000`);
    const events = raw.map((e: unknown) => {
      const ev = e as { timestamp?: unknown; message?: unknown };
      if (!Number.isSafeInteger(ev?.timestamp) || typeof ev?.message !== 'string' || ev.message.length === 0) {
        throw invalid('Each log event needs a timestamp (epoch milliseconds) and a non-empty message.');
      }
      return { timestamp: ev.timestamp as number, message: ev.message };
    });
    let size = 0;
    for (let i = 0; i < events.length; i++) {
      if (i > 0 && events[i].timestamp < events[i - 1].timestamp) {
        throw invalid('Log events in a single PutLogEvents request must be in chronological order.');
      }
      size += byteLen(events[i].message) + 26;
    }
    if (size > MAX_RESPONSE_BYTES) throw invalid('Upload too large: the batch may hold at most 1,048,576 bytes.');
    const g = await this.requireGroup(region, group);
    if (!(await this.d.store.getLogStream(region, group, stream))) throw streamNotFound();

    // AWS accepts events from 14 days back (or the retention period, if shorter) to 2 hours ahead.
    const now = Date.now();
    const tooOldBefore = now - 14 * 86_400_000;
    const expiredBefore = g.retentionInDays !== undefined ? now - g.retentionInDays * 86_400_000 : -Infinity;
    const tooNewAfter = now + 2 * 3_600_000;
    const info: Body = {};
    const accepted: typeof events = [];
    events.forEach((e, i) => {
      if (e.timestamp < tooOldBefore) info.tooOldLogEventEndIndex = i + 1;
      else if (e.timestamp < expiredBefore) info.expiredLogEventEndIndex = i + 1;
      else if (e.timestamp > tooNewAfter) {
        if (info.tooNewLogEventStartIndex === undefined) info.tooNewLogEventStartIndex = i;
      } else accepted.push(e);
    });
    if (accepted.length > 0) {
      // The group's write budget (the same one its function's output is held to) is spent: nothing is stored.
      if (!this.d.sink.put(region, group, stream, accepted)) throw new LogsError('ThrottlingException', 'Rate exceeded');
      await this.settle();
    }
    return Object.keys(info).length > 0 ? { rejectedLogEventsInfo: info } : {};
  }

  async getLogEvents(region: string, b: Body): Promise<Body> {
    const group = groupOf(b);
    const stream = checkStreamName(str(b, 'logStreamName', true));
    const from = int(b, 'startTime', 0);
    const to = int(b, 'endTime', 0);
    const limit = int(b, 'limit', 1, 10_000) ?? 10_000;
    const head = bool(b, 'startFromHead') ?? false;
    const token = str(b, 'nextToken');
    const pos = token ? parsePositionToken(token) : undefined;
    await this.settle();
    await this.requireGroup(region, group);
    if (!(await this.d.store.getLogStream(region, group, stream))) throw streamNotFound();

    const base = { region, group, streams: [stream], from, to, limit };
    let events: StoredLogEvent[];
    if (pos?.dir === 'f') events = await this.d.store.queryLogs({ ...base, after: pos.cursor });
    else if (pos?.dir === 'b') events = (await this.d.store.queryLogs({ ...base, before: pos.cursor, descending: true })).reverse();
    else if (head) events = await this.d.store.queryLogs(base);
    else events = (await this.d.store.queryLogs({ ...base, descending: true })).reverse();
    events = capBytes(events, pos?.dir === 'b' || (!pos && !head));

    const start: LogCursor = pos?.cursor ?? { ts: 0, seq: 0 };
    const first = events.length > 0 ? { ts: events[0].timestamp, seq: events[0].seq } : start;
    const last = events.length > 0 ? { ts: events[events.length - 1].timestamp, seq: events[events.length - 1].seq } : start;
    return {
      events: events.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
      nextForwardToken: positionToken('f', last),
      nextBackwardToken: positionToken('b', first),
    };
  }

  async filterLogEvents(region: string, b: Body): Promise<Body> {
    const group = groupOf(b);
    const streamsRaw = b.logStreamNames;
    const prefix = str(b, 'logStreamNamePrefix');
    let streams: string[] | undefined;
    if (streamsRaw !== undefined && streamsRaw !== null) {
      if (!Array.isArray(streamsRaw) || streamsRaw.some((s) => typeof s !== 'string')) throw new LogsError('SerializationException', 'Expected a list of strings for logStreamNames');
      if (streamsRaw.length < 1 || streamsRaw.length > 100) {
        throw invalid(`1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must have length between 1 and 100`);
      }
      streams = streamsRaw as string[];
    }
    if (streams && prefix) throw invalid('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
    const from = int(b, 'startTime', 0);
    const endTime = int(b, 'endTime', 0);
    if (from !== undefined && endTime !== undefined && from > endTime) throw invalid('End time must be greater than or equal to start time.');
    const limit = int(b, 'limit', 1, 10_000) ?? 10_000;
    let matches;
    try {
      matches = compileFilterPattern(str(b, 'filterPattern'));
    } catch (err) {
      if (err instanceof FilterPatternError) throw invalid(`Invalid filter pattern: ${err.message}`);
      throw err;
    }
    const token = decodeToken(str(b, 'nextToken'), isCursor);
    await this.settle();
    await this.requireGroup(region, group);

    const query = { region, group, streams, streamPrefix: prefix || undefined, from, to: endTime === undefined ? undefined : endTime + 1 };
    const found: StoredLogEvent[] = [];
    let bytes = 0;
    let scanned = 0;
    let cursor: LogCursor | undefined = token ? { ts: token.t, seq: token.s } : undefined;
    let more = true;
    scan: while (found.length < limit && bytes < MAX_RESPONSE_BYTES && scanned < SCAN_BUDGET) {
      const chunk = await this.d.store.queryLogs({ ...query, after: cursor, limit: SCAN_CHUNK });
      for (const e of chunk) {
        scanned++;
        cursor = { ts: e.timestamp, seq: e.seq };
        if (!matches(e.message)) continue;
        found.push(e);
        bytes += byteLen(e.message);
        if (found.length >= limit || bytes >= MAX_RESPONSE_BYTES) break scan;
      }
      if (chunk.length < SCAN_CHUNK) {
        more = false;
        break;
      }
    }
    // The last page carries no nextToken: when the scan stopped early, look whether anything follows.
    if (more) more = (await this.d.store.queryLogs({ ...query, after: cursor, limit: 1 })).length > 0;
    const nextToken = more && cursor ? encodeToken({ t: cursor.ts, s: cursor.seq }) : undefined;
    return {
      events: found.map((e) => ({
        logStreamName: e.logStreamName,
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: e.ingestionTime,
        eventId: eventId(e.seq),
      })),
      searchedLogStreams: [],
      ...(nextToken ? { nextToken } : {}),
    };
  }
}

/** Keeps a GetLogEvents page under the response size: from the end when reading backwards, else from the start. */
function capBytes(events: StoredLogEvent[], keepNewest: boolean): StoredLogEvent[] {
  let total = 0;
  for (const e of events) total += byteLen(e.message);
  if (total <= MAX_RESPONSE_BYTES) return events;
  const out: StoredLogEvent[] = [];
  let bytes = 0;
  const ordered = keepNewest ? [...events].reverse() : events;
  for (const e of ordered) {
    bytes += byteLen(e.message);
    if (bytes > MAX_RESPONSE_BYTES && out.length > 0) break;
    out.push(e);
  }
  return keepNewest ? out.reverse() : out;
}
