/**
 * One execution environment: a sandboxed runtime process, its own Runtime API endpoint, its log
 * stream, and the lifecycle  starting → (init) → idle ⇄ busy → dead.  One invocation at a time.
 * Idle means the runtime is parked in `GET /next`; only then is it frozen. A prewarmed environment
 * starts generic (`pooling` → `pooled`) and is assigned a function later (generic-mode.ts).
 * One state machine, so one file: its transitions are easier to check side by side.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hex32 } from '../util/ids.js';
import { utcDatePath } from '../util/time.js';
import type { VersionRecord } from '../control/model.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { RuntimeLaunch } from '../runtimes/catalog.js';
import { RuntimeApiServer, type NextEvent, type RuntimePost } from '../runtime-api/server.js';
import { captureFrames, captureLines, type ChunkGate } from '../logs/capture.js';
import type { LogSink } from '../logs/sink.js';
import { endLine, initReportLine, initStartLine, reportLine, startLine, timeoutLine } from '../logs/platform.js';
import { functionEnvironment, nodeBinDir } from './env-vars.js';
import { errorPayload, type InvocationOutcome, type InvocationRequest } from './outcome.js';
import { assignMessage, codeReadyMessage, genericEnvironment } from './generic-mode.js';
import { errorTypeOf, normaliseErrorType, signalName } from './runtime-errors.js';
import { LogTail } from './log-tail.js';

/**
 * `pooling` → `pooled`: a prewarmed, generic environment (no function yet) starting, then waiting.
 * `starting`: init of a function's code. `idle` ⇄ `busy`: serving invocations.
 */
export type EnvState = 'pooling' | 'pooled' | 'starting' | 'idle' | 'busy' | 'dead';

export interface EnvironmentSpec {
  /** Absent for a prewarmed environment until `assign()`. */
  version?: VersionRecord;
  launch: RuntimeLaunch;
  sandbox: Sandbox;
  logs: LogSink;
  /** Our API's address as the host sees it (host:port), for AWS_ENDPOINT_URL. */
  apiHost: string;
  initTimeoutMs: number;
  plainProcess: boolean;
  /** Serves Lambda API requests that reach the environment's own endpoint (AWS SDK calls from inside). */
  apiHandler?: (req: IncomingMessage, res: ServerResponse) => void;
}

interface Inflight {
  req: InvocationRequest;
  resolve: (o: InvocationOutcome) => void;
  deliveredAt?: number;
  timer?: NodeJS.Timeout;
}

/** How long an environment stays thawed after going idle (see scheduleFreeze). */
const FREEZE_AFTER_MS = 2;

export class Environment {
  readonly id: string;
  logStream = '';
  state: EnvState = 'starting';
  lastUsed = Date.now();
  invocations = 0;
  private readonly api: RuntimeApiServer;
  private deliver?: (e: NextEvent) => void;
  private current?: Inflight;
  private startedAt = 0;
  private initDurationMs?: number;
  private initError?: RuntimePost;
  private initTimer?: NodeJS.Timeout;
  private readonly tail = new LogTail();
  private flushLines: (() => void)[] = [];
  private readonly onDeadListeners: (() => void)[] = [];
  private json = false;
  private killed = false;
  private pooledReady?: { resolve: () => void; reject: (e: Error) => void };
  /** A prewarmed runtime's code during assignment: being mounted, or mounted and not yet announced. */
  private code?: 'mounting' | 'mounted';
  private freezeTimer?: NodeJS.Timeout;

  constructor(private readonly spec: EnvironmentSpec) {
    this.id = spec.sandbox.id;
    if (spec.version) this.bindVersion(spec.version);
    this.api = new RuntimeApiServer(
      {
        next: (deliver) => this.onNext(deliver),
        response: (id, post) => this.onResult(id, post, false),
        error: (id, post) => this.onResult(id, post, true),
        initError: (post) => this.onInitError(post),
        nextGone: (deliver) => {
          if (this.deliver === deliver) this.deliver = undefined;
        },
      },
      {
        host: spec.sandbox.runtimeApiHost,
        port: spec.sandbox.runtimeApiPort,
        allowedPeer: spec.sandbox.allowedPeer,
        fallback: spec.apiHandler,
      },
    );
  }

