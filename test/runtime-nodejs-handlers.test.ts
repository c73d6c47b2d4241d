/**
 * Node.js bootstrap: module kinds and handler resolution, handler styles, results and errors, context.
 * Each test spawns the real bootstrap against the real RuntimeApiServer (see fixtures/nodejs/harness).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ARN, fixture, startRuntime, within, type RuntimeOptions, type RuntimeProcess } from './fixtures/nodejs/harness.js';

async function runtime(t: TestContext, opts: RuntimeOptions): Promise<RuntimeProcess> {
  const rt = await startRuntime(opts);
  t.after(() => rt.stop());
  return rt;
}

const cjs = (handler: string): RuntimeOptions => ({ taskRoot: fixture('cjs'), handler: `index.${handler}` });
const invoke = (rt: RuntimeProcess, payload: unknown, opts?: Parameters<RuntimeProcess['invoke']>[1]) =>
  within(rt.invoke(payload, opts), 10_000, 'invoke');

function tempTaskRoot(t: TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lambkin-node-task-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

test('CommonJS .js handler: event in, JSON result out with application/json', async (t) => {
  const rt = await runtime(t, cjs('echo'));
  const out = await invoke(rt, { hello: 'world', n: [1, 2] });
  assert.equal(out.kind, 'response');
  assert.equal(out.body, '{"hello":"world","n":[1,2]}');
  assert.equal(out.contentType, 'application/json');
});

test('ESM .mjs handler is imported', async (t) => {
  const rt = await runtime(t, { taskRoot: fixture('esm-mjs'), handler: 'index.handler' });
  const out = await invoke(rt, { a: 1 });
  assert.equal(out.json.kind, 'mjs');
  assert.deepEqual(out.json.event, { a: 1 });
  assert.equal(out.json.requestId, out.requestId);
  assert.match(out.json.url, /^file:\/\/.*\/esm-mjs\/index\.mjs$/);
});

test('.js under a "type": "module" package.json is imported as ESM (nested dir handler)', async (t) => {
  const rt = await runtime(t, { taskRoot: fixture('esm-type-module'), handler: 'lib/index.handler' });
  const out = await invoke(rt, 'x');
  assert.deepEqual(out.json, { kind: 'type-module', isEsm: true, event: 'x' });
});

test('.cjs and extensionless files are required', async (t) => {
  const a = await runtime(t, { taskRoot: fixture('cjs-ext'), handler: 'index.handler' });
  const b = await runtime(t, { taskRoot: fixture('extensionless'), handler: 'index.handler' });
  assert.deepEqual((await invoke(a, {})).json, { kind: 'cjs' });
  assert.deepEqual((await invoke(b, {})).json, { kind: 'extensionless' });
});

test('handler in a subdirectory (src/api/index.handler) and a nested export path', async (t) => {
  const a = await runtime(t, { taskRoot: fixture('nested'), handler: 'src/api/index.handler' });
  const out = await invoke(a, {});
  assert.equal(out.json.kind, 'nested');
  assert.equal(out.json.file, path.join(fixture('nested'), 'src/api/index.js'));
  const b = await runtime(t, cjs('nested.deep.handler'));
  assert.equal((await invoke(b, {})).body, '"nested ok"');
});

test('load order: .js before .mjs before .cjs; node_modules resolution last', async (t) => {
  const root = tempTaskRoot(t, {
    'a.js': 'exports.h = async () => "a.js";',
    'a.mjs': 'export const h = async () => "a.mjs";',
    'b.mjs': 'export const h = async () => "b.mjs";',
    'b.cjs': 'exports.h = async () => "b.cjs";',
    'node_modules/mypkg/package.json': '{"main": "main.js"}',
    'node_modules/mypkg/main.js': 'exports.h = async () => "mypkg";',
  });
  const results: string[] = [];
  for (const handler of ['a.h', 'b.h', 'mypkg.h']) {
    const rt = await runtime(t, { taskRoot: root, handler });
    results.push((await invoke(rt, {})).json);
  }
  assert.deepEqual(results, ['a.js', 'b.mjs', 'mypkg']);
});

test('results: undefined → null, strings, unicode, 1 MB, and one init for many warm invokes', async (t) => {
  const rt = await runtime(t, cjs('undefinedResult'));
  assert.equal((await invoke(rt, {})).body, 'null');
  const s = await runtime(t, cjs('stringResult'));
  assert.equal((await invoke(s, {})).body, '"hello"');
  const u = await runtime(t, cjs('unicode'));
  assert.equal((await invoke(u, {})).json.text, 'héllo wörld ✓ 日本');
  const big = await runtime(t, cjs('big'));
  const out = await invoke(big, { size: 1_000_000 });
  assert.equal(out.json.length, 1_000_000);
  const st = await runtime(t, cjs('state'));
  for (let i = 0; i < 20; i++) assert.equal((await invoke(st, {})).json.inits, 1);
  await within(st.env.waitForNext(21), 5_000, 'next /next');
  assert.equal(st.env.nextArrivals.length, 21);
});

test('a thrown Error becomes {errorType, errorMessage, trace} with the error-type header', async (t) => {
  const rt = await runtime(t, cjs('throwSync'));
  const out = await invoke(rt, {});
  assert.equal(out.kind, 'error');
  assert.equal(out.errorType, 'Error');
  assert.deepEqual(Object.keys(out.json), ['errorType', 'errorMessage', 'trace']);
  assert.equal(out.json.errorType, 'Error');
  assert.equal(out.json.errorMessage, 'boom');
  assert.equal(out.json.trace[0], 'Error: boom');
  assert.match(out.json.trace[1], /at .*throwSync \[as handler\] .*cjs\/index\.js:\d+:\d+/);
});

test('async rejection keeps err.name as errorType; thrown strings are {"errorType":"string"}', async (t) => {
  const a = await runtime(t, cjs('rejectAsync'));
  const out = await invoke(a, {});
  assert.equal(out.json.errorType, 'TypeError');
  assert.equal(out.json.errorMessage, 'bad type');
  const b = await runtime(t, cjs('throwString'));
  const s = await invoke(b, {});
  assert.equal(s.kind, 'error');
  assert.equal(s.body, '{"errorType":"string","errorMessage":"just a string","trace":[]}');
  assert.equal(s.errorType, 'string');
});

test('callback(err) and callback("string") are errors', async (t) => {
  const a = await runtime(t, cjs('callbackError'));
  const out = await invoke(a, {});
  assert.equal(out.json.errorType, 'RangeError');
  assert.equal(out.json.errorMessage, 'out of range');
  const b = await runtime(t, cjs('callbackString'));
  assert.equal((await invoke(b, {})).body, '{"errorType":"string","errorMessage":"plain failure","trace":[]}');
});

test('the first of succeed/fail/done/callback wins; fail() means "handled"; done(err) is an error', async (t) => {
  const rt = await runtime(t, cjs('firstWins'));
  assert.deepEqual((await invoke(rt, {})).json, { first: true });
  assert.deepEqual((await invoke(rt, {})).json, { first: true });
  assert.deepEqual(rt.env.rejected, [], 'no second post for the same invocation');
  const f = await runtime(t, cjs('failNothing'));
  assert.equal((await invoke(f, {})).body, '{"errorType":"string","errorMessage":"handled","trace":[]}');
  const d = await runtime(t, cjs('doneError'));
  const out = await invoke(d, {});
  assert.equal(out.kind, 'error');
  assert.equal(out.json.errorMessage, 'done failed');
});

test('a result JSON.stringify cannot serialise is AWS\'s "Unable to stringify response body"', async (t) => {
  const rt = await runtime(t, cjs('circular'));
  const out = await invoke(rt, {});
  assert.equal(out.kind, 'error');
  assert.equal(out.json.errorType, 'Error');
  assert.equal(out.json.errorMessage, 'Unable to stringify response body');
  assert.equal((await invoke(rt, {})).kind, 'error', 'the runtime carries on');
});

test('an event that is not JSON fails the invocation with the SyntaxError', async (t) => {
  const rt = await runtime(t, cjs('echo'));
  const out = await invoke(rt, undefined, { raw: Buffer.from('{not json') });
  assert.equal(out.kind, 'error');
  assert.equal(out.json.errorType, 'SyntaxError');
  assert.deepEqual((await invoke(rt, [1])).json, [1]);
});

test('context: env fields, header fields, getRemainingTimeInMillis, _X_AMZN_TRACE_ID per invoke', async (t) => {
  const rt = await runtime(t, cjs('context'));
  const trace = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
  const out = await invoke(rt, {}, {
    timeoutMs: 10_000,
    traceId: trace,
    clientContext: JSON.stringify({ client: { installation_id: 'i' }, custom: { k: 'v' }, env: { platform: 'p' } }),
    cognitoIdentity: JSON.stringify({ cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' }),
    tenantId: 'tenant-7',
    invokedFunctionArn: `${ARN}:prod`,
  });
  const c = out.json;
  assert.equal(c.functionName, 'fn');
  assert.equal(c.functionVersion, '$LATEST');
  assert.equal(c.invokedFunctionArn, `${ARN}:prod`);
  assert.equal(c.memoryLimitInMB, '128');
  assert.equal(c.awsRequestId, out.requestId);
  assert.equal(c.logGroupName, '/aws/lambda/fn');
  assert.equal(c.logStreamName, '2026/11/28/[$LATEST]0123456789abcdef0123456789abcdef');
  assert.deepEqual(c.identity, { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' });
  assert.deepEqual(c.clientContext, { client: { installation_id: 'i' }, custom: { k: 'v' }, env: { platform: 'p' } });
  assert.equal(c.tenantId, 'tenant-7');
  assert.ok(c.remaining > 9_000 && c.remaining <= 10_000, `remaining ${c.remaining}`);
  assert.equal(c.callbackWaitsForEmptyEventLoop, true);
  assert.equal(c.hasSucceed, 'function');
  assert.deepEqual(c.keys, [
    'callbackWaitsForEmptyEventLoop', 'succeed', 'fail', 'done', 'functionVersion', 'functionName', 'memoryLimitInMB',
    'logGroupName', 'logStreamName', 'clientContext', 'identity', 'invokedFunctionArn', 'awsRequestId', 'tenantId',
    'getRemainingTimeInMillis',
  ]);
  assert.equal(c.traceEnv, trace);
  assert.equal(c.telemetryEnv, null, '_LAMBDA_TELEMETRY_LOG_FD is removed from the environment');
  assert.equal(c.cwd, fixture('cjs'));
  assert.equal(c.requireMain, null, 'require.main is undefined, as under AWS\'s ESM entry point');
  const next = (await invoke(rt, {})).json;
  assert.equal(next.traceEnv, null, 'no trace header → _X_AMZN_TRACE_ID unset');
  assert.equal(next.identity, undefined);
  assert.equal(next.clientContext, undefined);
});

test('the function sees only the Lambda environment it was given', async (t) => {
  const rt = await runtime(t, { ...cjs('envKeys'), env: { MY_VAR: 'x' } });
  const keys: string[] = (await invoke(rt, {}, { traceId: 'Root=1-abc' })).json;
  assert.ok(keys.includes('MY_VAR') && keys.includes('_HANDLER') && keys.includes('_X_AMZN_TRACE_ID'));
  assert.ok(!keys.includes('_LAMBDA_TELEMETRY_LOG_FD'));
  assert.ok(!keys.includes('NODE_EXTRA_CA_CERTS'));
});

test('NODE_PATH, TZ and --expose-gc as the AWS runtime sets them', async (t) => {
  const rt = await runtime(t, { ...cjs('nodePath'), env: { NODE_PATH: '/opt/nodejs/node_modules' } });
  const out = (await invoke(rt, {})).json;
  assert.equal(out.NODE_PATH, '/opt/nodejs/node_modules');
  assert.equal(out.tz, ':UTC');
  assert.equal(out.offset, 0);
  const gc = await runtime(t, cjs('gc'));
  assert.equal((await invoke(gc, {})).body, '"function"');
});

test('awslambda.streamifyResponse handlers: the stream is buffered and posted whole', async (t) => {
  const rt = await runtime(t, cjs('stream'));
  const out = await invoke(rt, {});
  assert.equal(out.kind, 'response');
  assert.equal(out.contentType, 'text/plain');
  assert.equal(out.body, 'hello stream');
  const h = await runtime(t, cjs('httpStream'));
  const http = await invoke(h, {});
  assert.equal(http.contentType, 'application/vnd.awslambda.http-integration-response');
  assert.equal(http.body, '{"statusCode":201,"headers":{"a":"b"}}' + '\0'.repeat(8) + 'body');
});
