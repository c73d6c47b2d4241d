/**
 * Log storage stays bounded on a real server: PutRetentionPolicy is enforced by the background sweep
 * (`logRetentionSweepMs`), and the total is capped by `logMaxBytes` (oldest events dropped first)
 * without the database file growing with everything ever written.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { boto3 } from './helpers/clients.js';
import { createBashFunction, eventually, invoke } from './fixtures/logs/functions.js';

const MAX_BYTES = 200_000;
let lk: Lambkin;
let configDir: string;

async function py<T = any>(script: string): Promise<T> {
  const r = await boto3(lk.url, script);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

before(async () => {
  configDir = mkdtempSync(path.join(tmpdir(), 'lambkin-logs-config-'));
  const config = path.join(configDir, 'config.json');
  writeFileSync(config, JSON.stringify({ logRetentionSweepMs: 200, logMaxBytes: MAX_BYTES }));
  lk = await startLambkin({ args: ['--config', config] });
});

after(async () => {
  await lk?.stop();
  rmSync(configDir, { recursive: true, force: true });
});

test('PutRetentionPolicy: the sweep deletes events older than the retention period', { timeout: 180_000 }, async () => {
  const now = Date.now();
  await py(`
logs_client.create_log_group(logGroupName='/retained')
logs_client.create_log_stream(logGroupName='/retained', logStreamName='s')
logs_client.put_log_events(logGroupName='/retained', logStreamName='s', logEvents=
  [{'timestamp': ${now} - 3 * 86400000 + i, 'message': 'old %d' % i} for i in range(50)] +
  [{'timestamp': ${now} - 1000 + i, 'message': 'new %d' % i} for i in range(5)])
print(json.dumps({}))
`);
  const before = await py(`print(json.dumps(len(logs_client.filter_log_events(logGroupName='/retained')['events'])))`);
  assert.equal(before, 55, 'without a policy, nothing expires');
  await py(`logs_client.put_retention_policy(logGroupName='/retained', retentionInDays=1); print('{}')`);
  const left = await eventually(async () => {
    const o = await py<{ messages: string[]; first: number; group: any }>(`
print(json.dumps({'messages': [e['message'] for e in logs_client.filter_log_events(logGroupName='/retained')['events']],
  'first': logs_client.describe_log_streams(logGroupName='/retained')['logStreams'][0]['firstEventTimestamp'],
  'group': logs_client.describe_log_groups(logGroupNamePrefix='/retained')['logGroups'][0]}))
`);
    return o.messages.length === 5 ? o : undefined;
  }, 10_000, 'the sweep');
  assert.deepEqual(left.messages, ['new 0', 'new 1', 'new 2', 'new 3', 'new 4']);
  assert.equal(left.first, now - 1000);
  assert.equal(left.group.retentionInDays, 1);
  assert.equal(left.group.storedBytes, 5 * 5);
});

test('logMaxBytes: the oldest events go first, the newest stay, and the database file stays small', { timeout: 180_000 }, async () => {
  // About 3 MB through a 200 kB cap: PutLogEvents batches, then a function's own output.
  const now = Date.now();
  await py(`
logs_client.create_log_group(logGroupName='/flood')
logs_client.create_log_stream(logGroupName='/flood', logStreamName='s')
for batch in range(6):
    logs_client.put_log_events(logGroupName='/flood', logStreamName='s', logEvents=
      [{'timestamp': ${now} - 100000 + batch * 1000 + i, 'message': ('%d-%d ' % (batch, i)) + 'x' * 2000} for i in range(250)])
print('{}')
`);
  await createBashFunction(lk.url, 'cap-fn');
  const last = await invoke(lk.url, 'cap-fn', { lines: true });
  const state = await eventually(async () => {
    const o = await py<{ bytes: number[]; flood: string[]; fn: string[] }>(`
groups = logs_client.describe_log_groups()['logGroups']
print(json.dumps({'bytes': [g['storedBytes'] for g in groups],
  'flood': [e['message'][:8] for e in logs_client.filter_log_events(logGroupName='/flood')['events']],
  'fn': [e['message'] for e in logs_client.filter_log_events(logGroupName='/aws/lambda/cap-fn')['events']]}))
`);
    const total = o.bytes.reduce((a, b) => a + b, 0);
    return total <= MAX_BYTES && o.fn.some((m) => m.startsWith('REPORT')) ? o : undefined;
  }, 20_000, 'the cap');
  const total = state.bytes.reduce((a, b) => a + b, 0);
  assert.ok(total <= MAX_BYTES, `stored ${total} bytes`);
  assert.ok(state.flood.length > 0 && state.flood.length < 100, `${state.flood.length} flood events left`);
  assert.ok(state.flood.every((m) => m.startsWith('5-')), 'only the newest batch survives');
  assert.ok(state.fn.includes(`hello from ${last.$metadata.requestId}\n`), 'the function logs written after the flood survive');

  const metrics = await (await fetch(`${lk.url}/metrics`)).text();
  const capped = Number(/^lambkin_log_events_capped_total (\d+)/m.exec(metrics)?.[1]);
  assert.ok(capped >= 1400, `capped ${capped}`);
  assert.match(metrics, /^lambkin_log_stored_bytes \d+$/m);

  // The freed space goes back to the file system (incremental vacuum + WAL truncation).
  await eventually(() => {
    const db = statSync(path.join(lk.dataDir, 'lambkin.db')).size;
    let wal = 0;
    try {
      wal = statSync(path.join(lk.dataDir, 'lambkin.db-wal')).size;
    } catch {
      /* no WAL right now */
    }
    return db + wal < 2_500_000;
  }, 10_000, 'the database file to shrink');
});
