/**
 * SQS event source mappings end to end: a real function (in a real sandbox) receives the Records[]
 * event, forwards it to a results queue, and answers with item failures or an error on request.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CreateEventSourceMappingCommand, DeleteEventSourceMappingCommand, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { aws, boto3, run, sdk } from './helpers/clients.js';
import { createFunction } from './helpers/functions.js';
import { advanceClock, forwarderZip, receiveN, sqsClient, waitForEmpty, waitForMappingState } from './helpers/events.js';

let lk: Lambkin;
let sqs: SQSClient;
let lambda: LambdaClient;

before(async () => {
  lk = await startLambkin({ env: { LAMBKIN_TEST_CLOCK: '1' } });
  sqs = sqsClient(lk.url);
  lambda = sdk(lk.url);
});
after(async () => {
  sqs?.destroy();
  lambda?.destroy();
  await lk?.stop();
});

const queue = async (name: string, attrs: Record<string, string> = {}) => {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attrs }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url, arn };
};

/** A function forwarding its events to a fresh results queue. */
async function forwarder(name: string) {
  const out = await queue(`${name}-out`);
  await createFunction(lambda, name, await forwarderZip(), { Environment: { Variables: { OUT_QUEUE_URL: out.url } }, Timeout: 30 });
  return out;
}

const events = async (out: { url: string }, n: number) =>
  (await receiveN(sqs, out.url, n)).map((m) => JSON.parse(m.Body!) as { Records: Record<string, unknown>[] });

test('records arrive exactly as AWS shapes them; success deletes the batch; states and errors as AWS reports them', async () => {
  const src = await queue('esm-shape');
  const out = await forwarder('esm-shape-fn');
  const created = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'esm-shape-fn', EventSourceArn: src.arn, BatchSize: 5 }));
  assert.equal(created.$metadata.httpStatusCode, 202);
  assert.equal(created.State, 'Creating');
  assert.equal(created.StateTransitionReason, 'USER_INITIATED');
  assert.equal(created.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:esm-shape-fn');
  assert.deepEqual(created.FunctionResponseTypes, []);
  assert.match(created.EventSourceMappingArn!, /^arn:aws:lambda:us-east-1:000000000000:event-source-mapping:[0-9a-f-]{36}$/);
  await waitForMappingState(lambda, created.UUID!, 'Enabled');

  const dup = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'esm-shape-fn', EventSourceArn: src.arn })).catch((e: Error) => e);
  assert.match(String(dup), /An event source mapping with SQS arn \(" arn:aws:sqs:us-east-1:000000000000:esm-shape "\) and function \(" esm-shape-fn "\) already exists/);
  await assert.rejects(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'esm-shape-fn', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:nope' })), /NonExistentQueue/);
  await assert.rejects(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'esm-shape-fn', EventSourceArn: src.arn, BatchSize: 100 })), /Maximum batch window in seconds must be greater than 0/);
  await assert.rejects(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'no-such-fn', EventSourceArn: src.arn })), /Function not found/);

  const sent = await sqs.send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: 'hello records', MessageAttributes: { Author: { DataType: 'String', StringValue: 'John Grisham' }, WeeksOn: { DataType: 'Number', StringValue: '6' }, Title: { DataType: 'String', StringValue: 'The Whistler' } } }));
  const [event] = await events(out, 1);
  assert.equal(event.Records.length, 1);
  const r = event.Records[0];
  assert.deepEqual(Object.keys(r), ['messageId', 'receiptHandle', 'body', 'attributes', 'messageAttributes', 'md5OfMessageAttributes', 'md5OfBody', 'eventSource', 'eventSourceARN', 'awsRegion']);
  assert.equal(r.messageId, sent.MessageId);
  assert.equal(r.body, 'hello records');
  assert.deepEqual(Object.keys(r.attributes as object), ['ApproximateReceiveCount', 'SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp']);
  assert.equal((r.attributes as Record<string, string>).ApproximateReceiveCount, '1');
  assert.deepEqual((r.messageAttributes as Record<string, unknown>).WeeksOn, { stringValue: '6', stringListValues: [], binaryListValues: [], dataType: 'Number' });
  assert.equal(r.md5OfMessageAttributes, 'd25a6aea97eb8f585bfa92d314504a92');
  assert.equal(r.md5OfBody, sent.MD5OfMessageBody);
  assert.equal(r.eventSource, 'aws:sqs');
  assert.equal(r.eventSourceARN, src.arn);
  assert.equal(r.awsRegion, 'us-east-1');
  // Deleted on success: nothing left in flight or visible, even after the visibility timeout.
  await waitForEmpty(sqs, src.url);
  await advanceClock(lk.url, 31_000);
  const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: src.url, AttributeNames: ['All'] }))).Attributes!;
  assert.equal(attrs.ApproximateNumberOfMessages, '0');

  const listed = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'esm-shape-fn' }));
  assert.deepEqual(listed.EventSourceMappings?.map((m) => m.UUID), [created.UUID]);
  const deleted = await lambda.send(new DeleteEventSourceMappingCommand({ UUID: created.UUID }));
  assert.equal(deleted.State, 'Deleting');
});