  get version(): VersionRecord {
    return this.spec.version!;
  }

  private bindVersion(v: VersionRecord): void {
    this.spec.version = v;
    this.logStream = `${utcDatePath(Date.now())}/[${v.version}]${hex32()}`;
    this.json = v.config.LoggingConfig.LogFormat === 'JSON';
  }

  private functionEnv(runtimeApi: string): Record<string, string> {
    const { sandbox, launch } = this.spec;
    const version = this.version;
    return functionEnvironment({
      version,
      region: version.region,
      launch,
      layout: sandbox.layout,
      runtimeApi,
      logStream: this.logStream,
      endpointUrl: `http://${sandbox.endpointHost(this.spec.apiHost)}`,
      extraPath: this.spec.plainProcess ? nodeBinDir() : undefined,
    });
  }

  private spawn(argv: string[], env: Record<string, string>): void {
    const { sandbox } = this.spec;
    const proc = sandbox.launch({ argv, env, cwd: sandbox.layout.taskRoot });
    const emit = (m: string, ts: number) => this.log(m, ts, false);
    const gate = this.logGate();
    this.flushLines = [captureLines(proc.stdout, emit, gate).flush, captureLines(proc.stderr, emit, gate).flush];
    captureFrames(proc.telemetry, emit, gate);
    void proc.exited.then(({ code, signal }) => this.onExit(code, signal));
  }

  /**
   * Starts a prewarmed environment: the runtime, its connection and its own start-up, with no
   * function yet (our bootstraps' generic mode). Resolves when it waits in `GET /next`.
   */
  async startGeneric(): Promise<void> {
    const { sandbox, launch } = this.spec;
    this.state = 'pooling';
    const runtimeApi = await this.api.listen();
    const l = sandbox.layout;
    const env = genericEnvironment(l, runtimeApi, this.spec.plainProcess);
    const ready = new Promise<void>((resolve, reject) => (this.pooledReady = { resolve, reject }));
    sandbox.enterInitPhase();
    this.spawn(launch.argv(l, ''), env);
    this.initTimer = setTimeout(() => this.kill(), this.spec.initTimeoutMs);
    await ready;
  }

  /**
   * Gives a prewarmed environment its function: environment, code at /var/task, limits, then init.
   * The runtime gets its environment first and prepares while the code is mounted; its next
   * `GET /next` is answered once /var/task holds the code (see onNext). Rejects if the code can't
   * be mounted or the runtime died meanwhile (the caller then destroys it).
   */
  async assign(version: VersionRecord, codeDir: string): Promise<void> {
    if (this.state !== 'pooled' || !this.deliver) throw new Error(`environment ${this.id} is not waiting for a function (${this.state})`);
    const deliver = this.deliver;
    this.deliver = undefined;
    clearTimeout(this.freezeTimer);
    this.bindVersion(version);
    this.state = 'starting';
    this.code = 'mounting';
    const { sandbox } = this.spec;
    sandbox.thaw();
    const c = version.config;
    this.log(initStartLine(c.Runtime ?? 'provided', c.RuntimeVersionConfig?.RuntimeVersionArn ?? '', this.json), Date.now());
    this.startedAt = performance.now();
    this.initTimer = setTimeout(() => this.onInitTimeout(), this.spec.initTimeoutMs);
    // Started first: the sandbox's layout (where the code will be) is final once this call returns.
    const mounted = sandbox.assignCode(codeDir, c.MemorySize);
    deliver(assignMessage(this.spec.initTimeoutMs, this.functionEnv(this.api.address), sandbox.layout.taskRoot));
    await mounted;
    if (!this.usable) throw new Error(`environment ${this.id} ended while its code was mounted`);
    this.code = 'mounted';
    if (this.deliver) this.sendCodeReady();
  }

