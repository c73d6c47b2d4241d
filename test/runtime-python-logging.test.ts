/** Python bootstrap: Lambda's logging (text and JSON), fd-3 framing, print() buffering (spec §7, contract "Logging"). */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, until, within, type Frame, type RunningRuntime, withRuntime } from './fixtures/python/harness.js';

const ROOT = path.join(FIXTURES, 'app');
const TS = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';


/** Frames that arrived after the `skip` first ones, once `n` are there. */
async function framesAfter(rt: RunningRuntime, skip: number, n: number): Promise<Frame[]> {
  await until(() => rt.frames().length >= skip + n, `${n} log frames`);
  await new Promise((r) => setTimeout(r, 30)); // nothing extra may follow
  return rt.frames().slice(skip);
}

test('text logging: root level WARNING, Lambda format in UTC, request id, one frame per record', async () => {
  await withRuntime({ handler: 'logs.levels' }, async (rt) => {
    await rt.owner.waitForNext(1);
    const init = rt.frames();
    assert.equal(init.length, 1);
    assert.match(init[0].message, new RegExp(`^\\[WARNING\\]\\t${TS}\\t\\tlogged at init\\n$`));
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.kind, 'response');
    const frames = await framesAfter(rt, 1, 3);
    assert.deepEqual(
      frames.map((f) => f.message.replace(/\t\S+Z\t/, '\tTS\t')),
      [`[WARNING]\tTS\t${r.requestId}\ta warning line\n`, `[ERROR]\tTS\t${r.requestId}\tan error line\n`, `[CRITICAL]\tTS\t${r.requestId}\ta critical line\n`],
    );
    // Without AWS_LAMBDA_LOG_LEVEL, aws-lambda-ric writes plain text frames (no level bits).
    assert.deepEqual(frames.map((f) => f.type), [0xa55a0003, 0xa55a0003, 0xa55a0003]);
    // The timestamp is the record's UTC time; the frame timestamp is in microseconds.
    const stamp = Date.parse(/\t(\S+Z)\t/.exec(frames[0].message)![1]);
    assert.ok(Math.abs(stamp - Date.now()) < 5000);
    assert.ok(Math.abs(Number(frames[0].timestampUs / 1000n) - stamp) < 50);
  });
});

test('multi-line messages and logging.exception stay ONE frame', async () => {
  await withRuntime({ handler: 'logs.multiline' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    const [f] = await framesAfter(rt, 1, 1);
    assert.match(f.message, new RegExp(`^\\[ERROR\\]\\t${TS}\\t${r.requestId}\\tfirst line\\nsecond line\\n$`));
  });
  await withRuntime({ handler: 'logs.exception' }, async (rt) => {
    await within(rt.invoke({}), 'invoke');
    const [f] = await framesAfter(rt, 1, 1);
    const lines = f.message.split('\n');
    assert.match(lines[0], /^\[ERROR\]\t\S+Z\t[0-9a-f-]{36}\tcaught it$/);
    assert.equal(lines[1], 'Traceback (most recent call last):');
    assert.equal(lines[2], `  File "${path.join(ROOT, 'logs.py')}", line 23, in exception`);
    assert.equal(lines.at(-1), 'ZeroDivisionError: division by zero');
  });
});

test('logger.setLevel works, basicConfig is a no-op, context.log writes raw frames', async () => {
  await withRuntime({ handler: 'logs.set_level' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    const [f] = await framesAfter(rt, 1, 1);
    assert.equal(f.message.replace(/\t\S+Z\t/, '\tTS\t'), `[INFO]\tTS\t${r.requestId}\tnow visible\n`);
  });
  await withRuntime({ handler: 'logs.basic_config' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.json, 1);
    const [f] = await framesAfter(rt, 1, 1);
    assert.equal(f.message.replace(/\t\S+Z\t/, '\tTS\t'), `[WARNING]\tTS\t${r.requestId}\tstill lambda format\n`);
    assert.equal(rt.stderr(), '');
  });
  await withRuntime({ handler: 'app.context_log' }, async (rt) => {
    await within(rt.invoke({}), 'invoke');
    const [f] = await framesAfter(rt, 0, 1);
    assert.deepEqual([f.type, f.message], [0xa55a0003, 'via context.log\n']);
  });
});

test('logging imported only inside the handler still gets Lambda\'s handler', async () => {
  await withRuntime({ handler: 'app.late_logging' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.deepEqual(r.json, { loaded_before: false });
    const [f] = await framesAfter(rt, 0, 1);
    assert.equal(f.message.replace(/\t\S+Z\t/, '\tTS\t'), `[WARNING]\tTS\t${r.requestId}\tlate warning\n`);
  });
});

test('AWS_LAMBDA_LOG_LEVEL with text format: level filter and level bits in the frame type', async () => {
  await withRuntime({ handler: 'logs.levels', env: { AWS_LAMBDA_LOG_LEVEL: 'DEBUG' } }, async (rt) => {
    await within(rt.invoke({}), 'invoke');
    const frames = await framesAfter(rt, 1, 5);
    assert.deepEqual(frames.map((f) => f.message.split('\t')[0]), ['[DEBUG]', '[INFO]', '[WARNING]', '[ERROR]', '[CRITICAL]']);
    assert.deepEqual(frames.map((f) => f.type), [0xa55a000b, 0xa55a000f, 0xa55a0013, 0xa55a0017, 0xa55a001b]);
  });
});

