/**
 * Node.js bootstrap: init failures (posted to /runtime/init/error, then exit as AWS's client does) and
 * the nodejs24.x rules (callback handlers refused, no callback context).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fixture, startRuntime, waitUntil, within, type InitError, type RuntimeOptions, type RuntimeProcess } from './fixtures/nodejs/harness.js';
import { NODE_RUNTIME_DIR } from '../src/runtimes/nodejs-runtime.js';

async function runtime(t: TestContext, opts: RuntimeOptions): Promise<RuntimeProcess> {
  const rt = await startRuntime(opts);
  t.after(() => rt.stop());
  return rt;
}

const REQUIRE_STACK_TAIL = `- ${path.join(NODE_RUNTIME_DIR, 'index.mjs')}`;

/** Starts a runtime that must fail init: returns the posted error once the process has exited. */
async function failedInit(t: TestContext, opts: RuntimeOptions): Promise<{ rt: RuntimeProcess; err: InitError; code: number | null }> {
  const rt = await runtime(t, opts);
  const err = await within(rt.env.waitForInitError(), 10_000, 'init error');
  const exit = await within(rt.exited, 10_000, 'exit after init error');
  assert.equal(err.errorType, err.json.errorType, 'the error-type header names the errorType');
  assert.deepEqual(Object.keys(err.json), ['errorType', 'errorMessage', 'trace']);
  assert.ok(Array.isArray(err.json.trace));
  return { rt, err, code: exit.code };
}

test('Runtime.MalformedHandlerName: no dot, or ".." in the handler', async (t) => {
  const a = await failedInit(t, { taskRoot: fixture('cjs'), handler: 'index' });
  assert.equal(a.err.json.errorType, 'Runtime.MalformedHandlerName');
  assert.equal(a.err.json.errorMessage, 'Bad handler');
  assert.equal(a.code, 129);
  assert.equal(a.rt.env.nextArrivals.length, 0, 'no /next after a failed init');
  const b = await failedInit(t, { taskRoot: fixture('cjs'), handler: '../cjs/index.echo' });
  assert.equal(b.err.json.errorType, 'Runtime.MalformedHandlerName');
  assert.equal(
    b.err.json.errorMessage,
    "'../cjs/index.echo' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
  );
});

test('Runtime.ImportModuleError: missing handler file, with AWS\'s Require stack', async (t) => {
  const { err, code, rt } = await failedInit(t, { taskRoot: fixture('cjs'), handler: 'nope.handler' });
  assert.equal(err.json.errorType, 'Runtime.ImportModuleError');
  assert.equal(err.json.errorMessage, `Error: Cannot find module 'nope'\nRequire stack:\n${REQUIRE_STACK_TAIL}`);
  assert.equal(err.json.trace[0], "Runtime.ImportModuleError: Error: Cannot find module 'nope'");
  assert.equal(code, 129);
  // Logged as AWS does: "Uncaught Exception" + tab + JSON with a stack array, request id "undefined".
  await waitUntil(() => rt.logs.some((l) => l.includes('Uncaught Exception')), 2_000, 'log');
  const line = rt.logs.find((l) => l.includes('Uncaught Exception'))!;
  assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Runtime\.ImportModuleError","errorMessage":"Error: Cannot find module 'nope'\\nRequire stack:/);
  assert.deepEqual(JSON.parse(line.split('Uncaught Exception \t')[1]).stack.slice(0, 2), ["Runtime.ImportModuleError: Error: Cannot find module 'nope'", 'Require stack:']);
});

test('Runtime.ImportModuleError: a dependency missing from CommonJS and from ESM code', async (t) => {
  const a = await failedInit(t, { taskRoot: fixture('errors'), handler: 'missing-dep.handler' });
  assert.equal(a.err.json.errorType, 'Runtime.ImportModuleError');
  assert.equal(
    a.err.json.errorMessage,
    `Error: Cannot find module 'definitely-not-installed-pkg'\nRequire stack:\n- ${fixture('errors/missing-dep.js')}\n${REQUIRE_STACK_TAIL}`,
  );
  const b = await failedInit(t, { taskRoot: fixture('errors'), handler: 'missing-dep-esm.handler' });
  assert.equal(b.err.json.errorType, 'Runtime.ImportModuleError');
  // String(err), as AWS's client builds the message; Node's ESM errors print their code.
  assert.equal(
    b.err.json.errorMessage,
    `Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'definitely-not-installed-pkg' imported from ${fixture('errors/missing-dep-esm.mjs')}`,
  );
});

test('Runtime.HandlerNotFound: missing export, and an export that is not a function', async (t) => {
  const a = await failedInit(t, { taskRoot: fixture('errors'), handler: 'ok.nothere' });
  assert.equal(a.err.json.errorType, 'Runtime.HandlerNotFound');
  assert.equal(a.err.json.errorMessage, 'ok.nothere is undefined or not exported');
  const b = await failedInit(t, { taskRoot: fixture('errors'), handler: 'ok.value' });
  assert.equal(b.err.json.errorType, 'Runtime.HandlerNotFound');
  assert.equal(b.err.json.errorMessage, 'ok.value is not a function');
  const c = await failedInit(t, { taskRoot: fixture('esm-mjs'), handler: 'index.nothere' });
  assert.equal(c.err.json.errorMessage, 'index.nothere is undefined or not exported');
});

