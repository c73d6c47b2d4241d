/**
 * `npm run bench [-- --quick]`: Lambkin's speed, measured on this machine in one run, each figure next to
 * the floor measured in the same run. Writes bench/RESULTS.md and bench/results.json.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { measureFloor } from './floor.js';
import { stats, now, type Stats } from './http-client.js';
import { echoFunctions, slowNodeFunction, type BenchFunction } from './functions.js';
import { apiClient, deploy, invokeOnce, startTarget, stopTarget, type Target } from './lambkin.js';
import { coldStats } from './cold.js';
import { makeZip } from '../test/helpers/zip.js';
import { measurePeer, type PeerResult } from './peer.js';
import { renderReport } from './report.js';
import { measureFreezeThaw } from './freezer.js';
import { measureEvents, renderEvents, type EventsBench } from './events.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const quick = process.argv.includes('--quick');
const N = quick ? { floor: 2000, warm: 2000, cold: 4, tputMs: 1000, density: 10 } : { floor: 10000, warm: 10000, cold: 12, tputMs: 3000, density: 30 };
/** The idle before the "after idle" cold starts and the idle floor. */
const IDLE_MS = 500;
/** Runtime kinds the prewarmed pool serves: all of the bench's (custom runtimes through a stem that becomes their bootstrap). */
const POOLED = new Set(['nodejs', 'python', 'provided (bash+curl)', 'provided (static C binary)']);
const PAYLOAD = Buffer.from('{"hello":"world","n":1234567890,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}');

export interface Results {
  machine: Record<string, string | number>;
  quick: boolean;
  floor: { start: Stats; end: Stats; idle?: Stats; idleMs?: number };
  warm: { mode: string; kind: string; stats?: Stats; error?: string }[];
  /** `idleMs`: sampled after the machine idled that long (else right after the configuration change). */
  cold: { mode: string; kind: string; pool: boolean; idleMs?: number; stats?: Stats; init?: Stats; error?: string }[];
  throughput: { mode: string; kind: string; clients: number; perSecond: number; p50: number; p99: number }[];
  scaleOut?: { n: number; ms: number; environments: number };
  density?: { environments: number; perEnvMB: number; fitIn8GiB: number };
  deploy: { sizeMB: number; ms: number }[];
  peer?: PeerResult;
  freezer?: { freeze: Stats; thaw: Stats; both: Stats };
  events?: EventsBench;
  notes: string[];
}

const log = (s: string) => process.stderr.write(`${s}\n`);

async function warmStats(t: Target, name: string, samples: number): Promise<Stats> {
  const client = apiClient(t);
  try {
    const first = await invokeOnce(client, name, PAYLOAD);
    if (first.status !== 200 || first.functionError) throw new Error(`${first.status} ${first.body.toString().slice(0, 300)}`);
    const warmUntil = now() + (quick ? 500 : 8000);
    for (let i = 0; i < 200 && i < samples / 10 && now() < warmUntil; i++) await invokeOnce(client, name, PAYLOAD);
    // At most `samples`, and at most ~8 s (--quick: 2 s) for runtimes that are slow per invoke (bash + curl).
    const times: number[] = [];
    const until = now() + (quick ? 2000 : 8000);
    for (let i = 0; i < samples && (i < 200 || now() < until); i++) times.push((await invokeOnce(client, name, PAYLOAD)).ms);
    return stats(times);
  } finally {
    client.close();
  }
}

async function throughput(t: Target, name: string, clients: number, ms: number) {
  const all: number[] = [];
  let done = 0;
  const until = now() + ms;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = apiClient(t);
      try {
        await invokeOnce(c, name, PAYLOAD);
        while (now() < until) {
          const r = await invokeOnce(c, name, PAYLOAD);
          all.push(r.ms);
          done++;
        }
      } finally {
        c.close();
      }
    }),
  );
  const s = stats(all);
  return { perSecond: done / (ms / 1000), p50: s.p50, p99: s.p99 };
}

async function scaleOut(t: Target, fn: BenchFunction, n: number) {
  await deploy(t, 'scale', fn, 256);
  const t0 = now();
  const bodies = await Promise.all(
    Array.from({ length: n }, async () => {
      const c = apiClient(t);
      try {
        const r = await invokeOnce(c, 'scale', PAYLOAD);
        return r.body.toString();
      } finally {
        c.close();
      }
    }),
  );
  const ms = now() - t0;
  return { n, ms, environments: new Set(bodies).size };
}

async function density(t: Target, fn: BenchFunction, n: number) {
  await deploy(t, 'dense', fn, 128);
  await Promise.all(Array.from({ length: n }, async () => {
    const c = apiClient(t);
    try {
      await invokeOnce(c, 'dense', PAYLOAD);
    } finally {
      c.close();
    }
  }));
  await new Promise((r) => setTimeout(r, 1000));
  const key = createHash('sha256').update(t.server.dataDir).digest('hex').slice(0, 10);
  const file = `/sys/fs/cgroup/memory/lambkin/${key}/memory.usage_in_bytes`;
  if (!existsSync(file)) return undefined;
  const bytes = Number(readFileSync(file, 'utf8'));
  const perEnvMB = bytes / n / (1024 * 1024);
  return { environments: n, perEnvMB, fitIn8GiB: Math.floor(8192 / perEnvMB) };
}

