/**
 * Invoke through the real clients with a bash+curl custom runtime (provided.al2023): response and
 * error paths, timeout, crash, reuse, scale-out, log tail, client context, Event durability across a
 * restart, DryRun, InvokeAsync and AWS's size errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvokeCommand, ListTagsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { aws, boto3, sdk } from './helpers/clients.js';
import { bashRuntime, createFunction, invoke } from './helpers/functions.js';

const ECHO = bashRuntime(
  `
  case "$EVENT" in
    *'"sleep"'*) sleep 60 ;;
    *'"crash"'*) kill -9 $$ ;;
    *'"exit3"'*) exit_now=1 ;;
    *'"fail"'*) return 1 ;;
    *'"ctx"'*) echo "{\\"ctx\\": $(grep -Fi Lambda-Runtime-Client-Context "$H" | cut -d: -f2- | tr -d '\\r')}"; return 0 ;;
  esac
  [ -n "$exit_now" ] && kill -TERM $PPID && exit 3
  N=$(( $(cat /tmp/count 2>/dev/null || echo 0) + 1 )); echo "$N" > /tmp/count
  echo "log line for $REQUEST_ID" >&2
  echo "{\\"event\\": $EVENT, \\"env\\": \\"$ENV_ID\\", \\"count\\": $(cat /tmp/count), \\"tmpfile\\": \\"$(cat /tmp/marker 2>/dev/null)\\"}"
  `,
  'ENV_ID=$RANDOM$RANDOM; N=0; [ -f /tmp/marker ] || echo created > /tmp/marker',
);

let server: Lambkin;
let client: LambdaClient;

describe('invoke with a custom runtime', () => {
  before(async () => {
    server = await startLambkin();
    client = sdk(server.url);
    const zip = await ECHO;
    await createFunction(client, 'echo', zip, { MemorySize: 1769, Timeout: 30 });
    // The same runtime with a short limit, for the timeout test only.
    await createFunction(client, 'echo-5s', zip, { MemorySize: 1769, Timeout: 5 });
  });
  after(async () => {
    client?.destroy();
    await server?.stop();
  });

  it('returns the runtime response with X-Amz-Executed-Version, and reuses the warm environment', async () => {
    const a = await invoke(client, 'echo', { n: 1 });
    const b = await invoke(client, 'echo', { n: 2 });
    assert.equal(a.status, 200);
    assert.equal(a.version, '$LATEST');
    const ja = JSON.parse(a.text);
    const jb = JSON.parse(b.text);
    assert.deepEqual(jb.event, { n: 2 });
    assert.equal(jb.env, ja.env, 'same environment');
    assert.equal(jb.count, ja.count + 1, 'the environment (and its /tmp) is reused');
    assert.equal(jb.tmpfile, 'created', '/tmp survives');
  });

  it('tails the log: START, the function output, END and REPORT (Init Duration only when cold)', async () => {
    const r = await invoke(client, 'echo', { n: 3 });
    const id = /START RequestId: (\S+) Version: \$LATEST/.exec(r.log)?.[1];
    assert.ok(id, r.log);
    assert.match(r.log, new RegExp(`log line for ${id}\\nEND RequestId: ${id}\\nREPORT RequestId: ${id}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 1769 MB\\tMax Memory Used: \\d+ MB\\t`));
    assert.doesNotMatch(r.log, /Init Duration/);
  });

  it('reports a runtime error with X-Amz-Function-Error: Unhandled', async () => {
    const r = await invoke(client, 'echo', 'fail');
    assert.equal(r.functionError, 'Unhandled');
    assert.deepEqual(JSON.parse(r.text), { errorType: 'Failed', errorMessage: 'handler failed' });
    assert.match(r.log, /Status: error\tError Type: Function\.Failed/);
  });

  it('times out exactly as AWS, then serves the next invocation from a fresh environment', async () => {
    const before = JSON.parse((await invoke(client, 'echo-5s', {})).text).env;
    const r = await invoke(client, 'echo-5s', 'sleep');
    assert.equal(r.functionError, 'Unhandled');
    const body = JSON.parse(r.text);
    assert.equal(body.errorType, 'Sandbox.Timedout');
    assert.match(body.errorMessage, /^RequestId: [0-9a-f-]{36} Error: Task timed out after 5\.00 seconds$/);
    assert.match(r.log, /Task timed out after 5\.00 seconds\nEND RequestId/);
    assert.match(r.log, /Status: timeout/);
    const after = JSON.parse((await invoke(client, 'echo-5s', {})).text);
    assert.notEqual(after.env, before);
  });

  it('reports a crashed runtime as Runtime.ExitError with its signal', async () => {
    const r = await invoke(client, 'echo', 'crash');
    const body = JSON.parse(r.text);
    assert.equal(r.functionError, 'Unhandled');
    assert.equal(body.errorType, 'Runtime.ExitError');
    assert.match(body.errorMessage, /Error: Runtime exited with error: signal: killed$/);
    const next = await invoke(client, 'echo', {});
    assert.equal(next.functionError, undefined);
  });

  it('scales out: N parallel invocations run in N environments, each answer to its own caller', async () => {
    const zip = await bashRuntime('sleep 0.5; echo "{\\"event\\": $EVENT, \\"env\\": \\"$ENV_ID\\"}"', 'ENV_ID=$RANDOM$RANDOM$RANDOM');
    await createFunction(client, 'slow', zip, { MemorySize: 1769 });
    const n = 8;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => invoke(client, 'slow', { i })));
    const bodies = results.map((r) => JSON.parse(r.text));
    bodies.forEach((b, i) => assert.equal(b.event.i, i, 'own answer'));
    assert.equal(new Set(bodies.map((b) => b.env)).size, n);
  });

  it('passes X-Amz-Client-Context to the runtime, answers DryRun 204 and checks sizes', async () => {
    const ctx = Buffer.from(JSON.stringify({ custom: { a: 1 } })).toString('base64');
    const r = await client.send(new InvokeCommand({ FunctionName: 'echo', ClientContext: ctx, Payload: Buffer.from('"ctx"') }));
    assert.deepEqual(JSON.parse(Buffer.from(r.Payload!).toString()).ctx, { custom: { a: 1 } });
    const dry = await client.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }));
    assert.equal(dry.StatusCode, 204);
    const big = Buffer.alloc(6_291_457, 0x20);
    big[0] = 0x22;
    big[big.length - 1] = 0x22;
    const res = await fetch(`${server.url}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: big });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('x-amzn-errortype'), 'RequestEntityTooLargeException');
    const bad = await fetch(`${server.url}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: 'not json' });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('x-amzn-errortype'), 'InvalidRequestContentException');
    const missing = await fetch(`${server.url}/2015-03-31/functions/nope/invocations`, { method: 'POST', body: '{}' });
    assert.equal(missing.status, 404);
    assert.match((await missing.json()).Message, /^Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:\$LATEST$/);
  });

  it('works from the aws CLI and boto3', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lambkin-out-'));
    try {
      const out = path.join(dir, 'out.json');
      const cli = await aws(server.url, ['lambda', 'invoke', '--function-name', 'echo', '--payload', '{"via":"cli"}', '--log-type', 'Tail', out]);
      assert.equal(cli.code, 0, cli.stderr);
      const printed = JSON.parse(cli.stdout);
      assert.equal(printed.StatusCode, 200);
      assert.equal(printed.ExecutedVersion, '$LATEST');
      assert.match(Buffer.from(printed.LogResult, 'base64').toString(), /REPORT RequestId/);
      assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')).event, { via: 'cli' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const py = await boto3(server.url, `
r = lambda_client.invoke(FunctionName='echo', Payload=b'{"via":"boto3"}')
a = lambda_client.invoke_async(FunctionName='echo', InvokeArgs=b'{"via":"async"}')
print(json.dumps({"status": r["StatusCode"], "body": json.loads(r["Payload"].read()), "async": a["Status"]}))
`);
    assert.equal(py.code, 0, py.stderr);
    const j = JSON.parse(py.stdout);
    assert.equal(j.status, 200);
    assert.deepEqual(j.body.event, { via: 'boto3' });
    assert.equal(j.async, 202);
  });
});

describe('Event invocations', () => {
  it('are stored before the 202, run, and survive a server restart', async () => {
    let s = await startLambkin();
    const dataDir = s.dataDir;
    let c = sdk(s.url);
    try {
      // Each event tags the function itself through Lambkin's API (AWS_ENDPOINT_URL), a durable trace we can read back.
      const arn = 'arn:aws:lambda:us-east-1:000000000000:function:slowsink';
      const zip = await bashRuntime(
        `sleep 1; K=$(printf '%s' "$EVENT" | tr -dc 0-9); curl -sS -X POST "$AWS_ENDPOINT_URL/2017-03-31/tags/${arn}" -d "{\\"Tags\\":{\\"seen$K\\":\\"1\\"}}"; echo '{}'`,
      );
      await createFunction(c, 'slowsink', zip, { MemorySize: 1769 });
      for (let i = 0; i < 3; i++) {
        const r = await c.send(new InvokeCommand({ FunctionName: 'slowsink', InvocationType: 'Event', Payload: Buffer.from(`{"k":${i}}`) }));
        assert.equal(r.StatusCode, 202);
      }
      // Killed while the events are still running or queued.
      await s.kill('SIGKILL');
      c.destroy();
      s = await startLambkin({ dataDir });
      c = sdk(s.url);
      let tags: Record<string, string> = {};
      // A hang guard, not a speed check: generous for a busy machine.
      for (const until = Date.now() + 120_000; Date.now() < until && Object.keys(tags).length < 3; ) {
        await new Promise((r) => setTimeout(r, 250));
        tags = (await c.send(new ListTagsCommand({ Resource: arn }))).Tags ?? {};
      }
      assert.deepEqual(tags, { seen0: '1', seen1: '1', seen2: '1' });
    } finally {
      c.destroy();
      await s.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
