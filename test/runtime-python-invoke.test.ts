/** Python bootstrap: invocation results, errors and the context object (spec §5, §8). */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, FUNCTION_ARN, LOG_STREAM, until, within, withRuntime } from './fixtures/python/harness.js';

const ROOT = path.join(FIXTURES, 'app');
const NBSP = '\u00a0';


test('a handler exception: errorType = class name, stack trace without bootstrap frames, one ERROR log frame', async () => {
  await withRuntime({ handler: 'app.fail' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.kind, 'error');
    assert.equal(r.post.errorType, 'Exception');
    const app = path.join(ROOT, 'app.py');
    const helper = path.join(ROOT, 'helper.py');
    const trace = [
      `  File "${app}", line 61, in fail\n    helper.explode(event.get("message", "Handler fails"))\n`,
      `  File "${helper}", line 6, in explode\n    raise Exception(message)\n`,
    ];
    assert.deepEqual(r.json, { errorMessage: 'Handler fails', errorType: 'Exception', requestId: r.requestId, stackTrace: trace });
    // Keys in aws-lambda-ric's order.
    assert.ok(r.post.body.toString().startsWith('{"errorMessage": "Handler fails", "errorType": "Exception", "requestId": '));
    await until(() => rt.frames().length >= 1, 'error log frame');
    const [frame] = rt.frames();
    assert.equal(frame.type, 0xa55a0017);
    assert.equal(
      frame.message,
      [
        '[ERROR] Exception: Handler fails',
        'Traceback (most recent call last):',
        `${NBSP.repeat(2)}File "${app}", line 61, in fail`,
        `${NBSP.repeat(4)}helper.explode(event.get("message", "Handler fails"))`,
        `${NBSP.repeat(2)}File "${helper}", line 6, in explode`,
        `${NBSP.repeat(4)}raise Exception(message)`,
      ].join('\n'),
    );
    // The environment stays usable.
    const again = await within(rt.invoke({ message: 'second' }), 'second invoke');
    assert.equal(again.json.errorMessage, 'second');
  });
});

test('a custom exception class and the log/stdout fallback without the telemetry fd', async () => {
  await withRuntime({ handler: 'app.custom_error', logFd: false }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.json.errorType, 'CustomError');
    assert.equal(r.post.errorType, 'CustomError');
    assert.equal(r.json.errorMessage, 'custom went wrong');
    // Logged before the result was posted: already in the pipe.
    await until(() => rt.stdout().includes('\n'), 'stdout error line');
    const line = rt.stdout().split('\n')[0];
    assert.equal(line.split('\r')[0], '[ERROR] CustomError: custom went wrong');
    assert.equal(line.split('\r')[1], 'Traceback (most recent call last):');
  });
});

test('Runtime.MarshalError for an unserialisable result', async () => {
  await withRuntime({ handler: 'app.returns_set' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.kind, 'error');
    assert.equal(r.post.errorType, 'Runtime.MarshalError');
    assert.deepEqual(r.json, {
      errorMessage: 'Unable to marshal response: Object of type set is not JSON serializable',
      errorType: 'Runtime.MarshalError',
      requestId: r.requestId,
      stackTrace: [],
    });
  });
});

test('Runtime.UnmarshalError for an event that is not JSON; other content types get raw bytes', async () => {
  await withRuntime({ handler: 'app.raw_event' }, async (rt) => {
    const r = await within(rt.invoke(Buffer.from('{not json')), 'invoke');
    assert.equal(r.kind, 'error');
    assert.equal(r.post.errorType, 'Runtime.UnmarshalError');
    assert.deepEqual(r.json, {
      errorMessage: 'Unable to unmarshal input: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)',
      errorType: 'Runtime.UnmarshalError',
      requestId: r.requestId,
      stackTrace: [],
    });
    const empty = await within(rt.invoke(Buffer.alloc(0)), 'empty invoke');
    assert.equal(empty.json.errorMessage, 'Unable to unmarshal input: Expecting value: line 1 column 1 (char 0)');
    const raw = await within(rt.invoke(Buffer.from('plain text'), { headers: { 'Content-Type': 'text/plain' } }), 'raw invoke');
    assert.deepEqual(raw.json, { type: 'bytes', value: 'plain text' });
    const bom = await within(rt.invoke(Buffer.from('\ufeff{"a": 1}')), 'BOM invoke');
    assert.deepEqual(bom.json, { type: 'dict', value: { a: 1 } });
  });
});

test('large events and results (MBs) round-trip intact', async () => {
  await withRuntime({ handler: 'app.echo' }, async (rt) => {
    const big = { items: Array.from({ length: 20000 }, (_, i) => ({ i, s: 'x\u00e9'.repeat(20) })) };
    const r = await within(rt.invoke(big), 'invoke');
    assert.equal(r.kind, 'response');
    assert.ok(r.post.body.length > 1_000_000);
    assert.deepEqual(r.json, big);
  });
});

test('bytes results are posted raw as application/unknown', async () => {
  await withRuntime({ handler: 'app.returns_bytes' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.kind, 'response');
    assert.equal(r.post.contentType, 'application/unknown');
    assert.deepEqual(r.post.body, Buffer.from([0, 1, 0x72, 0x61, 0x77, 0xff]));
  });
});

