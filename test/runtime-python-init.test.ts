/** Python bootstrap: init errors exactly as AWS's Python runtime reports them (spec §8). */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, startRuntime, within, type RunningRuntime } from './fixtures/python/harness.js';

const ROOT = path.join(FIXTURES, 'app');
const NBSP = '\u00a0';
const TEXT = 0xa55a0003;
const TEXT_ERROR = 0xa55a0017;

interface InitFailure {
  rt: RunningRuntime;
  body: any;
  errorType?: string;
  exitCode: number | string;
}

async function initFailure(handler: string, opts: Parameters<typeof startRuntime>[0] = {}): Promise<InitFailure> {
  const rt = await startRuntime({ handler, ...opts });
  try {
    const post = await within(rt.owner.waitForInitError(), `init error for ${handler}`);
    const exitCode = await within(rt.exited, 'runtime exit');
    assert.equal(rt.owner.nextCalls.length, 0, 'an init failure never calls /next');
    return { rt, body: JSON.parse(post.body.toString()), errorType: post.errorType, exitCode };
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- stderr:\n${rt.stderr()}`);
  } finally {
    await rt.close();
  }
}

function assertInitLogs(rt: RunningRuntime, firstErrorLine: string): string[] {
  const frames = rt.frames();
  assert.equal(frames.length, 2, frames.map((f) => f.message).join('|'));
  const [warning, error] = frames;
  assert.equal(warning.type, TEXT);
  assert.match(warning.message, /^\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t\tLAMBDA_WARNING: Unhandled exception\. The most likely cause is an issue in the function code\. .*runtimes-update\.html\n$/);
  assert.equal(error.type, TEXT_ERROR);
  const lines = error.message.split('\n');
  assert.equal(lines[0], firstErrorLine);
  assert.equal(lines[1], 'Traceback (most recent call last):');
  return lines;
}

test('Runtime.MalformedHandlerName: a handler without a dot', async () => {
  const f = await initFailure('nodot');
  assert.deepEqual(f.body, {
    errorMessage: "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)",
    errorType: 'Runtime.MalformedHandlerName',
    requestId: '',
    stackTrace: [],
  });
  assert.equal(f.errorType, 'Runtime.MalformedHandlerName');
  assert.equal(f.exitCode, 1);
  assertInitLogs(f.rt, "[ERROR] Runtime.MalformedHandlerName: Bad handler 'nodot': not enough values to unpack (expected 2, got 1)");
});

test('Runtime.BuiltInModuleConflict: a handler module named like a built-in module', async () => {
  const f = await initFailure('sys.handler');
  assert.deepEqual(f.body, { errorMessage: 'Cannot use built-in module sys as a handler module', errorType: 'Runtime.BuiltInModuleConflict', requestId: '', stackTrace: [] });
  assert.equal(f.errorType, 'Runtime.BuiltInModuleConflict');
  assert.equal(f.exitCode, 1);
});

test('Runtime.ImportModuleError: missing module, and a module whose own import fails', async () => {
  const missing = await initFailure('nosuchmodule.handler');
  assert.deepEqual(missing.body, {
    errorMessage: "Unable to import module 'nosuchmodule': No module named 'nosuchmodule'",
    errorType: 'Runtime.ImportModuleError',
    requestId: '',
    stackTrace: [],
  });
  assert.equal(missing.errorType, 'Runtime.ImportModuleError');
  assert.equal(missing.exitCode, 1);
  const lines = assertInitLogs(missing.rt, "[ERROR] Runtime.ImportModuleError: Unable to import module 'nosuchmodule': No module named 'nosuchmodule'");
  assert.equal(lines.length, 2);

  const dep = await initFailure('import_error.handler');
  assert.equal(dep.body.errorMessage, "Unable to import module 'import_error': No module named 'does_not_exist_anywhere'");
  assert.equal(dep.body.errorType, 'Runtime.ImportModuleError');

  const nested = await initFailure('no/such/dir.handler');
  assert.equal(nested.body.errorMessage, "Unable to import module 'no/such/dir': No module named 'no'");
});

test('Runtime.UserCodeSyntaxError with the AWS stackTrace line format', async () => {
  const f = await initFailure('syntax_error.handler');
  const file = path.join(ROOT, 'syntax_error.py');
  assert.deepEqual(f.body, {
    errorMessage: "Syntax error in module 'syntax_error': '(' was never closed (syntax_error.py, line 2)",
    errorType: 'Runtime.UserCodeSyntaxError',
    requestId: '',
    stackTrace: [`  File "${file}" Line 2\n        return (\n`],
  });
  assert.equal(f.errorType, 'Runtime.UserCodeSyntaxError');
  assert.equal(f.exitCode, 1);
  const lines = assertInitLogs(f.rt, "[ERROR] Runtime.UserCodeSyntaxError: Syntax error in module 'syntax_error': '(' was never closed (syntax_error.py, line 2)");
  // Leading spaces of trace lines become NO-BREAK SPACEs, as aws-lambda-ric logs them.
  assert.deepEqual(lines.slice(2), [`${NBSP.repeat(2)}File "${file}" Line 2`, `${NBSP.repeat(8)}return (`]);
});

test('Runtime.HandlerNotFound: the module has no such attribute', async () => {
  const f = await initFailure('app.missing');
  assert.deepEqual(f.body, { errorMessage: "Handler 'missing' missing on module 'app'", errorType: 'Runtime.HandlerNotFound', requestId: '', stackTrace: [] });
  assert.equal(f.errorType, 'Runtime.HandlerNotFound');
  assert.equal(f.exitCode, 1);
});

test('an exception raised while importing the module: its class name and the user frames', async () => {
  const f = await initFailure('raises_at_import.handler');
  assert.equal(f.body.errorType, 'Exception');
  assert.equal(f.body.errorMessage, 'boom at import');
  assert.equal(f.body.requestId, '');
  assert.equal(f.errorType, 'Exception');
  const trace: string[] = f.body.stackTrace;
  // As on AWS: the trace starts at importlib (bootstrap frames dropped) and ends in user code.
  assert.match(trace[0], /^ {2}File "\/usr\/lib\/python3\.11\/importlib\/__init__\.py", line \d+, in import_module\n/);
  assert.ok(!trace.some((l) => l.includes('lambkin_runtime.py') || l.includes('bootstrap.py')), trace.join(''));
  assert.equal(trace.at(-2), `  File "${path.join(ROOT, 'raises_at_import.py')}", line 3, in <module>\n    helper.explode("boom at import")\n`);
  assert.equal(trace.at(-1), `  File "${path.join(ROOT, 'helper.py')}", line 6, in explode\n    raise Exception(message)\n`);
  assertInitLogs(f.rt, '[ERROR] Exception: boom at import');
});

test('without the telemetry fd, init error logs go to stdout (multi-line error joined by \\r)', async () => {
  const f = await initFailure('syntax_error.handler', { logFd: false });
  const out = f.rt.stdout();
  const lines = out.split('\n');
  assert.match(lines[0], /^\[WARNING\]\t\S+Z\t\tLAMBDA_WARNING: Unhandled exception\./);
  assert.ok(lines[1].startsWith("[ERROR] Runtime.UserCodeSyntaxError: Syntax error in module 'syntax_error': '(' was never closed"), lines[1]);
  assert.equal(lines[1].split('\r')[1], 'Traceback (most recent call last):');
  assert.equal(lines[2], '');
  assert.equal(lines.length, 3);
});
