/**
 * CreateFunction / UpdateFunctionCode bodies are streamed to disk, not held in memory: six concurrent
 * ~65 MB bodies keep the server's RSS within a bound (read from /proc/<pid>/status), and the
 * functions work. Temp files go on every path: success, bad JSON, bad base64, a client that hangs
 * up mid-body, a server shut down mid-upload, and a crash (swept at the next start).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CreateFunctionCommand, GetFunctionCommand, UpdateFunctionCodeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { ROLE, sdk } from './helpers/clients.js';
import { rawZip } from './helpers/raw-zip.js';
import { createInput, expectSdkError, raw, sha256, UNZIP_FAILED } from './helpers/control.js';
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
    lk = await startLambkin();
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
});