test('ReportBatchItemFailures: only the failed messages return; a function error returns the whole batch; redrive ends in the DLQ', async () => {
  const dlq = await queue('esm-partial-dlq');
  const src = await queue('esm-partial', { VisibilityTimeout: '30', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }) });
  const out = await forwarder('esm-partial-fn');
  // Send first, then map with a batching window so all four arrive in one batch.
  const bodies = ['ok-1', 'fail-2', 'ok-3', 'fail-4'];
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: src.url, Entries: bodies.map((b, i) => ({ Id: `e${i}`, MessageBody: b })) }));
  const r = await boto3(
    lk.url,
    `
m = lambda_client.create_event_source_mapping(FunctionName='esm-partial-fn', EventSourceArn=${JSON.stringify(src.arn)}, BatchSize=10,
    MaximumBatchingWindowInSeconds=1, FunctionResponseTypes=['ReportBatchItemFailures'])
print(json.dumps({'uuid': m['UUID'], 'types': m['FunctionResponseTypes'], 'status': m['ResponseMetadata']['HTTPStatusCode']}))
`,
  );
  assert.equal(r.code, 0, r.stderr);
  const created = JSON.parse(r.stdout);
  assert.deepEqual(created.types, ['ReportBatchItemFailures']);
  assert.equal(created.status, 202);
  const [first] = await events(out, 1);
  assert.deepEqual(first.Records.map((x) => x.body).sort(), [...bodies].sort());
  // The two failed messages come back after the visibility timeout; the others are gone.
  await advanceClock(lk.url, 31_000);
  const [second] = await events(out, 1);
  assert.deepEqual(second.Records.map((x) => x.body).sort(), ['fail-2', 'fail-4']);
  assert.ok(second.Records.every((x) => (x.attributes as Record<string, string>).ApproximateReceiveCount === '2'));
  // Received twice (maxReceiveCount 2): next time they move to the dead-letter queue.
  await advanceClock(lk.url, 31_000);
  const dead = await receiveN(sqs, dlq.url, 2);
  assert.deepEqual(dead.map((m) => m.Body).sort(), ['fail-2', 'fail-4']);

  // A function error: the whole batch stays and comes back.
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: src.url, Entries: [{ Id: 'a', MessageBody: 'crash-a' }, { Id: 'b', MessageBody: 'ok-b' }] }));
  const [crashed] = await events(out, 1);
  assert.equal(crashed.Records.length, 2);
  await advanceClock(lk.url, 31_000);
  const [retried] = await events(out, 1);
  assert.deepEqual(retried.Records.map((x) => x.body).sort(), ['crash-a', 'ok-b']);
});