async function deployTimes(t: Target) {
  const out: { sizeMB: number; ms: number }[] = [];
  for (const sizeMB of [1, 40]) {
    const zip = await makeZip({ 'index.js': 'exports.handler = async () => 1;\n', 'blob.bin': randomBytes(sizeMB * 1024 * 1024) });
    const t0 = now();
    await t.sdk.send(new CreateFunctionCommand({ FunctionName: `deploy${sizeMB}`, Runtime: 'nodejs22.x' as const, Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/bench', Code: { ZipFile: zip } }));
    out.push({ sizeMB, ms: now() - t0 });
  }
  return out;
}

function machine(): Record<string, string | number> {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']) + (git(['status', '--porcelain', '--', '.', ':!bench/RESULTS.md', ':!bench/results.json']) ? ' (with uncommitted changes)' : ''),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(),
    node: process.version,
  };
}

/** `--events`: only the event-source figures, into bench/EVENTS.md (RESULTS.md stays as the last full run left it). */
async function eventsOnly(): Promise<void> {
  const t = await startTarget('auto');
  try {
    log(`${t.mode}: event sources…`);
    const e = await measureEvents(t, quick);
    const text = [`# Event sources (${t.mode}${quick ? ', --quick' : ''})`, '', `${machine().date}, commit ${machine().commit}`, '', ...renderEvents(e).slice(2), ''].join('\n');
    writeFileSync(path.join(ROOT, 'bench/EVENTS.md'), text);
    writeFileSync(path.join(ROOT, 'bench/events-results.json'), JSON.stringify(e, null, 2) + '\n');
    process.stdout.write(text);
  } finally {
    await stopTarget(t);
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--events')) return eventsOnly();
  const results: Results = { machine: machine(), quick, floor: {} as Results['floor'], warm: [], cold: [], throughput: [], deploy: [], notes: [] };
  log('floor…');
  results.floor.start = await measureFloor(N.floor);
  if (!quick) {
    results.floor.idle = await measureFloor(N.cold, IDLE_MS);
    results.floor.idleMs = IDLE_MS;
  } else results.notes.push('--quick: cold starts after idle are skipped.');
  const fns = await echoFunctions();
  for (const mode of ['auto', 'process'] as const) {
    const t = await startTarget(mode);
    log(`${t.mode}: warm and cold…`);
    try {
      for (const [i, fn] of fns.entries()) {
        const name = `echo${i}`;
        await deploy(t, name, fn);
        try {
          results.warm.push({ mode: t.mode, kind: fn.kind, stats: await warmStats(t, name, N.warm) });
          const pooled = POOLED.has(fn.kind);
          results.cold.push({ mode: t.mode, kind: fn.kind, pool: pooled, ...(await coldStats(t, name, N.cold, PAYLOAD, { pooled })) });
          if (pooled && t.mode === 'sandboxed' && !quick) {
            results.cold.push({ mode: t.mode, kind: fn.kind, pool: true, idleMs: IDLE_MS, ...(await coldStats(t, name, N.cold, PAYLOAD, { pooled, idleMs: IDLE_MS })) });
          }
        } catch (err) {
          results.warm.push({ mode: t.mode, kind: fn.kind, error: (err as Error).message });
        }
      }
      if (t.mode === 'sandboxed') {
        const tputFn = fns.findIndex((f) => f.kind === 'nodejs');
        for (const clients of [1, 2, 8, 64]) {
          log(`throughput ×${clients}…`);
          try {
            results.throughput.push({ mode: t.mode, kind: fns[tputFn].kind, clients, ...(await throughput(t, `echo${tputFn}`, clients, N.tputMs)) });
          } catch (err) {
            results.notes.push(`throughput ×${clients}: ${(err as Error).message}`);
          }
        }
        log('scale-out, density, deploy…');
        try {
          results.scaleOut = await scaleOut(t, await slowNodeFunction(), 50);
        } catch (err) {
          results.notes.push(`scale-out: ${(err as Error).message}`);
        }
        try {
          results.density = await density(t, await slowNodeFunction(), N.density);
        } catch (err) {
          results.notes.push(`density: ${(err as Error).message}`);
        }
        results.deploy = await deployTimes(t);
        log('event sources…');
        try {
          results.events = await measureEvents(t, quick);
        } catch (err) {
          results.notes.push(`event sources: ${(err as Error).message}`);
        }
      }
    } finally {
      await stopTarget(t);
    }
  }
  log('freeze/thaw…');
  results.freezer = await measureFreezeThaw(quick ? 50 : 200);
  {
    // Cold starts without the prewarmed pool, for comparison.
    const t = await startTarget('auto', { LAMBKIN_PREWARM: '0' });
    log(`${t.mode}, no prewarmed pool: cold…`);
    try {
      for (const [i, fn] of fns.entries()) {
        if (!POOLED.has(fn.kind)) continue;
        await deploy(t, `cold${i}`, fn);
        results.cold.push({ mode: t.mode, kind: fn.kind, pool: false, ...(await coldStats(t, `cold${i}`, N.cold, PAYLOAD, { pooled: false })) });
      }
    } catch (err) {
      results.notes.push(`cold without pool: ${(err as Error).message}`);
    } finally {
      await stopTarget(t);
    }
  }
  if (!quick) {
    log('peer…');
    results.peer = await measurePeer(ROOT, PAYLOAD, N.warm).catch((err: Error) => ({ name: 'serverless-offline', error: err.message }) as PeerResult);
  } else results.notes.push('--quick: the peer comparison is skipped.');
  results.floor.end = await measureFloor(N.floor);
  writeFileSync(path.join(ROOT, 'bench/results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(path.join(ROOT, 'bench/RESULTS.md'), renderReport(results));
  log('wrote bench/RESULTS.md and bench/results.json');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
