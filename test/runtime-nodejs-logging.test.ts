/**
 * Node.js bootstrap: console → log records. Text and JSON formats, AWS_LAMBDA_LOG_LEVEL, the framing on
 * the telemetry fd (type | level bits, length, µs timestamp), the stdout fallback, and error records.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, startRuntime, waitUntil, within, type Frame, type RuntimeOptions, type RuntimeProcess } from './fixtures/nodejs/harness.js';

async function runtime(t: TestContext, opts: RuntimeOptions): Promise<RuntimeProcess> {
  const rt = await startRuntime(opts);
  t.after(() => rt.stop());
  return rt;
}

const TEXT = 0xa55a0003;
const JSON_FRAME = 0xa55a0002;
const LEVEL_BITS: Record<string, number> = { TRACE: 0x04, DEBUG: 0x08, INFO: 0x0c, WARN: 0x10, ERROR: 0x14, FATAL: 0x18 };
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
const invoke = (rt: RuntimeProcess, payload: unknown = {}) => within(rt.invoke(payload), 10_000, 'invoke');

/** Frames are written synchronously before the post; give the test's pipe reader a moment. */
async function framesUntil(rt: RuntimeProcess, cond: (frames: Frame[]) => boolean): Promise<Frame[]> {
  await waitUntil(() => cond(rt.frames), 3_000, `log frames (have ${rt.frames.length})`);
  return rt.frames;
}

test('text format: one frame per console call, AWS line format, level bits, µs timestamps', async (t) => {
  const rt = await runtime(t, { taskRoot: fixture('cjs'), handler: 'index.logs' });
  const before = BigInt(Date.now()) * 1000n;
  const out = await invoke(rt);
  const id = out.requestId;
  const frames = await framesUntil(rt, (f) => f.length >= 10);
  assert.equal(frames.length, 10);
  const expect: [string, string][] = [
    ['INFO', 'log formatted { a: 1 }'],
    ['INFO', 'info line'],
    ['WARN', 'warn line'],
    ['ERROR', 'error line Error: logged error\n    at '],
    ['DEBUG', 'debug line'],
    ['TRACE', 'trace line'],
    ['FATAL', 'fatal line'],
    ['INFO', 'multi\nline\nmessage'],
    ['INFO', '{ nested: { deep: true } }'],
    ['INFO', 'undefined'],
  ];
  expect.forEach(([level, text], i) => {
    const f = frames[i];
    assert.equal(f.type, TEXT, `frame ${i} type`);
    assert.equal(f.level, LEVEL_BITS[level], `frame ${i} level`);
    assert.ok(f.message.startsWith(`${f.message.slice(0, 24)}\t${id}\t${level}\t${text}`), `frame ${i}: ${JSON.stringify(f.message)}`);
    assert.match(f.message, new RegExp(`^${ISO}\\t`));
    assert.ok(f.message.endsWith('\n'));
    const ts = Date.parse(f.message.slice(0, 24)) * 1000;
    assert.equal(f.timestampUs, BigInt(ts), 'frame timestamp = the line timestamp, in µs');
    assert.ok(f.timestampUs >= before - 1000n);
  });
  assert.equal(frames[7].message.split('\t')[3], 'multi\nline\nmessage\n', 'a multi-line message stays one frame');
  assert.equal(rt.stdout, 'raw stdout\n', 'process.stdout.write is untouched and nothing else reaches stdout');
});

test('init-time records carry request id "undefined"; handler records the invocation id', async (t) => {
  const rt = await runtime(t, { taskRoot: fixture('logging'), handler: 'index.handler' });
  const out = await invoke(rt);
  const frames = await framesUntil(rt, (f) => f.length >= 9);
  assert.equal(frames.length, 9);
  assert.match(frames[0].message, new RegExp(`^${ISO}\\tundefined\\tINFO\\tinit log\\n$`));
  assert.ok(frames.slice(1).every((f) => f.message.split('\t')[1] === out.requestId));
});

