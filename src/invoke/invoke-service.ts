/**
 * Invoke: resolve the qualifier to a version, check the request, enforce concurrency, and run the
 * invocation in an environment (RequestResponse) or queue it durably (Event). No HTTP here.
 */
import { randomBytes } from 'node:crypto';
import { LambdaError, conflict, invalidParameter } from '../errors.js';
import { newRequestId } from '../util/ids.js';
import { LATEST, type VersionRecord } from '../control/model.js';
import { functionArn, parseFunctionName, resolveQualifier } from '../control/names.js';
import type { EnvironmentManager } from '../environment/manager.js';
import type { InvocationOutcome } from '../environment/outcome.js';
import type { ConcurrencyLimiter } from './concurrency.js';
import type { VersionResolver } from './resolver.js';
import type { AsyncQueue } from './async-queue.js';

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

export const SYNC_PAYLOAD_LIMIT = 6_291_456;
export const ASYNC_PAYLOAD_LIMIT = 1_048_576;
const CLIENT_CONTEXT_LIMIT = 3583;
const TAIL_BYTES = 4096;

export interface InvokeInput {
  region: string;
  functionName: string;
  qualifier?: string;
  payload: Buffer;
  invocationType?: string;
  logType?: string;
  /** Base64 JSON, as the X-Amz-Client-Context header carries it. */
  clientContext?: string;
}

export interface InvokeResult {
  status: 200 | 202 | 204;
  requestId: string;
  payload?: Buffer;
  contentType?: string;
  executedVersion?: string;
  functionError?: 'Unhandled';
  /** base64 of the last 4 KB of the invocation's log. */
  logResult?: string;
  outcome?: InvocationOutcome;
}

/** What an invocation observer (metrics) hears about every completed invocation. */
export type InvocationObserver = (v: VersionRecord, outcome: InvocationOutcome | undefined, throttled: boolean) => void;

export class InvokeService {
  private readonly observers: InvocationObserver[] = [];
  private readonly startObservers: ((v: VersionRecord) => void)[] = [];
  queue?: AsyncQueue;

  constructor(
    private readonly accountId: string,
    private readonly resolver: VersionResolver,
    private readonly manager: EnvironmentManager,
    private readonly limiter: ConcurrencyLimiter,
  ) {}

  /** `o` hears every invocation's end: its outcome, a throttle, or (outcome undefined) a failure before it ran. */
  observe(o: InvocationObserver): void {
    this.observers.push(o);
  }

  /** `o` hears every invocation that got past the concurrency check, as it starts (ConcurrentExecutions). */
  observeStart(o: (v: VersionRecord) => void): void {
    this.startObservers.push(o);
  }

  async invoke(input: InvokeInput): Promise<InvokeResult> {
    const type = (input.invocationType ?? 'RequestResponse') as InvocationType;
    if (!['RequestResponse', 'Event', 'DryRun'].includes(type)) {
      throw new LambdaError('ValidationException', `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`);
    }
    const logType = input.logType ?? 'None';
    if (logType !== 'None' && logType !== 'Tail') {
      throw new LambdaError('ValidationException', `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]`);
    }
    const ref = parseFunctionName(input.functionName, 'read', input.region, this.accountId);
    const qualifier = resolveQualifier(ref, input.qualifier);
    const resolved = await this.resolver.resolve(input.region, ref.name, qualifier);
    if (resolved.version.config.State === 'Pending') {
      throw conflict(`The operation cannot be performed at this time. The function is currently in the following state: Pending`);
    }
    const clientContext = decodeClientContext(input.clientContext);
    if (type === 'Event' && input.payload.length > ASYNC_PAYLOAD_LIMIT) {
      throw new LambdaError('RequestEntityTooLargeException', `Request must be smaller than ${ASYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction operation`);
    }
    const payload = checkJsonPayload(input.payload);
    const requestId = newRequestId();
    if (type === 'DryRun') return { status: 204, requestId };
    if (type === 'Event') {
      if (!this.queue) throw new LambdaError('ServiceException', 'Asynchronous invocation is not available.');
      await this.queue.enqueue({ id: requestId, region: input.region, functionName: ref.name, qualifier: qualifier ?? '', payload });
      return { status: 202, requestId };
    }
    const result = await this.run(input.region, ref.name, qualifier, resolved, payload, requestId, { wantTail: logType === 'Tail', clientContext });
    return result;
  }

