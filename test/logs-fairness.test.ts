/**
 * Logs fairness under a real flood: a function in a real sandbox writes to its log as fast as it can
 * for seconds (budgets scaled down by config) while other functions log normally and an older log
 * group holds history. Afterwards every event of the other groups is there (counted through the
 * Logs API with the JS SDK), the flooder's group holds at most its budget, its stream carries the
 * LOGS_DROPPED notice, the metrics count its drops, and the others' invokes succeeded during the flood.
 * Also: PutLogEvents beyond a group's budget is refused with ThrottlingException, storing nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
  type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { CREDS_ENV, sdk } from './helpers/clients.js';
import { bashRuntime, createFunction, invoke } from './helpers/functions.js';
import { eventually } from './fixtures/logs/functions.js';

const CAP = 800_000;
const GROUP_MAX = 600_000;
const RATE = 100_000;
const BURST = 400_000;
const FLOOD_SECONDS = 8;
const CALM = ['calm-1', 'calm-2', 'calm-3'];
const HISTORY_EVENTS = 300;

/** `yes` writes 200-byte lines to the function's log (stderr) as fast as the pipe takes them. */
const FLOODER = bashRuntime(`
  timeout ${FLOOD_SECONDS} yes "$(head -c 200 /dev/zero | tr '\\0' x)" >&2
  echo '"flooded"'
`);
const CALM_FN = bashRuntime(`
  for j in 1 2 3; do echo "calm $AWS_LAMBDA_FUNCTION_NAME $REQUEST_ID line $j" >&2; done
  echo '"calm"'
`);

