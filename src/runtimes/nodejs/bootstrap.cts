/**
 * Lambkin's Node.js runtime client ("bootstrap"): runs inside one execution environment, long-polls the
 * Lambda Runtime API and calls the user's handler the way AWS Lambda's Node.js runtime does
 * (aws-lambda-nodejs-runtime-interface-client 3.x for nodejs18/20/22, 4.x rules for nodejs24+).
 *
 * Start: `node [flags] <runtimeDir>/bootstrap.cjs`, cwd = task root, environment = only Lambda's (the
 * bootstrap contract). Flags are optional; see `nodeRuntimeFlags()` in index.ts:
 * `--expose-gc --max-http-header-size=81920` (what AWS passes: user code may call global.gc()) plus
 * `--max-semi-space-size`/`--max-old-space-size` derived from the memory size when it is known at spawn.
 * None of them costs measurable start-up time. No snapshot: a small CommonJS file starts faster.
 *
 * Start-up path (kept small on purpose): ONE keep-alive HTTP/1.1 connection on libuv's TCP handle (no
 * `net`, no `http`), opened before the user's module loads so the handshake overlaps init; everything
 * only errors or streaming need lives in errors.cjs / stream.cjs and is required lazily.
 *
 * The event loop is the handler's: the socket is unref'd while a handler runs, so 'beforeExit' tells us
 * the loop drained (callbackWaitsForEmptyEventLoop, sync handlers that never call back, and
 * never-settling async handlers → Runtime.NodeJsExit), exactly as the AWS client uses it.
 */
import fs = require('node:fs');
import path = require('node:path');
import util = require('node:util');
import url = require('node:url');
import type * as ErrorsModule from './errors.cjs';
import type * as StreamModule from './stream.cjs';

type Dict = Record<string, string>;
type Callback = (err?: unknown, result?: unknown) => void;
type Handler = (event: unknown, context: any, callback?: Callback) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

let errorsModule: typeof ErrorsModule | undefined;
/** Error classes and formatting: only loaded when something goes wrong. */
const E = (): typeof ErrorsModule => (errorsModule ??= require('./errors.cjs') as typeof ErrorsModule);

const BASE = '/2018-06-01/runtime';
const env = process.env;
const prewarm = env.LAMBKIN_PREWARM === '1';
const apiAddress = env.AWS_LAMBDA_RUNTIME_API ?? '127.0.0.1:9001';

// ---------------------------------------------------------------------------------------------
// Transport: a TCP stream on libuv's handle directly (process.binding('tcp_wrap')), which skips the
// ~25 stream modules `net` loads (≈4 ms of a ≈25 ms start); `net` when that is not possible.
// ---------------------------------------------------------------------------------------------

type Wire = string | Buffer;

interface Sink {
  /** Connected, and what was written before is on its way. */
  connected(): void;
  data(chunk: Buffer): void;
  closed(): void;
}