  /** Runs a resolved invocation synchronously (also used by the async queue). */
  async run(
    region: string,
    name: string,
    qualifier: string | undefined,
    resolved: Awaited<ReturnType<VersionResolver['resolve']>>,
    payload: Buffer,
    requestId: string,
    opts: { wantTail: boolean; clientContext?: string },
  ): Promise<InvokeResult> {
    const version = resolved.routing && Math.random() < resolved.routing.weight ? resolved.routing.version : resolved.version;
    try {
      this.limiter.acquire();
    } catch (err) {
      for (const o of this.observers) o(version, undefined, true);
      throw err;
    }
    for (const o of this.startObservers) o(version);
    let outcome: InvocationOutcome;
    try {
      outcome = await this.manager.run(version, {
        requestId,
        payload,
        invokedArn: functionArn(region, this.accountId, name, qualifier),
        clientContext: opts.clientContext,
        traceId: newTraceId(),
        wantTail: opts.wantTail,
      });
    } catch (err) {
      for (const o of this.observers) o(version, undefined, false);
      throw err;
    } finally {
      this.limiter.release();
    }
    // Metrics after the caller has its answer, not before.
    setImmediate(() => {
      for (const o of this.observers) o(version, outcome, false);
    });
    return {
      status: 200,
      requestId,
      payload: outcome.payload,
      contentType: outcome.contentType,
      executedVersion: version.version,
      ...(outcome.functionError ? { functionError: 'Unhandled' as const } : {}),
      ...(outcome.logText !== undefined ? { logResult: lastBytes(outcome.logText, TAIL_BYTES).toString('base64') } : {}),
      outcome,
    };
  }

  /** Resolves and runs an invocation from the async queue. */
  async runQueued(region: string, name: string, qualifier: string, payload: Buffer, requestId: string): Promise<InvokeResult> {
    const resolved = await this.resolver.resolve(region, name, qualifier === '' ? undefined : qualifier);
    return this.run(region, name, qualifier === '' ? undefined : qualifier, resolved, payload, requestId, { wantTail: false });
  }
}

/** The body must be JSON (any type); empty means `{}`. */
function checkJsonPayload(payload: Buffer): Buffer {
  if (payload.length === 0) return Buffer.from('{}');
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new LambdaError(
      'InvalidRequestContentException',
      `Could not parse request body into json: Could not parse payload into json: ${jacksonStyle(payload) ?? (err as Error).message}`,
    );
  }
  return payload;
}

/** AWS parses with Jackson; for the common case (a bad first character) say it the way Jackson does. */
function jacksonStyle(payload: Buffer): string | undefined {
  const text = payload.toString('utf8');
  const i = text.search(/\S/);
  if (i < 0) return undefined;
  const c = text[i];
  if (/[[{"\-0-9tfn]/.test(c)) return undefined;
  const source = text.length > 500 ? `${text.slice(0, 500)}"[truncated ${text.length - 500} chars]` : `${text}"`;
  return (
    `Unexpected character ('${c}' (code ${c.codePointAt(0)})): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n` +
    ` at [Source: (byte[])"${source}; line: 1, column: ${i + 2}]`
  );
}

function decodeClientContext(b64: string | undefined): string | undefined {
  if (b64 === undefined || b64 === '') return undefined;
  if (b64.length > CLIENT_CONTEXT_LIMIT) {
    throw invalidParameter(`Client context must be at most ${CLIENT_CONTEXT_LIMIT} bytes when base64-encoded.`);
  }
  const text = Buffer.from(b64, 'base64').toString('utf8');
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object') throw new Error('not an object');
  } catch {
    throw invalidParameter('Client context must be a valid Base64-encoded JSON object.');
  }
  return text;
}

function lastBytes(text: string, n: number): Buffer {
  const b = Buffer.from(text);
  return b.length <= n ? b : b.subarray(b.length - n);
}

/** X-Ray trace header; random bits drawn in bulk (one syscall per 256 traces, not three per trace). */
let traceBits = Buffer.alloc(0);
function newTraceId(): string {
  if (traceBits.length < 24) traceBits = randomBytes(24 * 256);
  const r = traceBits.subarray(0, 24);
  traceBits = traceBits.subarray(24);
  const time = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  return `Root=1-${time}-${r.toString('hex', 0, 12)};Parent=${r.toString('hex', 12, 20)};Sampled=0;Lineage=1:${r.toString('hex', 20, 24)}:0`;
}

export const isLatestQualifier = (q: string | undefined): boolean => q === undefined || q === LATEST;