  private sendCodeReady(): void {
    const deliver = this.deliver!;
    this.deliver = undefined;
    this.code = undefined;
    deliver(codeReadyMessage(this.spec.initTimeoutMs));
  }

  get busy(): boolean {
    return this.state === 'busy' || this.current !== undefined;
  }

  onDead(listener: () => void): void {
    this.onDeadListeners.push(listener);
  }

  /** Spawns the runtime; init runs until its first `GET /next`. */
  async start(): Promise<void> {
    const { sandbox, launch } = this.spec;
    const runtimeApi = await this.api.listen();
    const env = this.functionEnv(runtimeApi);
    const c = this.version.config;
    this.log(initStartLine(c.Runtime ?? 'provided', c.RuntimeVersionConfig?.RuntimeVersionArn ?? '', this.json), Date.now());
    this.startedAt = performance.now();
    sandbox.enterInitPhase();
    this.spawn(launch.argv(sandbox.layout, c.Handler ?? ''), env);
    this.initTimer = setTimeout(() => this.onInitTimeout(), this.spec.initTimeoutMs);
  }

  /** Runs one invocation; resolves with its outcome whatever happens (never rejects). */
  invoke(req: InvocationRequest): Promise<InvocationOutcome> {
    if (!this.usable || this.current) throw new Error(`environment ${this.id} cannot take an invocation (${this.state})`);
    this.lastUsed = Date.now();
    this.invocations++;
    return new Promise((resolve) => {
      this.current = { req, resolve };
      if (this.deliver) this.dispatch();
    });
  }

  /** A log line of the function's stream: the platform's own unless `platform` is false (the function's output). */
  private log(message: string, timestamp: number, platform = true): void {
    const v = this.spec.version;
    if (!v) return; // a prewarmed runtime's own start-up output belongs to no function
    this.spec.logs.append(v.region, v.config.LoggingConfig.LogGroup, this.logStream, message, timestamp, this.json, platform);
    this.tail.push(message);
  }

  /** Lets the capture drop output unread while the function's log group is over its write budget. */
  private logGate(): ChunkGate {
    return {
      open: () => {
        const v = this.spec.version;
        return !v || this.spec.logs.admits(v.region, v.config.LoggingConfig.LogGroup);
      },
      drop: (lines, length) => {
        const v = this.spec.version;
        if (v) this.spec.logs.dropUnread(v.region, v.config.LoggingConfig.LogGroup, this.logStream, lines, length, this.json);
      },
    };
  }

  private onNext(deliver: (e: NextEvent) => void): void {
    this.deliver = deliver;
    if (this.state === 'pooling') {
      this.state = 'pooled';
      clearTimeout(this.initTimer);
      this.pooledReady?.resolve();
      // Not frozen: no user code runs here yet, and the runtime may still be warming up its loader.
      return;
    }
    if (this.code !== undefined) {
      // An assigned runtime, prepared, asks for its code.
      if (this.code === 'mounted') this.sendCodeReady();
      return;
    }
    const initDone = this.state === 'starting';
    if (initDone) {
      this.initDurationMs = performance.now() - this.startedAt;
      clearTimeout(this.initTimer);
    }
    if (this.state !== 'dead') this.state = 'idle';
    // A pipelining client can ask for /next before its previous result was read: that one is in flight.
    if (this.current && this.current.deliveredAt === undefined) this.dispatch();
    else if (!this.current) this.scheduleFreeze();
    // The invoke-phase CPU quota after the event is on its way: a cgroup write is no reason to wait.
    if (initDone) this.spec.sandbox.enterInvokePhase();
  }

  /**
   * Idle environments are frozen, like Lambda's. Not on the instant: an invocation arriving within a
   * millisecond or two (back-to-back traffic) would pay a freeze and a thaw for nothing.
   */
  private scheduleFreeze(): void {
    clearTimeout(this.freezeTimer);
    this.freezeTimer = setTimeout(() => {
      if (this.deliver && !this.current) this.spec.sandbox.freeze();
    }, FREEZE_AFTER_MS);
  }