test('JSON log format: records, levels, extra fields, exceptions, and the invoke error record', async () => {
  const env = { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'INFO' };
  await withRuntime({ handler: 'logs.levels', env }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    const frames = await framesAfter(rt, 1, 4);
    assert.deepEqual(frames.map((f) => f.type), [0xa55a000e, 0xa55a0012, 0xa55a0016, 0xa55a001a]);
    const records = frames.map((f) => {
      assert.ok(f.message.endsWith('}\n'));
      return JSON.parse(f.message);
    });
    assert.match(records[0].timestamp, new RegExp(`^${TS}$`));
    assert.deepEqual(
      records.map(({ timestamp, ...rest }) => rest),
      [
        { level: 'INFO', message: 'an info line', logger: 'root', requestId: r.requestId },
        { level: 'WARNING', message: 'a warning line', logger: 'root', requestId: r.requestId },
        { level: 'ERROR', message: 'an error line', logger: 'root', requestId: r.requestId },
        { level: 'CRITICAL', message: 'a critical line', logger: 'root', requestId: r.requestId },
      ],
    );
    // Keys in aws-lambda-ric's order.
    assert.deepEqual(Object.keys(JSON.parse(rt.frames()[0].message)), ['timestamp', 'level', 'message', 'logger', 'requestId']);
    assert.equal(JSON.parse(rt.frames()[0].message).requestId, '');
  });
  await withRuntime({ handler: 'logs.named', env }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    const [f] = await framesAfter(rt, 1, 1);
    const { timestamp, ...rest } = JSON.parse(f.message);
    assert.deepEqual(rest, { level: 'WARNING', message: 'named 7', logger: 'my.logger', requestId: r.requestId, orderId: 'o-1' });
  });
  await withRuntime({ handler: 'logs.exception', env }, async (rt) => {
    await within(rt.invoke({}), 'invoke');
    const [f] = await framesAfter(rt, 1, 1);
    const rec = JSON.parse(f.message);
    assert.equal(rec.errorType, 'ZeroDivisionError');
    assert.equal(rec.errorMessage, 'division by zero');
    assert.equal(rec.location, `${path.join(ROOT, 'logs.py')}:exception:25`);
    // traceback.format_tb of the interpreter, carets included (CPython >= 3.11), as aws-lambda-ric does.
    assert.deepEqual(rec.stackTrace, [`  File "${path.join(ROOT, 'logs.py')}", line 23, in exception\n    1 / 0\n    ~~^~~\n`]);
  });
  await withRuntime({ handler: 'app.fail', env }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    const [f] = await framesAfter(rt, 0, 1);
    assert.equal(f.type, 0xa55a0016);
    const rec = JSON.parse(f.message);
    assert.match(rec.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    assert.deepEqual(Object.keys(rec), ['timestamp', 'level', 'errorMessage', 'errorType', 'requestId', 'stackTrace']);
    assert.equal(rec.level, 'ERROR');
    assert.deepEqual(rec.stackTrace, r.json.stackTrace);
  });
  await withRuntime({ handler: 'logs.levels', env: { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' } }, async (rt) => {
    await within(rt.invoke({}), 'invoke');
    const frames = await framesAfter(rt, 1, 3);
    assert.deepEqual(frames.map((f) => JSON.parse(f.message).level), ['WARNING', 'ERROR', 'CRITICAL']);
  });
});

test('without the telemetry fd, records are lines on stdout', async () => {
  await withRuntime({ handler: 'logs.multiline', logFd: false }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    await until(() => rt.stdout().includes('second line'), 'stdout record');
    const lines = rt.stdout().split('\n');
    assert.match(lines[0], new RegExp(`^\\[WARNING\\]\\t${TS}\\t\\tlogged at init$`));
    assert.match(lines[1], new RegExp(`^\\[ERROR\\]\\t${TS}\\t${r.requestId}\\tfirst line$`));
    assert.equal(lines[2], 'second line');
  });
});

test('print() goes to stdout untouched and is not block-buffered', async () => {
  await withRuntime({ handler: 'app.print_then_sleep' }, async (rt) => {
    let done = false;
    const result = rt.invoke({}).then((r) => ((done = true), r));
    // The line is in the pipe while the handler still sleeps.
    await within(until(() => rt.stdout().includes('before sleep\n'), 'printed line'), 'printed line');
    assert.equal(done, false);
    await within(result, 'invoke');
    assert.equal(rt.frames().length, 0, 'print() never goes to the log fd');
  });
  await withRuntime({ handler: 'app.prints' }, async (rt) => {
    await within(rt.invoke({}), 'invoke');
    // A partial line is flushed before the result is posted.
    await within(until(() => rt.stdout().endsWith('no newline yet'), 'partial line'), 'partial line', 2000);
    assert.equal(rt.stdout(), 'line one\nmulti\nline\nno newline yet');
  });
});
