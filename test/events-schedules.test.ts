/**
 * EventBridge Scheduler schedules firing real functions asynchronously, through the aws CLI, boto3
 * and the JS SDK. Time moves by the server's test clock: no test waits a real minute.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CreateScheduleCommand, CreateScheduleGroupCommand, GetScheduleCommand, ListSchedulesCommand, ResourceNotFoundException, UpdateScheduleCommand, ValidationException, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { aws, boto3, sdk } from './helpers/clients.js';
import { createFunction } from './helpers/functions.js';
import { advanceClock, forwarderZip, receiveN, schedulerClient, sqsClient } from './helpers/events.js';

let lk: Lambkin;
let sqs: SQSClient;
let lambda: LambdaClient;
let scheduler: SchedulerClient;
const ROLE = 'arn:aws:iam::000000000000:role/scheduler';
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

async function connect(env: Record<string, string>, dataDir?: string) {
  lk = await startLambkin({ env, dataDir });
  sqs = sqsClient(lk.url);
  lambda = sdk(lk.url);
  scheduler = schedulerClient(lk.url);
}
const ENV = { LAMBKIN_TEST_CLOCK: '1', LAMBKIN_PREWARM: '0' };

before(() => connect(ENV));
after(async () => {
  for (const c of [sqs, lambda, scheduler]) c?.destroy();
  await lk?.stop();
  if (lk) rmSync(lk.dataDir, { recursive: true, force: true });
});

async function forwarder(name: string) {
  const out = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-out` }))).QueueUrl!;
  await createFunction(lambda, name, await forwarderZip(), { Environment: { Variables: { OUT_QUEUE_URL: out } }, Timeout: 30 });
  return out;
}

const overview = async () => (await (await fetch(`${lk.url}/_lambkin/events`)).json()) as { now: number; schedules: { Name: string; firings: number; nextRun: number | null; lastResult: string | null }[] };
const firings = async (name: string) => (await overview()).schedules.find((s) => s.Name === name)?.firings ?? 0;
async function waitFirings(name: string, n: number) {
  for (const until = Date.now() + 120_000; Date.now() < until && (await firings(name)) < n; ) await new Promise((r) => setTimeout(r, 25));
  assert.equal(await firings(name), n, `${name} fired ${await firings(name)} times, expected ${n}`);
}

test('rate(1 minute) via the aws CLI: fires at once, then each minute; the default event is Scheduler\'s; a jump is not a burst', async () => {
  const out = await forwarder('sched-rate-fn');
  const c = await aws(lk.url, [
    'scheduler', 'create-schedule', '--name', 'every-minute', '--schedule-expression', 'rate(1 minute)',
    '--flexible-time-window', 'Mode=OFF', '--target', JSON.stringify({ Arn: fnArn('sched-rate-fn'), RoleArn: ROLE }),
  ]);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(JSON.parse(c.stdout).ScheduleArn, 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/every-minute');
  const [first] = await receiveN(sqs, out, 1);
  const e = JSON.parse(first.Body!);
  assert.deepEqual(Object.keys(e), ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']);
  assert.equal(e['detail-type'], 'Scheduled Event');
  assert.equal(e.source, 'aws.scheduler');
  assert.equal(e.detail, '{}');
  assert.deepEqual(e.resources, ['arn:aws:scheduler:us-east-1:000000000000:schedule/default/every-minute']);
  assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const t1 = Date.parse(e.time);

  await advanceClock(lk.url, 60_000);
  await waitFirings('every-minute', 2);
  const [second] = await receiveN(sqs, out, 1);
  assert.equal(Date.parse(JSON.parse(second.Body!).time) - t1, 60_000);

  // Ten minutes pass at once (as if the server had been down): one firing, not ten.
  await advanceClock(lk.url, 10 * 60_000);
  await waitFirings('every-minute', 3);
  const [third] = await receiveN(sqs, out, 1);
  assert.equal(Date.parse(JSON.parse(third.Body!).time) - t1, 11 * 60_000);
  await advanceClock(lk.url, 30_000);
  assert.equal(await firings('every-minute'), 3);
  const metrics = await (await fetch(`${lk.url}/metrics`)).text();
  assert.match(metrics, /lambkin_schedule_firings_total\{region="us-east-1",group="default",schedule="every-minute",result="fired"\} 3/);
  assert.match(metrics, /lambkin_schedule_firings_total\{region="us-east-1",group="default",schedule="every-minute",result="skipped"\} [1-9]/);

  const g = await aws(lk.url, ['scheduler', 'get-schedule', '--name', 'every-minute']);
  const got = JSON.parse(g.stdout);
  assert.equal(got.State, 'ENABLED');
  assert.equal(got.GroupName, 'default');
  assert.deepEqual(got.Target.RetryPolicy, { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 });
  assert.equal((await aws(lk.url, ['scheduler', 'delete-schedule', '--name', 'every-minute'])).code, 0);
});

test('Input with context attributes (boto3); a disabled schedule does not fire; groups', async () => {
  const out = await forwarder('sched-input-fn');
  const r = await boto3(
    lk.url,
    `
s = boto3.client('scheduler', endpoint_url=URL, region_name=REGION, config=_cfg)
g = s.create_schedule_group(Name='team')
s.create_schedule(Name='with-input', GroupName='team', ScheduleExpression='rate(5 minutes)', FlexibleTimeWindow={'Mode': 'OFF'},
    Target={'Arn': ${JSON.stringify(fnArn('sched-input-fn'))}, 'RoleArn': ${JSON.stringify(ROLE)},
            'Input': '{"arn": "<aws.scheduler.schedule-arn>", "at": "<aws.scheduler.scheduled-time>", "attempt": <aws.scheduler.attempt-number>}'})
s.create_schedule(Name='switched-off', GroupName='team', State='DISABLED', ScheduleExpression='rate(5 minutes)', FlexibleTimeWindow={'Mode': 'OFF'},
    Target={'Arn': ${JSON.stringify(fnArn('sched-input-fn'))}, 'RoleArn': ${JSON.stringify(ROLE)}})
names = [x['Name'] for x in s.list_schedules(GroupName='team')['Schedules']]
try:
    s.get_schedule(Name='with-input')
    missing = None
except s.exceptions.ResourceNotFoundException as e:
    missing = e.response['Error']['Code']
print(json.dumps({'group': g['ScheduleGroupArn'], 'names': names, 'missing': missing}))
`,
  );
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.equal(res.group, 'arn:aws:scheduler:us-east-1:000000000000:schedule-group/team');
  assert.deepEqual(res.names, ['switched-off', 'with-input']);
  assert.equal(res.missing, 'ResourceNotFoundException'); // it lives in group "team", not "default"
  const [m] = await receiveN(sqs, out, 1);
  const e = JSON.parse(m.Body!);
  assert.equal(e.arn, 'arn:aws:scheduler:us-east-1:000000000000:schedule/team/with-input');
  assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(e.attempt, 1);
  await advanceClock(lk.url, 5 * 60_000);
  await waitFirings('with-input', 2);
  assert.equal(await firings('switched-off'), 0);
});

test('at() with ActionAfterCompletion DELETE fires once and removes the schedule; time zones apply (JS SDK)', async () => {
  const out = await forwarder('sched-at-fn');
  const now = await advanceClock(lk.url, 0);
  // Two minutes ahead, written as Berlin wall-clock time.
  const wall = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', dateStyle: 'short', timeStyle: 'medium' }).format(new Date(now + 120_000)).replace(' ', 'T');
  await scheduler.send(new CreateScheduleCommand({
    Name: 'once', ScheduleExpression: `at(${wall})`, ScheduleExpressionTimezone: 'Europe/Berlin', FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE', Target: { Arn: fnArn('sched-at-fn'), RoleArn: ROLE, Input: '{"once":true}' },
  }));
  const got = await scheduler.send(new GetScheduleCommand({ Name: 'once' }));
  assert.equal(got.ScheduleExpressionTimezone, 'Europe/Berlin');
  assert.equal(got.ActionAfterCompletion, 'DELETE');
  assert.equal(await firings('once'), 0);
  await advanceClock(lk.url, 121_000);
  const [m] = await receiveN(sqs, out, 1);
  assert.deepEqual(JSON.parse(m.Body!), { once: true });
  let gone: unknown;
  for (const until = Date.now() + 60_000; Date.now() < until && !gone; ) {
    gone = await scheduler.send(new GetScheduleCommand({ Name: 'once' })).then(() => undefined, (err: unknown) => err);
    if (!gone) await new Promise((r) => setTimeout(r, 25));
  }
  assert.ok(gone instanceof ResourceNotFoundException, String(gone));
});

test('validation errors as Scheduler sends them (JS SDK)', async () => {
  const base = { FlexibleTimeWindow: { Mode: 'OFF' as const }, Target: { Arn: fnArn('x'), RoleArn: ROLE } };
  for (const [input, pattern] of [
    [{ Name: 'bad-cron', ScheduleExpression: 'cron(0 12 * * * *)', ...base }, /Invalid Schedule Expression cron\(0 12 \* \* \* \*\)\./],
    [{ Name: 'bad-tz', ScheduleExpression: 'rate(1 hour)', ScheduleExpressionTimezone: 'Mars/Olympus', ...base }, /Invalid time zone/],
    [{ Name: 'bad-role', ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'OFF' as const }, Target: { Arn: fnArn('x'), RoleArn: 'nope' } }, /roleArn/],
    [{ Name: 'bad-window', ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'FLEXIBLE' as const }, Target: base.Target }, /MaximumWindowInMinutes/],
    [{ Name: 'bad-input', ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: base.FlexibleTimeWindow, Target: { ...base.Target, Input: '{not json' } }, /valid JSON/],
  ] as const) {
    const err = await scheduler.send(new CreateScheduleCommand(input as never)).catch((e: unknown) => e);
    assert.ok(err instanceof ValidationException, `${input.Name}: ${String(err)}`);
    assert.match((err as Error).message, pattern);
  }
  await assert.rejects(scheduler.send(new CreateScheduleCommand({ Name: 'g', GroupName: 'no-such-group', ScheduleExpression: 'rate(1 hour)', ...base })), ResourceNotFoundException);
  await scheduler.send(new CreateScheduleGroupCommand({ Name: 'dup-group' }));
  await assert.rejects(scheduler.send(new CreateScheduleGroupCommand({ Name: 'dup-group' })), /already exists/);
  await assert.rejects(scheduler.send(new UpdateScheduleCommand({ Name: 'never-made', ScheduleExpression: 'rate(1 hour)', ...base })), ResourceNotFoundException);
  const list = await scheduler.send(new ListSchedulesCommand({ NamePrefix: 'bad' }));
  assert.deepEqual(list.Schedules, []);
});

test('a target that cannot be invoked goes to the dead-letter queue with the error; after a restart nothing fires twice', async () => {
  const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'sched-dlq' }))).QueueUrl!;
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await scheduler.send(new CreateScheduleCommand({
    Name: 'to-nowhere', ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: fnArn('does-not-exist'), RoleArn: ROLE, Input: '{"x":1}', DeadLetterConfig: { Arn: dlqArn }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } },
  }));
  const [dead] = await receiveN(sqs, dlq, 1);
  assert.equal(dead.Body, '{"x":1}');
  const a = dead.MessageAttributes!;
  assert.equal(a.ERROR_CODE.StringValue, 'ResourceNotFoundException');
  assert.equal(a.SCHEDULE_ARN.StringValue, 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/to-nowhere');
  assert.equal(a.TARGET_ARN.StringValue, fnArn('does-not-exist'));
  assert.ok(a.EXECUTION_ID.StringValue);

  // Restart: the hourly schedule already fired for its time and must not fire again for it.
  const out = await forwarder('sched-restart-fn');
  await scheduler.send(new CreateScheduleCommand({ Name: 'hourly', ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'OFF' }, Target: { Arn: fnArn('sched-restart-fn'), RoleArn: ROLE } }));
  await waitFirings('hourly', 1);
  await receiveN(sqs, out, 1);
  const clock = await advanceClock(lk.url, 0);
  const dataDir = lk.dataDir;
  for (const c of [sqs, lambda, scheduler]) c.destroy();
  await lk.kill('SIGKILL');
  await connect(ENV, dataDir);
  await advanceClock(lk.url, Math.max(0, clock - (await advanceClock(lk.url, 0))));
  await advanceClock(lk.url, 30_000);
  assert.equal(await firings('hourly'), 1);
  await advanceClock(lk.url, 60 * 60_000);
  await waitFirings('hourly', 2);
});
