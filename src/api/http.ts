/**
 * The HTTP face: a node:http server, a small route table, bounded body reading, and AWS-shaped
 * errors for everything that goes wrong. Handlers get a parsed request and return a response;
 * they never touch the socket. Nothing a client sends can crash the process.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { LambdaError } from '../errors.js';
import { newRequestId } from '../util/ids.js';
import { toWireError } from './error-response.js';
import { regionOf } from './region.js';

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  region: string;
  requestId: string;
  /** Host header as the client sent it (for URLs that point back at us). */
  host: string;
  remoteAddress: string;
  /** The body itself, unread, on routes with `streamBody` (`body` is then empty). */
  bodyStream?: IncomingMessage;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string | number>;
  /** A Buffer is sent as is; anything else as JSON; undefined sends no body. */
  body?: unknown;
}

export type Handler = (req: ApiRequest) => Promise<ApiResponse> | ApiResponse;

export interface Route {
  method: string;
  /** Path template, e.g. `/2015-03-31/functions/{FunctionName}/invocations`. */
  path: string;
  handler: Handler;
  /** Largest accepted body and the operation name used in the 413 message. */
  maxBody?: number;
  operation?: string;
  /** The handler reads the body itself (`bodyStream`), e.g. to stream it to disk; it enforces `maxBody`. */
  streamBody?: boolean;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

const DEFAULT_MAX_BODY = 6 * 1024 * 1024;
const EMPTY_BODY = Buffer.alloc(0);

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const pattern = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, regex: new RegExp(`^${pattern}/?$`), names };
}

export class Router {
  private readonly routes: CompiledRoute[] = [];
  /** Requests to `POST /` carrying X-Amz-Target (JSON 1.1 protocols such as CloudWatch Logs). */
  targetHandlers: { prefix: string; handler: Handler }[] = [];

  add(...routes: Route[]): this {
    for (const r of routes) this.routes.push(compile(r));
    return this;
  }

  match(method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | 'wrong-method' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        pathMatched = true;
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
      return { route, params };
    }
    return pathMatched ? 'wrong-method' : undefined;
  }
}

export interface ServerOptions {
  defaultRegion: string;
  /** Called for unexpected (non-LambdaError) failures. */
  onInternalError?: (err: unknown, req: { method?: string; url?: string }) => void;
}

/** The API as a plain request listener (also mounted behind each sandbox's Runtime API endpoint). */
export function requestListener(router: Router, opts: ServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(router, opts, req, res).catch((err) => {
      opts.onInternalError?.(err, req);
      if (!res.headersSent) sendError(res, newRequestId(), err);
      else res.destroy();
    });
  };
}

export function createHttpServer(router: Router, opts: ServerOptions): http.Server {
  const server = http.createServer(requestListener(router, opts));
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

async function handle(router: Router, opts: ServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = newRequestId();
  const url = new URL(req.url ?? '/', 'http://x');
  const method = req.method ?? 'GET';
  let handler: Handler | undefined;
  let params: Record<string, string> = {};
  let maxBody = DEFAULT_MAX_BODY;
  let operation = 'this';
  let streamBody = false;
  try {
    const target = req.headers['x-amz-target'];
    if (method === 'POST' && url.pathname === '/' && typeof target === 'string') {
      handler = router.targetHandlers.find((t) => target.startsWith(t.prefix))?.handler;
      if (!handler) throw new LambdaError('UnknownOperationException', `Unknown operation ${target}`);
    } else {
      const m = router.match(method, url.pathname);
      if (m === undefined || m === 'wrong-method') {
        drain(req);
        throw new LambdaError('UnknownOperationException', `Unknown operation: ${method} ${url.pathname}`);
      }
      handler = m.route.handler;
      params = m.params;
      maxBody = m.route.maxBody ?? DEFAULT_MAX_BODY;
      operation = m.route.operation ?? operation;
      streamBody = m.route.streamBody === true;
    }
  } catch (err) {
    if (err instanceof URIError) err = new LambdaError('ValidationException', 'The request path could not be decoded.');
    drain(req);
    return sendError(res, requestId, err);
  }

  const body = streamBody ? EMPTY_BODY : await readBody(req, maxBody);
  // The client hung up before sending its body: nobody is left to answer, and it is not our error.
  if (body === 'aborted') {
    res.destroy();
    return;
  }
  if (body === 'too-large') {
    return sendError(
      res,
      requestId,
      new LambdaError('RequestEntityTooLargeException', `Request must be smaller than ${maxBody} bytes for the ${operation} operation`),
    );
  }
  const apiReq: ApiRequest = {
    method,
    path: url.pathname,
    params,
    query: url.searchParams,
    headers: req.headers,
    body,
    region: regionOf(req.headers.authorization, url.searchParams, opts.defaultRegion),
    requestId,
    host: req.headers.host ?? 'localhost',
    remoteAddress: req.socket.remoteAddress ?? '',
    ...(streamBody ? { bodyStream: req } : {}),
  };
  let response: ApiResponse;
  try {
    response = await handler(apiReq);
  } catch (err) {
    if (!(err instanceof LambdaError)) opts.onInternalError?.(err, req);
    return sendError(res, requestId, err);
  }
  send(res, requestId, response);
}

/**
 * Reads at most `max` bytes; beyond that, keeps draining (so the client sees our 413) but stores
 * nothing. 'aborted' means the client went away mid-body (Node reports that as an error event).
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large' | 'aborted'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > max;
    let cutOff = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
      // A client that keeps sending far past the limit is cut off.
      if (size > max * 2 + 1024 * 1024) {
        cutOff = true;
        req.destroy();
      }
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', () => resolve(cutOff ? 'too-large' : 'aborted'));
    req.on('close', () => {
      if (!req.complete) resolve(cutOff ? 'too-large' : 'aborted');
    });
  });
}

function drain(req: IncomingMessage): void {
  req.resume();
}

export function send(res: ServerResponse, requestId: string, r: ApiResponse): void {
  const headers: Record<string, string | number> = { 'x-amzn-RequestId': requestId, ...r.headers };
  let payload: Buffer | undefined;
  if (Buffer.isBuffer(r.body)) payload = r.body;
  else if (r.body !== undefined) {
    payload = Buffer.from(JSON.stringify(r.body));
    if (!('Content-Type' in headers) && !('content-type' in headers)) headers['Content-Type'] = 'application/json';
  }
  headers['Content-Length'] = payload ? payload.length : 0;
  res.writeHead(r.status, headers);
  res.end(payload);
}

function sendError(res: ServerResponse, requestId: string, err: unknown): void {
  const wire = toWireError(err);
  if (res.headersSent || res.destroyed) return;
  send(res, requestId, { status: wire.status, headers: wire.headers, body: wire.body });
}

/** Parses a JSON request body; empty is `{}`. */
export function jsonBody<T = Record<string, unknown>>(req: ApiRequest): T {
  if (req.body.length === 0) return {} as T;
  try {
    const v = JSON.parse(req.body.toString('utf8')) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
    return v as T;
  } catch (err) {
    throw new LambdaError('InvalidRequestContentException', `Could not parse request body into json: ${(err as Error).message}`);
  }
}
