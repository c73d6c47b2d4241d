/**
 * CreateFunction / UpdateFunctionCode bodies are streamed to disk, not held in memory: six concurrent
 * ~65 MB bodies keep the server's RSS within a bound (read from /proc/<pid>/status), and the
 * functions work. Temp files go on every path: success, bad JSON, bad base64, a client that hangs
 * up mid-body, a server shut down mid-upload, and a crash (swept at the next start).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CreateFunctionCommand, GetFunctionCommand, UpdateFunctionCodeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { ROLE, sdk } from './helpers/clients.js';
import { rawZip } from './helpers/raw-zip.js';
import { expectSdkError, raw, sha256, UNZIP_FAILED } from './helpers/control.js';
import { invoke } from './helpers/functions.js';

const MB = 1024 * 1024;
/** Six ~65 MB bodies held in memory were ~1.6 GB; streamed, what is left is buffers and bookkeeping. */
const PEAK_GROWTH_LIMIT_MB = 256;
const AFTER_GROWTH_LIMIT_MB = 128;

function memory(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(s)![1]);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** A package with a bash bootstrap answering `"big-<n>"` and ~`blobBytes` of incompressible data (stored). */
function bigPackage(n: number, blob: Buffer): Buffer {
  const bootstrap = `#!/bin/bash
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
while true; do
  H=$(mktemp)
  curl -sS -D "$H" -o /dev/null "$API/next"
  ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$H" | tr -d '\\r' | awk '{print $2}')
  rm -f "$H"
  curl -sS -o /dev/null -X POST "$API/$ID/response" -d '"big-${n}"'
done
`;
  return rawZip([
    { name: 'bootstrap', data: Buffer.from(bootstrap), mode: 0o100755 },
    { name: 'blob.bin', data: blob, deflate: false },
  ]);
}

const uploadsDir = (dataDir: string) => path.join(dataDir, 'uploads');
const leftovers = (dataDir: string) => (existsSync(uploadsDir(dataDir)) ? readdirSync(uploadsDir(dataDir)) : []);

