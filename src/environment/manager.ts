/**
 * All execution environments of the server: one pool per function version (code + configuration),
 * environments created on demand in the configured sandbox, retired on change, reaped when idle.
 */
import { existsSync, accessSync, constants } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { LambdaError } from '../errors.js';
import { hex32 } from '../util/ids.js';
import type { VersionRecord } from '../control/model.js';
import type { SandboxProvider } from '../sandbox/sandbox.js';
import type { RuntimeCatalog, RuntimeLaunch } from '../runtimes/catalog.js';
import type { LogSink } from '../logs/sink.js';
import type { CodeStore } from '../code/code-store.js';
import { Environment } from './environment.js';
import { EnvironmentPool } from './pool.js';
import { PrewarmPool } from './prewarm.js';
import { errorPayload, type InvocationOutcome, type InvocationRequest } from './outcome.js';

export interface ManagerOptions {
  provider: SandboxProvider;
  catalog: RuntimeCatalog;
  logs: LogSink;
  code: CodeStore;
  apiHost: string;
  initTimeoutMs: number;
  keepAliveMs: number;
  apiHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Prewarmed generic environments kept per runtime family (0: none). */
  prewarmPerRuntime?: number;
  log?: (line: string) => void;
}

export class EnvironmentManager {
  private readonly pools = new Map<string, EnvironmentPool>();
  /** Retired pools whose busy environments are still finishing. */
  private readonly draining = new Set<EnvironmentPool>();
  private readonly reaper: NodeJS.Timeout;

  private readonly prewarm: PrewarmPool;

  constructor(private readonly opts: ManagerOptions) {
    this.prewarm = new PrewarmPool(opts.prewarmPerRuntime ?? 0, opts.provider, opts.catalog, () => this.sharedSpec(), opts.log ?? (() => {}));
    this.reaper = setInterval(() => this.reap(), Math.min(30_000, Math.max(1000, opts.keepAliveMs / 4)));
    this.reaper.unref();
  }

  /** Starts filling the prewarmed pool (call once the API address is known). */
  startPrewarm(): void {
    this.prewarm.start();
  }

  private sharedSpec() {
    return {
      logs: this.opts.logs,
      apiHost: this.opts.apiHost,
      initTimeoutMs: this.opts.initTimeoutMs,
      plainProcess: this.opts.provider.mode === 'process',
      apiHandler: this.opts.apiHandler,
    };
  }

  /** Pool identity: a version's code and configuration (LastModified changes with either). */
  private keyOf(v: VersionRecord): string {
    return `${v.region}\0${v.functionName}\0${v.version}\0${v.codeSha}\0${v.config.LastModified}`;
  }

