/**
 * Qualifier → version resolution for the invoke path, cached in memory so a warm invoke reads no
 * database. The control plane's change feed drops a function's entries whenever it changes.
 */
import { LambdaError } from '../errors.js';
import type { ChangeFeed } from '../control/context.js';
import type { FunctionService } from '../control/functions.js';
import { LATEST, type AliasRecord, type VersionRecord } from '../control/model.js';
import type { Store } from '../store/store.js';

export interface Resolved {
  version: VersionRecord;
  /** The alias's second version and its weight, for weighted routing. */
  routing?: { version: VersionRecord; weight: number };
  alias?: AliasRecord;
}

export class VersionResolver {
  private readonly cache = new Map<string, Resolved>();
  private generation = 0;

  constructor(private readonly functions: FunctionService, private readonly store: Store, changes: ChangeFeed) {
    changes.on('change', (c) => {
      this.generation++;
      const prefix = `${c.region}\0${c.name}\0`;
      for (const key of this.cache.keys()) if (key.startsWith(prefix)) this.cache.delete(key);
    });
  }

  async resolve(region: string, name: string, qualifier: string | undefined): Promise<Resolved> {
    const key = `${region}\0${name}\0${qualifier ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const generation = this.generation;
    const { version, alias } = await this.functions.resolve(region, name, qualifier).catch((err: unknown) => {
      // Invoke without a qualifier names $LATEST in its not-found message (the control plane's reads don't).
      if (qualifier === undefined && err instanceof LambdaError && err.code === 'ResourceNotFoundException') {
        throw this.functions.fnNotFound(region, name, LATEST);
      }
      throw err;
    });
    const resolved: Resolved = { version };
    if (alias) {
      const record = await this.store.getAlias(region, name, alias);
      if (record) {
        resolved.alias = record;
        const [extra, weight] = Object.entries(record.additionalVersionWeights ?? {})[0] ?? [];
        if (extra !== undefined && weight !== undefined && weight > 0) {
          const v = await this.store.getVersion(region, name, extra);
          if (v) resolved.routing = { version: v, weight };
        }
      }
    }
    // Don't cache what a concurrent change already made stale.
    if (generation === this.generation) this.cache.set(key, resolved);
    return resolved;
  }
}
