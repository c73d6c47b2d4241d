/**
 * The Lambda Runtime API (2018-06-01) for ONE execution environment. Each environment gets its own
 * listener, so an environment can only ever receive its own events; where the sandbox gives it a
 * network namespace, connections from any other peer address are refused outright.
 *
 * This module is only the HTTP face: it parks `GET /next` and reports what the runtime posts to its
 * owner (the Environment), which holds the state machine.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const BASE = '/2018-06-01/runtime';
export const MAX_RESPONSE_BYTES = 6_291_556;

/** What the environment hands to a parked /next. */
export interface NextEvent {
  requestId: string;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId?: string;
  clientContext?: string;
  cognitoIdentity?: string;
  payload: Buffer;
  /** Extra headers (our own bootstraps' platform messages). */
  headers?: Record<string, string>;
}

export interface RuntimePost {
  body: Buffer;
  contentType?: string;
  errorType?: string;
  /** The runtime tried to send more than 6 MB. */
  tooLarge?: boolean;
}

/** Decides what to do with each call; implemented by the Environment. */
export interface RuntimeApiOwner {
  /** The runtime is ready for work: call `deliver` (now or later) exactly once. */
  next(deliver: (event: NextEvent) => void): void;
  /** Result of an invocation. Return false if the id is not the one in flight. */
  response(requestId: string, post: RuntimePost): boolean;
  error(requestId: string, post: RuntimePost): boolean;
  initError(post: RuntimePost): void;
  /** Streaming responses and other modes we don't support. */
  unsupported?(requestId: string, reason: string): void;
  /** A parked /next went away (connection closed) before it was answered: `deliver` is void. */
  nextGone?(deliver: (event: NextEvent) => void): void;
}

export interface RuntimeApiOptions {
  host: string;
  /** 0 for any free port. */
  port?: number;
  /** If set, only this peer address may connect. */
  allowedPeer?: string;
  /** Requests for anything but the Runtime API (e.g. the Lambda API, for SDK calls from the function). */
  fallback?: (req: IncomingMessage, res: ServerResponse) => void;
}

export class RuntimeApiServer {
  private readonly server: http.Server;
  private parked: ServerResponse | undefined;
  private readonly sockets = new Set<Socket>();
  address = '';

  constructor(private readonly owner: RuntimeApiOwner, private readonly opts: RuntimeApiOptions) {
    this.server = http.createServer((req, res) => this.route(req, res));
    // The runtime long-polls /next for as long as the environment lives (frozen in between).
    this.server.keepAliveTimeout = 0;
    this.server.headersTimeout = 0;
    this.server.requestTimeout = 0;
    this.server.on('connection', (socket: Socket) => {
      if (opts.allowedPeer && socket.remoteAddress !== opts.allowedPeer && socket.remoteAddress !== `::ffff:${opts.allowedPeer}`) {
        socket.destroy();
        return;
      }
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, this.opts.host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    this.address = `${this.opts.host}:${a.port}`;
    return this.address;
  }

  close(): void {
    this.parked = undefined;
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${BASE}/invocation/next`) return this.onNext(res);
    if (req.method === 'POST' && url.startsWith(`${BASE}/invocation/`)) {
      const rest = url.slice(BASE.length + '/invocation/'.length);
      const slash = rest.lastIndexOf('/');
      const id = decodeURIComponent(rest.slice(0, slash));
      const kind = rest.slice(slash + 1);
      if (kind === 'response' || kind === 'error') return void this.onResult(req, res, id, kind);
    }
    if (req.method === 'POST' && url === `${BASE}/init/error`) {
      return void readPost(req).then((post) => {
        reply(res, 202, { status: 'OK' });
        this.owner.initError(post);
      });
    }
    if (this.opts.fallback && !url.startsWith('/2018-06-01/')) return this.opts.fallback(req, res);
    req.resume();
    reply(res, 404, { errorMessage: `Unknown path ${req.method} ${url}`, errorType: 'InvalidRequest' });
  }

  private onNext(res: ServerResponse): void {
    this.parked = res;
    const deliver = (event: NextEvent) => {
      if (this.parked !== res || res.destroyed) return;
      this.parked = undefined;
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Aws-Request-Id': event.requestId,
        'Lambda-Runtime-Deadline-Ms': event.deadlineMs,
        'Lambda-Runtime-Invoked-Function-Arn': event.invokedFunctionArn,
        // An explicit length: minimal runtime clients don't parse chunked encoding.
        'Content-Length': event.payload.length,
      };
      if (event.traceId) headers['Lambda-Runtime-Trace-Id'] = event.traceId;
      if (event.clientContext) headers['Lambda-Runtime-Client-Context'] = event.clientContext;
      if (event.cognitoIdentity) headers['Lambda-Runtime-Cognito-Identity'] = event.cognitoIdentity;
      if (event.headers) Object.assign(headers, event.headers);
      res.writeHead(200, headers);
      res.end(event.payload);
    };
    res.once('close', () => {
      if (!res.writableEnded) {
        if (this.parked === res) this.parked = undefined;
        this.owner.nextGone?.(deliver);
      }
    });
    this.owner.next(deliver);
  }

  private async onResult(req: IncomingMessage, res: ServerResponse, id: string, kind: 'response' | 'error'): Promise<void> {
    if (kind === 'response' && req.headers['lambda-runtime-function-response-mode'] === 'streaming') {
      req.resume();
      reply(res, 400, { errorMessage: 'Response streaming is not supported by Lambkin yet', errorType: 'InvalidFunctionResponseMode' });
      this.owner.unsupported?.(id, 'streaming');
      return;
    }
    const post = await readPost(req);
    if (post.tooLarge) {
      reply(res, 413, { errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`, errorType: 'RequestEntityTooLarge' });
      this.owner.response(id, post);
      return;
    }
    const accepted = kind === 'response' ? this.owner.response(id, post) : this.owner.error(id, post);
    if (accepted) reply(res, 202, { status: 'OK' });
    else reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
  }
}

function readPost(req: IncomingMessage): Promise<RuntimePost> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > MAX_RESPONSE_BYTES;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_RESPONSE_BYTES) tooLarge = true;
      if (!tooLarge) chunks.push(c);
    });
    const done = () =>
      resolve({
        body: tooLarge ? Buffer.alloc(0) : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
        contentType: req.headers['content-type'],
        errorType: header(req, 'lambda-runtime-function-error-type'),
        tooLarge,
      });
    req.on('end', done);
    req.on('error', done);
  });
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function reply(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
  res.end(data);
}
