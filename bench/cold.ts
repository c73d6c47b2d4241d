/**
 * Cold starts (invoke with no environment → response). Each sample first retires the function's
 * environments with a configuration change, as a deploy does.
 *
 * Two conditions, because this VM makes idleness expensive: after half a second with nothing running,
 * the first loopback round trip costs several ms instead of 0.3 (the host reclaims idle guest pages;
 * `kdamond` pages out cold memory here). So:
 *  - "in use": the sample follows the configuration change at once (deploy → invoke). With the
 *    prewarmed pool, the sample waits until the pool has refilled (read off /metrics) and its new
 *    runtimes have warmed up.
 *  - "after idle": the whole machine idles `idleMs` between the change and the invoke; reported next
 *    to the floor measured after the same idle (floor.ts).
 */
import { Client, stats, type Stats } from './http-client.js';
import { apiClient, forceCold, invokeOnce, type Target } from './lambkin.js';

export interface ColdResult {
  stats: Stats;
  init: Stats;
}

/** After the pool has refilled: the new runtimes finish their own warm-up (the Node one rehearses ~20 ms after connecting). */
const SETTLE_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Prewarmed environments ready now, from the server's /metrics. */
async function prewarmed(t: Target): Promise<number> {
  const c = new Client(t.server.url);
  try {
    const text = (await c.request('GET', '/metrics')).body.toString();
    return Number(/^lambkin_environments\{state="prewarmed"\} (\d+)/m.exec(text)?.[1] ?? 0);
  } finally {
    c.close();
  }
}

async function poolRefilled(t: Target, size: number): Promise<void> {
  for (let i = 0; i < 500 && (await prewarmed(t)) < size; i++) await sleep(10);
}

export async function coldStats(
  t: Target,
  name: string,
  samples: number,
  payload: Buffer,
  opts: { pooled: boolean; idleMs?: number },
): Promise<ColdResult> {
  const client = apiClient(t);
  const poolSize = opts.pooled ? await prewarmed(t) : 0;
  const times: number[] = [];
  const inits: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      if (opts.pooled) {
        await poolRefilled(t, poolSize);
        await sleep(SETTLE_MS);
      }
      await forceCold(t, name, i);
      if (opts.idleMs) await sleep(opts.idleMs);
      const r = await invokeOnce(client, name, payload, true);
      if (r.status !== 200 || r.functionError) throw new Error(`${r.status} ${r.body.toString().slice(0, 300)}`);
      times.push(r.ms);
      if (r.initMs !== undefined) inits.push(r.initMs);
      if (!opts.pooled) await sleep(50);
    }
  } finally {
    client.close();
  }
  return { stats: stats(times), init: stats(inits.length ? inits : [NaN]) };
}
