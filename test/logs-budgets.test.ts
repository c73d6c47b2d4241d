/**
 * The log budgets on their own, with a real SQLite store and an injected clock: fair shares of the
 * global cap, the per-group write budget (drops, refill, the drop notice in text and JSON, PutLogEvents
 * taken whole or not at all), and maintenance evicting the flooding group's events, not older ones
 * of other groups.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fairShares } from '../src/logs/fairness.js';
import { LogSink } from '../src/logs/sink.js';
import { LogMaintenance } from '../src/logs/maintenance.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/store.js';

function withStore(fn: (store: Store, dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lambkin-log-budgets-'));
    const store = openSqliteStore(path.join(dir, 'lambkin.db'));
    try {
      await fn(store, dir);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const keepOf = (targets: { group: string; keep: number }[]) => Object.fromEntries(targets.map((t) => [t.group, t.keep]));

test('fairShares: under the cap everyone keeps all (up to the group budget); over it the largest are cut to one level', () => {
  const g = (group: string, bytes: number) => ({ region: 'r', group, bytes });
  assert.deepEqual(keepOf(fairShares([g('a', 10), g('b', 20)], 100, 100)), { a: 10, b: 20 });
  assert.deepEqual(keepOf(fairShares([g('a', 10), g('b', 90)], 100, 50)), { a: 10, b: 50 }, 'the group budget alone');
  // 1000 over a cap of 100: the small groups keep everything, the flooder gets what is left.
  assert.deepEqual(keepOf(fairShares([g('small', 10), g('flood', 1000), g('mid', 30)], 100, 1000)), { small: 10, flood: 60, mid: 30 });
  // Two big groups share the rest equally.
  assert.deepEqual(keepOf(fairShares([g('a', 10), g('b', 500), g('c', 700)], 110, 1000)), { a: 10, b: 50, c: 50 });
  // Everyone over the level: equal shares.
  assert.deepEqual(keepOf(fairShares([g('a', 100), g('b', 100)], 100, 1000)), { a: 50, b: 50 });
});

test('sink: a group over its rate budget loses lines (counted), others do not; the bucket refills; one notice per interval', withStore(async (store) => {
  let now = 1_000_000;
  const sink = new LogSink(store, { flushMs: 60_000, budget: { rateBytesPerSec: 1000, burstBytes: 2000 }, noticeMs: 60_000, now: () => now });
  const line = 'x'.repeat(74); // 74 + 26 = 100 bytes of budget each
  for (let i = 0; i < 50; i++) sink.append('r', '/flood', 's1', line, now);
  for (let i = 0; i < 5; i++) sink.append('r', '/calm', 'c', `calm ${i}`, now);
  assert.equal(sink.throttledEvents, 30, 'a burst of 2000 bytes holds 20 lines');
  assert.equal(sink.throttledBytes, 30 * 74);
  now += 500; // +500 bytes of budget
  for (let i = 0; i < 10; i++) sink.append('r', '/flood', 's2', line, now);
  assert.equal(sink.throttledEvents, 35);
  assert.deepEqual(sink.throttledByGroup(), [{ region: 'r', group: '/flood', events: 35, bytes: 35 * 74 }]);

  // PutLogEvents to a throttled group: refused whole; to a fresh one: taken.
  assert.equal(sink.put('r', '/flood', 's1', [{ timestamp: now, message: 'api' }]), false);
  assert.equal(sink.put('r', '/api', 's', [{ timestamp: now, message: 'a'.repeat(1900) }]), true);
  assert.equal(sink.put('r', '/api', 's', [{ timestamp: now, message: 'b' }, { timestamp: now, message: 'c'.repeat(100) }]), false, 'all or nothing');

  await sink.close(); // sends the notice due, then writes
  const flood = await store.queryLogs({ region: 'r', group: '/flood', limit: 1000 });
  assert.equal(flood.filter((e) => e.message === `${line}\n`).length, 25);
  const notices = flood.filter((e) => e.message.startsWith('LOGS_DROPPED'));
  assert.equal(notices.length, 1);
  assert.equal(notices[0].logStreamName, 's2', 'in the stream that was writing');
  assert.match(notices[0].message, /^LOGS_DROPPED DroppedRecords: 35\tDroppedBytes: 2590\tReason: The function's log output exceeded its log group's budget of 1000 bytes per second \(burst 2000 bytes\); 35 log events written since the last notice were dropped\.\n$/);
  assert.equal((await store.queryLogs({ region: 'r', group: '/calm', limit: 100 })).length, 5, 'other groups lose nothing');
  assert.equal((await store.queryLogs({ region: 'r', group: '/api', limit: 100 })).length, 1);
}));

test('sink: the notice of a JSON-format function is a platform.logsDropped record', withStore(async (store) => {
  let now = 5_000;
  const sink = new LogSink(store, { flushMs: 60_000, budget: { rateBytesPerSec: 100, burstBytes: 100 }, noticeMs: 60_000, now: () => now });
  for (let i = 0; i < 3; i++) sink.append('r', '/json', 's', '{"timestamp":"t","level":"INFO","message":"m"}', now, true);
  now += 10;
  await sink.close();
  const got = await store.queryLogs({ region: 'r', group: '/json', limit: 10 });
  const record = JSON.parse(got.find((e) => e.message.includes('logsDropped'))!.message);
  assert.equal(record.type, 'platform.logsDropped');
  assert.deepEqual(Object.keys(record.record), ['reason', 'droppedRecords', 'droppedBytes']);
  assert.equal(record.record.droppedRecords, 2);
}));

test('sink: without a budget (rate 0) nothing is throttled', withStore(async (store) => {
  const sink = new LogSink(store, { budget: { rateBytesPerSec: 0, burstBytes: 0 } });
  for (let i = 0; i < 1000; i++) sink.append('r', '/g', 's', 'line', 1);
  await sink.close();
  assert.equal(sink.throttledEvents, 0);
  assert.equal((await store.queryLogs({ region: 'r', group: '/g', limit: 10_000 })).length, 1000);
}));

test('maintenance: over the cap, the flooding group loses its own events, not the older ones of other groups', withStore(async (store, dir) => {
  const now = Date.now();
  const msg = 'y'.repeat(999);
  const ev = (n: number, t0: number, tag: string) => Array.from({ length: n }, (_x, i) => ({ timestamp: t0 + i, ingestionTime: t0, message: `${tag}${i} ${msg}` }));
  // Older events of two quiet groups, then a flood, newer, in one group.
  await store.appendLogs([
    { region: 'r', group: '/quiet-a', stream: 's', events: ev(100, now - 60_000, 'a') },
    { region: 'r', group: '/quiet-b', stream: 's', events: ev(50, now - 50_000, 'b') },
    { region: 'r', group: '/flood', stream: 's', events: ev(2000, now - 1000, 'f') },
  ]);
  const sink = new LogSink(store);
  const m = new LogMaintenance(store, sink, { sweepMs: 3_600_000, maxBytes: 400_000, groupMaxBytes: 1_000_000, dataDir: dir, log: () => {} });
  m.start();
  await m.idle();
  await m.stop();
  const count = async (group: string) => (await store.queryLogs({ region: 'r', group, limit: 10_000 })).length;
  assert.equal(await count('/quiet-a'), 100);
  assert.equal(await count('/quiet-b'), 50);
  const flood = await store.queryLogs({ region: 'r', group: '/flood', limit: 10_000 });
  assert.ok(flood.length > 200 && flood.length <= 250, `${flood.length} flood events left`);
  assert.equal(flood[flood.length - 1].message.split(' ')[0], 'f1999', 'the newest flood events stay');
  assert.ok((await store.totalLogBytes()) <= 400_000);
  assert.equal(m.evicted.get('r\0/flood')!.events, 2000 - flood.length);
  assert.deepEqual([...m.evicted.keys()], ['r\0/flood']);

  // The group budget applies even under the cap.
  const m2 = new LogMaintenance(store, sink, { sweepMs: 3_600_000, maxBytes: 10_000_000, groupMaxBytes: 60_000, dataDir: dir, log: () => {} });
  m2.start();
  await m2.idle();
  await m2.stop();
  assert.ok((await store.getLogGroup('r', '/quiet-a'))!.storedBytes <= 60_000);
  assert.equal(await count('/quiet-b'), 50, 'under its budget: untouched');
}));

test('capture: while the gate is closed, output is dropped unsplit and counted; frames stay in step', async () => {
  const { PassThrough } = await import('node:stream');
  const { captureFrames, captureLines } = await import('../src/logs/capture.js');
  let open = true;
  const dropped: [number, number][] = [];
  const gate = { open: () => open, drop: (lines: number, length: number) => void dropped.push([lines, length]) };
  const lines = new PassThrough();
  const got: string[] = [];
  captureLines(lines, (m) => got.push(m), gate);
  lines.write('a\nb\npart');
  open = false;
  lines.write('ial\nc\nd\ne\n');
  open = true;
  lines.write('f\n');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, ['a', 'b', 'f']);
  assert.deepEqual(dropped, [[4, 14]], 'four lines, the partial one before included');

  const frames = new PassThrough();
  const recs: string[] = [];
  captureFrames(frames, (m) => recs.push(m), gate);
  const frame = (m: string) => {
    const body = Buffer.from(m);
    const h = Buffer.alloc(16);
    h.writeUInt32BE(0xa55a0003, 0);
    h.writeUInt32BE(body.length, 4);
    h.writeBigUInt64BE(1_000_000n, 8);
    return Buffer.concat([h, body]);
  };
  frames.write(frame('one'));
  await new Promise((r) => setImmediate(r));
  open = false;
  frames.write(Buffer.concat([frame('two'), frame('three')]));
  await new Promise((r) => setImmediate(r));
  open = true;
  frames.write(frame('four'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(recs, ['one', 'four']);
  assert.deepEqual(dropped.slice(1), [[1, 3], [1, 5]]);
});
