/**
 * The CloudWatch Logs API on the Lambda endpoint, through real clients: boto3's logs client and the
 * aws CLI v1. A bash function (provided.al2023) writes the logs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudWatchLogsClient, DescribeLogStreamsCommand, FilterLogEventsCommand, GetLogEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-cloudwatch-logs';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { aws, boto3, CREDS_ENV } from './helpers/clients.js';
import { createBashFunction, eventually, invoke } from './fixtures/logs/functions.js';

let lk: Lambkin;
const G = '/aws/lambda/logs-api-fn';
const requestIds: string[] = [];

/** Runs a boto3 script and returns the JSON it printed. */
async function py<T = any>(script: string): Promise<T> {
  const r = await boto3(lk.url, script);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

before(async () => {
  lk = await startLambkin();
  await createBashFunction(lk.url, 'logs-api-fn');
  for (const event of [{ n: 1 }, { fail: true }, { json: true, lines: true }]) {
    const r = await invoke(lk.url, 'logs-api-fn', event);
    requestIds.push(r.$metadata.requestId!);
  }
});

after(async () => {
  await lk?.stop();
});

test('boto3: describe_log_groups and describe_log_streams show the function group and its stream', async () => {
  const out = await py(`
groups = logs_client.describe_log_groups(logGroupNamePrefix='/aws/lambda/logs-api')['logGroups']
streams = logs_client.describe_log_streams(logGroupName=${JSON.stringify(G)})['logStreams']
ordered = logs_client.describe_log_streams(logGroupName=${JSON.stringify(G)}, orderBy='LastEventTime', descending=True)['logStreams']
none = logs_client.describe_log_groups(logGroupNamePrefix='/nothing/here')['logGroups']
pattern = logs_client.describe_log_groups(logGroupNamePattern='API-FN')['logGroups']
print(json.dumps({'groups': groups, 'streams': streams, 'ordered': len(ordered), 'none': none, 'pattern': [g['logGroupName'] for g in pattern]}))
`);
  assert.equal(out.groups.length, 1);
  const g = out.groups[0];
  assert.equal(g.logGroupName, G);
  assert.equal(g.arn, `arn:aws:logs:us-east-1:000000000000:log-group:${G}:*`);
  assert.equal(g.logGroupArn, `arn:aws:logs:us-east-1:000000000000:log-group:${G}`);
  assert.ok(g.storedBytes > 0);
  assert.equal(typeof g.creationTime, 'number');
  assert.equal(g.retentionInDays, undefined);
  assert.equal(out.streams.length, 1, 'sequential invocations share one environment, so one stream');
  const s = out.streams[0];
  assert.match(s.logStreamName, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  assert.ok(s.firstEventTimestamp <= s.lastEventTimestamp);
  assert.ok(s.lastIngestionTime >= s.lastEventTimestamp);
  assert.equal(out.ordered, 1);
  assert.deepEqual(out.none, []);
  assert.deepEqual(out.pattern, [G]);
});

test('boto3: get_log_events returns lines as Lambda stores them, and pages with f/ and b/ tokens', async () => {
  const out = await py(`
g = ${JSON.stringify(G)}
s = logs_client.describe_log_streams(logGroupName=g)['logStreams'][0]['logStreamName']
full = logs_client.get_log_events(logGroupName=g, logStreamName=s, startFromHead=True)
# forward, two at a time, until the token repeats
fwd, token, pages = [], None, 0
while True:
    kw = dict(logGroupName=g, logStreamName=s, limit=2, startFromHead=True)
    if token: kw['nextToken'] = token
    r = logs_client.get_log_events(**kw)
    fwd += [e['message'] for e in r['events']]
    pages += 1
    if r['nextForwardToken'] == token: break
    token = r['nextForwardToken']
# backward from the newest page
tail = logs_client.get_log_events(logGroupName=g, logStreamName=s, limit=2)
back = [e['message'] for e in tail['events']]
token = tail['nextBackwardToken']
while True:
    r = logs_client.get_log_events(logGroupName=g, logStreamName=s, limit=2, nextToken=token)
    back = [e['message'] for e in r['events']] + back
    if r['nextBackwardToken'] == token: break
    token = r['nextBackwardToken']
print(json.dumps({'full': full, 'fwd': fwd, 'pages': pages, 'tail': [e['message'] for e in tail['events']], 'back': back,
                  'fwdToken': full['nextForwardToken'], 'backToken': full['nextBackwardToken']}))
`);
  const messages: string[] = out.full.events.map((e: { message: string }) => e.message);
  assert.match(messages[0], /^INIT_START Runtime Version: provided:al2023\.v1\tRuntime Version ARN: /);
  assert.equal(messages[1], 'init: starting logs-api-fn\n');
  assert.equal(messages[2], `START RequestId: ${requestIds[0]} Version: $LATEST\n`);
  assert.ok(messages.includes(`hello from ${requestIds[0]}\n`));
  assert.ok(messages.includes('event: {"n":1}\n'), 'stderr lines are captured too');
  // Raw stdout is split into one event per line, each with its line end (JSON printed by the function too).
  const one = messages.indexOf('one\n');
  assert.deepEqual(messages.slice(one, one + 3), ['one\n', 'two\n', 'three\n']);
  assert.ok(messages.includes('{"level":"ERROR","msg":"json line","latency":250}\n'));
  assert.equal(messages.filter((m) => m.startsWith('REPORT ')).length, 3);
  assert.match(messages[messages.length - 1], new RegExp(`^REPORT RequestId: ${requestIds[2]}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\t\\n$`));
  assert.ok(messages.some((m) => /^REPORT RequestId: .*\tStatus: error\tError Type: Function\.Failed\n$/.test(m)));
  for (const e of out.full.events) {
    assert.equal(typeof e.timestamp, 'number');
    assert.ok(e.ingestionTime >= e.timestamp);
  }
  // Timestamps never go backwards within a stream.
  for (let i = 1; i < out.full.events.length; i++) assert.ok(out.full.events[i].timestamp >= out.full.events[i - 1].timestamp);
  assert.match(out.fwdToken, /^f\/\d{56}\/s$/);
  assert.match(out.backToken, /^b\/\d{56}\/s$/);
  assert.deepEqual(out.fwd, messages);
  assert.ok(out.pages >= Math.ceil(messages.length / 2));
  assert.deepEqual(out.tail, messages.slice(-2));
  assert.deepEqual(out.back, messages);
});

test('boto3: filter_log_events with patterns, stream selection, time windows and pagination', async () => {
  const out = await py(`
g = ${JSON.stringify(G)}
def msgs(**kw):
    return [e['message'] for e in logs_client.filter_log_events(logGroupName=g, **kw)['events']]
s = logs_client.describe_log_streams(logGroupName=g)['logStreams'][0]['logStreamName']
everything = logs_client.filter_log_events(logGroupName=g)
evs = everything['events']
mid = evs[len(evs)//2]['timestamp']
pages, ids, tokens = [], [], []
kw = dict(logGroupName=g, limit=3)
while True:
    r = logs_client.filter_log_events(**kw)
    pages.append(len(r['events']))
    ids += [e['eventId'] for e in r['events']]
    if 'nextToken' not in r: break
    tokens.append(r['nextToken'])
    kw['nextToken'] = r['nextToken']
paginated = [e['eventId'] for p in logs_client.get_paginator('filter_log_events').paginate(logGroupName=g, PaginationConfig={'PageSize': 4}) for e in p['events']]
print(json.dumps({
  'all': [e['message'] for e in evs], 'allIds': [e['eventId'] for e in evs], 'hasToken': 'nextToken' in everything,
  'again': [e['eventId'] for e in logs_client.filter_log_events(logGroupName=g)['events']],
  'streams': sorted(set(e['logStreamName'] for e in evs)), 'stream': s,
  'hello': msgs(filterPattern='hello'),
  'either': msgs(filterPattern='?"failing on purpose" ?three'),
  'excl': msgs(filterPattern='RequestId -START -END'),
  'phrase': msgs(filterPattern='"Error Type: Function.Failed"'),
  'jsonEq': msgs(filterPattern='{ $.level = "ERROR" }'),
  'jsonAnd': msgs(filterPattern='{ $.latency > 100 && $.msg = "json*" }'),
  'jsonOr': msgs(filterPattern='{ $.latency < 100 || $.level = "WARN" }'),
  'regex': msgs(filterPattern='%^(START|END) %'),
  'named': msgs(logStreamNames=[s], filterPattern='"START RequestId"'),
  'prefix': msgs(logStreamNamePrefix=s[:11], filterPattern='"START RequestId"'),
  'noPrefix': msgs(logStreamNamePrefix='1999/'),
  'from': msgs(startTime=mid), 'until': msgs(endTime=mid), 'mid': mid,
  'pages': pages, 'ids': ids, 'paginated': paginated,
}))
`);
  const n = out.all.length;
  assert.ok(n >= 20, `expected at least 20 events, got ${n}`);
  assert.equal(out.hasToken, false, 'one page: no nextToken');
  assert.deepEqual(out.again, out.allIds, 'eventIds are stable');
  assert.equal(new Set(out.allIds).size, n, 'eventIds are unique');
  assert.deepEqual(out.streams, [out.stream]);
  assert.deepEqual(out.hello, requestIds.map((id) => `hello from ${id}\n`));
  assert.deepEqual(out.either, ['ERROR: failing on purpose\n', 'three\n']);
  assert.equal(out.excl.length, 3);
  assert.ok(out.excl.every((m: string) => m.startsWith('REPORT ')));
  assert.equal(out.phrase.length, 1);
  assert.deepEqual(out.jsonEq, ['{"level":"ERROR","msg":"json line","latency":250}\n']);
  assert.deepEqual(out.jsonAnd, out.jsonEq);
  assert.deepEqual(out.jsonOr, []);
  assert.equal(out.regex.length, 6);
  assert.equal(out.named.length, 3);
  assert.equal(out.prefix.length, 3);
  assert.deepEqual(out.noPrefix, []);
  assert.ok(out.from.length > 0 && out.until.length > 0);
  assert.ok(out.from.length + out.until.length >= n, 'startTime and endTime are inclusive');
  // Manual paging: every page but the last is full, and the last has no nextToken.
  assert.deepEqual(out.ids, out.allIds);
  assert.ok(out.pages.slice(0, -1).every((p: number) => p === 3));
  assert.ok(out.pages[out.pages.length - 1] >= 1, 'no empty trailing page');
  assert.deepEqual(out.paginated, out.allIds);
});

test('boto3: errors are CloudWatch-shaped (codes, messages, HTTP 400)', async () => {
  const out = await py(`
def err(fn, **kw):
    try:
        fn(**kw)
        return None
    except logs_client.exceptions.ClientError as e:
        return [e.response['Error']['Code'], e.response['Error']['Message'], e.response['ResponseMetadata']['HTTPStatusCode']]
print(json.dumps({
  'noGroup': err(logs_client.filter_log_events, logGroupName='/aws/lambda/missing'),
  'noGroupGet': err(logs_client.get_log_events, logGroupName='/aws/lambda/missing', logStreamName='x'),
  'noStream': err(logs_client.get_log_events, logGroupName=${JSON.stringify(G)}, logStreamName='nope'),
  'badRetention': err(logs_client.put_retention_policy, logGroupName=${JSON.stringify(G)}, retentionInDays=2),
  'retentionNoGroup': err(logs_client.put_retention_policy, logGroupName='/nope', retentionInDays=1),
  'exists': err(logs_client.create_log_group, logGroupName=${JSON.stringify(G)}),
  'badName': err(logs_client.create_log_group, logGroupName='bad name!'),
  'orderPrefix': err(logs_client.describe_log_streams, logGroupName=${JSON.stringify(G)}, orderBy='LastEventTime', logStreamNamePrefix='2'),
  'badPattern': err(logs_client.filter_log_events, logGroupName=${JSON.stringify(G)}, filterPattern='{ $.a = '),
  'badToken': err(logs_client.filter_log_events, logGroupName=${JSON.stringify(G)}, nextToken='garbage'),
  'deleteMissing': err(logs_client.delete_log_group, logGroupName='/nope'),
}))
`);
  assert.deepEqual(out.noGroup, ['ResourceNotFoundException', 'The specified log group does not exist.', 400]);
  assert.deepEqual(out.noGroupGet, ['ResourceNotFoundException', 'The specified log group does not exist.', 400]);
  assert.deepEqual(out.noStream, ['ResourceNotFoundException', 'The specified log stream does not exist.', 400]);
  assert.equal(out.badRetention[0], 'InvalidParameterException');
  assert.match(out.badRetention[1], /Member must satisfy enum value set: \[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653\]/);
  assert.equal(out.retentionNoGroup[0], 'ResourceNotFoundException');
  assert.deepEqual(out.exists, ['ResourceAlreadyExistsException', 'The specified log group already exists', 400]);
  assert.equal(out.badName[0], 'InvalidParameterException');
  assert.deepEqual(out.orderPrefix.slice(0, 2), ['InvalidParameterException', 'Cannot order by LastEventTime with a logStreamNamePrefix.']);
  assert.equal(out.badPattern[0], 'InvalidParameterException');
  assert.equal(out.badToken[0], 'InvalidParameterException');
  assert.equal(out.deleteMissing[0], 'ResourceNotFoundException');

  // The raw wire shape.
  const res = await fetch(lk.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Logs_20140328.DescribeLogStreams' },
    body: JSON.stringify({ logGroupName: '/aws/lambda/missing' }),
  });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('content-type'), 'application/x-amz-json-1.1');
  assert.deepEqual(await res.json(), { __type: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
});

test('boto3: create a group and stream, put events, retention policies, delete', async () => {
  const now = Date.now();
  const out = await py(`
g = 'custom/app-logs'
logs_client.create_log_group(logGroupName=g)
logs_client.create_log_stream(logGroupName=g, logStreamName='s1')
now = ${now}
put = logs_client.put_log_events(logGroupName=g, logStreamName='s1', logEvents=[
  {'timestamp': now - 20 * 86400000, 'message': 'too old'},
  {'timestamp': now - 1000, 'message': 'first'},
  {'timestamp': now, 'message': 'second line'},
])
got = logs_client.get_log_events(logGroupName=g, logStreamName='s1', startFromHead=True)['events']
logs_client.put_retention_policy(logGroupName=g, retentionInDays=7)
with_retention = logs_client.describe_log_groups(logGroupNamePrefix=g)['logGroups'][0]
logs_client.delete_retention_policy(logGroupName=g)
without = logs_client.describe_log_groups(logGroupNamePrefix=g)['logGroups'][0]
unordered = None
try:
    logs_client.put_log_events(logGroupName=g, logStreamName='s1', logEvents=[{'timestamp': now, 'message': 'b'}, {'timestamp': now - 5, 'message': 'a'}])
except logs_client.exceptions.InvalidParameterException as e:
    unordered = e.response['Error']['Message']
logs_client.delete_log_stream(logGroupName=g, logStreamName='s1')
streams_after = logs_client.describe_log_streams(logGroupName=g)['logStreams']
logs_client.delete_log_group(logGroupName=g)
after = logs_client.describe_log_groups(logGroupNamePrefix=g)['logGroups']
print(json.dumps({'put': put, 'got': [[e['timestamp'], e['message']] for e in got], 'ret': with_retention.get('retentionInDays'),
                  'noret': 'retentionInDays' in without, 'unordered': unordered, 'streamsAfter': streams_after, 'after': after}))
`);
  assert.deepEqual(out.put.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 1 });
  assert.deepEqual(out.got, [[now - 1000, 'first'], [now, 'second line']], 'PutLogEvents messages are stored verbatim');
  assert.equal(out.ret, 7);
  assert.equal(out.noret, false);
  assert.match(out.unordered, /chronological order/);
  assert.deepEqual(out.streamsAfter, []);
  assert.deepEqual(out.after, []);
});

test('aws CLI v1: logs filter-log-events (auto-paginated) and describe-*', async () => {
  const filtered = await aws(lk.url, ['logs', 'filter-log-events', '--log-group-name', G, '--filter-pattern', 'hello', '--page-size', '2']);
  assert.equal(filtered.code, 0, filtered.stderr);
  const f = JSON.parse(filtered.stdout);
  assert.deepEqual(f.events.map((e: { message: string }) => e.message), requestIds.map((id) => `hello from ${id}\n`));
  assert.ok(f.events.every((e: { eventId: string; logStreamName: string }) => /^\d{56}$/.test(e.eventId) && e.logStreamName.includes('[$LATEST]')));
  assert.equal(f.nextToken, undefined);

  const text = await aws(lk.url, ['logs', 'filter-log-events', '--log-group-name', G, '--filter-pattern', '{ $.level = "ERROR" }', '--output', 'text', '--query', 'events[].message']);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.stdout.trim(), '{"level":"ERROR","msg":"json line","latency":250}');

  const groups = await aws(lk.url, ['logs', 'describe-log-groups', '--query', 'logGroups[].logGroupName', '--output', 'text']);
  assert.equal(groups.code, 0, groups.stderr);
  assert.ok(groups.stdout.split(/\s+/).includes(G));

  const streams = await aws(lk.url, ['logs', 'describe-log-streams', '--log-group-name', G, '--order-by', 'LastEventTime', '--descending']);
  assert.equal(streams.code, 0, streams.stderr);
  assert.equal(JSON.parse(streams.stdout).logStreams.length, 1);

  const missing = await aws(lk.url, ['logs', 'filter-log-events', '--log-group-name', '/aws/lambda/missing']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /ResourceNotFoundException.*The specified log group does not exist\./);
});

