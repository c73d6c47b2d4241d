/**
 * Start-up and warm round-trip numbers for the Node.js bootstrap, against the real RuntimeApiServer.
 *
 *   node dist/src/runtimes/nodejs/bench.js [--runs 40] [--warm 5000]
 *
 * Cold: spawn (clean env, `nodeRuntimeFlags()`) → first GET /next at the server ("ready") → the
 * first response to an echo event, for a CommonJS and an ESM handler; generic (prewarmed) mode:
 * spawn → ready, and assignment → first response. Baselines: `node -e 0` and a 30-line raw `net`
 * client (the floor for "a Node process that says GET /next").
 * Warm: server-side time from handing an event to the parked /next to receiving its result
 * ("event delivered → result posted"), and the full invoke round trip (event queued → result),
 * for the bootstrap and for the raw echo client.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RuntimeApiServer, type NextEvent, type RuntimeApiOwner, type RuntimePost } from '../src/runtime-api/server.js';
import { NODE_BOOTSTRAP, NODE_RUNTIME_DIR, nodeRuntimeFlags } from '../src/runtimes/nodejs-runtime.js';

const NODE = '/usr/bin/node';
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const RUNS = opt('runs', 40);
const WARM = opt('warm', 5000);

const now = () => Number(process.hrtime.bigint()) / 1e6;

class Owner implements RuntimeApiOwner {
  nextAt: number[] = [];
  private deliver?: (e: NextEvent) => void;
  private waiting?: { resolve(v: { at: number; deliveredAt: number }): void; deliveredAt: number };
  private pendingEvent?: NextEvent;
  private nextWaiter?: () => void;
  initErrors = 0;

  next(deliver: (e: NextEvent) => void): void {
    this.nextAt.push(now());
    const w = this.nextWaiter;
    this.nextWaiter = undefined;
    if (this.pendingEvent) {
      const e = this.pendingEvent;
      this.pendingEvent = undefined;
      this.waiting!.deliveredAt = now();
      deliver(e);
    } else this.deliver = deliver;
    w?.();
  }
  response(_id: string, _post: RuntimePost): boolean {
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve({ at: now(), deliveredAt: w.deliveredAt });
    return true;
  }
  error(id: string, post: RuntimePost): boolean {
    process.stderr.write(`unexpected error for ${id}: ${post.body}\n`);
    return this.response(id, post);
  }
  initError(post: RuntimePost): void {
    this.initErrors++;
    process.stderr.write(`init error: ${post.body}\n`);
  }
  firstNext(): Promise<void> {
    if (this.nextAt.length > 0) return Promise.resolve();
    return new Promise((r) => (this.nextWaiter = r));
  }
  invoke(event: NextEvent): Promise<{ at: number; deliveredAt: number }> {
    return new Promise((resolve) => {
      this.waiting = { resolve, deliveredAt: 0 };
      const d = this.deliver;
      if (d) {
        this.deliver = undefined;
        this.waiting.deliveredAt = now();
        d(event);
      } else this.pendingEvent = event;
    });
  }
}

let seq = 0;
const event = (payload = '{"hello":"world","n":42}'): NextEvent => ({
  requestId: `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
  deadlineMs: Date.now() + 60_000,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
  payload: Buffer.from(payload),
});

function lambdaEnv(api: string, taskRoot: string, handler: string): Record<string, string> {
  return {
    AWS_LAMBDA_RUNTIME_API: api,
    _HANDLER: handler,
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: NODE_RUNTIME_DIR,
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/bench',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/28/[$LATEST]00000000000000000000000000000000',
    AWS_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    AWS_LAMBDA_RUNTIME_NAME: 'nodejs20.x',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: '/usr/local/bin:/usr/bin/:/bin',
    _LAMBDA_TELEMETRY_LOG_FD: '3',
  };
}

interface Target {
  name: string;
  argv: string[];
  env(api: string): Record<string, string>;
  /** Generic mode: the assignment body for this listener address. */
  prewarm?(api: string): { env: Record<string, string>; cwd: string };
  /** Generic mode: how long the runtime stays parked before it is assigned. */
  assignAfterMs?: number;
}

