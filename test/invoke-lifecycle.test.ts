/**
 * Environment lifecycle through the real server: keep-alive reaping, retirement on update (in-flight
 * invocations finish on the old code), the init-phase limit, the account concurrency limit, and the
 * `lambkin lambda invoke` / `lambkin invoke` commands against it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvokeCommand, UpdateFunctionCodeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { REPO_ROOT, startLambkin, type Lambkin } from './helpers/server.js';
import { run, sdk } from './helpers/clients.js';
import { createFunction, invoke } from './helpers/functions.js';
import { makeZip } from './helpers/zip.js';

const nodeFn = (body: string) => makeZip({ 'index.js': body });
const ENV_ID = `const id = Math.random().toString(36).slice(2);\n`;

let server: Lambkin;
let client: LambdaClient;

describe('environment lifecycle', () => {
  before(async () => {
    server = await startLambkin({ env: { LAMBKIN_KEEP_ALIVE_MS: '5000', LAMBKIN_INIT_TIMEOUT_MS: '5000', LAMBKIN_CONCURRENCY_LIMIT: '3' } });
    client = sdk(server.url);
  });
  after(async () => {
    client?.destroy();
    await server?.stop();
  });

  it('ends idle environments after the keep-alive', async () => {
    await createFunction(client, 'keep', await nodeFn(`${ENV_ID}exports.handler = async () => id;`), { Runtime: 'nodejs22.x', Handler: 'index.handler' });
    const a = (await invoke(client, 'keep')).text;
    assert.equal((await invoke(client, 'keep')).text, a, 'reused while warm');
    // Past the keep-alive plus a reaper round (it runs every second).
    await new Promise((r) => setTimeout(r, 8000));
    assert.notEqual((await invoke(client, 'keep')).text, a, 'a new environment after the keep-alive');
  });

  it('retires environments on UpdateFunctionCode: in-flight finishes on the old code, the next gets the new', async () => {
    await createFunction(client, 'upd', await nodeFn('exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.wait ?? 0)); return "v1"; };'), {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Timeout: 30,
    });
    // Warm first, so the in-flight invocation below is surely running (not still starting) when the code changes.
    await invoke(client, 'upd');
    const inflight = invoke(client, 'upd', { wait: 5000 });
    await new Promise((r) => setTimeout(r, 500));
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'upd', ZipFile: await nodeFn('exports.handler = async () => "v2";') }));
    assert.equal(JSON.parse((await invoke(client, 'upd')).text), 'v2');
    assert.equal(JSON.parse((await inflight).text), 'v1');
  });

  it('fails an init that takes longer than the init limit, and tries again next time', async () => {
    await createFunction(client, 'slowinit', await nodeFn('const end = Date.now() + 20000; while (Date.now() < end); exports.handler = async () => 1;'), {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
    });
    const r = await invoke(client, 'slowinit');
    assert.equal(r.functionError, 'Unhandled');
    assert.equal(JSON.parse(r.text).errorType, 'Sandbox.Timedout');
    assert.match(r.log, /INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: timeout/);
  });

  it('answers a runtime without an interpreter here with a clear InvalidRuntimeException', async () => {
    await createFunction(client, 'java', await makeZip({ 'A.class': 'x' }), { Runtime: 'java21', Handler: 'example.Handler::handleRequest' });
    const res = await fetch(`${server.url}/2015-03-31/functions/java/invocations`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 502);
    assert.equal(res.headers.get('x-amzn-errortype'), 'InvalidRuntimeException');
    assert.match((await res.json()).Message, /java21 cannot run here: java21 is not available on this Lambkin server/);
  });

  it('throttles beyond the account concurrency limit with AWS\'s 429', async () => {
    await createFunction(client, 'busy', await nodeFn('exports.handler = async () => { await new Promise((r) => setTimeout(r, 3000)); return 1; };'), {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
    });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.send(new InvokeCommand({ FunctionName: 'busy' }))));
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
    assert.equal(rejected.length, 2);
    const e = rejected[0].reason as { name: string; Reason?: string; message: string; $metadata: { httpStatusCode: number } };
    assert.equal(e.name, 'TooManyRequestsException');
    assert.equal(e.$metadata.httpStatusCode, 429);
    assert.equal(e.Reason, 'ConcurrentInvocationLimitExceeded');
    assert.equal(e.message, 'Rate Exceeded.');
  });

  it('is invoked by `lambkin lambda invoke` and `lambkin invoke` as the aws CLI would', async () => {
    await createFunction(client, 'cli', await nodeFn('exports.handler = async (e) => { console.log("hi from cli"); return { got: e }; };'), {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
    });
    const bin = path.join(REPO_ROOT, 'bin/lambkin.js');
    const out = path.join(server.dataDir, 'cli-out.json');
    const env = { LAMBKIN_ENDPOINT: server.url };
    const r = await run(process.execPath, [bin, 'lambda', 'invoke', '--function-name', 'cli', '--payload', '{"a":1}', '--log-type', 'Tail', out], { env });
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout);
    assert.equal(printed.StatusCode, 200);
    assert.equal(printed.ExecutedVersion, '$LATEST');
    assert.match(Buffer.from(printed.LogResult, 'base64').toString(), /hi from cli/);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { got: { a: 1 } });
    const friendly = await run(process.execPath, [bin, 'invoke', 'cli', '--payload', '{"b":2}'], { env });
    assert.equal(friendly.code, 0, friendly.stderr);
    assert.match(friendly.stdout, /"b": 2/);
    assert.match(friendly.stderr, /hi from cli/);
  });
});
