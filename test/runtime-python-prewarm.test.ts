/** Python bootstrap: generic (prewarmed) mode and the HTTP client's robustness (bootstrap contract). */
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { FIXTURES, PYTHON, PYTHON_FLAGS, RUNTIME_DIR, functionEnv, until, within, type RunningRuntime, withRuntime } from './fixtures/python/harness.js';
import { spawn } from 'node:child_process';

const ROOT = path.join(FIXTURES, 'app');

/** Hands the generic runtime its function, as the platform does: `Lambkin-Assign: 1`, then `Lambkin-Code: ready`. */
function assign(rt: RunningRuntime, handler: string, extra: Record<string, string> = {}): number {
  const env = { ...functionEnv(rt.server.address, ROOT, handler), ...extra };
  const at = performance.now();
  void rt.owner.push({
    requestId: '',
    deadlineMs: 0,
    invokedFunctionArn: '',
    payload: Buffer.from(JSON.stringify({ env, cwd: ROOT })),
    headers: { 'Lambkin-Assign': '1' },
  });
  // Then, on its next /next, that /var/task holds the code.
  void rt.owner.push({ requestId: '', deadlineMs: 0, invokedFunctionArn: '', payload: Buffer.alloc(0), headers: { 'Lambkin-Code': 'ready' } });
  return at;
}


test('prewarmed: waits on /next, then takes the assigned env, cwd, TZ and handler', async () => {
  await withRuntime({ prewarm: true, env: { TZ: 'EST5EDT' } }, async (rt) => {
    await within(rt.owner.waitForNext(1), 'generic /next');
    assign(rt, 'app.state', { MY_VAR: 'assigned' });
    await within(rt.owner.waitForNext(2), '/next after init');
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.kind, 'response', r.post.body.toString());
    assert.equal(r.json.cwd, ROOT);
    assert.equal(r.json.tz, 'UTC');
  });
  await withRuntime({ prewarm: true }, async (rt) => {
    await within(rt.owner.waitForNext(1), 'generic /next');
    assign(rt, 'app.environment', { MY_VAR: 'assigned' });
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.json.MY_VAR, 'assigned');
    assert.equal(r.json._HANDLER, 'app.environment');
    assert.equal(r.json.LAMBKIN_PREWARM, undefined);
    assert.equal(r.json._LAMBDA_TELEMETRY_LOG_FD, undefined);
    assert.equal(r.json.AWS_LAMBDA_FUNCTION_NAME, 'pyfn');
  });
});

test('prewarmed: logging, sys.path and the user PYTHONPATH follow the assignment', async () => {
  await withRuntime({ prewarm: true }, async (rt) => {
    await within(rt.owner.waitForNext(1), 'generic /next');
    assign(rt, 'logs.levels', { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'ERROR' });
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.kind, 'response');
    await until(() => rt.frames().length >= 2, 'frames');
    await new Promise((res) => setTimeout(res, 30));
    assert.deepEqual(rt.frames().map((f) => [f.type, JSON.parse(f.message).message]), [
      [0xa55a0016, 'an error line'],
      [0xa55a001a, 'a critical line'],
    ]);
  });
  const extra = path.join(ROOT, 'vendor');
  await withRuntime({ prewarm: true }, async (rt) => {
    await within(rt.owner.waitForNext(1), 'generic /next');
    assign(rt, 'app.just_path', { PYTHONPATH: extra });
    const r = await within(rt.invoke({}), 'invoke');
    assert.deepEqual(r.json.slice(0, 3), [ROOT, RUNTIME_DIR, extra]);
  });
});

test('prewarmed: an init error after assignment goes to /init/error and the process exits 1', async () => {
  await withRuntime({ prewarm: true }, async (rt) => {
    await within(rt.owner.waitForNext(1), 'generic /next');
    assign(rt, 'nosuchmodule.handler');
    const post = await within(rt.owner.waitForInitError(), 'init error');
    assert.equal(post.errorType, 'Runtime.ImportModuleError');
    assert.equal(JSON.parse(post.body.toString()).errorMessage, "Unable to import module 'nosuchmodule': No module named 'nosuchmodule'");
    assert.equal(await within(rt.exited, 'exit'), 1);
  });
});

test('the runtime reconnects once when the server drops its connection', async () => {
  await withRuntime({ handler: 'app.echo' }, async (rt) => {
    const first = await within(rt.invoke({ n: 1 }), 'first invoke');
    assert.deepEqual(first.json, { n: 1 });
    await within(rt.owner.waitForNext(2), 'parked /next');
    for (const s of (rt.server as any).sockets as Set<net.Socket>) s.destroy();
    await within(rt.owner.waitForNext(3), '/next on a new connection');
    const second = await within(rt.invoke({ n: 2 }), 'second invoke');
    assert.deepEqual(second.json, { n: 2 });
  });
});

test('HTTP details: lowercase headers, chunked bodies, Connection: close', async () => {
  // A scripted Runtime API (not node:http) to control the wire format exactly.
  const requests: string[] = [];
  let connections = 0;
  let resolvePost: (body: string) => void;
  const posted = new Promise<string>((r) => (resolvePost = r));
  const server = net.createServer((sock) => {
    connections++;
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end);
      const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      const body = buf.slice(end + 4, end + 4 + len);
      buf = buf.slice(end + 4 + len);
      requests.push(head.split('\r\n')[0]);
      if (head.startsWith('GET') && requests.length === 1) {
        const event = '{"chunked": true, "text": "' + 'x'.repeat(70000) + '"}';
        sock.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nlambda-runtime-aws-request-id: req-1\r\n' +
            `lambda-runtime-deadline-ms: ${Date.now() + 10000}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n` +
            `${(10).toString(16)}\r\n${event.slice(0, 10)}\r\n${(event.length - 10).toString(16)};ext=1\r\n${event.slice(10)}\r\n0\r\n\r\n`,
        );
        sock.end();
      } else if (head.startsWith('POST')) {
        sock.write('HTTP/1.1 202 Accepted\r\ncontent-length: 16\r\n\r\n{"status":"OK"}\n');
        resolvePost(body);
      }
      // Later GETs: parked forever.
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const env = functionEnv(`127.0.0.1:${port}`, ROOT, 'app.echo');
  const proc = spawn(PYTHON, [...PYTHON_FLAGS, path.join(RUNTIME_DIR, 'bootstrap.py')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const closed = new Promise((r) => proc.once('close', r));
  try {
    const body = await within(posted, `posted result\n${stderr}`);
    assert.equal(JSON.parse(body).chunked, true);
    assert.equal(JSON.parse(body).text.length, 70000);
    assert.equal(requests[1], 'POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1');
    assert.equal(connections, 2, 'reconnected after Connection: close');
    await within(until(() => requests.length >= 3, 'next /next'), 'next /next');
    assert.equal(requests[2], 'GET /2018-06-01/runtime/invocation/next HTTP/1.1');
  } finally {
    proc.kill('SIGKILL');
    await closed;
    server.close();
  }
});