interface Transport {
  write(data: Wire): void;
  ref(): void;
  unref(): void;
  close(): void;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
interface RawBindings {
  TCP: any;
  TCPConnectWrap: any;
  SOCKET: number;
  WriteWrap: any;
  state: Int32Array;
  kBytes: number;
  kOffset: number;
}

let raw: RawBindings | undefined | null = null;

/** libuv's TCP binding, if this Node has the shape we expect and using it prints nothing. */
function rawBindings(): RawBindings | undefined {
  if (raw !== null) return raw;
  raw = undefined;
  const p = process as any;
  const pendingDeprecation =
    process.execArgv.some((a) => a.includes('pending-deprecation')) || /pending-deprecation/.test(env.NODE_OPTIONS ?? '');
  if (typeof p.binding !== 'function' || pendingDeprecation) return raw;
  try {
    const tcp = p.binding('tcp_wrap');
    const stream = p.binding('stream_wrap');
    const proto = tcp.TCP?.prototype;
    const ok =
      typeof tcp.TCPConnectWrap === 'function' &&
      typeof stream.WriteWrap === 'function' &&
      stream.streamBaseState instanceof Int32Array &&
      typeof stream.kReadBytesOrError === 'number' &&
      typeof stream.kArrayBufferOffset === 'number' &&
      ['connect', 'connect6', 'readStart', 'writeUtf8String', 'writeBuffer', 'ref', 'unref', 'close', 'setNoDelay'].every(
        (m) => typeof proto?.[m] === 'function',
      );
    if (ok) {
      raw = {
        TCP: tcp.TCP,
        TCPConnectWrap: tcp.TCPConnectWrap,
        SOCKET: tcp.constants?.SOCKET ?? 0,
        WriteWrap: stream.WriteWrap,
        state: stream.streamBaseState,
        kBytes: stream.kReadBytesOrError,
        kOffset: stream.kArrayBufferOffset,
      };
    }
  } catch {
    raw = undefined;
  }
  return raw;
}

function rawTransport(b: RawBindings, host: string, port: number, sink: Sink): Transport {
  const handle = new b.TCP(b.SOCKET);
  let connected = false;
  let closed = false;
  const queued: Wire[] = [];
  const close = () => {
    if (closed) return;
    closed = true;
    handle.close();
    sink.closed();
  };
  const write = (data: Wire) => {
    const req = new b.WriteWrap();
    req.handle = handle;
    req.oncomplete = (status: number) => {
      if (status < 0) close();
    };
    let err: number;
    if (typeof data === 'string') {
      err = handle.writeUtf8String(req, data);
    } else {
      req.buffer = data; // keep it alive until written
      err = handle.writeBuffer(req, data);
    }
    if (err) close();
  };
  const req = new b.TCPConnectWrap();
  req.oncomplete = (status: number) => {
    if (status < 0 || closed) return close();
    connected = true;
    handle.setNoDelay(true);
    handle.onread = (buffer: ArrayBuffer) => {
      const n = b.state[b.kBytes];
      if (n > 0) sink.data(Buffer.from(buffer, b.state[b.kOffset], n));
      else if (n < 0) close(); // EOF or error
    };
    handle.readStart();
    for (const data of queued.splice(0)) write(data);
    sink.connected();
  };
  const err = host.includes(':') ? handle.connect6(req, host, port) : handle.connect(req, host, port);
  if (err) setImmediate(close);
  return {
    write: (data) => (connected ? write(data) : void queued.push(data)),
    ref: () => handle.ref(),
    unref: () => handle.unref(),
    close,
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

function netTransport(host: string, port: number, sink: Sink): Transport {
  const net = require('node:net') as typeof import('node:net');
  const sock = net.connect({ host, port, noDelay: true });
  sock.once('connect', () => sink.connected());
  sock.on('data', (chunk: Buffer) => sink.data(chunk));
  sock.on('error', noop); // 'close' follows
  sock.on('close', () => sink.closed());
  return {
    write: (data) => void sock.write(data),
    ref: () => void sock.ref(),
    unref: () => void sock.unref(),
    close: () => void sock.destroy(),
  };
}

const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*)$/;

function openTransport(host: string, port: number, sink: Sink): Transport {
  const b = IP_LITERAL.test(host) ? rawBindings() : undefined;
  return b ? rawTransport(b, host, port, sink) : netTransport(host, port, sink);
}

// ---------------------------------------------------------------------------------------------
// Minimal HTTP/1.1 client: one persistent keep-alive connection.
// ---------------------------------------------------------------------------------------------

interface Res {
  status: number;
  headers: Dict;
  body: Buffer;
}
interface Pending {
  data: Wire;
  resolve(res: Res): void;
  reject(err: Error): void;
}

const CRLF2 = Buffer.from('\r\n\r\n');

class Connection {
  private transport: Transport | undefined;
  private queue: Pending[] = [];
  /** Bytes received and not yet consumed, kept as chunks: a 6 MB event arrives in ~100 reads. */
  private chunks: Buffer[] = [];
  private received = 0;
  /** Size of the response being received (head + body), once its head has been parsed. */
  private expected = -1;
  /** Consecutive connection losses with requests outstanding (reset by every answered request). */
  private losses = 0;
  private connectWaiters: (() => void)[] = [];

  constructor(private readonly host: string, private readonly port: number) {}

  /** Opens the connection now (the handshake then overlaps whatever runs next). */
  open(): void {
    const t: Transport = openTransport(this.host, this.port, {
      connected: () => {
        for (const fn of this.connectWaiters.splice(0)) fn();
      },
      data: (chunk) => this.onData(chunk),
      closed: () => this.onClose(t),
    });
    if (this.queue.length === 0) t.unref();
    this.transport = t;
  }

  /** Runs `fn` once the connection is established (and earlier writes have gone out). */
  onceConnected(fn: () => void): void {
    this.connectWaiters.push(fn);
  }

  /** True while a request (e.g. the long-polling /next) is waiting for its answer. */
  get busy(): boolean {
    return this.queue.length > 0;
  }

  /** Sends a request; answers come back in request order. */
  request(data: Wire): Promise<Res> {
    if (!this.transport) this.open();
    const promise = new Promise<Res>((resolve, reject) => this.queue.push({ data, resolve, reject }));
    this.transport!.ref();
    this.transport!.write(data);
    return promise;
  }

  private onClose(t: Transport): void {
    if (t !== this.transport) return;
    this.transport = undefined;
    this.chunks = [];
    this.received = 0;
    this.expected = -1;
    if (this.queue.length === 0) return;
    // The server closed the connection with requests outstanding: reconnect once and resend them.
    if (++this.losses <= 1) {
      this.open();
      this.transport!.ref();
      for (const p of this.queue) this.transport!.write(p.data);
      return;
    }
    const pending = this.queue;
    this.queue = [];
    const err = new Error(`Runtime API connection to ${this.host}:${this.port} lost`);
    for (const p of pending) p.reject(err);
  }

  private takeAll(): Buffer {
    const buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.received);
    this.chunks = [buf];
    return buf;
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.received += chunk.length;
    while (this.received > 0) {
      if (this.expected < 0) {
        // Only the head is needed to know the size; bodies are joined once, when complete.
        const size = responseSize(this.takeAll());
        if (size === undefined) return;
        this.expected = size;
      }
      if (this.received < this.expected) return;
      const buf = this.takeAll();
      const parsed = parseResponse(buf);
      if (!parsed) return; // chunked body still incomplete
      const rest = parsed.rest;
      this.chunks = rest.length > 0 ? [rest] : [];
      this.received = rest.length;
      this.expected = -1;
      this.losses = 0;
      const p = this.queue.shift();
      if (this.queue.length === 0) this.transport?.unref();
      p?.resolve(parsed.res);
    }
  }
}

/** Head + body size of the response at the start of `buf` (0 body bytes assumed for chunked). */
function responseSize(buf: Buffer): number | undefined {
  const headEnd = buf.indexOf(CRLF2);
  if (headEnd < 0) return undefined;
  const m = /\r\ncontent-length:[ \t]*(\d+)/i.exec(buf.toString('latin1', 0, headEnd));
  return headEnd + 4 + (m ? parseInt(m[1], 10) : 0);
}

/** Parses one complete response at the start of `buf`, or returns undefined if more bytes are needed. */
function parseResponse(buf: Buffer): { res: Res; rest: Buffer } | undefined {
  const headEnd = buf.indexOf(CRLF2);
  if (headEnd < 0) return undefined;
  const lines = buf.toString('utf8', 0, headEnd).split('\r\n');
  const status = parseInt(lines[0].slice(9, 12), 10);
  const headers: Dict = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let start = headEnd + 4;
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', start);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buf.toString('latin1', start, lineEnd), 16);
      if (size === 0) {
        const end = buf.indexOf(CRLF2, lineEnd);
        if (end < 0) return undefined;
        return { res: { status, headers, body: Buffer.concat(parts) }, rest: buf.subarray(end + 4) };
      }
      if (buf.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      start = lineEnd + 2 + size + 2;
    }
  }
  const length = parseInt(headers['content-length'] ?? '0', 10) || 0;
  if (buf.length < start + length) return undefined;
  return { res: { status, headers, body: buf.subarray(start, start + length) }, rest: buf.subarray(start + length) };
}

