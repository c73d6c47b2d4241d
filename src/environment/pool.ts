/**
 * The environments of one function version (one code + configuration revision): reused one
 * invocation at a time, scaled out on demand, retired when the version changes, reaped when idle.
 */
import type { Environment } from './environment.js';

export class EnvironmentPool {
  /** Idle environments, most recently used last (reused first: its caches are warmest). */
  private readonly idle: Environment[] = [];
  private readonly all = new Set<Environment>();
  retired = false;

  constructor(readonly key: string) {}

  get size(): number {
    return this.all.size;
  }

  /** An idle environment, if any. */
  take(): Environment | undefined {
    while (this.idle.length > 0) {
      const env = this.idle.pop()!;
      if (env.usable) return env;
    }
    return undefined;
  }

  add(env: Environment): void {
    this.all.add(env);
    env.onDead(() => {
      this.all.delete(env);
      const i = this.idle.indexOf(env);
      if (i >= 0) this.idle.splice(i, 1);
    });
  }

  /** Back from an invocation: reuse it, unless the version was retired meanwhile. */
  release(env: Environment): void {
    if (env.state === 'dead') return;
    if (this.retired || !env.usable) void env.destroy();
    else this.idle.push(env);
  }

  /** Old code or configuration: idle environments end now, busy ones after their invocation. */
  retire(): void {
    this.retired = true;
    for (const env of this.idle.splice(0)) void env.destroy();
  }

  /** Ends environments idle for longer than `keepAliveMs`. */
  reap(now: number, keepAliveMs: number): void {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const env = this.idle[i];
      if (now - env.lastUsed >= keepAliveMs) {
        this.idle.splice(i, 1);
        void env.destroy();
      }
    }
  }

  environments(): Environment[] {
    return [...this.all];
  }

  async destroyAll(): Promise<void> {
    this.retired = true;
    this.idle.length = 0;
    await Promise.all([...this.all].map((e) => e.destroy()));
  }
}