test('LoggingConfig: a custom log group and the JSON log format', async () => {
  await createBashFunction(lk.url, 'logs-json-fn', { LoggingConfig: { LogFormat: 'JSON', LogGroup: '/custom/json-fn' } });
  const r = await invoke(lk.url, 'logs-json-fn', { n: 2 });
  const id = r.$metadata.requestId!;
  const out = await eventually(async () => {
    const o = await py(`
evs = logs_client.filter_log_events(logGroupName='/custom/json-fn')['events']
reports = logs_client.filter_log_events(logGroupName='/custom/json-fn', filterPattern='{ $.type = "platform.report" && $.record.metrics.durationMs >= 0 }')['events']
print(json.dumps({'all': [e['message'] for e in evs], 'reports': [e['message'] for e in reports],
  'default': len(logs_client.describe_log_groups(logGroupNamePrefix='/aws/lambda/logs-json-fn')['logGroups'])}))
`);
    return o.reports.length === 1 ? o : undefined;
  }, 10_000, 'the JSON report line');
  const records = out.all.filter((m: string) => m.startsWith('{"time"')).map((m: string) => JSON.parse(m));
  const types = records.map((rec: { type: string }) => rec.type);
  assert.deepEqual(types, ['platform.initStart', 'platform.start', 'platform.runtimeDone', 'platform.report']);
  const start = records[1];
  assert.deepEqual(start.record, { requestId: id, version: '$LATEST' });
  assert.match(start.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  const report = JSON.parse(out.reports[0]);
  assert.equal(report.record.requestId, id);
  assert.equal(report.record.status, 'success');
  assert.equal(report.record.metrics.memorySizeMB, 128);
  assert.equal(report.record.metrics.billedDurationMs, Math.ceil(report.record.metrics.durationMs));
  assert.equal(typeof report.record.metrics.initDurationMs, 'number');
  assert.ok(out.all.includes(`hello from ${id}\n`), 'function output goes to the custom group too');
  assert.equal(out.default, 0, 'nothing is written to /aws/lambda/<name>');
});

test('JS SDK v3: CloudWatchLogsClient reads events and maps errors to typed exceptions', async () => {
  const client = new CloudWatchLogsClient({
    endpoint: lk.url,
    region: 'us-east-1',
    credentials: { accessKeyId: CREDS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: CREDS_ENV.AWS_SECRET_ACCESS_KEY },
    maxAttempts: 1,
  });
  const filtered = await client.send(new FilterLogEventsCommand({ logGroupName: G, filterPattern: '"START RequestId"' }));
  assert.equal(filtered.events?.length, 3);
  assert.equal(filtered.nextToken, undefined);
  const stream = (await client.send(new DescribeLogStreamsCommand({ logGroupName: G }))).logStreams![0].logStreamName!;
  const got = await client.send(new GetLogEventsCommand({ logGroupName: G, logStreamName: stream, startFromHead: true, limit: 1 }));
  assert.match(got.events![0].message!, /^INIT_START /);
  await assert.rejects(client.send(new FilterLogEventsCommand({ logGroupName: '/missing' })), (err: unknown) => {
    assert.ok(err instanceof ResourceNotFoundException);
    assert.equal((err as Error).message, 'The specified log group does not exist.');
    return true;
  });
});