test('marshalling like simplejson: non-ASCII per runtime version, Decimal digits, bytes values as UTF-8', async () => {
  await withRuntime({ handler: 'app.returns_str' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.post.body.toString('utf8'), '"h\u00e9llo \u2713"'); // python3.12: ensure_ascii=False
  });
  await withRuntime({ handler: 'app.returns_str', env: { AWS_EXECUTION_ENV: 'AWS_Lambda_python3.11', AWS_LAMBDA_RUNTIME_NAME: 'python3.11' } }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.post.body.toString('utf8'), '"h\\u00e9llo \\u2713"');
  });
  await withRuntime({ handler: 'app.returns_decimal' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.post.body.toString(), '{"int": 5, "frac": 1.10, "big": 12345678901234567890.123456789, "nested": [-0.5]}');
  });
  await withRuntime({ handler: 'app.returns_bytes_inside' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.post.body.toString('utf8'), '{"body": "caf\u00e9"}');
  });
});

test('every context field, identity/client_context objects, trace id and tenant id per invoke', async () => {
  await withRuntime({ handler: 'app.context_dump' }, async (rt) => {
    const clientContext = { client: { installation_id: 'inst-1', app_title: 'App' }, custom: { k: 'v' }, env: { platform: 'ios' } };
    const r = await within(
      rt.invoke({}, {
        traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
        clientContext: JSON.stringify(clientContext),
        cognitoIdentity: JSON.stringify({ cognitoIdentityId: 'us-east-1:abc', cognitoIdentityPoolId: 'us-east-1:pool' }),
        headers: { 'Lambda-Runtime-Aws-Tenant-Id': 'tenant-7' },
        deadlineMs: Date.now() + 5000,
      }),
      'invoke',
    );
    assert.equal(r.kind, 'response', r.post.body.toString());
    const c = r.json;
    assert.equal(c.function_name, 'pyfn');
    assert.equal(c.function_version, '$LATEST');
    assert.equal(c.invoked_function_arn, FUNCTION_ARN);
    assert.equal(c.memory_limit_in_mb, '256');
    assert.equal(c.memory_type, 'str');
    assert.equal(c.aws_request_id, r.requestId);
    assert.equal(c.log_group_name, '/aws/lambda/pyfn');
    assert.equal(c.log_stream_name, LOG_STREAM);
    assert.deepEqual(c.identity, { type: 'CognitoIdentity', cognito_identity_id: 'us-east-1:abc', cognito_identity_pool_id: 'us-east-1:pool' });
    assert.deepEqual(c.client_context, {
      type: 'ClientContext',
      custom: { k: 'v' },
      env: { platform: 'ios' },
      client: { installation_id: 'inst-1', app_title: 'App', app_version_name: null, app_version_code: null, app_package_name: null },
    });
    assert.ok(c.remaining > 4000 && c.remaining <= 5000, String(c.remaining));
    assert.equal(c.trace_env, 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
    assert.equal(c.tenant_id, 'tenant-7');
    assert.match(c.repr, /^LambdaContext\(\[aws_request_id=[0-9a-f-]{36},log_group_name=\/aws\/lambda\/pyfn,.*identity=CognitoIdentity\(\[cognito_identity_id=us-east-1:abc,/);

    // Without those headers: identity is still an object (with None fields), client_context None, no trace id.
    const bare = await within(rt.invoke({}), 'bare invoke');
    assert.deepEqual(bare.json.identity, { type: 'CognitoIdentity', cognito_identity_id: null, cognito_identity_pool_id: null });
    assert.equal(bare.json.client_context, null);
    assert.equal(bare.json.trace_env, null);
    assert.equal(bare.json.tenant_id, null);
  });
});

test('get_remaining_time_in_millis counts down and never goes below 0', async () => {
  await withRuntime({ handler: 'app.remaining_twice' }, async (rt) => {
    const r = await within(rt.invoke({ sleep: 0.2 }, { deadlineMs: Date.now() + 3000 }), 'invoke');
    const [first, second] = r.json as number[];
    assert.ok(first > 2500 && first <= 3000, String(first));
    assert.ok(first - second >= 195 && first - second < 400, `${first} -> ${second}`);
    const past = await within(rt.invoke({ sleep: 0 }, { deadlineMs: Date.now() - 1000 }), 'invoke past deadline');
    assert.deepEqual(past.json, [0, 0]);
  });
});

test('a client context that is not JSON is Runtime.LambdaContextUnmarshalError', async () => {
  await withRuntime({ handler: 'app.echo' }, async (rt) => {
    const r = await within(rt.invoke({}, { clientContext: '{oops' }), 'invoke');
    assert.equal(r.post.errorType, 'Runtime.LambdaContextUnmarshalError');
    assert.equal(r.json.errorMessage, 'Unable to parse Client Context JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)');
  });
});

test('a deep RecursionError is still reported (big trace, no oversized header)', async () => {
  await withRuntime({ handler: 'app.recurse' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.kind, 'error');
    assert.equal(r.json.errorType, 'RecursionError');
    assert.equal(r.json.errorMessage, 'maximum recursion depth exceeded');
    // traceback.format_list folds the repeats, as on AWS.
    assert.equal(r.json.stackTrace.at(-1), '  [Previous line repeated 993 more times]\n');
    const next = await within(rt.invoke({}), 'next invoke');
    assert.equal(next.json.errorType, 'RecursionError');
  });
});

test('a result over 6 MB is refused by the Runtime API (413) and the runtime carries on', async () => {
  await withRuntime({ handler: 'app.too_big' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.post.tooLarge, true);
    await within(rt.owner.waitForNext(2), '/next after the 413');
    await until(() => /Runtime API answered 413/.test(rt.stderr()), 'the 413 on stderr');
    assert.equal(rt.proc.exitCode, null);
  });
});

test('sys.exit() in a handler ends the process without a result, like AWS (Runtime.ExitError)', async () => {
  await withRuntime({ handler: 'app.exits' }, async (rt) => {
    rt.invoke({});
    const code = await within(rt.exited, 'exit');
    assert.equal(code, 3);
    assert.equal(rt.owner.posts.length, 0);
  });
});