describe('request bodies on disk', { concurrency: false }, () => {
  let lk: Lambkin;
  let client: LambdaClient;

  before(async () => {
    lk = await startLambkin({ env: { LAMBKIN_INIT_TIMEOUT_MS: '60000' } });
    client = sdk(lk.url);
  });
  after(async () => {
    client?.destroy();
    await lk?.stop();
  });

  it('six concurrent ~65 MB CreateFunction bodies: server memory stays bounded, the functions work', { timeout: 300_000 }, async (t) => {
    const blob = randomBytes(48 * 1000 * 1000);
    const zips = Array.from({ length: 6 }, (_x, i) => bigPackage(i, blob));
    const bodyBytes = Math.ceil(zips[0].length / 3) * 4;
    assert.ok(bodyBytes > 64 * 1000 * 1000 && bodyBytes < 70_167_211, String(bodyBytes));
    // Let start-up (prewarmed pool) settle before the baseline.
    await new Promise((r) => setTimeout(r, 2000));
    const base = memory(lk.proc.pid!);
    let peakRss = base.rss;
    const poll = setInterval(() => (peakRss = Math.max(peakRss, memory(lk.proc.pid!).rss)), 20);
    try {
      await Promise.all(zips.map((zip, i) =>
        client.send(new CreateFunctionCommand({
          FunctionName: `big-${i}`, Runtime: 'provided.al2023', Handler: 'h', Role: ROLE, Code: { ZipFile: zip }, Timeout: 30,
        })),
      ));
    } finally {
      clearInterval(poll);
    }
    const done = memory(lk.proc.pid!);
    peakRss = Math.max(peakRss, done.rss);
    // What the process gives back once the uploads are over (no new work arrives meanwhile).
    let settled = done.rss;
    for (let i = 0; i < 50 && settled - base.rss > AFTER_GROWTH_LIMIT_MB; i++) {
      await new Promise((r) => setTimeout(r, 200));
      settled = memory(lk.proc.pid!).rss;
    }
    t.diagnostic(`6 × ${(bodyBytes / MB).toFixed(1)} MiB bodies: RSS before ${base.rss.toFixed(0)} MiB, peak ${peakRss.toFixed(0)} MiB ` +
      `(VmHWM ${base.hwm.toFixed(0)} → ${done.hwm.toFixed(0)} MiB), right after ${done.rss.toFixed(0)} MiB, settled ${settled.toFixed(0)} MiB`);

    for (let i = 0; i < 6; i++) {
      const c = (await client.send(new GetFunctionCommand({ FunctionName: `big-${i}` }))).Configuration!;
      assert.equal(c.CodeSha256, sha256(zips[i]).b64);
      assert.equal(c.CodeSize, zips[i].length);
      const r = await invoke(client, `big-${i}`);
      assert.equal(r.functionError, undefined, r.text);
      assert.equal(r.text, `"big-${i}"`);
    }
    assert.ok(peakRss - base.rss <= PEAK_GROWTH_LIMIT_MB, `peak RSS grew by ${(peakRss - base.rss).toFixed(0)} MiB`);
    assert.ok(done.hwm - base.rss <= PEAK_GROWTH_LIMIT_MB, `VmHWM grew to ${(done.hwm - base.rss).toFixed(0)} MiB over the baseline RSS`);
    assert.ok(settled - base.rss <= AFTER_GROWTH_LIMIT_MB, `RSS stayed ${(settled - base.rss).toFixed(0)} MiB up`);
    assert.deepEqual(leftovers(lk.dataDir), []);
  });

  it('escaped base64 (escaped slashes and \\u escapes, as some JSON encoders write it) is the same package', async () => {
    const zip = bigPackage(9, randomBytes(1000));
    const b64 = zip.toString('base64').replace(/\//g, '\\/').replace(/A/g, '\\u0041');
    const body = `{"FunctionName":"escaped","Runtime":"provided.al2023","Handler":"h","Timeout":30,"Role":"${ROLE}","Code":{"ZipFile":"${b64}"}}`;
    const res = await raw(lk.url, 'POST', '/2015-03-31/functions', { body, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.CodeSha256, sha256(zip).b64);
    assert.equal((await invoke(client, 'escaped')).text, '"big-9"');
    // An escaped control character is JSON (and skipped by base64, as a raw newline would be).
    const plain = zip.toString('base64');
    const ctl = await raw(lk.url, 'POST', '/2015-03-31/functions', {
      body: body.replace('"escaped"', '"escaped-ctl"').replace(b64, `${plain.slice(0, 100)}\\u0001\\n${plain.slice(100)}`),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(ctl.status, 201, ctl.text);
    assert.equal(ctl.json.CodeSha256, sha256(zip).b64);
    const update = bigPackage(10, randomBytes(1000));
    const u = await raw(lk.url, 'PUT', '/2015-03-31/functions/escaped/code', { body: `{"ZipFile":"${update.toString('base64').replace(/\//g, '\\/')}"}`, headers: { 'content-type': 'application/json' } });
    assert.equal(u.status, 200, u.text);
    assert.equal(u.json.CodeSha256, sha256(update).b64);
    assert.deepEqual(leftovers(lk.dataDir), []);
  });

  it('bad JSON, bad base64, a control character in the zip, an oversized rest: AWS errors, no temp files, nothing stored', async () => {
    const b64 = bigPackage(11, randomBytes(2 * MB)).toString('base64');
    const codeBefore = readdirSync(path.join(lk.dataDir, 'code')).sort();
    const post = (body: string) => raw(lk.url, 'POST', '/2015-03-31/functions', { body, headers: { 'content-type': 'application/json' } });
    const fields = `"FunctionName":"bad","Runtime":"provided.al2023","Handler":"h","Role":"${ROLE}"`;

    let r = await post(`{${fields},"Code":{"ZipFile":"${b64}"},,}`);
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('x-amzn-errortype'), 'InvalidRequestContentException');
    assert.match(r.json.message, /^Could not parse request body into json: /);

    r = await post(`{${fields},"Code":{"ZipFile":"${b64.slice(0, 1000)}"`); // cut off mid-string
    assert.equal(r.headers.get('x-amzn-errortype'), 'InvalidRequestContentException');

    r = await post(`{${fields},"Code":{"ZipFile":"${b64.slice(0, 5000)}${String.fromCharCode(1)}${b64.slice(5000)}"}}`);
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('x-amzn-errortype'), 'InvalidRequestContentException');
    assert.match(r.json.message, /^Could not parse request body into json: Bad control character in string literal/);

    r = await post(`{${fields},"Code":{"ZipFile":"${'!@#$'.repeat(100_000)}"}}`);
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('x-amzn-errortype'), 'InvalidParameterValueException');
    assert.equal(r.json.message, UNZIP_FAILED);

    r = await post(`{${fields},"Description":"${'d'.repeat(7 * MB)}","Code":{"ZipFile":"${b64}"}}`);
    assert.equal(r.status, 413);
    assert.equal(r.headers.get('x-amzn-errortype'), 'RequestEntityTooLargeException');
    assert.equal(r.json.Message, 'Request must be smaller than 6291456 bytes for the CreateFunction operation, not counting Code.ZipFile');

    await expectSdkError(client.send(new UpdateFunctionCodeCommand({ FunctionName: 'big-0', ZipFile: Buffer.from('not a zip at all') })), 'InvalidParameterValueException', 400, UNZIP_FAILED);
    assert.deepEqual(leftovers(lk.dataDir), []);
    assert.deepEqual(readdirSync(path.join(lk.dataDir, 'code')).sort(), codeBefore, 'nothing was stored');
  });

  /** Starts a raw upload of a `total`-byte body and sends its first `sent` bytes; resolves once its temp file exists. */
  async function startUpload(server: Lambkin, total: number, sent: number): Promise<net.Socket> {
    const prefix = `{"FunctionName":"half","Runtime":"provided.al2023","Handler":"h","Role":"${ROLE}","Code":{"ZipFile":"`;
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n${prefix}`);
    socket.write(randomBytes(sent).toString('base64').slice(0, sent));
    await eventually(() => leftovers(server.dataDir).length === 1, 'the upload file');
    return socket;
  }

  it('a client that hangs up mid-upload leaves no temp file; the server carries on', async () => {
    const socket = await startUpload(lk, 60 * MB, 2 * MB);
    socket.destroy();
    await eventually(() => leftovers(lk.dataDir).length === 0, 'the upload file to go');
    assert.equal((await invoke(client, 'big-1')).text, '"big-1"');
  });

  it('shutdown mid-upload removes the temp file; after a crash mid-upload the next start sweeps it', { timeout: 120_000 }, async () => {
    const other = await startLambkin();
    try {
      const socket = await startUpload(other, 60 * MB, 2 * MB);
      await other.stop({ keepData: true });
      socket.destroy();
      assert.deepEqual(leftovers(other.dataDir), [], 'graceful shutdown removed it');

      const again = await startLambkin({ dataDir: other.dataDir });
      const s2 = await startUpload(again, 60 * MB, 2 * MB);
      await again.kill('SIGKILL');
      s2.destroy();
      assert.equal(leftovers(other.dataDir).length, 1, 'a crash leaves it');
      const third = await startLambkin({ dataDir: other.dataDir });
      assert.deepEqual(leftovers(other.dataDir), [], 'the start-up sweep removed it');
      assert.match(third.output(), /removed 1 unfinished upload\(s\) from an earlier run/);
      await third.stop();
    } finally {
      rmSync(other.dataDir, { recursive: true, force: true });
    }
  });
});

async function eventually(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