  private poolFor(v: VersionRecord): EnvironmentPool {
    const key = this.keyOf(v);
    let pool = this.pools.get(key);
    if (!pool || pool.retired) {
      if (pool) this.draining.add(pool);
      pool = new EnvironmentPool(key);
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Runs one invocation of `version` in an idle environment, or a new one. */
  async run(version: VersionRecord, req: InvocationRequest): Promise<InvocationOutcome> {
    const pool = this.poolFor(version);
    let env = pool.take();
    if (!env) {
      // Checked before a prewarmed environment is taken: a custom runtime's stem needs a bootstrap to become.
      const launch = this.launchFor(version, req);
      if ('outcome' in launch) return launch.outcome;
      env = (await this.fromPrewarm(version, pool)) ?? (await this.create(version, launch.launch, pool));
    }
    try {
      return await env.invoke(req);
    } finally {
      pool.release(env);
    }
  }

  private launchFor(version: VersionRecord, req: InvocationRequest): { launch: RuntimeLaunch } | { outcome: InvocationOutcome } {
    const runtime = version.config.Runtime ?? 'provided.al2023';
    const launch = this.opts.catalog.resolve(runtime);
    if ('reason' in launch) throw new LambdaError('InvalidRuntimeException', `The runtime ${runtime} cannot run here: ${launch.reason}.`);
    if (launch.family === 'provided' || launch.family === 'go') {
      const entry = launch.family === 'go' ? (version.config.Handler ?? '') : 'bootstrap';
      const file = path.join(this.opts.code.dirOf(version.codeSha), entry);
      if (!isExecutableFile(file)) {
        const message =
          launch.family === 'go'
            ? `RequestId: ${req.requestId} Error: fork/exec /var/task/${entry}: no such file or directory`
            : `RequestId: ${req.requestId} Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]`;
        return {
          outcome: {
            payload: errorPayload('Runtime.InvalidEntrypoint', message),
            contentType: 'application/json',
            functionError: true,
            errorType: 'Runtime.InvalidEntrypoint',
            durationMs: 0,
            coldStart: true,
          },
        };
      }
    }
    return { launch };
  }

  /** A cold start served by a prewarmed environment, when one fits. */
  private async fromPrewarm(version: VersionRecord, pool: EnvironmentPool): Promise<Environment | undefined> {
    const env = this.prewarm.take(version);
    if (!env) return undefined;
    this.opts.code.pin(version.codeSha);
    env.onDead(() => this.opts.code.unpin(version.codeSha));
    pool.add(env);
    try {
      await env.assign(version, this.opts.code.dirOf(version.codeSha));
    } catch (err) {
      this.opts.log?.(`prewarmed environment could not be assigned: ${(err as Error).message}`);
      await env.destroy();
      return undefined;
    }
    return env;
  }

  private async create(version: VersionRecord, launch: RuntimeLaunch, pool: EnvironmentPool): Promise<Environment> {
    const c = version.config;
    const codeDir = this.opts.code.dirOf(version.codeSha);
    this.opts.code.pin(version.codeSha);
    let sandbox;
    try {
      sandbox = await this.opts.provider.create({
        id: `env-${hex32().slice(0, 16)}`,
        codeDir,
        runtimeDir: launch.runtimeDir,
        memoryMB: c.MemorySize,
        ephemeralMB: c.EphemeralStorage.Size,
      });
    } catch (err) {
      this.opts.code.unpin(version.codeSha);
      throw err;
    }
    const env = new Environment({ ...this.sharedSpec(), version, launch, sandbox });
    env.onDead(() => this.opts.code.unpin(version.codeSha));
    pool.add(env);
    try {
      await env.start();
    } catch (err) {
      await env.destroy();
      throw err;
    }
    return env;
  }

  /** A function (or one of its versions) changed or went away: its environments must not be reused. */
  retire(region: string, name: string, version?: string): void {
    const prefix = `${region}\0${name}\0${version === undefined ? '' : `${version}\0`}`;
    for (const [key, pool] of this.pools) {
      if (key.startsWith(prefix)) {
        pool.retire();
        this.pools.delete(key);
        if (pool.size > 0) this.draining.add(pool);
      }
    }
  }

  private reap(): void {
    const now = Date.now();
    for (const [key, pool] of this.pools) {
      pool.reap(now, this.opts.keepAliveMs);
      if (pool.size === 0) this.pools.delete(key);
    }
    for (const pool of this.draining) if (pool.size === 0) this.draining.delete(pool);
  }

  /**
   * Live environments: busy (running an invocation), starting (init, none waiting), idle; memoryMB =
   * Σ MemorySize. Prewarmed (generic, no function yet) ones are counted apart, not in `environments`.
   */
  stats(): { environments: number; busy: number; idle: number; starting: number; prewarmed: number; memoryMB: number } {
    let environments = 0;
    let busy = 0;
    let starting = 0;
    let memoryMB = 0;
    for (const pool of [...this.pools.values(), ...this.draining]) {
      for (const env of pool.environments()) {
        environments++;
        memoryMB += env.version.config.MemorySize;
        if (env.busy) busy++;
        else if (env.state === 'starting') starting++;
      }
    }
    return { environments, busy, idle: environments - busy - starting, starting, prewarmed: this.prewarm.size(), memoryMB };
  }

  async shutdown(): Promise<void> {
    clearInterval(this.reaper);
    await this.prewarm.shutdown();
    await Promise.all([...this.pools.values(), ...this.draining].map((p) => p.destroyAll()));
    this.pools.clear();
    this.draining.clear();
  }
}

function isExecutableFile(file: string): boolean {
  try {
    if (!existsSync(file)) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
