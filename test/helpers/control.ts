/**
 * Shared pieces of the control-plane client-compatibility tests: raw HTTP requests with a chosen
 * SigV4 region, AWS-error assertions on status/headers/body, SDK error capture, boto3 batches and a
 * look at the code store on disk.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { boto3, ROLE } from './clients.js';
import { makeZip } from './zip.js';

export const ACCOUNT = '000000000000';
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;
export const UNZIP_FAILED = 'Could not unzip uploaded file. Please check your file, then try to upload again.';
export { ROLE };

export const arnOf = (name: string, region = 'us-east-1', qualifier?: string): string =>
  `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}${qualifier ? `:${qualifier}` : ''}`;

/** An Authorization header whose credential scope names `region` (the server reads the region from it). */
export function authorization(region: string): string {
  return `AWS4-HMAC-SHA256 Credential=AKIDLAMBKINTEST/20240101/${region}/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body, or undefined when empty / not JSON. */
  json: any;
}

/** One HTTP request, no SDK in the way. Objects are sent as JSON. */
export async function raw(
  url: string,
  method: string,
  pathAndQuery: string,
  opts: { body?: string | Buffer | object; region?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { authorization: authorization(opts.region ?? 'us-east-1'), ...opts.headers };
  let body: string | Buffer | undefined;
  if (typeof opts.body === 'string' || Buffer.isBuffer(opts.body)) body = opts.body;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url + pathAndQuery, { method, headers, body: body as unknown as string });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export interface ExpectedError {
  status: number;
  code: string;
  /** Exact text, or a pattern. */
  message: string | RegExp;
  /** Body member carrying the message (per the Lambda model). */
  key?: 'message' | 'Message';
  /** "User"/"Service", or null for framework errors that carry no Type. */
  type?: 'User' | 'Service' | null;
}

/** Asserts an AWS-shaped error: status, x-amzn-ErrorType, x-amzn-RequestId, body members. */
export function assertAwsError(res: RawResponse, e: ExpectedError, context = ''): void {
  const where = `${context} ${res.status} ${res.text}`;
  assert.equal(res.status, e.status, where);
  assert.equal(res.headers.get('x-amzn-errortype'), e.code, where);
  assert.match(res.headers.get('x-amzn-requestid') ?? '', UUID_RE, where);
  assert.equal(res.headers.get('content-type'), 'application/json', where);
  const body = res.json as Record<string, unknown>;
  assert.ok(body && typeof body === 'object', where);
  const key = e.key ?? (['ResourceNotFoundException', 'ServiceException'].includes(e.code) ? 'Message' : 'message');
  const text = body[key];
  assert.equal(typeof text, 'string', `${where}: no ${key}`);
  if (typeof e.message === 'string') assert.equal(text, e.message, where);
  else assert.match(text as string, e.message, where);
  const type = e.type === undefined ? 'User' : e.type;
  if (type === null) assert.equal('Type' in body, false, where);
  else assert.equal(body.Type, type, where);
}

export interface CaughtError {
  name: string;
  message: string;
  status?: number;
  requestId?: string;
  Type?: string;
}

/** Awaits a promise that must reject with an SDK service error; returns its parts. */
export async function sdkError(p: Promise<unknown>): Promise<CaughtError> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; Type?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode, requestId: e.$metadata?.requestId, Type: e.Type };
  }
  assert.fail('expected the call to fail');
}

/** Asserts an SDK error's code, status and exact message. */
export async function expectSdkError(p: Promise<unknown>, code: string, status: number, message: string | RegExp): Promise<CaughtError> {
  const e = await sdkError(p);
  assert.equal(e.name, code, `${e.name}: ${e.message}`);
  assert.equal(e.status, status, `${e.name}: ${e.message}`);
  if (typeof message === 'string') assert.equal(e.message, message);
  else assert.match(e.message, message);
  assert.match(e.requestId ?? '', UUID_RE);
  return e;
}

/** Runs a boto3 script that prints one JSON document; fails the test on a non-zero exit. */
export async function py<T = any>(url: string, script: string, opts: { region?: string } = {}): Promise<T> {
  const r = await boto3(url, script, opts);
  assert.equal(r.code, 0, `python failed:\n${r.stderr}\n${r.stdout}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    assert.fail(`python printed no JSON:\n${r.stdout}\n${r.stderr}`);
  }
}

/** Python helpers for boto3 scripts: `err(fn)` returns [code, message, status] of a ClientError. */
export const PY_HELPERS = `
from botocore.exceptions import ClientError
def err(fn):
    try:
        fn()
    except ClientError as e:
        return [e.response['Error']['Code'], e.response['Error']['Message'], e.response['ResponseMetadata']['HTTPStatusCode']]
    return None
ROLE = 'arn:aws:iam::000000000000:role/lambkin-test'
`;

export const sha256 = (b: Buffer) => {
  const d = createHash('sha256').update(b).digest();
  return { hex: d.toString('hex'), b64: d.toString('base64') };
};

/** Sorted names directly under <dataDir>/code. */
export function codeListing(dataDir: string): string[] {
  const dir = path.join(dataDir, 'code');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/**
 * Entries under <dataDir>/code that were not in `before`. (Comparing whole listings would race with
 * the server's background clean-up of packages earlier steps stopped using.)
 */
export function addedSince(dataDir: string, before: string[]): string[] {
  return codeListing(dataDir).filter((n) => !before.includes(n));
}

/** A small valid Python package; `tag` makes its bytes (and so its sha) unique. */
export function pyZip(tag = 'v1'): Promise<Buffer> {
  return makeZip({ 'lambda_function.py': `# ${tag}\ndef lambda_handler(event, context):\n    return ${JSON.stringify(tag)}\n` });
}

/** CreateFunction input with the usual fields. */
export function createInput(name: string, zip: Buffer, extra: Record<string, unknown> = {}) {
  return { FunctionName: name, Runtime: 'python3.12', Handler: 'lambda_function.lambda_handler', Role: ROLE, Code: { ZipFile: zip }, ...extra } as any;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
