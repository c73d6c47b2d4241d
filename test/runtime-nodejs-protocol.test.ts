/**
 * Node.js bootstrap: the HTTP/1.1 client itself. A hand-written Runtime API server sends answers split
 * into single bytes, with upper/lower-case header names and chunked bodies; the real server carries a
 * large event; requests carry Host, Content-Type and Content-Length.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { fixture, startRuntime, within, waitUntil, type RuntimeProcess } from './fixtures/nodejs/harness.js';
import { NODE_BOOTSTRAP, NODE_RUNTIME_DIR } from '../src/runtimes/nodejs-runtime.js';

interface RawRequest {
  head: string;
  body: string;
}

/** A minimal Runtime API: answers each request through `answer`, records what it got. */
async function rawServer(t: TestContext, answer: (req: RawRequest, n: number) => Buffer[] | undefined) {
  const requests: RawRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    let buf = Buffer.alloc(0);
    sock.on('data', async (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        const req = { head, body: buf.toString('utf8', end + 4, end + 4 + len) };
        buf = buf.subarray(end + 4 + len);
        requests.push(req);
        const parts = answer(req, requests.length);
        if (!parts) continue; // park it
        for (const p of parts) {
          sock.write(p);
          await new Promise((r) => setImmediate(r));
        }
        if (parts.some((p) => /\r\nconnection: close\r\n/i.test(p.toString('latin1')))) sock.destroy();
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, requests };
}

const bytes = (s: string): Buffer[] => [...Buffer.from(s)].map((b) => Buffer.from([b]));
const accepted = 'HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 16\r\n\r\n{"status":"OK"}\n';

function spawnBootstrap(t: TestContext, port: number) {
  const child = spawn('/usr/bin/node', [NODE_BOOTSTRAP], {
    cwd: fixture('cjs'),
    env: {
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      _HANDLER: 'index.echo',
      LAMBDA_TASK_ROOT: fixture('cjs'),
      LAMBDA_RUNTIME_DIR: NODE_RUNTIME_DIR,
      AWS_LAMBDA_FUNCTION_NAME: 'fn',
    },
    stdio: 'ignore',
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return child;
}

test('answers split into single bytes, lower-case and upper-case header names, chunked bodies', async (t) => {
  const events = [
    // lower-case names, split byte by byte
    bytes('HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: id-1\r\nlambda-runtime-deadline-ms: 9999999999999\r\ncontent-length: 7\r\n\r\n{"a":1}'),
    // upper-case names, chunked body in two chunks
    [Buffer.from('HTTP/1.1 200 OK\r\nLAMBDA-RUNTIME-AWS-REQUEST-ID: id-2\r\nTRANSFER-ENCODING: chunked\r\n\r\n4\r\n{"b"\r\n'), Buffer.from('3\r\n:2}\r\n0\r\n\r\n')],
    // an answer and the start of nothing else in one write, odd spacing
    [Buffer.from('HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id:id-3\r\nContent-Length:   7\r\n\r\n{"c":3}')],
  ];
  let next = 0;
  const srv = await rawServer(t, (req) => {
    if (req.head.startsWith('GET /2018-06-01/runtime/invocation/next ')) return events[next++];
    return bytes(accepted);
  });
  spawnBootstrap(t, srv.port);
  await waitUntil(() => srv.requests.filter((r) => r.head.startsWith('GET')).length === 4, 10_000, 'three results and a fourth /next');
  const posts = srv.requests.filter((r) => r.head.startsWith('POST'));
  assert.deepEqual(posts.map((p) => p.body), ['{"a":1}', '{"b":2}', '{"c":3}']);
  assert.match(posts[0].head, /^POST \/2018-06-01\/runtime\/invocation\/id-1\/response HTTP\/1\.1\r\n/);
  assert.match(posts[0].head, /\r\nHost: 127\.0\.0\.1:\d+\r\n/);
  assert.match(posts[0].head, /\r\nContent-Type: application\/json\r\n/);
  assert.match(posts[0].head, /\r\nContent-Length: 7(\r\n|$)/);
  const gets = srv.requests.filter((r) => r.head.startsWith('GET'));
  assert.equal(gets.length, 4, 'a /next after each result');
  assert.match(gets[0].head, /\r\nHost: 127\.0\.0\.1:\d+$/);
});

test('a 5 MB event and a 5 MB result pass through the real server', async (t) => {
  const rt: RuntimeProcess = await startRuntime({ taskRoot: fixture('cjs'), handler: 'index.echo' });
  t.after(() => rt.stop());
  const big = { data: 'é'.repeat(2_500_000) };
  const start = Date.now();
  const out = await within(rt.invoke(big), 20_000, 'invoke');
  assert.equal(out.body.length, JSON.stringify(big).length);
  assert.deepEqual(out.json, big);
  assert.ok(Date.now() - start < 5_000, `took ${Date.now() - start} ms`);
});

test('the server closing after each answer (Connection: close) costs a reconnect, not a failure', async (t) => {
  let n = 0;
  const srv = await rawServer(t, (req) => {
    if (req.head.startsWith('GET')) {
      n++;
      if (n > 2) return undefined;
      return [Buffer.from(`HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: id-${n}\r\nConnection: close\r\nContent-Length: 1\r\n\r\n${n}`)];
    }
    return [Buffer.from(accepted)];
  });
  const child = spawnBootstrap(t, srv.port);
  await waitUntil(() => srv.requests.filter((r) => r.head.startsWith('POST')).length === 2, 10_000, 'two results');
  assert.deepEqual(srv.requests.filter((r) => r.head.startsWith('POST')).map((r) => r.body), ['1', '2']);
  assert.equal(child.exitCode, null);
});
