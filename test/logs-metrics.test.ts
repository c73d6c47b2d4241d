/**
 * Metrics: `GET /metrics` parses as Prometheus text with the right values after known invocations
 * (N invocations, M errors, one cold start, a throttle), `GET /_lambkin/stats` and `lambkin stats`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DeleteFunctionCommand } from '@aws-sdk/client-lambda';
import { REPO_ROOT, startLambkin, type Lambkin } from './helpers/server.js';
import { run, sdk } from './helpers/clients.js';
import { createBashFunction, eventually, invoke } from './fixtures/logs/functions.js';

const FN = 'metrics-fn';
let lk: Lambkin;

interface Sample { name: string; labels: Record<string, string>; value: number }
interface Exposition { samples: Sample[]; types: Map<string, string>; help: Map<string, string> }

/** A strict-enough parser of the Prometheus text format (version 0.0.4). */
function parseProm(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const sampleRe = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:\d+(?:\.\d+)?(?:e[-+]?\d+)?|NaN|Nan|\+Inf|-Inf))(?: \d+)?$/;
  const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/g;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# HELP (\S+) (.*)$/.exec(line);
    if (m) { help.set(m[1], m[2]); continue; }
    m = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) { types.set(m[1], m[2]); continue; }
    assert.ok(!line.startsWith('#'), `unexpected comment: ${line}`);
    m = sampleRe.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      let consumed = 0;
      for (const l of m[2].matchAll(labelRe)) {
        labels[l[1]] = l[2].replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
        consumed += l[0].length;
      }
      assert.equal(consumed, m[2].length, `bad labels in ${line}`);
    }
    const family = m[1].replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(m[1]) || types.has(family), `sample ${m[1]} has no TYPE`);
    samples.push({ name: m[1], labels, value: Number(m[3].replace('+Inf', 'Infinity')) });
  }
  return { samples, types, help };
}