test('Runtime.UserCodeSyntaxError for CommonJS and ESM files', async (t) => {
  const a = await failedInit(t, { taskRoot: fixture('errors'), handler: 'syntax.handler' });
  assert.equal(a.err.json.errorType, 'Runtime.UserCodeSyntaxError');
  assert.equal(a.err.json.errorMessage, 'SyntaxError: Unexpected end of input');
  assert.equal(a.err.json.trace[0], 'Runtime.UserCodeSyntaxError: SyntaxError: Unexpected end of input');
  const b = await failedInit(t, { taskRoot: fixture('errors'), handler: 'syntax-esm.handler' });
  assert.equal(b.err.json.errorType, 'Runtime.UserCodeSyntaxError');
  assert.match(b.err.json.errorMessage, /^SyntaxError: /);
});

test('an error thrown by module code is posted as is (errorType = err.name), exit 129', async (t) => {
  const { err, code, rt } = await failedInit(t, { taskRoot: fixture('errors'), handler: 'throws.handler' });
  assert.equal(err.json.errorType, 'Error');
  assert.equal(err.json.errorMessage, 'init exploded');
  assert.equal(code, 129);
  await waitUntil(() => rt.logs.length > 0, 2_000, 'log');
  assert.match(rt.logs[0], /\tERROR\tUncaught Exception \t\{"errorType":"Error","errorMessage":"init exploded","code":"E_INIT","stack":\["Error: init exploded",/);
});

test('an unhandled rejection during init: Runtime.UnhandledPromiseRejection, exit 128', async (t) => {
  const { err, code } = await failedInit(t, { taskRoot: fixture('errors'), handler: 'rejects.handler' });
  assert.equal(err.json.errorType, 'Runtime.UnhandledPromiseRejection');
  assert.equal(err.json.errorMessage, 'Error: init rejection');
  assert.equal(code, 128);
});

test('after a failed init the platform can start a fresh process that succeeds', async (t) => {
  await failedInit(t, { taskRoot: fixture('errors'), handler: 'ok.nothere' });
  const rt = await runtime(t, { taskRoot: fixture('errors'), handler: 'ok.handler' });
  assert.equal((await within(rt.invoke({}), 10_000, 'invoke')).body, '"ok"');
});

test('nodejs24.x: callback-style handlers fail init with Runtime.CallbackHandlerDeprecated', async (t) => {
  const message =
    'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';
  for (const handler of ['index.callbackHandler', 'index.asyncThreeArgs']) {
    const { err, rt } = await failedInit(t, { taskRoot: fixture('modern'), handler, runtimeName: 'nodejs24.x' });
    assert.equal(err.json.errorType, 'Runtime.CallbackHandlerDeprecated');
    assert.equal(err.json.errorMessage, message);
    await waitUntil(() => rt.logs.length > 0, 2_000, 'log');
    assert.match(rt.logs[0], /\tERROR\tInit Error \t\{"errorType":"Runtime.CallbackHandlerDeprecated"/);
  }
  // The same handler is fine on nodejs22.x.
  const ok = await runtime(t, { taskRoot: fixture('modern'), handler: 'index.callbackHandler', runtimeName: 'nodejs22.x' });
  assert.equal((await within(ok.invoke({}), 10_000, 'invoke')).body, '"never"');
});

test('nodejs24.x: no succeed/fail/done/callbackWaitsForEmptyEventLoop; sync return values answer at once', async (t) => {
  const rt = await runtime(t, { taskRoot: fixture('modern'), handler: 'index.asyncHandler', runtimeName: 'nodejs24.x' });
  const out = (await within(rt.invoke({}), 10_000, 'invoke')).json;
  assert.equal(out.succeed, 'undefined');
  assert.equal(out.waits, null);
  assert.ok(!out.keys.includes('done') && !out.keys.includes('callbackWaitsForEmptyEventLoop'));
  assert.ok(out.keys.includes('awsRequestId') && out.keys.includes('getRemainingTimeInMillis') && out.keys.includes('functionName'));
  const sync = await runtime(t, { taskRoot: fixture('modern'), handler: 'index.syncHandler', runtimeName: 'nodejs24.x' });
  assert.deepEqual((await within(sync.invoke({ n: 21 }), 10_000, 'invoke')).json, { sync: 42 });
  const never = await runtime(t, { taskRoot: fixture('modern'), handler: 'index.neverSettles', runtimeName: 'nodejs24.x' });
  assert.equal((await within(never.invoke({}), 10_000, 'invoke')).json.errorType, 'Runtime.NodeJsExit');
});