test('FilterCriteria: only matching records reach the function; the others are consumed', async () => {
  const src = await queue('esm-filter');
  const out = await forwarder('esm-filter-fn');
  const pattern = JSON.stringify({ body: { kind: ['order'], amount: [{ numeric: ['>', 100] }], region: [{ 'anything-but': 'test' }], sku: [{ prefix: 'SKU-' }] } });
  const bad = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'esm-filter-fn', EventSourceArn: src.arn, FilterCriteria: { Filters: [{ Pattern: '{"body": "x"}' }] } })).catch((e: Error) => e);
  assert.match(String(bad), /Invalid filter pattern definition\./);
  const m = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'esm-filter-fn', EventSourceArn: src.arn, FilterCriteria: { Filters: [{ Pattern: pattern }] } }));
  assert.deepEqual(m.FilterCriteria, { Filters: [{ Pattern: pattern }] });
  await waitForMappingState(lambda, m.UUID!, 'Enabled');
  const msgs = [
    { kind: 'order', amount: 150, region: 'eu', sku: 'SKU-1', n: 'match' },
    { kind: 'order', amount: 50, region: 'eu', sku: 'SKU-2', n: 'too-small' },
    { kind: 'refund', amount: 150, region: 'eu', sku: 'SKU-3', n: 'wrong-kind' },
    { kind: 'order', amount: 150, region: 'test', sku: 'SKU-4', n: 'test-region' },
  ];
  for (const b of msgs) await sqs.send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: JSON.stringify(b) }));
  await sqs.send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: 'not json at all' }));
  await sqs.send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: JSON.stringify({ ...msgs[0], n: 'match-2' }) }));
  const got = (await events(out, 2)).flatMap((e) => e.Records.map((r) => JSON.parse(r.body as string).n));
  assert.deepEqual(got.sort(), ['match', 'match-2']);
  await waitForEmpty(sqs, src.url);
});

test('a disabled mapping stops delivery (Disabling → Disabled); enabling resumes it (aws CLI)', async () => {
  const src = await queue('esm-toggle');
  const out = await forwarder('esm-toggle-fn');
  const c = await aws(lk.url, ['lambda', 'create-event-source-mapping', '--function-name', 'esm-toggle-fn', '--event-source-arn', src.arn, '--no-enabled']);
  assert.equal(c.code, 0, c.stderr);
  const uuid = JSON.parse(c.stdout).UUID as string;
  assert.equal(JSON.parse(c.stdout).State, 'Disabled');
  await sqs.send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: 'while-disabled' }));
  // Nobody polls: the message stays visible in the queue.
  const peek = await sqs.send(new ReceiveMessageCommand({ QueueUrl: src.url, VisibilityTimeout: 0 }));
  assert.equal(peek.Messages?.[0].Body, 'while-disabled');
  const en = await aws(lk.url, ['lambda', 'update-event-source-mapping', '--uuid', uuid, '--enabled']);
  assert.equal(JSON.parse(en.stdout).State, 'Enabling');
  await waitForMappingState(lambda, uuid, 'Enabled');
  const [e1] = await events(out, 1);
  assert.equal(e1.Records[0].body, 'while-disabled');
  const dis = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
  assert.equal(dis.State, 'Disabling');
  await waitForMappingState(lambda, uuid, 'Disabled');
  await sqs.send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: 'after-disable' }));
  const still = await sqs.send(new ReceiveMessageCommand({ QueueUrl: src.url, WaitTimeSeconds: 1 }));
  assert.equal(still.Messages?.[0].Body, 'after-disable');
  const g = await aws(lk.url, ['lambda', 'get-event-source-mapping', '--uuid', uuid]);
  assert.equal(JSON.parse(g.stdout).State, 'Disabled');
});