async function cold(target: Target): Promise<{ ready: number; first: number; assignToFirst?: number }> {
  const owner = new Owner();
  const server = new RuntimeApiServer(owner, { host: '127.0.0.1' });
  const api = await server.listen();
  const t0 = now();
  const child = spawn(target.argv[0], target.argv.slice(1), { env: target.env(api), stdio: ['ignore', 'ignore', 'inherit', 'pipe'], cwd: '/' });
  child.stdio[3]!.on('data', () => {});
  try {
    await owner.firstNext();
    const ready = owner.nextAt[0] - t0;
    let assignedAt: number | undefined;
    if (target.prewarm) {
      if (target.assignAfterMs) await new Promise((r) => setTimeout(r, target.assignAfterMs));
      assignedAt = now();
      void owner.invoke({ ...event(JSON.stringify(target.prewarm(api))), headers: { 'Lambkin-Assign': '1' } });
    }
    const r = await owner.invoke(event());
    return { ready, first: r.at - t0, assignToFirst: assignedAt === undefined ? undefined : r.at - assignedAt };
  } finally {
    child.kill('SIGKILL');
    server.close();
  }
}

async function warm(target: Target): Promise<{ delivered: number[]; roundTrip: number[]; perSec: number }> {
  const owner = new Owner();
  const server = new RuntimeApiServer(owner, { host: '127.0.0.1' });
  const api = await server.listen();
  const child = spawn(target.argv[0], target.argv.slice(1), { env: target.env(api), stdio: ['ignore', 'ignore', 'inherit', 'pipe'], cwd: '/' });
  child.stdio[3]!.on('data', () => {});
  try {
    for (let i = 0; i < 300; i++) await owner.invoke(event());
    const delivered: number[] = [];
    const roundTrip: number[] = [];
    const start = now();
    for (let i = 0; i < WARM; i++) {
      const t = now();
      const r = await owner.invoke(event());
      delivered.push(r.at - r.deliveredAt);
      roundTrip.push(now() - t);
    }
    return { delivered, roundTrip, perSec: WARM / ((now() - start) / 1000) };
  } finally {
    child.kill('SIGKILL');
    server.close();
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (xs: number[]) => `med ${pct(xs, 50).toFixed(2)}  p10 ${pct(xs, 10).toFixed(2)}  p90 ${pct(xs, 90).toFixed(2)}`;

const RAW_CLIENT = `// The floor: connect, GET /next, echo the body back, repeat (no handler, no logging).
const net = require('net');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const s = net.connect({ host, port: +port, noDelay: true });
let buf = Buffer.alloc(0), expectNext = true;
const next = () => s.write('GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n');
s.on('data', (c) => {
  buf = Buffer.concat([buf, c]);
  for (;;) {
    const h = buf.indexOf('\\r\\n\\r\\n'); if (h < 0) return;
    const head = buf.toString('latin1', 0, h);
    const len = +(/content-length: *(\\d+)/i.exec(head) || [0, 0])[1];
    if (buf.length < h + 4 + len) return;
    const body = buf.subarray(h + 4, h + 4 + len); buf = buf.subarray(h + 4 + len);
    if (expectNext) {
      const id = /lambda-runtime-aws-request-id: *(\\S+)/i.exec(head)[1];
      expectNext = false;
      s.write('POST /2018-06-01/runtime/invocation/' + id + '/response HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: ' + body.length + '\\r\\n\\r\\n' + body);
    } else { expectNext = true; next(); }
  }
});
next();
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lambkin-node-bench-'));
  try {
    writeFileSync(path.join(dir, 'index.js'), 'exports.handler = async (event) => event;\n');
    writeFileSync(path.join(dir, 'esm.mjs'), 'export const handler = async (event) => event;\n');
    writeFileSync(path.join(dir, 'package.json'), '{}\n');
    writeFileSync(path.join(dir, 'raw.cjs'), RAW_CLIENT);
    const flags = nodeRuntimeFlags(1024);
    const targets: Record<string, Target> = {
      cjs: { name: 'bootstrap, CommonJS handler', argv: [NODE, ...flags, NODE_BOOTSTRAP], env: (api) => lambdaEnv(api, dir, 'index.handler') },
      esm: { name: 'bootstrap, ESM (.mjs) handler', argv: [NODE, ...flags, NODE_BOOTSTRAP], env: (api) => lambdaEnv(api, dir, 'esm.handler') },
      raw: { name: 'raw net echo client (floor)', argv: [NODE, path.join(dir, 'raw.cjs')], env: (api) => ({ AWS_LAMBDA_RUNTIME_API: api }) },
    };
    const generic = (name: string, handler: string, assignAfterMs: number): Target => ({
      name,
      argv: [NODE, ...nodeRuntimeFlags(), NODE_BOOTSTRAP],
      env: (api) => ({ AWS_LAMBDA_RUNTIME_API: api, LAMBKIN_PREWARM: '1', LAMBDA_RUNTIME_DIR: NODE_RUNTIME_DIR, PATH: '/usr/bin:/bin', TZ: ':UTC', LANG: 'en_US.UTF-8', _LAMBDA_TELEMETRY_LOG_FD: '3' }),
      prewarm: (api) => ({ env: lambdaEnv(api, dir, handler), cwd: dir }),
      assignAfterMs,
    });
    const prewarmed: Record<string, Target> = {
      pwCjsNow: generic('generic (prewarmed) mode, CommonJS handler assigned as soon as ready', 'index.handler', 0),
      pwEsmNow: generic('generic (prewarmed) mode, ESM handler assigned as soon as ready', 'esm.handler', 0),
      pwEsmLater: generic('generic (prewarmed) mode, ESM handler assigned 100 ms after ready', 'esm.handler', 100),
    };

    // node -e 0 with a clean env: the unavoidable part.
    const nodeOnly: number[] = [];
    for (let i = 0; i < RUNS + 3; i++) {
      const t = now();
      spawnSync(NODE, ['-e', '0'], { env: {}, stdio: 'ignore' });
      if (i >= 3) nodeOnly.push(now() - t);
    }
    console.log(`node -e 0 (env -i), spawn→exit: ${fmt(nodeOnly)} ms`);

    // Interleave the cold runs so machine noise hits every target alike.
    const results: Record<string, { ready: number[]; first: number[]; assign: number[] }> = {};
    const all = { ...targets, ...prewarmed };
    for (const k of Object.keys(all)) results[k] = { ready: [], first: [], assign: [] };
    for (let i = 0; i < RUNS + 3; i++) {
      for (const [k, target] of Object.entries(all)) {
        const r = await cold(target);
        if (i < 3) continue;
        results[k].ready.push(r.ready);
        results[k].first.push(r.first);
        if (r.assignToFirst !== undefined) results[k].assign.push(r.assignToFirst);
      }
    }
    console.log(`\ncold start, ${RUNS} runs each (ms):`);
    for (const [k, target] of Object.entries(all)) {
      const r = results[k];
      console.log(`  ${target.name}`);
      console.log(`    spawn → first GET /next:   ${fmt(r.ready)}`);
      console.log(`    spawn → first response:    ${fmt(r.first)}`);
      if (r.assign.length) console.log(`    assign → first response:   ${fmt(r.assign)}  (spawn → first response includes the parked time)`);
    }

    console.log(`\nwarm, ${WARM} invokes after 300 warm-ups (ms):`);
    for (const k of ['cjs', 'raw', 'cjs', 'raw']) {
      const r = await warm(targets[k]);
      console.log(`  ${targets[k].name}`);
      console.log(`    event delivered → result posted: ${fmt(r.delivered)}  p99 ${pct(r.delivered, 99).toFixed(2)}`);
      console.log(`    invoke round trip (incl. /next): ${fmt(r.roundTrip)}  p99 ${pct(r.roundTrip, 99).toFixed(2)}  ${Math.round(r.perSec)}/s`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
