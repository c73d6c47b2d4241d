/**
 * Node.js bootstrap: the event loop and the process lifecycle — callbackWaitsForEmptyEventLoop, handlers
 * that never answer, crashes (uncaught exception 129, unhandled rejection 128), generic (prewarmed)
 * assignment and reconnecting to the Runtime API.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { fixture, startRuntime, within, type RuntimeOptions, type RuntimeProcess } from './fixtures/nodejs/harness.js';
import { nodeRuntimeFlags } from '../src/runtimes/nodejs-runtime.js';

async function runtime(t: TestContext, opts: RuntimeOptions): Promise<RuntimeProcess> {
  const rt = await startRuntime(opts);
  t.after(() => rt.stop());
  return rt;
}

const cjs = (handler: string): RuntimeOptions => ({ taskRoot: fixture('cjs'), handler: `index.${handler}` });
const invoke = (rt: RuntimeProcess, payload: unknown) => within(rt.invoke(payload), 10_000, 'invoke');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('callbackWaitsForEmptyEventLoop = true: the result is sent once the pending timer has run', async (t) => {
  const rt = await runtime(t, cjs('callbackTimer'));
  await within(rt.env.waitForNext(1), 5_000, 'ready');
  const start = Date.now();
  const first = await invoke(rt, { wait: true });
  const answeredAt = Date.now();
  assert.equal(first.kind, 'response');
  assert.ok(answeredAt - start >= 280, `answered after ${answeredAt - start} ms, before the 300 ms timer`);
  const second = await invoke(rt, { wait: true });
  const ranAt = second.json.previousTimerRanAt;
  assert.ok(ranAt >= first.json.started + 290 && ranAt <= answeredAt, 'the timer ran before the first answer');
});

test('callbackWaitsForEmptyEventLoop = false: the result is sent at once, the timer still runs later', async (t) => {
  const rt = await runtime(t, cjs('callbackTimer'));
  await within(rt.env.waitForNext(1), 5_000, 'ready');
  const start = Date.now();
  const first = await invoke(rt, { wait: false });
  const elapsed = Date.now() - start;
  assert.ok(elapsed < 250, `answered after ${elapsed} ms, it should not wait for the 300 ms timer`);
  assert.equal(first.json.previousTimerRanAt, 0);
  await sleep(400);
  const second = await invoke(rt, { wait: false });
  assert.ok(second.json.previousTimerRanAt >= first.json.started + 290, 'the timer kept running after the response');
});

test('a sync handler that never calls back answers null when the loop drains', async (t) => {
  const rt = await runtime(t, cjs('syncNoCallback'));
  await within(rt.env.waitForNext(1), 5_000, 'ready');
  const start = Date.now();
  const out = await invoke(rt, {});
  assert.equal(out.kind, 'response');
  assert.equal(out.body, 'null');
  assert.ok(Date.now() - start >= 90, 'after its 100 ms timer');
  assert.equal((await invoke(rt, {})).body, 'null', 'and the runtime carries on');
});

test('an async handler whose promise never settles fails with Runtime.NodeJsExit, and the runtime carries on', async (t) => {
  const rt = await runtime(t, cjs('neverSettles'));
  const out = await invoke(rt, {});
  assert.equal(out.kind, 'error');
  assert.equal(out.errorType, 'Runtime.NodeJsExit');
  assert.equal(out.json.errorType, 'Runtime.NodeJsExit');
  assert.match(out.json.errorMessage, /^The Lambda runtime client detected an unexpected Node\.js exit code\. This is most commonly caused by a Promise that was never settled\./);
  assert.equal((await invoke(rt, {})).json.errorType, 'Runtime.NodeJsExit');
  assert.equal(rt.exit, undefined, 'still running');
  assert.ok(rt.logs.some((l) => /\tERROR\tInvoke Error \t\{"errorType":"Runtime.NodeJsExit"/.test(l)));
});

test('an uncaught exception posts the error for the current invocation and exits 129', async (t) => {
  const rt = await runtime(t, cjs('uncaught'));
  const out = await invoke(rt, {});
  assert.equal(out.kind, 'error');
  assert.equal(out.json.errorType, 'Error');
  assert.equal(out.json.errorMessage, 'late failure');
  const exit = await within(rt.exited, 5_000, 'exit');
  assert.equal(exit.code, 129);
  assert.ok(rt.logs.some((l) => l.includes(`\t${out.requestId}\tERROR\tUncaught Exception \t{"errorType":"Error","errorMessage":"late failure"`)));
});

test('an unhandled rejection posts Runtime.UnhandledPromiseRejection and exits 128', async (t) => {
  const rt = await runtime(t, cjs('unhandled'));
  const out = await invoke(rt, {});
  assert.equal(out.kind, 'error');
  assert.equal(out.errorType, 'Runtime.UnhandledPromiseRejection');
  assert.equal(out.json.errorMessage, 'Error: nobody catches me');
  assert.equal(out.json.trace[0], 'Runtime.UnhandledPromiseRejection: Error: nobody catches me');
  assert.equal((await within(rt.exited, 5_000, 'exit')).code, 128);
  const line = rt.logs.find((l) => l.includes('Unhandled Promise Rejection'));
  assert.ok(line, 'logged');
  const logged = JSON.parse(line.split('Unhandled Promise Rejection \t')[1]);
  assert.equal(logged.reason.errorMessage, 'nobody catches me');
  assert.deepEqual(logged.promise, {});
});

test('generic (prewarmed) mode: /next before any user code, then assignment replaces env and cwd', async (t) => {
  const rt = await runtime(t, { ...cjs('context'), prewarm: true, env: { MY_FN_VAR: 'from-assignment' } });
  await within(rt.env.waitForNext(1), 5_000, 'first /next');
  assert.equal(rt.logs.length, 0);
  rt.assign();
  const out = await invoke(rt, {});
  assert.equal(out.json.functionName, 'fn');
  assert.equal(out.json.memoryLimitInMB, '128');
  assert.equal(out.json.cwd, fixture('cjs'));
  assert.equal(out.json.telemetryEnv, null);
  assert.equal(out.json.inits, 1);
  assert.equal(rt.env.nextArrivals.length, 3, 'one /next for the assignment, one for the code, one after init');
});

test('generic mode: the rehearsal while parked leaves nothing a function can see', async (t) => {
  const rt = await runtime(t, { taskRoot: fixture('cjs'), handler: 'traces.handler', prewarm: true, env: { AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA: '1' } });
  await within(rt.env.waitForNext(1), 5_000, 'first /next');
  await sleep(300); // the rehearsal starts 20 ms after the runtime connects
  rt.assign();
  const out = await invoke(rt, {});
  assert.deepEqual(out.json, { awslambda: 'undefined', rehearsalModules: [] });
  assert.equal(rt.logs.length, 0, 'no output from the rehearsal');
});

test('generic mode: the assigned environment is the only one the function sees; logs work after assignment', async (t) => {
  const rt = await runtime(t, { ...cjs('envKeys'), prewarm: true, env: { MY_FN_VAR: 'x' } });
  await within(rt.env.waitForNext(1), 5_000, 'first /next');
  rt.assign();
  const keys: string[] = (await invoke(rt, {})).json;
  assert.ok(keys.includes('MY_FN_VAR') && keys.includes('_HANDLER') && keys.includes('AWS_LAMBDA_FUNCTION_NAME'));
  assert.ok(!keys.includes('LAMBKIN_PREWARM'));
  assert.ok(!keys.includes('_LAMBDA_TELEMETRY_LOG_FD'));
  const logs = await runtime(t, { taskRoot: fixture('logging'), handler: 'index.handler', prewarm: true });
  await within(logs.env.waitForNext(1), 5_000, 'first /next');
  logs.assign();
  await invoke(logs, {});
  assert.ok(logs.logs.some((l) => /\tundefined\tINFO\tinit log\n$/.test(l)), 'init logs are framed on fd 3');
});

test('generic mode: an init failure after assignment goes to /init/error', async (t) => {
  const rt = await runtime(t, { taskRoot: fixture('errors'), handler: 'ok.missing', prewarm: true });
  await within(rt.env.waitForNext(1), 5_000, 'first /next');
  rt.assign();
  const err = await within(rt.env.waitForInitError(), 5_000, 'init error');
  assert.equal(err.json.errorType, 'Runtime.HandlerNotFound');
  assert.equal((await within(rt.exited, 5_000, 'exit')).code, 129);
});

test('the runtime reconnects when the server drops the connection while /next is parked', async (t) => {
  const rt = await runtime(t, cjs('echo'));
  assert.equal((await invoke(rt, 1)).body, '1');
  await within(rt.env.waitForNext(2), 5_000, 'parked');
  for (const s of (rt.env.server as unknown as { sockets: Set<Socket> }).sockets) s.destroy();
  await within(rt.env.waitForNext(3), 5_000, 'the runtime asks again on a new connection');
  assert.equal((await invoke(rt, 2)).body, '2');
  assert.equal(rt.exit, undefined);
});

test('the runtime exits when the Runtime API goes away for good', async (t) => {
  const rt = await runtime(t, cjs('echo'));
  await within(rt.env.waitForNext(1), 5_000, 'parked');
  rt.env.close();
  const exit = await within(rt.exited, 5_000, 'exit');
  assert.equal(exit.code, 1);
});

test('fallback transport (net): with --pending-deprecation, and for a host name instead of an IP', async (t) => {
  // process.binding() would print a DEP0111 warning under --pending-deprecation: the bootstrap uses net.
  const rt = await runtime(t, { ...cjs('echo'), flags: ['--pending-deprecation', ...nodeRuntimeFlags(128)] });
  assert.equal((await invoke(rt, 'a')).body, '"a"');
  await within(rt.env.waitForNext(2), 5_000, 'parked');
  for (const s of (rt.env.server as unknown as { sockets: Set<Socket> }).sockets) s.destroy();
  await within(rt.env.waitForNext(3), 5_000, 'reconnected');
  assert.equal((await invoke(rt, 'b')).body, '"b"', 'reconnects on net too');
  assert.equal(rt.stderr, '', 'no deprecation warning');
  const named = await runtime(t, { ...cjs('echo'), apiHost: 'localhost' });
  assert.equal((await invoke(named, 'c')).body, '"c"');
});
