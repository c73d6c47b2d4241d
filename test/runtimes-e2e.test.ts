/**
 * Our Node.js and Python runtimes, and AWS's own Node runtime client (aws-lambda-ric@3), end to end:
 * deployed and invoked through the real server with the JS SDK, boto3 and the aws CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { REPO_ROOT, startLambkin, type Lambkin } from './helpers/server.js';
import { aws, boto3, sdk } from './helpers/clients.js';
import { createFunction, invoke } from './helpers/functions.js';
import { makeZip } from './helpers/zip.js';

let server: Lambkin;
let client: LambdaClient;

const NODE_COUNTER = `
const fs = require('fs');
let n = 0;
exports.handler = async (event, context) => {
  n++;
  if (!fs.existsSync('/tmp/first')) fs.writeFileSync('/tmp/first', context.awsRequestId);
  console.log('handling', n);
  if (event.fail) throw new TypeError('bad input');
  return {
    n, first: fs.readFileSync('/tmp/first', 'utf8'), id: context.awsRequestId, arn: context.invokedFunctionArn,
    fn: context.functionName, version: context.functionVersion, mem: context.memoryLimitInMB,
    left: context.getRemainingTimeInMillis(), group: context.logGroupName, stream: context.logStreamName,
    region: process.env.AWS_REGION, home: process.env.HOME === undefined ? null : 'set', cc: context.clientContext ?? null,
  };
};`;

describe('Node.js runtime', () => {
  before(async () => {
    server = await startLambkin();
    client = sdk(server.url);
    await createFunction(client, 'node-cjs', await makeZip({ 'index.js': NODE_COUNTER }), { Runtime: 'nodejs22.x', Handler: 'index.handler', MemorySize: 512 });
  });
  after(async () => {
    client?.destroy();
    await server?.stop();
  });

  it('runs an async CommonJS handler with the full context; module state and /tmp survive', async () => {
    const a = await client.send(new InvokeCommand({ FunctionName: 'node-cjs', Payload: Buffer.from('{}'), LogType: 'Tail' }));
    const b = await client.send(new InvokeCommand({ FunctionName: 'node-cjs', Payload: Buffer.from('{}') }));
    const ja = JSON.parse(Buffer.from(a.Payload!).toString());
    const jb = JSON.parse(Buffer.from(b.Payload!).toString());
    assert.equal(ja.n, 1);
    assert.equal(jb.n, 2);
    assert.equal(jb.first, ja.id);
    assert.equal(ja.id, a.$metadata.requestId, 'awsRequestId is the x-amzn-RequestId');
    assert.equal(ja.arn, 'arn:aws:lambda:us-east-1:000000000000:function:node-cjs');
    assert.deepEqual([ja.fn, ja.version, ja.mem, ja.group, ja.region], ['node-cjs', '$LATEST', '512', '/aws/lambda/node-cjs', 'us-east-1']);
    assert.match(ja.stream, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    // The test helper gives functions a 30 s timeout.
    assert.ok(ja.left > 20_000 && ja.left <= 30_000, String(ja.left));
    const log = Buffer.from(a.LogResult!, 'base64').toString();
    assert.match(log, new RegExp(`\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${ja.id}\\tINFO\\thandling 1\\n`));
    assert.match(log, /REPORT RequestId: .*Init Duration: [\d.]+ ms/);
  });

  it('returns a thrown error as Lambda does', async () => {
    const r = await invoke(client, 'node-cjs', { fail: true });
    assert.equal(r.functionError, 'Unhandled');
    const body = JSON.parse(r.text);
    assert.equal(body.errorType, 'TypeError');
    assert.equal(body.errorMessage, 'bad input');
    assert.ok(Array.isArray(body.trace) && /TypeError: bad input/.test(body.trace[0]));
    assert.match(r.log, /\tERROR\tInvoke Error \t\{"errorType":"TypeError"/);
  });

  it('runs ESM (.mjs, "type":"module"), nested paths and callback handlers', async () => {
    await createFunction(client, 'node-esm', await makeZip({ 'app.mjs': 'export const handler = async (e) => ({ esm: true, e });\n' }), { Runtime: 'nodejs20.x', Handler: 'app.handler' });
    await createFunction(
      client,
      'node-type-module',
      await makeZip({ 'package.json': '{"type":"module"}', 'src/api/index.js': 'export async function handler() { return "nested"; }\n' }),
      { Runtime: 'nodejs22.x', Handler: 'src/api/index.handler' },
    );
    await createFunction(
      client,
      'node-callback',
      await makeZip({ 'index.js': 'exports.handler = (e, ctx, cb) => { setTimeout(() => cb(null, { cb: e.x }), 10); };\n' }),
      { Runtime: 'nodejs18.x', Handler: 'index.handler' },
    );
    assert.deepEqual(JSON.parse((await invoke(client, 'node-esm', { a: 1 })).text), { esm: true, e: { a: 1 } });
    assert.equal(JSON.parse((await invoke(client, 'node-type-module', {})).text), 'nested');
    assert.deepEqual(JSON.parse((await invoke(client, 'node-callback', { x: 7 })).text), { cb: 7 });
  });

  it('reports init failures (Runtime.ImportModuleError, Runtime.HandlerNotFound) and retries init on the next invoke', async () => {
    await createFunction(client, 'node-missing', await makeZip({ 'other.js': 'exports.x = 1;\n' }), { Runtime: 'nodejs22.x', Handler: 'index.handler' });
    const r = await invoke(client, 'node-missing', {});
    assert.equal(r.functionError, 'Unhandled');
    const body = JSON.parse(r.text);
    assert.equal(body.errorType, 'Runtime.ImportModuleError');
    assert.match(body.errorMessage, /Error: Cannot find module 'index'/);
    await createFunction(client, 'node-noexport', await makeZip({ 'index.js': 'exports.other = 1;\n' }), { Runtime: 'nodejs22.x', Handler: 'index.handler' });
    const h = JSON.parse((await invoke(client, 'node-noexport', {})).text);
    assert.equal(h.errorType, 'Runtime.HandlerNotFound');
    assert.equal(h.errorMessage, 'index.handler is undefined or not exported');
    const again = JSON.parse((await invoke(client, 'node-noexport', {})).text);
    assert.equal(again.errorType, 'Runtime.HandlerNotFound');
  });

  it('refuses callback handlers on nodejs24.x as AWS does', async () => {
    await createFunction(client, 'node24-cb', await makeZip({ 'index.js': 'exports.handler = (e, c, cb) => cb(null, 1);\n' }), { Runtime: 'nodejs24.x', Handler: 'index.handler' });
    const r = JSON.parse((await invoke(client, 'node24-cb', {})).text);
    assert.equal(r.errorType, 'Runtime.CallbackHandlerDeprecated');
  });

  it('is driven the same way by boto3 and the aws CLI', async () => {
    const py = await boto3(server.url, `
r = lambda_client.invoke(FunctionName='node-cjs', Payload=json.dumps({}), LogType='Tail', ClientContext=base64.b64encode(b'{"custom":{"k":"v"}}').decode())
print(json.dumps({"status": r["StatusCode"], "body": json.loads(r["Payload"].read()), "version": r["ExecutedVersion"], "log": base64.b64decode(r["LogResult"]).decode()}))
`);
    assert.equal(py.code, 0, py.stderr);
    const j = JSON.parse(py.stdout);
    assert.equal(j.status, 200);
    assert.equal(j.version, '$LATEST');
    assert.deepEqual(j.body.cc.custom, { k: 'v' });
    assert.match(j.log, /END RequestId/);
    const out = path.join(server.dataDir, 'cli-out.json');
    const cli = await aws(server.url, ['lambda', 'invoke', '--function-name', 'node-cjs', '--payload', '{}', out]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).StatusCode, 200);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).fn, 'node-cjs');
  });
});

describe('Python runtime', () => {
  let s: Lambkin;
  let c: LambdaClient;
  before(async () => {
    s = await startLambkin();
    c = sdk(s.url);
  });
  after(async () => {
    c?.destroy();
    await s?.stop();
  });

  it('runs handlers in packages with the context, keeps state, and logs as Lambda', async () => {
    const zip = await makeZip({
      'pkg/__init__.py': '',
      'pkg/handlers.py': [
        'import logging, os',
        'calls = 0',
        'logger = logging.getLogger()',
        'def main(event, context):',
        '    global calls',
        '    calls += 1',
        '    print("printed", calls)',
        '    logger.info("not shown at the default level")',
        '    logger.warning("warned %s", calls)',
        '    if event.get("fail"):',
        '        raise ValueError("nope")',
        '    return {"calls": calls, "id": context.aws_request_id, "fn": context.function_name, "mem": context.memory_limit_in_mb,',
        '            "left": context.get_remaining_time_in_millis(), "arn": context.invoked_function_arn, "cwd": os.getcwd()}',
        '',
      ].join('\n'),
    });
    await createFunction(c, 'py', zip, { Runtime: 'python3.12', Handler: 'pkg.handlers.main', MemorySize: 256 });
    const a = await invoke(c, 'py', {});
    const b = await invoke(c, 'py', {});
    const ja = JSON.parse(a.text);
    assert.equal(JSON.parse(b.text).calls, 2);
    assert.deepEqual([ja.fn, ja.mem, ja.cwd], ['py', '256', '/var/task']);
    assert.ok(ja.left > 20_000 && ja.left <= 30_000, String(ja.left));
    assert.match(a.log, /\nprinted 1\n/);
    assert.match(a.log, new RegExp(`\\[WARNING\\]\\t\\d{4}-[\\d-]+T[\\d:.]+Z\\t${ja.id}\\twarned 1\\n`));
    assert.doesNotMatch(a.log, /not shown/);
    const err = await invoke(c, 'py', { fail: true });
    assert.equal(err.functionError, 'Unhandled');
    const e = JSON.parse(err.text);
    assert.equal(e.errorType, 'ValueError');
    assert.equal(e.errorMessage, 'nope');
    assert.ok(e.stackTrace.some((l: string) => l.includes('pkg/handlers.py')));
    assert.match(err.log, /\[ERROR\] ValueError: nope/);
  });

  it('reports Runtime.ImportModuleError and Runtime.HandlerNotFound', async () => {
    await createFunction(c, 'py-missing', await makeZip({ 'x.py': '' }), { Runtime: 'python3.11', Handler: 'app.handler' });
    const m = JSON.parse((await invoke(c, 'py-missing', {})).text);
    assert.equal(m.errorType, 'Runtime.ImportModuleError');
    assert.equal(m.errorMessage, "Unable to import module 'app': No module named 'app'");
    await createFunction(c, 'py-nohandler', await makeZip({ 'app.py': 'x = 1\n' }), { Runtime: 'python3.13', Handler: 'app.handler' });
    const h = JSON.parse((await invoke(c, 'py-nohandler', {})).text);
    assert.equal(h.errorType, 'Runtime.HandlerNotFound');
    assert.equal(h.errorMessage, "Handler 'handler' missing on module 'app'");
  });

  it('is driven by boto3', async () => {
    const r = await boto3(s.url, `
r = lambda_client.invoke(FunctionName='py', Payload=b'{"k": 1}')
print(json.dumps({"body": json.loads(r["Payload"].read()), "err": r.get("FunctionError")}))
`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).err, null);
  });
});

const RIC = path.join(REPO_ROOT, '.cache/ric/node_modules/aws-lambda-ric');

describe("AWS's Node runtime interface client (aws-lambda-ric@3)", () => {
  it('serves a handler through our Runtime API', async () => {
    assert.ok(existsSync(path.join(RIC, 'dist/rapid-client.node')), 'aws-lambda-ric is not built: run `npm run setup` (scripts/setup.sh)');
    const files: Record<string, { content: Buffer; mode: number }> = {};
    const add = (dir: string, prefix: string) => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) add(p, `${prefix}${name}/`);
        else files[`${prefix}${name}`] = { content: readFileSync(p), mode: 0o100644 | (statSync(p).mode & 0o111) };
      }
    };
    add(path.join(RIC, 'dist'), 'ric/dist/');
    add(path.join(RIC, 'bin'), 'ric/bin/');
    files['ric/package.json'] = { content: readFileSync(path.join(RIC, 'package.json')), mode: 0o100644 };
    files['bootstrap'] = { content: Buffer.from('#!/bin/sh\nexec /usr/bin/node /var/task/ric/bin/index.mjs "$_HANDLER"\n'), mode: 0o100755 };
    files['app.mjs'] = { content: Buffer.from('export const handler = async (event, context) => ({ ric: true, event, id: context.awsRequestId });\n'), mode: 0o100644 };
    const s = await startLambkin();
    const c = sdk(s.url);
    try {
      await createFunction(c, 'ric', await makeZip(files), { Runtime: 'provided.al2023', Handler: 'app.handler', MemorySize: 1024 });
      for (const i of [1, 2]) {
        const r = await invoke(c, 'ric', { i });
        assert.equal(r.functionError, undefined, r.text);
        const body = JSON.parse(r.text);
        assert.equal(body.ric, true);
        assert.deepEqual(body.event, { i });
        assert.match(r.log, /END RequestId/);
      }
      const bad = await c.send(new InvokeCommand({ FunctionName: 'ric', Payload: Buffer.from('"not an object"') }));
      assert.equal(bad.StatusCode, 200);
    } finally {
      c.destroy();
      await s.stop();
    }
  });
});
