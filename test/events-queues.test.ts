/**
 * SQS-compatible queues through the real clients: the JS SDK (JSON protocol, verifies body MD5s),
 * boto3 and the aws CLI v1 (JSON), and the aws CLI v2 2.9 at /usr/bin/aws (query protocol).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import {
  ChangeMessageVisibilityBatchCommand, ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, GetQueueUrlCommand,
  ListQueuesCommand, PurgeQueueCommand, QueueDoesNotExist, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand,
  SetQueueAttributesCommand, type SQSClient,
} from '@aws-sdk/client-sqs';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { aws, boto3, run, sdk } from './helpers/clients.js';
import { bashRuntime, createFunction, invoke } from './helpers/functions.js';
import { advanceClock, receiveN, sqsClient } from './helpers/events.js';

let lk: Lambkin;
let sqs: SQSClient;

before(async () => {
  lk = await startLambkin({ env: { LAMBKIN_TEST_CLOCK: '1', LAMBKIN_PREWARM: '0' } });
  sqs = sqsClient(lk.url);
});
after(async () => {
  sqs?.destroy();
  await lk?.stop();
  // The restart test reuses the first server's data dir, which stop() then leaves alone.
  if (lk) rmSync(lk.dataDir, { recursive: true, force: true });
});

const create = async (name: string, Attributes?: Record<string, string>) => (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes }))).QueueUrl!;

test('queue URLs and ARNs are formed as AWS forms them; CreateQueue is idempotent, conflicting attributes are refused', async () => {
  const url = await create('shape-q');
  assert.equal(url, `${lk.url}/000000000000/shape-q`);
  assert.equal(await create('shape-q'), url);
  const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes!;
  assert.equal(attrs.QueueArn, 'arn:aws:sqs:us-east-1:000000000000:shape-q');
  assert.equal(attrs.VisibilityTimeout, '30');
  assert.equal(attrs.ApproximateNumberOfMessages, '0');
  await assert.rejects(sqs.send(new CreateQueueCommand({ QueueName: 'shape-q', Attributes: { VisibilityTimeout: '5' } })), /different value for attribute VisibilityTimeout/);
  await assert.rejects(sqs.send(new CreateQueueCommand({ QueueName: 'bad name!' })), /alphanumeric characters, hyphens, or underscores/);
  await assert.rejects(sqs.send(new CreateQueueCommand({ QueueName: 'x', Attributes: { VisibilityTimeout: '99999' } })), /Invalid value for the parameter VisibilityTimeout/);
  const err = await sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-q' })).catch((e: unknown) => e);
  assert.ok(err instanceof QueueDoesNotExist, String(err));
  const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'shape' }));
  assert.deepEqual(listed.QueueUrls, [url]);
});

test('boto3: modelled errors map to their exception classes and the legacy codes; MD5s of attributes are AWS\'s', async () => {
  const r = await boto3(
    lk.url,
    `
sqs = boto3.client('sqs', endpoint_url=URL, region_name=REGION, config=_cfg)
out = {}
try:
    sqs.get_queue_url(QueueName='missing')
except sqs.exceptions.QueueDoesNotExist as e:
    out['code'] = e.response['Error']['Code']
url = sqs.create_queue(QueueName='boto-q')['QueueUrl']
s = sqs.send_message(QueueUrl=url, MessageBody='hello', MessageAttributes={
    'Author': {'DataType': 'String', 'StringValue': 'John Grisham'},
    'WeeksOn': {'DataType': 'Number', 'StringValue': '6'},
    'Title': {'DataType': 'String', 'StringValue': 'The Whistler'}})
out['send'] = {k: s[k] for k in ('MD5OfMessageBody', 'MD5OfMessageAttributes')}
m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=['All'], AttributeNames=['All'])['Messages'][0]
out['recv'] = {k: m[k] for k in ('Body', 'MD5OfBody', 'MD5OfMessageAttributes')}
out['attrs'] = sorted(m['Attributes'].keys())
try:
    sqs.delete_message(QueueUrl=url, ReceiptHandle='garbage')
except sqs.exceptions.ReceiptHandleIsInvalid as e:
    out['receipt'] = e.response['Error']['Code']
sqs.delete_message(QueueUrl=url, ReceiptHandle=m['ReceiptHandle'])
print(json.dumps(out))
`,
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.code, 'AWS.SimpleQueueService.NonExistentQueue');
  // AWS's documented digest for these three attributes.
  assert.deepEqual(out.send, { MD5OfMessageBody: '5d41402abc4b2a76b9719d911017c592', MD5OfMessageAttributes: 'd25a6aea97eb8f585bfa92d314504a92' });
  assert.deepEqual(out.recv, { Body: 'hello', MD5OfBody: '5d41402abc4b2a76b9719d911017c592', MD5OfMessageAttributes: 'd25a6aea97eb8f585bfa92d314504a92' });
  assert.deepEqual(out.attrs, ['ApproximateFirstReceiveTimestamp', 'ApproximateReceiveCount', 'SenderId', 'SentTimestamp']);
  assert.equal(out.receipt, 'ReceiptHandleIsInvalid');
});

test('a received message reappears after its visibility timeout (test clock), not before; ChangeMessageVisibility moves it', async () => {
  const url = await create('vis-q', { VisibilityTimeout: '30' });
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'v' }));
  const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
  assert.equal(first.Messages?.length, 1);
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
  await advanceClock(lk.url, 31_000);
  const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount'], VisibilityTimeout: 300 }));
  assert.equal(again.Messages?.[0].MessageId, first.Messages![0].MessageId);
  assert.equal(again.Messages?.[0].Attributes?.ApproximateReceiveCount, '2');
  // The old receipt no longer changes anything; the new one does.
  await assert.rejects(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0].ReceiptHandle, VisibilityTimeout: 0 })), /not available for visibility timeout change/);
  await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: again.Messages![0].ReceiptHandle, VisibilityTimeout: 0 }));
  const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
  assert.equal(third.Messages?.[0].Body, 'v');
  await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: third.Messages![0].ReceiptHandle }));
  await advanceClock(lk.url, 31_000);
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
});

test('delays: DelaySeconds hides a message until the clock passes it', async () => {
  const url = await create('delay-q');
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 120 }));
  const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }))).Attributes!;
  assert.equal(attrs.ApproximateNumberOfMessagesDelayed, '1');
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
  await advanceClock(lk.url, 121_000);
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages?.[0].Body, 'later');
});

test('long polling: a waiting ReceiveMessage is answered by a later send', async () => {
  const url = await create('poll-q');
  const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
  // The receive is parked server-side before the send (the queue is empty until then).
  await new Promise((r) => setTimeout(r, 200));
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake' }));
  const got = await waiting;
  assert.equal(got.Messages?.[0].Body, 'wake');
});

test('redrive: after maxReceiveCount receives the message moves to the dead-letter queue', async () => {
  const dlq = await create('redrive-dlq');
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
  const src = await create('redrive-src', { VisibilityTimeout: '10', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) });
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl: src, MessageBody: 'poison' }));
  for (let i = 0; i < 2; i++) {
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: src }))).Messages?.length, 1);
    await advanceClock(lk.url, 11_000);
  }
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: src }))).Messages, undefined);
  const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MessageSystemAttributeNames: ['All'] }));
  assert.equal(dead.Messages?.[0].MessageId, sent.MessageId);
  assert.equal(dead.Messages?.[0].Attributes?.DeadLetterQueueSourceArn, 'arn:aws:sqs:us-east-1:000000000000:redrive-src');
  const r = await aws(lk.url, ['sqs', 'list-dead-letter-source-queues', '--queue-url', dlq]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).queueUrls, [src]);
});

test('FIFO: order per message group, a group waits while its message is in flight, deduplication within 5 minutes', async () => {
  const url = await create('order.fifo', { FifoQueue: 'true' });
  const entries = ['a1', 'b1', 'a2', 'b2', 'a3'].map((body, i) => ({ Id: `m${i}`, MessageBody: body, MessageGroupId: body[0], MessageDeduplicationId: body }));
  const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
  assert.equal(sent.Successful?.length, 5);
  assert.ok(sent.Successful!.every((s) => /^\d{20}$/.test(s.SequenceNumber ?? '')));
  const dup = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a1', MessageGroupId: 'a', MessageDeduplicationId: 'a1' }));
  assert.equal(dup.MessageId, sent.Successful![0].MessageId);
  const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 2, VisibilityTimeout: 60 }));
  assert.deepEqual(first.Messages?.map((m) => m.Body), ['a1', 'b1']);
  // Both groups have a message in flight: nothing else is handed out.
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages, undefined);
  await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0].ReceiptHandle }));
  const next = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
  assert.deepEqual(next.Messages?.map((m) => m.Body), ['a2', 'a3']);
  await assert.rejects(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })), /MessageGroupId/);
  await advanceClock(lk.url, 5 * 60_000 + 1000);
  const again = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a1', MessageGroupId: 'a', MessageDeduplicationId: 'a1' }));
  assert.notEqual(again.MessageId, sent.Successful![0].MessageId);
});

test('batches: per-entry failures, AWS batch errors', async () => {
  const url = await create('batch-q');
  const r = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'ok', MessageBody: 'fine' }, { Id: 'bad', MessageBody: 'x', DelaySeconds: 5000 }] }));
  assert.deepEqual(r.Successful?.map((s) => s.Id), ['ok']);
  assert.equal(r.Failed?.[0].Id, 'bad');
  assert.equal(r.Failed?.[0].SenderFault, true);
  await assert.rejects(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'same', MessageBody: '1' }, { Id: 'same', MessageBody: '2' }] })), /Id same repeated/);
  await assert.rejects(
    sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: Array.from({ length: 11 }, (_v, i) => ({ Id: `e${i}`, MessageBody: 'x' })) })),
    /Maximum number of entries per request are 10/,
  );
  await assert.rejects(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'bad \u0001 char' })), /Invalid characters found/);
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 300 }));
  const vis = await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: [{ Id: 'v', ReceiptHandle: got.Messages![0].ReceiptHandle, VisibilityTimeout: 0 }, { Id: 'w', ReceiptHandle: 'bogus', VisibilityTimeout: 0 }] }));
  assert.deepEqual(vis.Successful?.map((e) => e.Id), ['v']);
  assert.equal(vis.Failed?.[0].Code, 'ReceiptHandleIsInvalid');
  await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
});

test('aws CLI v1 (JSON) and v2 2.9 (query protocol) both work', async () => {
  const v1 = await aws(lk.url, ['sqs', 'create-queue', '--queue-name', 'cli-q', '--attributes', 'VisibilityTimeout=45']);
  assert.equal(v1.code, 0, v1.stderr);
  const url = JSON.parse(v1.stdout).QueueUrl;
  assert.equal((await aws(lk.url, ['sqs', 'send-message', '--queue-url', url, '--message-body', 'from-v1'])).code, 0);
  if (existsSync('/usr/bin/aws')) {
    const env = { AWS_ACCESS_KEY_ID: 'AKIDLAMBKINTEST', AWS_SECRET_ACCESS_KEY: 'x', AWS_PAGER: '' };
    const v2 = (args: string[]) => run('/usr/bin/aws', ['--endpoint-url', lk.url, '--region', 'us-east-1', '--output', 'json', ...args], { env });
    const got = await v2(['sqs', 'receive-message', '--queue-url', url, '--attribute-names', 'All', '--message-attribute-names', 'All']);
    assert.equal(got.code, 0, got.stderr);
    const m = JSON.parse(got.stdout).Messages[0];
    assert.equal(m.Body, 'from-v1');
    assert.equal(m.Attributes.ApproximateReceiveCount, '1');
    const attrs = await v2(['sqs', 'get-queue-attributes', '--queue-url', url, '--attribute-names', 'VisibilityTimeout', 'QueueArn']);
    assert.deepEqual(JSON.parse(attrs.stdout).Attributes, { VisibilityTimeout: '45', QueueArn: 'arn:aws:sqs:us-east-1:000000000000:cli-q' });
    const sent = await v2(['sqs', 'send-message', '--queue-url', url, '--message-body', 'from-v2', '--message-attributes', '{"k":{"DataType":"String","StringValue":"v"}}']);
    assert.equal(sent.code, 0, sent.stderr);
    const del = await v2(['sqs', 'delete-message', '--queue-url', url, '--receipt-handle', m.ReceiptHandle]);
    assert.equal(del.code, 0, del.stderr);
    const missing = await v2(['sqs', 'get-queue-url', '--queue-name', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /AWS\.SimpleQueueService\.NonExistentQueue/);
  }
  const rest = await receiveN(sqs, url, 1);
  assert.ok(rest.some((m) => m.Body === 'from-v2' || m.Body === 'from-v1'));
});

test('SetQueueAttributes validates and applies; messages survive a restart', async () => {
  const url = await create('durable-q');
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { DelaySeconds: '0', MessageRetentionPeriod: '600' } }));
  await assert.rejects(sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Bogus: '1' } as Record<string, string> })), /Unknown Attribute Bogus/);
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'kept' }));
  const dataDir = lk.dataDir;
  const clockBefore = await advanceClock(lk.url, 0);
  await lk.kill('SIGKILL');
  sqs.destroy();
  lk = await startLambkin({ dataDir, env: { LAMBKIN_TEST_CLOCK: '1', LAMBKIN_PREWARM: '0' } });
  sqs = sqsClient(lk.url);
  // The restarted server's test clock starts from real time again: catch up with the earlier tests' skips.
  await advanceClock(lk.url, Math.max(0, clockBefore - (await advanceClock(lk.url, 0))));
  const url2 = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'durable-q' }))).QueueUrl!;
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url2, MessageSystemAttributeNames: ['All'] }));
  assert.equal(got.Messages?.[0].Body, 'kept');
  // Retention: past MessageRetentionPeriod the message is gone.
  await advanceClock(lk.url, 11 * 60_000);
  await advanceClock(lk.url, 61_000);
  const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url2, AttributeNames: ['All'] }))).Attributes!;
  assert.equal(Number(attrs.ApproximateNumberOfMessages) + Number(attrs.ApproximateNumberOfMessagesNotVisible), 0);
});

test('attack from inside a sandbox: query-protocol keys that name __proto__ change nothing outside the request', async () => {
  const lambda = sdk(lk.url);
  try {
    // The function speaks the query protocol to the server through its Runtime API endpoint.
    const zip = await bashRuntime(`curl -sS -X POST "http://$AWS_LAMBDA_RUNTIME_API/" -H 'Content-Type: application/x-www-form-urlencoded' \\
      --data 'Action=ListQueues&__proto__.QueueNamePrefix=zzz&constructor.prototype.QueueNamePrefix=zzz&__proto__=1' >/dev/null; echo '{"done":true}'`);
    await createFunction(lambda, 'proto-attacker', zip, { Timeout: 30 });
    const r = await invoke(lambda, 'proto-attacker');
    assert.equal(r.text, '{"done":true}', r.log);
    // Had Object.prototype gained QueueNamePrefix, every later request body would inherit it.
    await create('proto-check-q');
    const listed = await sqs.send(new ListQueuesCommand({}));
    assert.ok(listed.QueueUrls?.some((u) => u.endsWith('/proto-check-q')), JSON.stringify(listed.QueueUrls));
  } finally {
    lambda.destroy();
  }
});