  private dispatch(): void {
    const inflight = this.current!;
    const deliver = this.deliver!;
    this.deliver = undefined;
    clearTimeout(this.freezeTimer);
    this.state = 'busy';
    const { req } = inflight;
    const timeoutMs = this.version.config.Timeout * 1000;
    // A tail covers one invocation (plus the init phase on a cold start).
    if (this.invocations > 1) this.tail.take();
    const startedAt = Date.now();
    this.spec.sandbox.thaw();
    inflight.deliveredAt = performance.now();
    inflight.timer = setTimeout(() => this.onTimeout(), timeoutMs);
    deliver({
      requestId: req.requestId,
      deadlineMs: startedAt + timeoutMs,
      invokedFunctionArn: req.invokedArn,
      traceId: req.traceId,
      clientContext: req.clientContext,
      payload: req.payload,
    });
    // Bookkeeping once the event is on its way (the runtime needs far longer to wake and parse it).
    this.log(startLine(req.requestId, this.version.version, this.json), startedAt);
    this.spec.sandbox.resetMemoryPeak();
  }

  private onResult(id: string, post: RuntimePost, isError: boolean): boolean {
    const inflight = this.current;
    if (!inflight || inflight.req.requestId !== id || inflight.deliveredAt === undefined) return false;
    if (post.tooLarge) {
      const payload = errorPayload('Function.ResponseSizeTooLarge', 'Response payload size exceeded maximum allowed payload size (6291556 bytes).');
      this.finish(inflight, { payload, functionError: true, errorType: 'Function.ResponseSizeTooLarge', status: 'error' });
      return true;
    }
    if (isError) {
      const errorType = normaliseErrorType(post.errorType) ?? errorTypeOf(post.body);
      this.finish(inflight, { payload: post.body, functionError: true, errorType, status: 'error' });
    } else {
      this.finish(inflight, { payload: post.body, contentType: post.contentType, functionError: false });
    }
    return true;
  }

  private onInitError(post: RuntimePost): void {
    this.initError = post;
    const errorType = normaliseErrorType(post.errorType) ?? errorTypeOf(post.body) ?? 'Runtime.Unknown';
    this.log(initReportLine(performance.now() - this.startedAt, 'init', 'error', errorType, this.json), Date.now());
    const inflight = this.current;
    if (inflight) this.finish(inflight, { payload: post.body, functionError: true, errorType, status: 'error', initFailed: true });
    this.kill();
  }

  private onInitTimeout(): void {
    if (this.state !== 'starting') return;
    const ms = this.spec.initTimeoutMs;
    this.log(initReportLine(ms, 'init', 'timeout', undefined, this.json), Date.now());
    const inflight = this.current;
    if (inflight) {
      const payload = errorPayload('Sandbox.Timedout', `RequestId: ${inflight.req.requestId} Error: Init phase timed out after ${(ms / 1000).toFixed(2)} seconds`);
      this.finish(inflight, { payload, functionError: true, errorType: 'Sandbox.Timedout', status: 'timeout', initFailed: true });
    }
    this.kill();
  }

  private onTimeout(): void {
    const inflight = this.current;
    if (!inflight) return;
    const seconds = this.version.config.Timeout;
    this.kill();
    this.log(timeoutLine(inflight.req.requestId, seconds), Date.now());
    const payload = errorPayload('Sandbox.Timedout', `RequestId: ${inflight.req.requestId} Error: Task timed out after ${seconds.toFixed(2)} seconds`);
    this.finish(inflight, { payload, functionError: true, errorType: 'Sandbox.Timedout', status: 'timeout' });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.pooledReady?.reject(new Error(`prewarmed runtime exited (${signal ?? code})`));
    const wasStarting = this.state === 'starting';
    const oom = this.spec.sandbox.consumeOomKill();
    const inflight = this.current;
    if (inflight) {
      const reason =
        signal ? `Runtime exited with error: signal: ${signalName(signal)}`
        : code === 0 ? 'Runtime exited without providing a reason'
        : `Runtime exited with error: exit status ${code}`;
      const errorType = oom ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
      if (wasStarting && this.initError) {
        // Already answered from onInitError.
      } else {
        if (wasStarting) this.log(initReportLine(performance.now() - this.startedAt, 'init', 'error', errorType, this.json), Date.now());
        const payload = errorPayload(errorType, `RequestId: ${inflight.req.requestId} Error: ${reason}`);
        this.finish(inflight, { payload, functionError: true, errorType, status: 'error', initFailed: wasStarting });
      }
    }
    void this.destroy();
  }