const [apiHost, apiPort] = splitHostPort(apiAddress);
const conn = new Connection(apiHost, apiPort);
conn.open();

function splitHostPort(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '') || '127.0.0.1';
  return [host, parseInt(address.slice(colon + 1), 10) || 80];
}

const NEXT_REQUEST = `GET ${BASE}/invocation/next HTTP/1.1\r\nHost: ${apiAddress}\r\n\r\n`;

function postRequest(pathname: string, body: string, errorType?: string): string {
  let head = `POST ${BASE}${pathname} HTTP/1.1\r\nHost: ${apiAddress}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  // Header values must be printable ASCII; the platform falls back to Runtime.Unknown without one.
  if (errorType !== undefined && /^[\x20-\x7e]{1,256}$/.test(errorType)) head += `Lambda-Runtime-Function-Error-Type: ${errorType}\r\n`;
  return `${head}\r\n${body}`;
}

/**
 * Posts on a separate, short-lived connection: used when the main one has a request outstanding
 * (an uncaught exception while /next is parked) for the last words before exiting.
 */
function postOnSideConnection(data: string): Promise<void> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const t: Transport = openTransport(apiHost, apiPort, {
      connected: noop,
      data: (chunk) => {
        got = Buffer.concat([got, chunk]);
        if (parseResponse(got)) t.close();
      },
      closed: () => resolve(),
    });
    t.write(data);
  });
}

/** Posts and waits for the answer (on the main connection when it is free). */
function postAndWait(data: string): Promise<void> {
  if (conn.busy) return postOnSideConnection(data);
  return conn.request(data).then(noop, noop);
}

// ---------------------------------------------------------------------------------------------
// Logging (console patch, AWS text/JSON formats, framed records on the telemetry fd).
// ---------------------------------------------------------------------------------------------

interface Level {
  name: string;
  priority: number;
  mask: number;
}
const LEVELS: Record<string, Level> = {
  TRACE: { name: 'TRACE', priority: 1, mask: 0x04 },
  DEBUG: { name: 'DEBUG', priority: 2, mask: 0x08 },
  INFO: { name: 'INFO', priority: 3, mask: 0x0c },
  WARN: { name: 'WARN', priority: 4, mask: 0x10 },
  ERROR: { name: 'ERROR', priority: 5, mask: 0x14 },
  FATAL: { name: 'FATAL', priority: 6, mask: 0x18 },
};

const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const globals = globalThis as unknown as Record<symbol, string | undefined>;
let currentTenantId: string | undefined;
let telemetryFd = consumeTelemetryFd();
let jsonFormat = false;

function consumeTelemetryFd(): number | undefined {
  const raw = env._LAMBDA_TELEMETRY_LOG_FD;
  delete env._LAMBDA_TELEMETRY_LOG_FD;
  if (raw === undefined || raw === '') return undefined;
  const fd = Number(raw);
  return Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

let sleepCell: Int32Array | undefined;
/** Synchronous, complete write: records must be in the pipe before the result is posted. */
function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) {
    try {
      off += fs.writeSync(fd, data, off, data.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return; // reader gone: drop the record
      Atomics.wait((sleepCell ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, 1);
    }
  }
}

function writeFrame(level: Level, now: number, message: string, frameType: number): void {
  const length = Buffer.byteLength(message);
  const frame = Buffer.allocUnsafe(16 + length);
  frame.writeUInt32BE((frameType | level.mask) >>> 0, 0);
  frame.writeUInt32BE(length, 4);
  const micros = now * 1000;
  frame.writeUInt32BE(Math.floor(micros / 0x100000000), 8);
  frame.writeUInt32BE(micros % 0x100000000, 12);
  frame.write(message, 16, length, 'utf8');
  writeAll(telemetryFd!, frame);
}

function logText(level: Level, message: unknown, params: unknown[]): void {
  const now = Date.now();
  const line = `${new Date(now).toISOString()}\t${globals[REQUEST_ID]}\t${level.name}\t${util.format(message, ...params)}`;
  if (telemetryFd !== undefined) writeFrame(level, now, line + '\n', 0xa55a0003);
  else writeAll(1, Buffer.from(line.replace(/\n/g, '\r') + '\n'));
}

function logJson(level: Level, message: unknown, params: unknown[]): void {
  const now = Date.now();
  const line = formatJson(new Date(now).toISOString(), level, message, params);
  if (telemetryFd !== undefined) writeFrame(level, now, line, 0xa55a0002);
  else writeAll(1, Buffer.from(line.replace(/\n/g, '\r') + '\n'));
}

function formatJson(timestamp: string, level: Level, message: unknown, params: unknown[]): string {
  const record: Record<string, unknown> = { timestamp, level: level.name, requestId: globals[REQUEST_ID] };
  if (currentTenantId) record.tenantId = currentTenantId;
  if (params.length === 0) {
    record.message = message;
    try {
      return JSON.stringify(record, jsonErrorReplacer);
    } catch {
      record.message = util.format(message);
      return JSON.stringify(record);
    }
  }
  record.message = util.format(message, ...params);
  for (const p of params) {
    if (p instanceof Error) {
      record.errorType = p.constructor?.name ?? 'UnknownError';
      record.errorMessage = p.message;
      record.stackTrace = typeof p.stack === 'string' ? p.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(record);
}

function jsonErrorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

/** Replaces console.{trace,debug,info,log,warn,error,fatal} per AWS_LAMBDA_LOG_FORMAT / _LEVEL. */
function patchConsole(): void {
  jsonFormat = env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const min = LEVELS[env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase() ?? ''] ?? LEVELS.TRACE;
  const log = jsonFormat ? logJson : logText;
  const make = (level: Level) =>
    level.priority >= min.priority
      ? (message?: unknown, ...params: unknown[]) => log(level, message, params)
      : noop;
  const c = console as unknown as Record<string, unknown>;
  c.trace = make(LEVELS.TRACE);
  c.debug = make(LEVELS.DEBUG);
  c.info = make(LEVELS.INFO);
  c.log = c.info;
  c.warn = make(LEVELS.WARN);
  c.error = make(LEVELS.ERROR);
  c.fatal = (message?: unknown, ...params: unknown[]) => log(LEVELS.FATAL, message, params);
}

/** "Invoke Error", "Uncaught Exception"…: through console.error, as AWS does. */
function logError(label: string, err: unknown): void {
  const errors = E();
  if (jsonFormat) console.error(errors.intoError(err));
  else console.error(label, errors.toFormatted(errors.intoError(err)));
}

// ---------------------------------------------------------------------------------------------
// Runtime generation (nodejs24+ drops callback handlers and the callback context).
// ---------------------------------------------------------------------------------------------

function runtimeMajor(): number {
  const m = /^nodejs(\d+)/.exec(env.AWS_LAMBDA_RUNTIME_NAME ?? '') ?? /nodejs(\d+)/.exec(env.AWS_EXECUTION_ENV ?? '');
  return m ? parseInt(m[1], 10) : 0;
}
let modern = false; // nodejs24.x and later

// ---------------------------------------------------------------------------------------------
// Error hooks: during init they post /init/error, during an invoke /invocation/{id}/error; then exit.
// ---------------------------------------------------------------------------------------------

let currentInvokeId: string | undefined;
let dying = false;

function die(err: unknown, code: number): void {
  if (dying) return;
  dying = true;
  const errors = E();
  const payload = errors.toRapidResponse(err);
  const body = JSON.stringify(payload);
  const id = currentInvokeId;
  const data = id === undefined
    ? postRequest('/init/error', body, payload.errorType)
    : postRequest(`/invocation/${encodeURIComponent(id)}/error`, body, payload.errorType);
  postAndWait(data).then(() => process.exit(code));
}

process.on('uncaughtException', (err) => {
  logError(currentInvokeId === undefined && modern ? 'Init Error' : 'Uncaught Exception', err);
  die(err, 129);
});
process.on('unhandledRejection', (reason, promise) => {
  const err = new (E().UnhandledPromiseRejection)(reason, promise);
  logError('Unhandled Promise Rejection', err);
  die(err, 128);
});

let beforeExitListener: () => void = noop;
process.on('beforeExit', () => beforeExitListener());

// ---------------------------------------------------------------------------------------------
// Loading the handler (AWS's resolution rules and load order).
// ---------------------------------------------------------------------------------------------

interface LoadedHandler {
  fn: Handler;
  streaming: boolean;
  isAsync: boolean;
}

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');

function installAwsLambdaGlobal(): void {
  if (env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA === '1' || env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA === 'true') return;
  const g = globalThis as unknown as { awslambda?: Record<string, unknown> };
  let streamModule: typeof StreamModule | undefined;
  const stream = () => (streamModule ??= require('./stream.cjs') as typeof StreamModule);
  g.awslambda = {
    ...g.awslambda,
    streamifyResponse(handler: Record<symbol, unknown>, options?: { highWaterMark?: unknown }) {
      handler[HANDLER_STREAMING] = 'response';
      if (typeof options?.highWaterMark === 'number') handler[HANDLER_HIGHWATERMARK] = parseInt(String(options.highWaterMark), 10);
      return handler;
    },
    get HttpResponseStream() {
      return stream().HttpResponseStream;
    },
  };
}

/** A `require` whose module is reported as /var/runtime/index.mjs in "Require stack", as on AWS. */
function userRequire(): NodeJS.Require {
  const Module = module.constructor as unknown as { createRequire(file: string): NodeJS.Require };
  return Module.createRequire(path.join(env.LAMBDA_RUNTIME_DIR || __dirname, 'index.mjs'));
}

function isTypeModule(folder: string): boolean {
  // Nearest package.json decides; stop at node_modules or the filesystem root.
  for (;;) {
    if (folder.endsWith('/node_modules')) return false;
    const pj = path.join(folder, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(pj, 'utf8'));
        if (pkg) return pkg.type === 'module';
      } catch (err) {
        console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, err);
        return false;
      }
    }
    if (folder === '/') return false;
    folder = path.resolve(folder, '..');
  }
}

async function loadModule(appRoot: string, moduleRoot: string, moduleName: string): Promise<unknown> {
  const req = userRequire();
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  const tryRequire = (ext: string) => (fs.existsSync(base + ext) ? req(base + ext) : undefined);
  const tryImport = async (ext: string) => (fs.existsSync(base + ext) ? await import(url.pathToFileURL(base + ext).href) : undefined);

  const extensionless = tryRequire('');
  if (extensionless) return extensionless;
  const typeModule = isTypeModule(path.dirname(base));
  if (!typeModule) {
    const js = tryRequire('.js');
    if (js) return js;
  }
  const ts = parseInt(process.versions.node, 10) >= 24; // Node 24 strips types natively
  const loaded =
    (typeModule && (await tryImport('.js'))) ||
    (await tryImport('.mjs')) ||
    tryRequire('.cjs') ||
    (ts && !typeModule && tryRequire('.ts')) ||
    (ts && typeModule && (await tryImport('.ts'))) ||
    (ts && (await tryImport('.mts'))) ||
    (ts && tryRequire('.cts'));
  if (loaded) return loaded;
  // Node-style resolution (node_modules, package main…), relative to the task root.
  return req(req.resolve(moduleName, { paths: [appRoot, moduleRoot] }));
}

async function loadHandler(appRoot: string, fullHandler: string): Promise<LoadedHandler> {
  installAwsLambdaGlobal();
  if (fullHandler.includes('..')) {
    throw new (E().MalformedHandlerName)(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerString = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(handlerString));
  const match = /^([^.]*)\.(.*)$/.exec(handlerString);
  if (!match) throw new (E().MalformedHandlerName)('Bad handler');
  const [, moduleName, handlerPath] = match;

  let userApp: unknown;
  try {
    userApp = await loadModule(appRoot, moduleRoot, moduleName);
  } catch (err) {
    const errors = E();
    if (err instanceof SyntaxError) throw new errors.UserCodeSyntaxError(err);
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') throw new errors.ImportModuleError(err);
    throw err;
  }
  const fn = handlerPath.split('.').reduce<any>((nested, key) => nested && nested[key], userApp); // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!fn) throw new (E().HandlerNotFound)(`${fullHandler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new (E().HandlerNotFound)(`${fullHandler} is not a function`);

  const marker = (fn as unknown as Record<symbol, unknown>)[HANDLER_STREAMING];
  if (marker !== undefined && marker !== null && marker !== false && marker !== 'response') {
    throw new (E().MalformedStreamingHandler)('Only response streaming is supported.');
  }
  const streaming = marker === 'response';
  if (modern && fn.length >= 3 && !streaming) throw new (E().CallbackHandlerDeprecated)(E().CALLBACK_DEPRECATED_MESSAGE);
  let isAsync = false;
  try {
    isAsync = fn.constructor?.name === 'AsyncFunction';
  } catch {
    // exotic function objects
  }
  return { fn: fn as Handler, streaming, isAsync };
}

// ---------------------------------------------------------------------------------------------
// Invocations.
// ---------------------------------------------------------------------------------------------

/** Serialises a result the way AWS does (`undefined` → `null`). */
function serialize(result: unknown): string | Error {
  try {
    return JSON.stringify(result === undefined ? null : result) ?? 'null';
  } catch {
    const err = new Error('Unable to stringify response body');
    if (modern) err.name = 'Runtime.JSONStringifyError';
    return err;
  }
}

/**
 * Posts an outcome, then asks for the next event once the post is answered. (Not pipelined: the
 * platform must see the outcome before the runtime declares itself ready again.)
 */
function postThenNext(data: Wire): void {
  if (rehearsalSink) return rehearsalSink(data);
  conn.request(data).then(requestNext, fatal);
}

/** During a rehearsal (generic mode, see rehearse), where its outcome goes instead of the platform. */
let rehearsalSink: ((data: Wire) => void) | undefined;

function requestNext(): void {
  conn.request(NEXT_REQUEST).then(onNext, fatal);
}

function postResponse(id: string, result: unknown): void {
  const body = serialize(result);
  if (body instanceof Error) return postError(id, body);
  postThenNext(postRequest(`/invocation/${encodeURIComponent(id)}/response`, body));
}

function postError(id: string, err: unknown): void {
  const payload = E().toRapidResponse(err);
  postThenNext(postRequest(`/invocation/${encodeURIComponent(id)}/error`, JSON.stringify(payload), payload.errorType));
}

function parseJsonHeader(value: string | undefined, name: string): unknown {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${String(err)}`);
  }
}

class Runtime {
  constructor(readonly handler: Handler, private readonly streaming: boolean, private readonly isAsync: boolean) {}

  /** One invocation, nodejs18–22 semantics (callback, context.succeed/fail/done, loop draining). */
  handleOnceNonStreaming(id: string, headers: Dict, body: Buffer): void {
    let finished = false; // first of callback/succeed/fail/done wins
    let completed = false;
    let waitForEmptyEventLoop = true;
    const isCurrent = () => currentInvokeId === id;
    const setExitListener = (fn: () => void) => {
      if (isCurrent()) beforeExitListener = fn;
    };
    const complete = (result: unknown) => {
      if (completed) {
        console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
        return;
      }
      completed = true;
      postResponse(id, result);
    };
    const fail = (err: unknown) => {
      logError('Invoke Error', err);
      postError(id, err);
    };
    const once = <A extends unknown[]>(fn: (...args: A) => void) =>
      (...args: A): void => {
        if (finished) return;
        fn(...args);
        finished = true;
      };
    const callback = once((err?: unknown, result?: unknown) => {
      setExitListener(noop);
      if (err !== undefined && err !== null) return fail(err);
      if (!waitForEmptyEventLoop) return complete(result);
      setExitListener(() => setImmediate(() => complete(result)));
    });
    const done = (err?: unknown, result?: unknown) => {
      setExitListener(noop);
      if (err !== undefined && err !== null) fail(err);
      else complete(result);
    };
    const context = {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value: boolean) {
        waitForEmptyEventLoop = value;
      },
      succeed: once((result?: unknown) => done(null, result)),
      fail: once((err?: unknown) => done(err === undefined || err === null ? 'handled' : err, null)),
      done: once(done),
    };

    // The loop drained without an answer: a sync handler means `null`, an async one never settled.
    beforeExitListener = () => {
      beforeExitListener = noop;
      completed = true;
      if (this.isAsync) {
        const err = new (E().NodeJsExit)();
        logError('Invoke Error', err);
        postError(id, err);
      } else {
        postResponse(id, null);
      }
    };
    try {
      const ctx = Object.assign(context, environmentData(), headerData(headers));
      const result = this.handler(JSON.parse(body.toString('utf8')), ctx, callback);
      if (isThenable(result)) {
        const chained = result.then(context.succeed, context.fail);
        if (isThenable(chained)) chained.then(undefined, context.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  /** nodejs24+: `await handler(event, context)`; no callback, no succeed/fail/done. */
  handleOnceModern(id: string, headers: Dict, body: Buffer): void {
    let settled = false;
    const succeed = (result: unknown) => {
      if (settled) return;
      settled = true;
      beforeExitListener = noop;
      postResponse(id, result);
    };
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      beforeExitListener = noop;
      logError('Invoke Error', err);
      postError(id, err);
    };
    beforeExitListener = () => {
      const err = new (E().NodeJsExit)();
      fail(err);
    };
    try {
      const ctx = Object.assign(headerData(headers), { xRayTraceId: headers['lambda-runtime-trace-id'] }, environmentData());
      const result = this.handler(JSON.parse(body.toString('utf8')), ctx);
      if (isThenable(result)) result.then(succeed, fail);
      else succeed(result);
    } catch (err) {
      fail(err);
    }
  }

  /** `awslambda.streamifyResponse` handlers: Lambkin buffers the stream and posts it whole. */
  handleOnceStreaming(id: string, headers: Dict, body: Buffer): void {
    const stream = require('./stream.cjs') as typeof StreamModule;
    stream.runStreamingInvoke({
      id,
      handler: this.handler as StreamModule.StreamingInvoke["handler"],
      event: () => JSON.parse(body.toString('utf8')),
      context: () => Object.assign(environmentData(), headerData(headers)),
      setExitListener: (fn) => (beforeExitListener = fn),
      logError,
      postRaw: (contentType, payload) => {
        const type = /^[\x20-\x7e]+$/.test(contentType) ? contentType : 'application/octet-stream';
        const head = `POST ${BASE}/invocation/${encodeURIComponent(id)}/response HTTP/1.1\r\nHost: ${apiAddress}\r\nContent-Type: ${type}\r\nContent-Length: ${payload.length}\r\n\r\n`;
        postThenNext(Buffer.concat([Buffer.from(head), payload]));
      },
      postError: (err) => postError(id, err),
    });
  }

  invoke(id: string, headers: Dict, body: Buffer): void {
    if (this.streaming) this.handleOnceStreaming(id, headers, body);
    else if (modern) this.handleOnceModern(id, headers, body);
    else this.handleOnceNonStreaming(id, headers, body);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return !!value && typeof (value as { then?: unknown }).then === 'function';
}

function environmentData() {
  return {
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
  };
}

function headerData(headers: Dict) {
  const deadline = parseInt(headers['lambda-runtime-deadline-ms'] ?? '', 10);
  return {
    clientContext: parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    tenantId: headers['lambda-runtime-aws-tenant-id'],
    getRemainingTimeInMillis(): number {
      return deadline - Date.now();
    },
  };
}

let runtime: Runtime | undefined;

function onNext(res: Res): void {
  if (res.status !== 200) return fatal(new Error(`GET /next answered ${res.status}: ${res.body.toString()}`));
  const h = res.headers;
  if (h['lambkin-assign'] !== undefined) return assign(res.body);
  if (h['lambkin-code'] !== undefined) return void codeMounted();
  const id = h['lambda-runtime-aws-request-id'];
  if (!id) return fatal(new Error('invocation id is missing or invalid'));
  currentInvokeId = id;
  globals[REQUEST_ID] = id;
  currentTenantId = h['lambda-runtime-aws-tenant-id'];
  const trace = h['lambda-runtime-trace-id'];
  if (trace) env._X_AMZN_TRACE_ID = trace;
  else delete env._X_AMZN_TRACE_ID;
  if (!runtime) return fatal(new Error('an event arrived before the function was assigned'));
  runtime.invoke(id, h, res.body);
}

function fatal(err: unknown): void {
  if (dying) return;
  dying = true;
  process.stderr.write(`Lambkin bootstrap: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

function noop(): void {}

// ---------------------------------------------------------------------------------------------
// Init.
// ---------------------------------------------------------------------------------------------

let warmupTimer: NodeJS.Timeout | undefined;

/**
 * Generic (prewarmed) mode, in two messages so that our preparation overlaps the platform mounting
 * the code: the first /next answer carries the function's environment, the next one says that
 * /var/task holds the code.
 */
function assign(body: Buffer): void {
  clearTimeout(warmupTimer);
  assigned = true;
  const { env: next, cwd } = JSON.parse(body.toString('utf8')) as { env: Dict; cwd?: string };
  // Only what differs: deleting or writing TZ makes Node re-detect the time zone (3–10 ms measured
  // in the sandbox), and the generic environment already has the function's TZ.
  for (const key of Object.keys(env)) if (!(key in next)) delete env[key];
  for (const key of Object.keys(next)) if (env[key] !== next[key]) env[key] = next[key];
  const fd = consumeTelemetryFd();
  if (fd !== undefined) telemetryFd = fd;
  assignedCwd = cwd;
  prepare();
  requestNext();
}
let assignedCwd: string | undefined;
let assigned = false;

/**
 * Generic mode, while parked: loads a built-in handler and invokes it once, outcome discarded, so
 * that V8 has compiled the runtime's loading and invoke code before a cold start needs it (lazy
 * compilation of that code costs ~1 ms of the first invocation otherwise). It runs to completion in
 * microtasks, so no assignment can interleave; what it changed is put back.
 */
async function rehearse(): Promise<void> {
  if (assigned) return;
  const file = path.join(__dirname, 'rehearsal.cjs');
  const hadGlobal = 'awslambda' in globalThis;
  prepare();
  const loaded = await loadHandler(__dirname, 'rehearsal.handler');
  await new Promise<void>((resolve) => {
    rehearsalSink = () => resolve();
    new Runtime(loaded.fn, false, loaded.isAsync).invoke('rehearsal', { 'lambda-runtime-deadline-ms': String(Date.now() + 1000) }, Buffer.from('{}'));
  });
  rehearsalSink = undefined;
  beforeExitListener = noop;
  delete require.cache[file];
  if (!hadGlobal) delete (globalThis as { awslambda?: unknown }).awslambda;
}

function codeMounted(): Promise<void> {
  if (assignedCwd) process.chdir(assignedCwd);
  // NODE_PATH is read once at start-up; read it again for the function's value.
  (module.constructor as unknown as { _initPaths(): void })._initPaths();
  return load();
}

/** Handler-independent set-up, once the environment is final. */
function prepare(): void {
  modern = runtimeMajor() >= 24;
  patchConsole();
  // AWS's entry point is an ES module, so user code sees no `require.main`.
  (process as { mainModule?: unknown }).mainModule = undefined;
}

async function load(): Promise<void> {
  const appRoot = env.LAMBDA_TASK_ROOT || process.cwd();
  let loaded: LoadedHandler;
  try {
    loaded = await loadHandler(appRoot, env._HANDLER ?? '');
  } catch (err) {
    // AWS's client lets this reach its uncaughtException hook: log, /init/error, exit 129.
    logError(modern ? 'Init Error' : 'Uncaught Exception', err);
    die(err, 129);
    return;
  }
  runtime = new Runtime(loaded.fn, loaded.streaming, loaded.isAsync);
  requestNext();
}

if (prewarm) {
  requestNext();
  // Handler-independent work while parked: initialise the ESM loader (see warmup.mts). Its first
  // import() blocks for ~4 ms, so not before the GET is on the wire, and not if the function is
  // assigned within the first moments (an assignment cancels it; its own import pays if needed).
  conn.onceConnected(() => {
    warmupTimer = setTimeout(() => {
      void import(url.pathToFileURL(path.join(__dirname, 'warmup.mjs')).href)
        .catch(noop)
        .then(rehearse)
        .catch((err) => process.stderr.write(`Lambkin bootstrap: rehearsal failed: ${String(err)}\n`));
    }, 20);
  });
} else {
  prepare();
  void load();
}
