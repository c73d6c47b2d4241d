/**
 * `lambkin lambda invoke` and `lambkin invoke` on the wire (spec §4), against a stub Invoke
 * endpoint that records each request: the headers and body the CLI sends, and how it treats the
 * response (OUTFILE, printed members, log tail, exit codes). Output is compared with the aws CLI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { REPO_ROOT } from './helpers/server.js';
import { aws, run } from './helpers/clients.js';

const BIN = path.join(REPO_ROOT, 'bin/lambkin.js');
const LOG = 'START RequestId: r1 Version: $LATEST\nhello from the function\nEND RequestId: r1\nREPORT RequestId: r1\tDuration: 1.00 ms\n';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}
let seen: Seen[] = [];
let stub: Server;
let url: string;
let dir: string;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lambkin-cli-invoke-'));
  stub = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations(?:\?Qualifier=(.*))?$/.exec(req.url!);
      const headers: Record<string, string> = { 'x-amzn-RequestId': 'r1', 'Content-Type': 'application/json' };
      if (!m || m[1] === 'missing') {
        res.writeHead(404, { ...headers, 'x-amzn-ErrorType': 'ResourceNotFoundException' });
        res.end(JSON.stringify({ Type: 'User', Message: `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${m?.[1]}` }));
        return;
      }
      const type = req.headers['x-amz-invocation-type'] ?? 'RequestResponse';
      if (type === 'Event') return res.writeHead(202, headers).end();
      if (type === 'DryRun') return res.writeHead(204, headers).end();
      headers['X-Amz-Executed-Version'] = m[2] === 'live' ? '3' : '$LATEST';
      if (req.headers['x-amz-log-type'] === 'Tail') headers['X-Amz-Log-Result'] = Buffer.from(LOG).toString('base64');
      if (m[1] === 'boom') {
        headers['X-Amz-Function-Error'] = 'Unhandled';
        res.writeHead(200, headers).end(JSON.stringify({ errorType: 'Error', errorMessage: 'boom', trace: ['Error: boom'] }));
        return;
      }
      // `echo`: returns the event it was given.
      res.writeHead(200, headers).end(body.length ? body : '{}');
    });
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => stub.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const lk = (args: string[]) => run(process.execPath, [BIN, ...args], { env: { LAMBKIN_ENDPOINT: url } });
const last = () => seen[seen.length - 1];

test('lambda invoke: OUTFILE gets the payload; stdout and request match the aws CLI', async () => {
  seen = [];
  const ours = path.join(dir, 'ours.json');
  const theirs = path.join(dir, 'theirs.json');
  const [a, b] = await Promise.all([
    lk(['lambda', 'invoke', '--function-name', 'echo', '--payload', '{"n":1}', '--cli-binary-format', 'raw-in-base64-out', '--log-type', 'Tail', '--qualifier', 'live', ours]),
    aws(url, ['lambda', 'invoke', '--function-name', 'echo', '--payload', '{"n":1}', '--log-type', 'Tail', '--qualifier', 'live', theirs]),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.deepEqual(JSON.parse(a.stdout), { StatusCode: 200, LogResult: Buffer.from(LOG).toString('base64'), ExecutedVersion: '3' });
  assert.equal(readFileSync(ours, 'utf8'), '{"n":1}');
  assert.equal(readFileSync(theirs, 'utf8'), '{"n":1}');
  assert.equal(seen.length, 2);
  for (const s of seen) {
    assert.equal(s.method, 'POST');
    assert.equal(s.url, '/2015-03-31/functions/echo/invocations?Qualifier=live');
    assert.equal(s.headers['x-amz-log-type'], 'Tail');
    assert.equal(s.body.toString(), '{"n":1}');
  }
});

test('lambda invoke: function errors print FunctionError and exit 0; payload from file:// and fileb://', async () => {
  const out = path.join(dir, 'err.json');
  const r = await lk(['lambda', 'invoke', '--function-name', 'boom', out]);
  assert.equal(r.code, 0, 'like the aws CLI: the call itself succeeded');
  assert.deepEqual(JSON.parse(r.stdout), { StatusCode: 200, FunctionError: 'Unhandled', ExecutedVersion: '$LATEST' });
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).errorMessage, 'boom');
  const event = path.join(dir, 'event.json');
  writeFileSync(event, '{"from":"file"}');
  assert.equal((await lk(['lambda', 'invoke', '--function-name', 'echo', '--payload', `file://${event}`, out])).code, 0);
  assert.equal(last().body.toString(), '{"from":"file"}');
  assert.equal((await lk(['lambda', 'invoke', '--function-name', 'echo', '--payload', `fileb://${event}`, out])).code, 0);
  assert.equal(readFileSync(out, 'utf8'), '{"from":"file"}');
  const b64 = await lk(['lambda', 'invoke', '--function-name', 'echo', '--cli-binary-format', 'base64', '--payload', Buffer.from('{"b":64}').toString('base64'), out]);
  assert.equal(b64.code, 0, b64.stderr);
  assert.equal(last().body.toString(), '{"b":64}');
});

test('lambda invoke: --invocation-type Event/DryRun and --client-context reach the wire', async () => {
  const out = path.join(dir, 'event-out.json');
  const ctx = Buffer.from('{"custom":{"k":"v"}}').toString('base64');
  const ev = await lk(['lambda', 'invoke', '--function-name', 'echo', '--invocation-type', 'Event', '--client-context', ctx, '--payload', '{}', out]);
  assert.equal(ev.code, 0, ev.stderr);
  assert.deepEqual(JSON.parse(ev.stdout), { StatusCode: 202 });
  assert.equal(last().headers['x-amz-invocation-type'], 'Event');
  assert.equal(last().headers['x-amz-client-context'], ctx);
  assert.equal(readFileSync(out, 'utf8'), '');
  const dry = await lk(['lambda', 'invoke', '--function-name', 'echo', '--invocation-type', 'DryRun', out]);
  assert.deepEqual(JSON.parse(dry.stdout), { StatusCode: 204 });
});

test('lambda invoke: OUTFILE is required; a missing function is a service error (254)', async () => {
  const noOut = await lk(['lambda', 'invoke', '--function-name', 'echo']);
  assert.equal(noOut.code, 252);
  assert.match(noOut.stderr, /the following arguments are required: outfile/);
  const missing = await lk(['lambda', 'invoke', '--function-name', 'missing', path.join(dir, 'x.json')]);
  assert.equal(missing.code, 254);
  assert.equal(missing.stderr, '\nAn error occurred (ResourceNotFoundException) when calling the Invoke operation: Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing\n');
});

test('lambkin invoke: pretty result on stdout, decoded log tail on stderr, exit 1 on a function error', async () => {
  const ok = await lk(['invoke', 'echo', '--payload', '{"a":[1,2]}']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, '{\n  "a": [\n    1,\n    2\n  ]\n}\n');
  assert.equal(ok.stderr, LOG);
  assert.equal(last().headers['x-amz-log-type'], 'Tail');

  const event = path.join(dir, 'friendly.json');
  writeFileSync(event, '{"from":"event-file"}');
  const fromFile = await lk(['invoke', 'echo', '--event', event, '--qualifier', 'live']);
  assert.equal(fromFile.code, 0);
  assert.equal(last().url, '/2015-03-31/functions/echo/invocations?Qualifier=live');
  assert.deepEqual(JSON.parse(fromFile.stdout), { from: 'event-file' });

  const boom = await lk(['invoke', 'boom']);
  assert.equal(boom.code, 1);
  assert.equal(JSON.parse(boom.stdout).errorMessage, 'boom');
  assert.match(boom.stderr, /hello from the function/);
  assert.equal(last().body.toString(), '{}', 'no event means {}');

  const missing = await lk(['invoke', 'missing']);
  assert.equal(missing.code, 254);
  assert.match(missing.stderr, /ResourceNotFoundException/);
  const both = await lk(['invoke', 'echo', '--event', event, '--payload', '{}']);
  assert.equal(both.code, 252);
});