  /** Completes the invocation: END/REPORT after the function's own output, then the outcome. */
  private finish(
    inflight: Inflight,
    r: { payload: Buffer; contentType?: string; functionError: boolean; errorType?: string; status?: 'error' | 'timeout'; initFailed?: boolean },
  ): void {
    if (this.current !== inflight) return;
    this.current = undefined;
    clearTimeout(inflight.timer);
    if (r.errorType !== 'Runtime.OutOfMemory' && this.spec.sandbox.consumeOomKill()) {
      // Something in the environment went over its memory limit: like Lambda, the environment is done.
      const message = `RequestId: ${inflight.req.requestId} Error: Runtime exited with error: signal: killed`;
      r = { payload: errorPayload('Runtime.OutOfMemory', message), functionError: true, errorType: 'Runtime.OutOfMemory', status: 'error' };
      this.kill();
    }
    const end = performance.now();
    const durationMs = inflight.deliveredAt === undefined ? 0 : end - inflight.deliveredAt;
    const initDurationMs = this.invocations === 1 ? (this.initDurationMs ?? (r.initFailed ? end - this.startedAt : undefined)) : undefined;
    if (this.state === 'busy') this.state = 'idle';
    const requestId = inflight.req.requestId;
    // END and REPORT follow the function's own output: what it wrote before posting its result is
    // already in our pipes, and is read before this runs (setImmediate: after this I/O round).
    const complete = () => {
      for (const f of this.flushLines) f();
      const c = this.version.config;
      if (inflight.deliveredAt === undefined && !r.initFailed) this.log(startLine(requestId, this.version.version, this.json), Date.now());
      this.log(endLine(requestId, this.json, r.status ?? 'success', r.errorType), Date.now());
      const maxMemoryUsedMB = this.spec.sandbox.maxMemoryUsedMB();
      this.log(
        reportLine({ requestId, durationMs, memorySizeMB: c.MemorySize, maxMemoryUsedMB, initDurationMs, status: r.status, errorType: r.errorType }, this.json),
        Date.now(),
      );
    };
    const outcome = (logText?: string): InvocationOutcome => ({
      payload: r.payload,
      contentType: r.contentType ?? 'application/json',
      functionError: r.functionError,
      errorType: r.errorType,
      durationMs,
      initDurationMs,
      logText,
      coldStart: initDurationMs !== undefined,
    });
    if (inflight.req.wantTail) {
      setImmediate(() => {
        complete();
        inflight.resolve(outcome(this.tail.take()));
      });
    } else {
      // Nobody waits for the log lines: answer now, write them right after.
      inflight.resolve(outcome());
      setImmediate(complete);
    }
  }

  /** Kills the runtime; the environment is never used again and is destroyed when its process exits. */
  kill(): void {
    if (this.state === 'dead') return;
    this.killed = true;
    this.spec.sandbox.kill();
  }

  /** Can take another invocation. */
  get usable(): boolean {
    return this.state !== 'dead' && !this.killed;
  }

  /** Ends the environment and releases everything it holds. Idempotent. */
  async destroy(): Promise<void> {
    if (this.state === 'dead') return;
    this.state = 'dead';
    clearTimeout(this.initTimer);
    clearTimeout(this.freezeTimer);
    this.deliver = undefined;
    this.api.close();
    this.spec.sandbox.kill();
    for (const l of this.onDeadListeners) l();
    await this.spec.sandbox.destroy();
  }
}
