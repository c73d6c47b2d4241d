/**
 * Prewarmed generic environments (OpenWhisk's "stem cells"): sandboxes whose runtime has started and
 * connected but has no function yet (for custom runtimes: a stem that becomes the bootstrap). A cold start takes one, mounts the function's code into it and
 * hands it its environment, skipping sandbox creation and interpreter start-up. Refilled in the
 * background after every take.
 */
import { hex32 } from '../util/ids.js';
import type { RuntimeFamily } from '../control/runtimes.js';
import { runtimeFamily } from '../control/runtimes.js';
import type { VersionRecord } from '../control/model.js';
import type { RuntimeCatalog, RuntimeLaunch } from '../runtimes/catalog.js';
import type { SandboxProvider } from '../sandbox/sandbox.js';
import { Environment, type EnvironmentSpec } from './environment.js';

/** The runtime id a generic environment of each family is started as (its interpreter and bootstrap). */
const REPRESENTATIVE: Partial<Record<RuntimeFamily, string>> = { nodejs: 'nodejs22.x', python: 'python3.12' };
/** Limits while waiting (replaced by the function's at assignment). */
const POOL_MEMORY_MB = 1769;
const POOL_EPHEMERAL_MB = 512;
const REFILL_DELAY_MS = 100;

export type SharedSpec = Omit<EnvironmentSpec, 'version' | 'launch' | 'sandbox'>;

export class PrewarmPool {
  private readonly ready = new Map<RuntimeFamily, Environment[]>();
  private readonly filling = new Set<RuntimeFamily>();
  private readonly launches = new Map<RuntimeFamily, RuntimeLaunch>();
  private stopped = false;

  constructor(
    private readonly perFamily: number,
    private readonly provider: SandboxProvider,
    private readonly catalog: RuntimeCatalog,
    private readonly shared: () => SharedSpec,
    private readonly log: (line: string) => void,
  ) {
    for (const [family, runtime] of Object.entries(REPRESENTATIVE) as [RuntimeFamily, string][]) {
      const launch = catalog.resolve(runtime);
      if (!('reason' in launch)) this.launches.set(family, launch);
    }
    const stem = catalog.stemLaunch();
    if (stem) this.launches.set('provided', stem);
  }

  start(): void {
    if (this.perFamily <= 0) return;
    for (const family of this.launches.keys()) this.refill(family);
  }

  /** A generic environment that can become `version`, if one is ready. */
  take(version: VersionRecord): Environment | undefined {
    const runtime = version.config.Runtime ?? '';
    const family = runtimeFamily(runtime);
    const launch = this.launches.get(family);
    const own = this.catalog.resolve(runtime);
    if (!launch || 'reason' in own) return undefined;
    // Only where the function would get exactly this interpreter and bootstrap (a custom runtime's
    // stem becomes the package's bootstrap), and this /tmp.
    if (family !== 'provided' && (own.interpreter !== launch.interpreter || own.runtimeDir !== launch.runtimeDir)) return undefined;
    if (version.config.EphemeralStorage.Size !== POOL_EPHEMERAL_MB) return undefined;
    const list = this.ready.get(family) ?? [];
    let env: Environment | undefined;
    while ((env = list.pop()) && (env.state !== 'pooled' || !env.usable));
    // Refill a little later: its process spawns would block the event loop during this very cold start.
    setTimeout(() => this.refill(family), REFILL_DELAY_MS).unref();
    return env;
  }

  private refill(family: RuntimeFamily): void {
    if (this.stopped || this.filling.has(family) || this.perFamily <= 0) return;
    const launch = this.launches.get(family);
    if (!launch) return;
    const list = this.ready.get(family) ?? [];
    this.ready.set(family, list);
    if (list.length >= this.perFamily) return;
    this.filling.add(family);
    void (async () => {
      try {
        while (!this.stopped && list.length < this.perFamily) {
          const sandbox = await this.provider.create({
            id: `pre-${hex32().slice(0, 16)}`,
            runtimeDir: launch.runtimeDir,
            memoryMB: POOL_MEMORY_MB,
            ephemeralMB: POOL_EPHEMERAL_MB,
          });
          const env = new Environment({ ...this.shared(), launch, sandbox });
          try {
            await env.startGeneric();
          } catch (err) {
            await env.destroy();
            throw err;
          }
          env.onDead(() => {
            const i = list.indexOf(env);
            if (i >= 0) list.splice(i, 1);
          });
          if (this.stopped) await env.destroy();
          else list.push(env);
        }
      } catch (err) {
        this.log(`prewarm (${family}) failed: ${(err as Error).message}`);
      } finally {
        this.filling.delete(family);
      }
    })();
  }

  size(): number {
    return [...this.ready.values()].reduce((n, l) => n + l.length, 0);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    while (this.filling.size > 0) await new Promise((r) => setTimeout(r, 10));
    const all = [...this.ready.values()].flat();
    this.ready.clear();
    await Promise.all(all.map((e) => e.destroy()));
  }
}