async function scrape(): Promise<Exposition> {
  const res = await fetch(`${lk.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseProm(await res.text());
}

function value(e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const s = e.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value;
}

const fnLabels = { region: 'us-east-1', function: FN, version: '$LATEST' };

before(async () => {
  lk = await startLambkin({ env: { LAMBKIN_CONCURRENCY_LIMIT: '1' } });
  await createBashFunction(lk.url, FN, { MemorySize: 256 });
});

after(async () => {
  await lk?.stop();
});

test('/metrics: N invocations, M errors, one cold start, durations, environments and memory', async () => {
  const events = [{}, { fail: true }, {}, { fail: true }, {}];
  for (const e of events) {
    const r = await invoke(lk.url, FN, e);
    assert.equal(r.FunctionError, 'fail' in e ? 'Unhandled' : undefined);
  }
  const m = await scrape();
  assert.equal(m.types.get('lambkin_invocations_total'), 'counter');
  assert.equal(m.types.get('lambkin_duration_seconds'), 'histogram');
  assert.equal(m.types.get('lambkin_concurrent_executions'), 'gauge');
  assert.equal(value(m, 'lambkin_invocations_total', fnLabels), 5);
  assert.equal(value(m, 'lambkin_errors_total', fnLabels), 2);
  assert.equal(value(m, 'lambkin_cold_starts_total', fnLabels), 1);
  assert.equal(value(m, 'lambkin_throttles_total', fnLabels), undefined);
  assert.equal(value(m, 'lambkin_duration_seconds_count', fnLabels), 5);
  assert.ok(value(m, 'lambkin_duration_seconds_sum', fnLabels)! > 0);
  assert.equal(value(m, 'lambkin_duration_seconds_bucket', { ...fnLabels, le: '+Inf' }), 5);
  assert.equal(value(m, 'lambkin_init_duration_seconds_count', fnLabels), 1);
  assert.equal(value(m, 'lambkin_concurrent_executions', fnLabels), 0);
  assert.equal(value(m, 'lambkin_environments', { state: 'idle' }), 1);
  assert.equal(value(m, 'lambkin_environments', { state: 'busy' }), 0);
  assert.equal(value(m, 'lambkin_memory_committed_megabytes'), 256);
  // The prewarmed pool: 2 generic environments each for Node, Python and custom runtimes by default
  // (refilled after the one this bash function's cold start took).
  await eventually(async () => value(await scrape(), 'lambkin_environments', { state: 'prewarmed' }) === 6, 10_000, 'a full prewarmed pool');
  assert.ok(value(m, 'lambkin_log_stored_bytes')! > 0);
  assert.ok(value(m, 'lambkin_process_resident_memory_bytes')! > 0, 'process metrics too');
  // Buckets are cumulative.
  const buckets = m.samples.filter((s) => s.name === 'lambkin_duration_seconds_bucket' && s.labels.function === FN).map((s) => s.value);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i] >= buckets[i - 1]);
});

test('/metrics: concurrent executions while running, throttles beyond the limit', { timeout: 180_000 }, async () => {
  const slow = invoke(lk.url, FN, { sleep: true });
  await eventually(async () => value(await scrape(), 'lambkin_concurrent_executions', fnLabels) === 1, 5000, 'a running invocation');
  const busy = await scrape();
  assert.equal(value(busy, 'lambkin_environments', { state: 'busy' }), 1);
  await assert.rejects(invoke(lk.url, FN, {}), (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, 'TooManyRequestsException');
    return true;
  });
  await slow;
  const m = await scrape();
  assert.equal(value(m, 'lambkin_throttles_total', fnLabels), 1);
  assert.equal(value(m, 'lambkin_concurrent_executions', fnLabels), 0);
  assert.equal(value(m, 'lambkin_invocations_total', fnLabels), 6, 'throttled requests are not invocations');
});

test('/_lambkin/stats and lambkin stats: the last minutes with percentiles and rates', async () => {
  const res = await fetch(`${lk.url}/_lambkin/stats?function=${FN}&minutes=5`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { windowMinutes: number; functions: any[] };
  assert.equal(body.windowMinutes, 5);
  assert.equal(body.functions.length, 1);
  const f = body.functions[0];
  assert.equal(f.functionName, FN);
  assert.equal(f.invocations, 6);
  assert.equal(f.errors, 2);
  assert.equal(f.throttles, 1);
  assert.equal(f.coldStarts, 1);
  assert.equal(f.errorRate, 2 / 6);
  assert.equal(f.coldStartRate, 1 / 6);
  assert.ok(f.duration.p50 <= f.duration.p90 && f.duration.p90 <= f.duration.p99 && f.duration.p99 <= f.duration.max);
  assert.ok(f.duration.max >= 1000, 'the sleeping invocation took over a second');
  assert.deepEqual(f.byVersion, { $LATEST: 6 });
  assert.deepEqual(f.errorTypes, { 'Function.Failed': 2 });

  const bad = await fetch(`${lk.url}/_lambkin/stats?minutes=0`);
  assert.equal(bad.status, 400);

  const cli = await run(process.execPath, [path.join(REPO_ROOT, 'bin/lambkin.js'), 'stats', FN, '--endpoint-url', lk.url]);
  assert.equal(cli.code, 0, cli.stderr);
  const lines = cli.stdout.split('\n');
  const header = lines.findIndex((l) => l.startsWith('FUNCTION'));
  assert.ok(header >= 0, cli.stdout);
  assert.match(lines[header], /INVOCATIONS\s+ERRORS\s+ERROR%\s+THROTTLES\s+COLD%\s+P50 ms\s+P90 ms\s+P99 ms/);
  const row = lines[header + 1].split(/\s+/);
  assert.deepEqual(row.slice(0, 6), [FN, '6', '2', '33.3%', '1', '16.7%']);
  assert.match(cli.stdout, /errors: Function\.Failed: 2/);

  const none = await run(process.execPath, [path.join(REPO_ROOT, 'bin/lambkin.js'), 'stats', 'other-fn', '--endpoint-url', lk.url]);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /no invocations of other-fn in the last 5 minute/);
});

test('a deleted function leaves no series behind', async () => {
  await sdk(lk.url).send(new DeleteFunctionCommand({ FunctionName: FN }));
  const m = await scrape();
  assert.equal(m.samples.filter((s) => s.labels.function === FN).length, 0);
  assert.equal(value(m, 'lambkin_memory_committed_megabytes'), 0, 'its environments are gone');
});