test('a backlog is worked off by several concurrent batches, bounded by ScalingConfig.MaximumConcurrency', async () => {
  const src = await queue('esm-scale');
  const out = await forwarder('esm-scale-fn');
  await Promise.all(
    Array.from({ length: 6 }, (_v, b) =>
      sqs.send(new SendMessageBatchCommand({ QueueUrl: src.url, Entries: Array.from({ length: 10 }, (_x, i) => ({ Id: `m${i}`, MessageBody: `b${b}-${i}` })) })),
    ),
  );
  const m = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'esm-scale-fn', EventSourceArn: src.arn, BatchSize: 10, ScalingConfig: { MaximumConcurrency: 3 } }));
  assert.deepEqual(m.ScalingConfig, { MaximumConcurrency: 3 });
  const got = await events(out, 6);
  assert.equal(got.flatMap((e) => e.Records).length, 60);
  const overview = (await (await fetch(`${lk.url}/_lambkin/events`)).json()) as { mappings: { UUID: string; pollers: number; batches: number }[] };
  const mine = overview.mappings.find((x) => x.UUID === m.UUID)!;
  assert.ok(mine.batches >= 6, JSON.stringify(mine));
  assert.ok(mine.pollers <= 3, JSON.stringify(mine));
});

test('BatchSize above 10 gathers several receives into one batch within the batching window', async () => {
  const src = await queue('esm-window');
  const out = await forwarder('esm-window-fn');
  for (let b = 0; b < 3; b++) {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: src.url, Entries: Array.from({ length: 10 }, (_x, i) => ({ Id: `m${i}`, MessageBody: `w${b}-${i}` })) }));
  }
  const m = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'esm-window-fn', EventSourceArn: src.arn, BatchSize: 25, MaximumBatchingWindowInSeconds: 2, ScalingConfig: { MaximumConcurrency: 2 } }));
  assert.equal(m.BatchSize, 25);
  const got = await events(out, 2);
  const sizes = got.map((e) => e.Records.length).sort((a, b) => b - a);
  assert.equal(sizes[0], 25);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 30);
});

test('lambkin events lists mappings with state, backlog and last run; lambkin stats shows them too; metrics count batches', async () => {
  const src = await queue('esm-cli');
  await forwarder('esm-cli-fn');
  const m = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'esm-cli-fn', EventSourceArn: src.arn, Enabled: false }));
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: src.url, Entries: [{ Id: 'a', MessageBody: '1' }, { Id: 'b', MessageBody: '2' }] }));
  const bin = new URL('../../bin/lambkin.js', import.meta.url).pathname;
  const ev = await run(process.execPath, [bin, 'events', '--endpoint-url', lk.url, '--color', 'off']);
  assert.equal(ev.code, 0, ev.stderr);
  const row = ev.stdout.split('\n').find((l) => l.startsWith(m.UUID!.slice(0, 8)));
  assert.ok(row, ev.stdout);
  assert.match(row, /esm-cli-fn\s+esm-cli\s+Disabled\s+2\s+0\s+0\s+0\s+0\s+-/);
  const json = JSON.parse((await run(process.execPath, [bin, 'events', '--endpoint-url', lk.url, '--json'])).stdout);
  assert.equal(json.mappings.find((x: { UUID: string }) => x.UUID === m.UUID).backlog, 2);
  const st = await run(process.execPath, [bin, 'stats', '--endpoint-url', lk.url, '--color', 'off']);
  assert.equal(st.code, 0, st.stderr);
  assert.match(st.stdout, /event sources/);
  assert.ok(st.stdout.includes(m.UUID!.slice(0, 8)), st.stdout);
  const metrics = await (await fetch(`${lk.url}/metrics`)).text();
  assert.match(metrics, /lambkin_queue_messages\{region="us-east-1",queue="esm-cli",state="visible"\} 2/);
  assert.match(metrics, /lambkin_esm_batches_total\{region="us-east-1",function="esm-shape-fn",uuid="[0-9a-f-]+",result="ok"\} [1-9]/);
  assert.match(metrics, /lambkin_queue_oldest_message_age_seconds\{region="us-east-1",queue="esm-cli"\}/);
});