test('an invoke error is logged as AWS does: "Invoke Error" + tab + JSON with a stack array', async (t) => {
  const rt = await runtime(t, { taskRoot: fixture('cjs'), handler: 'index.rejectAsync' });
  const out = await invoke(rt);
  const [frame] = await framesUntil(rt, (f) => f.length >= 1);
  assert.equal(frame.level, LEVEL_BITS.ERROR);
  const [ts, id, level, rest] = frame.message.split('\t', 4);
  assert.match(ts, new RegExp(`^${ISO}$`));
  assert.equal(id, out.requestId);
  assert.equal(level, 'ERROR');
  assert.equal(rest, 'Invoke Error ');
  const logged = JSON.parse(frame.message.slice(frame.message.indexOf('Invoke Error \t') + 'Invoke Error \t'.length));
  assert.equal(logged.errorType, 'TypeError');
  assert.equal(logged.errorMessage, 'bad type');
  assert.equal(logged.code, 'E_BAD');
  assert.equal(logged.stack[0], 'TypeError: bad type');
  assert.deepEqual(Object.keys(logged), ['errorType', 'errorMessage', 'code', 'stack']);
  // The payload says `trace`, the log says `stack`.
  assert.deepEqual(Object.keys(out.json), ['errorType', 'errorMessage', 'trace']);
});

test('JSON format: records are JSON frames; AWS_LAMBDA_LOG_LEVEL=WARN keeps WARN and above', async (t) => {
  const rt = await runtime(t, {
    taskRoot: fixture('logging'),
    handler: 'index.handler',
    env: { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' },
  });
  const out = await invoke(rt);
  const frames = await framesUntil(rt, (f) => f.length >= 3);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(rt.frames.length, 3, 'init log (INFO), trace, debug, info and log are filtered out');
  assert.ok(frames.every((f) => f.type === JSON_FRAME));
  const records = frames.map((f) => JSON.parse(f.message));
  assert.deepEqual(records.map((r) => r.level), ['WARN', 'ERROR', 'FATAL']);
  assert.deepEqual(frames.map((f) => f.level), [LEVEL_BITS.WARN, LEVEL_BITS.ERROR, LEVEL_BITS.FATAL]);
  const [warn, error] = records;
  assert.deepEqual(Object.keys(warn), ['timestamp', 'level', 'requestId', 'message']);
  assert.match(warn.timestamp, new RegExp(`^${ISO}$`));
  assert.equal(warn.requestId, out.requestId);
  assert.equal(warn.message, 'w');
  assert.equal(error.errorType, 'TypeError');
  assert.equal(error.errorMessage, 'typed');
  assert.equal(error.stackTrace[0], 'TypeError: typed');
  assert.match(error.message, /^e TypeError: typed\n/);
});

test('JSON format at DEBUG: objects stay structured, init records have no requestId, TRACE is dropped', async (t) => {
  const rt = await runtime(t, {
    taskRoot: fixture('logging'),
    handler: 'index.handler',
    env: { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'DEBUG' },
  });
  await invoke(rt);
  const frames = await framesUntil(rt, (f) => f.length >= 8);
  const records = frames.map((f) => JSON.parse(f.message));
  assert.deepEqual(records.map((r) => r.level), ['INFO', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'INFO', 'INFO']);
  assert.equal(records[0].message, 'init log');
  assert.ok(!('requestId' in records[0]));
  assert.deepEqual(records[6].message, { structured: true, n: 1 });
  assert.equal(records[7].message, 'two\nlines');
});

test('JSON format: an invoke error is one record whose message is the error object', async (t) => {
  const rt = await runtime(t, { taskRoot: fixture('logging'), handler: 'index.fails', env: { AWS_LAMBDA_LOG_FORMAT: 'JSON' } });
  const out = await invoke(rt);
  const frames = await framesUntil(rt, (f) => f.length >= 2);
  const record = JSON.parse(frames[1].message);
  assert.equal(record.level, 'ERROR');
  assert.equal(record.requestId, out.requestId);
  assert.equal(record.message.errorType, 'Error');
  assert.equal(record.message.errorMessage, 'json boom');
  assert.equal(record.message.detail, 'extra');
  assert.equal(record.message.stackTrace[0], 'Error: json boom');
});

test('without _LAMBDA_TELEMETRY_LOG_FD the same lines go to stdout, newlines as \\r', async (t) => {
  const rt = await runtime(t, { taskRoot: fixture('logging'), handler: 'index.handler', telemetry: false });
  const out = await invoke(rt);
  await waitUntil(() => rt.stdout.split('\n').length >= 10, 3_000, 'stdout lines');
  const lines = rt.stdout.split('\n');
  assert.match(lines[0], new RegExp(`^${ISO}\\tundefined\\tINFO\\tinit log$`));
  assert.ok(lines.includes(`${lines.find((l) => l.endsWith('\ttwo\rlines'))}`));
  assert.ok(lines.some((l) => l.includes(`\t${out.requestId}\tWARN\tw`)));
  assert.equal(rt.frames.length, 0);
});
