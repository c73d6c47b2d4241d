/** The pieces under the Logs API, without a server: capture, the sink, the SQLite log store. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureFrames, captureLines, splitUtf8 } from '../src/logs/capture.js';
import { LogSink, MAX_EVENT_BYTES, lambdaMessage } from '../src/logs/sink.js';
import { initStartLine, reportLine, runtimeVersionName } from '../src/logs/platform.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { LogEvent, Store } from '../src/store/store.js';

const tick = () => new Promise((r) => setImmediate(r));

function withStore(fn: (store: Store, file: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lambkin-logs-store-'));
    const file = path.join(dir, 'lambkin.db');
    const store = openSqliteStore(file);
    try {
      await fn(store, file);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const events = (n: number, ts: (i: number) => number, msg = (i: number) => `m${i}`): LogEvent[] =>
  Array.from({ length: n }, (_x, i) => ({ timestamp: ts(i), ingestionTime: 1, message: msg(i) }));

test('captureLines: one event per line, CRLF trimmed, partial lines on flush, huge lines cut', async () => {
  const s = new PassThrough();
  const got: string[] = [];
  const cap = captureLines(s, (m) => got.push(m));
  s.write('a\nb\r\nc');
  s.write('d\n\npartial');
  await tick();
  assert.deepEqual(got, ['a', 'b', 'cd', '']);
  cap.flush();
  assert.deepEqual(got.slice(4), ['partial']);
  got.length = 0;
  s.write('é'.repeat(MAX_EVENT_BYTES)); // 2 bytes each: must come out in pieces, none over the limit
  s.end('\n');
  await tick();
  await tick();
  assert.ok(got.length >= 2);
  assert.ok(got.every((p) => Buffer.byteLength(p) <= MAX_EVENT_BYTES));
  assert.equal(got.join(''), 'é'.repeat(MAX_EVENT_BYTES));
  assert.deepEqual(splitUtf8('aé', 2), ['a', 'é']);
});

test('captureFrames: framed records stay whole (multi-line) and keep their timestamp', async () => {
  const s = new PassThrough();
  const got: [string, number][] = [];
  captureFrames(s, (m, ts) => got.push([m, ts]));
  const frame = (msg: string, micros: bigint) => {
    const body = Buffer.from(msg);
    const h = Buffer.alloc(16);
    h.writeUInt32BE(0xa55a0003, 0);
    h.writeUInt32BE(body.length, 4);
    h.writeBigUInt64BE(micros, 8);
    return Buffer.concat([h, body]);
  };
  const both = Buffer.concat([frame('line one\nline two\n', 1_700_000_000_123_000n), frame('next', 1_700_000_000_124_000n)]);
  s.write(both.subarray(0, 20)); // split mid-frame
  s.write(both.subarray(20));
  await tick();
  assert.deepEqual(got, [['line one\nline two', 1_700_000_000_123], ['next', 1_700_000_000_124]]);
});

test('platform lines: INIT_START names, REPORT text and JSON', () => {
  assert.equal(runtimeVersionName('nodejs20.x'), 'nodejs:20');
  assert.equal(runtimeVersionName('python3.12'), 'python:3.12');
  assert.equal(runtimeVersionName('provided.al2023'), 'provided:al2023');
  assert.match(initStartLine('nodejs20.x', 'arn:x', false), /^INIT_START Runtime Version: nodejs:20\.v\d+\tRuntime Version ARN: arn:x$/);
  const r = { requestId: 'id', durationMs: 12.3456, memorySizeMB: 128, maxMemoryUsedMB: 40, initDurationMs: 100.5 };
  assert.equal(reportLine(r, false), 'REPORT RequestId: id\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 100.50 ms\t');
  const j = JSON.parse(reportLine({ ...r, status: 'timeout' }, true));
  assert.equal(j.type, 'platform.report');
  assert.deepEqual(j.record, { requestId: 'id', metrics: { durationMs: 12.346, billedDurationMs: 13, memorySizeMB: 128, maxMemoryUsedMB: 40, initDurationMs: 100.5 }, status: 'timeout' });
});

test('sink: Lambda line ends, verbatim puts, batching, shedding', withStore(async (store) => {
  assert.equal(lambdaMessage('START RequestId: x Version: $LATEST'), 'START RequestId: x Version: $LATEST\n');
  assert.equal(lambdaMessage('already\n'), 'already\n');
  assert.equal(lambdaMessage('{"time":"t","type":"platform.start"}'), '{"time":"t","type":"platform.start"}');
  assert.equal(lambdaMessage('{"timestamp":"t","level":"INFO","message":"m"}'), '{"timestamp":"t","level":"INFO","message":"m"}');
  assert.equal(lambdaMessage('{"printed":"by the function"}'), '{"printed":"by the function"}\n');
  const sink = new LogSink(store, { flushMs: 10_000 });
  const heard: string[] = [];
  sink.onEvent((_r, _g, _s, e) => heard.push(e.message));
  sink.append('r', '/g', 's', 'hello', 1000);
  sink.put('r', '/g', 's', [{ timestamp: 1001, message: 'raw' }]);
  assert.deepEqual(await store.queryLogs({ region: 'r', group: '/g', limit: 10 }), [], 'buffered until flushed');
  await sink.flush();
  const got = await store.queryLogs({ region: 'r', group: '/g', limit: 10 });
  assert.deepEqual(got.map((e) => e.message), ['hello\n', 'raw']);
  assert.deepEqual(heard, ['hello\n', 'raw']);
  assert.equal(sink.written, 2);
  sink.shedding = true;
  sink.append('r', '/g', 's', 'dropped', 1002);
  await sink.flush();
  assert.equal(sink.dropped, 1);
  assert.equal((await store.queryLogs({ region: 'r', group: '/g', limit: 10 })).length, 2);
}));

test('store: (timestamp, seq) order, cursors both ways, stream filters', withStore(async (store) => {
  // Stored out of timestamp order across two streams.
  await store.appendLogs([
    { region: 'r', group: '/g', stream: 'a', events: events(3, (i) => 100 + i * 10) },
    { region: 'r', group: '/g', stream: 'b', events: events(3, (i) => 105 + i * 10, (i) => `b${i}`) },
  ]);
  const all = await store.queryLogs({ region: 'r', group: '/g', limit: 100 });
  assert.deepEqual(all.map((e) => e.message), ['m0', 'b0', 'm1', 'b1', 'm2', 'b2']);
  const after = await store.queryLogs({ region: 'r', group: '/g', limit: 2, after: { ts: all[1].timestamp, seq: all[1].seq } });
  assert.deepEqual(after.map((e) => e.message), ['m1', 'b1']);
  const before = await store.queryLogs({ region: 'r', group: '/g', limit: 2, before: { ts: all[4].timestamp, seq: all[4].seq }, descending: true });
  assert.deepEqual(before.map((e) => e.message), ['b1', 'm1']);
  assert.deepEqual((await store.queryLogs({ region: 'r', group: '/g', limit: 9, streams: ['b'] })).map((e) => e.message), ['b0', 'b1', 'b2']);
  assert.deepEqual((await store.queryLogs({ region: 'r', group: '/g', limit: 9, from: 110, to: 120 })).map((e) => e.message), ['m1', 'b1']);
  assert.deepEqual((await store.queryLogs({ region: 'other', group: '/g', limit: 9 })), []);
  const streams = await store.listLogStreams('r', '/g', { orderBy: 'LastEventTime', descending: true, offset: 0, limit: 10 });
  assert.deepEqual(streams.map((s) => [s.name, s.firstEventTimestamp, s.lastEventTimestamp]), [['b', 105, 125], ['a', 100, 120]]);
  await store.createLogGroup('r', '/h/x', 1);
  await store.createLogGroup('r', '/H/y', 1);
  assert.deepEqual((await store.listLogGroups('r', { prefix: '/h', limit: 10 })).map((g) => g.name), ['/h/x']);
  assert.deepEqual((await store.listLogGroups('r', { pattern: 'H/', limit: 10 })).map((g) => g.name), ['/H/y', '/h/x']);
  assert.deepEqual((await store.listLogGroups('r', { after: '/g', limit: 1 })).map((g) => g.name), ['/h/x']);
}));

test('store: retention and the size cap delete in chunks, fix stream bookkeeping, and give space back', withStore(async (store, file) => {
  const now = Date.now();
  const day = 86_400_000;
  const big = 'x'.repeat(1000);
  await store.appendLogs([
    { region: 'r', group: '/old', stream: 'gone', events: events(2500, (i) => now - 3 * day + i, () => big) },
    { region: 'r', group: '/old', stream: 'kept', events: events(10, (i) => now - 1000 + i) },
  ]);
  await store.setRetention('r', '/old', 1);
  let n;
  let total = 0;
  while ((n = await store.sweepRetention(now, 1000)) > 0) {
    assert.ok(n <= 1000);
    total += n;
  }
  assert.equal(total, 2500);
  const streams = await store.listLogStreams('r', '/old', { orderBy: 'LogStreamName', descending: false, offset: 0, limit: 10 });
  assert.deepEqual(streams.map((s) => s.name), ['kept'], 'a stream left without events goes');
  assert.equal((await store.getLogGroup('r', '/old'))!.storedBytes, 10 * 2);

  await store.appendLogs([{ region: 'r', group: '/big', stream: 's', events: events(5000, (i) => now + i, () => big) }]);
  const sizeBefore = statSync(file).size;
  total = 0;
  let r;
  while ((r = await store.trimLogGroup('r', '/big', 50_000, 700)).events > 0) {
    assert.ok(r.events <= 700);
    total += r.events;
  }
  assert.ok((await store.getLogGroup('r', '/big'))!.storedBytes <= 50_000);
  assert.equal(await store.totalLogBytes(), (await store.getLogGroup('r', '/big'))!.storedBytes + 10 * 2, 'other groups untouched');
  assert.ok(total >= 4950);
  const left = await store.queryLogs({ region: 'r', group: '/big', limit: 10_000 });
  assert.ok(left.length > 0 && left.length <= 50);
  assert.equal(left[left.length - 1].timestamp, now + 4999, 'the newest events survive');
  assert.equal((await store.getLogStream('r', '/big', 's'))!.firstEventTimestamp, left[0].timestamp);
  await store.compactLogs();
  assert.ok(statSync(file).size < sizeBefore / 2, `the file shrinks (${sizeBefore} → ${statSync(file).size})`);
}));