describe('logs fairness: one function floods its log', { concurrency: false }, () => {
  let lk: Lambkin;
  let lambda: LambdaClient;
  let logs: CloudWatchLogsClient;
  let configDir: string;

  before(async () => {
    configDir = mkdtempSync(path.join(tmpdir(), 'lambkin-logs-fairness-'));
    const config = path.join(configDir, 'config.json');
    writeFileSync(config, JSON.stringify({
      logMaxBytes: CAP, logGroupMaxBytes: GROUP_MAX, logRateBytesPerSec: RATE, logBurstBytes: BURST,
      logDropNoticeMs: 500, logRetentionSweepMs: 200,
    }));
    lk = await startLambkin({ args: ['--config', config], env: { LAMBKIN_INIT_TIMEOUT_MS: '60000' } });
    assert.match(lk.output(), /sandbox: bubblewrap/, `server is not sandboxed:\n${lk.output()}`);
    lambda = sdk(lk.url);
    logs = new CloudWatchLogsClient({
      endpoint: lk.url,
      region: 'us-east-1',
      credentials: { accessKeyId: CREDS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: CREDS_ENV.AWS_SECRET_ACCESS_KEY },
      maxAttempts: 1,
    });
  });

  after(async () => {
    lambda?.destroy();
    logs?.destroy();
    await lk?.stop();
    rmSync(configDir, { recursive: true, force: true });
  });

  async function allEvents(group: string): Promise<FilteredLogEvent[]> {
    const out: FilteredLogEvent[] = [];
    let nextToken: string | undefined;
    do {
      const r = await logs.send(new FilterLogEventsCommand({ logGroupName: group, nextToken }));
      out.push(...(r.events ?? []));
      nextToken = r.nextToken;
    } while (nextToken);
    return out;
  }

  async function scrape(): Promise<string> {
    return (await fetch(`${lk.url}/metrics`)).text();
  }

  const metric = (text: string, name: string, group: string): number | undefined => {
    const m = new RegExp(`^${name}\\{region="us-east-1",log_group="${group.replace(/\//g, '\\/')}"\\} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };

  it('the others keep every event, the flooder holds at most its budget and is told what it lost', { timeout: 240_000 }, async (t) => {
    await createFunction(lambda, 'flooder', await FLOODER, { Timeout: 60, MemorySize: 512 });
    for (const name of CALM) await createFunction(lambda, name, await CALM_FN, { Timeout: 30 });

    // Older history in another group: with oldest-first eviction it would be the first to go.
    const t0 = Date.now() - 10 * 60_000;
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/history' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/history', logStreamName: 's' }));
    await logs.send(new PutLogEventsCommand({
      logGroupName: '/history',
      logStreamName: 's',
      logEvents: Array.from({ length: HISTORY_EVENTS }, (_x, i) => ({ timestamp: t0 + i, message: `history ${i} ${'h'.repeat(990)}` })),
    }));

    const started = Date.now();
    let flooding = true;
    const flood = invoke(lambda, 'flooder').finally(() => (flooding = false));
    const calmDuringFlood: { name: string; requestId: string; ok: boolean }[] = [];
    const durations: number[] = [];
    // Invokes of the others while the flood runs (each invoke is one request id to find later).
    while (flooding) {
      for (const name of CALM) {
        const t1 = Date.now();
        const r = await invoke(lambda, name);
        durations.push(Date.now() - t1);
        const requestId = /calm (\S+) (\S+) line 1/.exec(r.log)?.[2] ?? '';
        calmDuringFlood.push({ name, requestId, ok: r.status === 200 && r.functionError === undefined && r.text === '"calm"' });
      }
      // Normal logging, not a second flood: the others' own total stays well under the cap.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const flooded = await flood;
    const elapsedSec = (Date.now() - started) / 1000;
    assert.equal(flooded.functionError, undefined, flooded.text);
    assert.ok(calmDuringFlood.length >= CALM.length, `only ${calmDuringFlood.length} invokes of the others during the flood`);
    assert.deepEqual(calmDuringFlood.filter((c) => !c.ok), [], 'every invoke of the others during the flood succeeded');

    // For the report: the same invokes without a flood.
    const quiet: number[] = [];
    for (const name of CALM) {
      const t1 = Date.now();
      assert.equal((await invoke(lambda, name)).text, '"calm"');
      quiet.push(Date.now() - t1);
    }
    t.diagnostic(`invokes of the others after the flood (ms): ${quiet.join(' ')}`);

    const FG = '/aws/lambda/flooder';
    const state = await eventually(async () => {
      const groups = (await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? [];
      const bytes = Object.fromEntries(groups.map((g) => [g.logGroupName!, g.storedBytes ?? 0]));
      const total = Object.values(bytes).reduce((a, b) => a + b, 0);
      const notices = (await allEvents(FG)).filter((e) => e.message!.startsWith('LOGS_DROPPED'));
      return total <= CAP && bytes[FG] <= GROUP_MAX && notices.length > 0 ? { bytes, total, notices } : undefined;
    }, 60_000, 'the budgets to be enforced and the notice written');

    // Every event of every other group is there.
    const history = await allEvents('/history');
    assert.equal(history.length, HISTORY_EVENTS, 'the older history is all there');
    assert.deepEqual(history.map((e) => Number(e.message!.split(' ')[1])), Array.from({ length: HISTORY_EVENTS }, (_x, i) => i));
    let calmEvents = 0;
    for (const name of CALM) {
      const events = await allEvents(`/aws/lambda/${name}`);
      calmEvents += events.length;
      const invoked = calmDuringFlood.filter((c) => c.name === name);
      for (const c of invoked) {
        for (const j of [1, 2, 3]) {
          assert.ok(events.some((e) => e.message === `calm ${name} ${c.requestId} line ${j}\n`), `${name} ${c.requestId} line ${j} is missing`);
        }
      }
      assert.equal(events.filter((e) => e.message!.startsWith('REPORT RequestId')).length, invoked.length + 1, `${name}: one REPORT per invoke`);
      assert.equal(events.filter((e) => e.message!.startsWith('START RequestId')).length, invoked.length + 1);
      assert.equal(events.filter((e) => e.message!.startsWith('LOGS_DROPPED')).length, 0, `${name} was not throttled`);
    }

    // The flooder: within its share, and told how many lines it lost and why.
    const others = state.total - state.bytes[FG];
    assert.ok(state.bytes[FG] <= Math.min(GROUP_MAX, CAP - others), `flooder holds ${state.bytes[FG]} bytes`);
    const dropped = state.notices.reduce((n, e) => n + Number(/DroppedRecords: (\d+)/.exec(e.message!)![1]), 0);
    assert.ok(dropped > 0);
    assert.match(state.notices[0].message!, /^LOGS_DROPPED DroppedRecords: \d+\tDroppedBytes: \d+\tReason: The function's log output exceeded its log group's budget of 100000 bytes per second \(burst 400000 bytes\); \d+ log events written since the last notice were dropped\.\n$/);

    const m = await scrape();
    const throttled = metric(m, 'lambkin_log_group_throttled_events_total', FG)!;
    const throttledBytes = metric(m, 'lambkin_log_group_throttled_bytes_total', FG)!;
    const evicted = metric(m, 'lambkin_log_group_evicted_bytes_total', FG) ?? 0;
    assert.ok(throttled >= dropped, `metrics count ${throttled} throttled events, notices ${dropped}`);
    assert.ok(throttledBytes >= throttled * 200);
    for (const name of CALM) assert.equal(metric(m, 'lambkin_log_group_throttled_events_total', `/aws/lambda/${name}`), undefined);
    assert.equal(metric(m, 'lambkin_log_group_evicted_events_total', '/history'), undefined, 'nothing of the history was evicted');
    // What the flooder got in (kept + evicted) is what its budget allows over the flood's duration.
    // (Platform lines — START, END, REPORT — are never refused: a few hundred bytes on top.)
    const admitted = state.bytes[FG] + evicted;
    assert.ok(admitted <= BURST + RATE * elapsedSec + 2048, `admitted ${admitted} bytes in ${elapsedSec} s`);
    // However much it lost, the flooder's invocation is accounted for in its own log.
    const floodRequest = /^REPORT RequestId: (\S+)/m;
    const flooderEvents = await allEvents(FG);
    assert.ok(flooderEvents.some((e) => floodRequest.test(e.message!) && e.message!.includes('Duration')), 'the flooder keeps its REPORT line');

    t.diagnostic(`flood ${elapsedSec.toFixed(1)} s: flooder dropped ${throttled} events (${throttledBytes} bytes), admitted ${admitted} bytes, holds ${state.bytes[FG]}; ` +
      `others kept ${history.length + calmEvents} of ${history.length + calmEvents} events (${others} bytes); total stored ${state.total} of ${CAP}; ` +
      `${calmDuringFlood.length} invokes of the others during the flood, all ok (ms: ${durations.join(' ')})`);
  });

  it('PutLogEvents beyond the group budget: ThrottlingException, nothing stored', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/api-flood' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/api-flood', logStreamName: 's' }));
    const batch = (k: number) => Array.from({ length: 150 }, (_x, i) => ({ timestamp: Date.now(), message: `batch ${k} event ${i} ${'p'.repeat(950)}` }));
    let accepted = 0;
    let throttled: Error | undefined;
    // 150 kB a call against a 400 kB burst refilled at 100 kB/s: refused within a few calls.
    for (; accepted < 30 && !throttled; accepted++) {
      try {
        await logs.send(new PutLogEventsCommand({ logGroupName: '/api-flood', logStreamName: 's', logEvents: batch(accepted) }));
      } catch (err) {
        throttled = err as Error;
        break;
      }
    }
    assert.ok(throttled, 'never throttled');
    assert.ok(accepted >= 2, `throttled after ${accepted} batches: the burst holds two`);
    assert.equal(throttled.name, 'ThrottlingException');
    assert.equal(throttled.message, 'Rate exceeded');
    const stored = await allEvents('/api-flood');
    assert.ok(stored.some((e) => e.message!.startsWith(`batch ${accepted - 1} `)), 'the last accepted batch is stored');
    assert.ok(!stored.some((e) => e.message!.startsWith(`batch ${accepted} `)), 'the refused batch left nothing');
  });
});
