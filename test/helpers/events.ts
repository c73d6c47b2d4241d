/** Helpers for the event-source tests: SQS/Scheduler SDK clients, the test clock, a forwarding function. */
import { SQSClient, DeleteMessageBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CREDS_ENV } from './clients.js';
import { makeZip } from './zip.js';

const credentials = { accessKeyId: CREDS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: CREDS_ENV.AWS_SECRET_ACCESS_KEY };

export const sqsClient = (url: string, region = 'us-east-1') => new SQSClient({ endpoint: url, region, credentials, maxAttempts: 1 });
export const schedulerClient = (url: string, region = 'us-east-1') => new SchedulerClient({ endpoint: url, region, credentials, maxAttempts: 1 });

/** Moves the server's event clock forward (the server must run with LAMBKIN_TEST_CLOCK=1). */
export async function advanceClock(url: string, ms: number): Promise<number> {
  const r = await fetch(`${url}/_lambkin/clock`, { method: 'POST', body: JSON.stringify({ advanceMs: ms }) });
  if (r.status !== 200) throw new Error(`clock: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { now: number }).now;
}

/** Receives (and deletes) until `n` messages arrived from `queueUrl` (long polls; bounded). */
export async function receiveN(sqs: SQSClient, queueUrl: string, n: number, opts: { rounds?: number; attributes?: boolean } = {}): Promise<Message[]> {
  const out: Message[] = [];
  // Bounded by time, generously: a busy machine may take a while to start the function that sends them.
  for (let i = 0, until = Date.now() + (opts.rounds ?? 90) * 2000; Date.now() < until && out.length < n; i++) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, n - out.length),
        WaitTimeSeconds: 2,
        MessageSystemAttributeNames: opts.attributes ? ['All'] : undefined,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 600,
      }),
    );
    out.push(...(r.Messages ?? []));
    if (r.Messages?.length) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: r.Messages.map((m, j) => ({ Id: `d${j}`, ReceiptHandle: m.ReceiptHandle })) }));
    }
  }
  return out;
}

export async function waitForMappingState(lambda: LambdaClient, uuid: string, state: string): Promise<void> {
  for (const until = Date.now() + 60_000; Date.now() < until; ) {
    const m = await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    if (m.State === state) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`mapping ${uuid} did not reach ${state}`);
}

/**
 * A provided.al2023 function whose handler (Python, from bash) sends each event it gets to the
 * queue named in $OUT_QUEUE_URL (through the server's API, as a function can), then answers:
 * - for SQS events with ReportBatchItemFailures: the records whose body contains "fail";
 * - a function error when any record's body contains "crash".
 */
export function forwarderZip(): Promise<Buffer> {
  const bootstrap = `#!/bin/bash
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  H=$(mktemp)
  EVENT=$(curl -sS -LD "$H" "$API/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$H" | tr -d '[:space:]' | cut -d: -f2-)
  if OUT=$(EVENT="$EVENT" /usr/bin/python3 /var/task/handler.py); then
    curl -sS -X POST "$API/invocation/$REQUEST_ID/response" --data-binary "$OUT" >/dev/null
  else
    curl -sS -X POST -H 'Lambda-Runtime-Function-Error-Type: Function.Failed' "$API/invocation/$REQUEST_ID/error" \\
      --data-binary '{"errorType":"Failed","errorMessage":"crash"}' >/dev/null
  fi
  rm -f "$H"
done
`;
  const handler = `import json, os, sys, urllib.request
event = os.environ["EVENT"]
req = urllib.request.Request("http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/", method="POST",
    data=json.dumps({"QueueUrl": os.environ["OUT_QUEUE_URL"], "MessageBody": event}).encode(),
    headers={"X-Amz-Target": "AmazonSQS.SendMessage", "Content-Type": "application/x-amz-json-1.0"})
urllib.request.urlopen(req).read()
e = json.loads(event)
records = e.get("Records") if isinstance(e, dict) else None
if records and any("crash" in r.get("body", "") for r in records):
    sys.exit(1)
if records:
    print(json.dumps({"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records if "fail" in r.get("body", "")]}))
else:
    print("{}")
`;
  return makeZip({ bootstrap: { content: bootstrap, mode: 0o100755 }, 'handler.py': handler });
}

/** Waits (bounded) until a queue holds no messages, visible or in flight. */
export async function waitForEmpty(sqs: SQSClient, queueUrl: string): Promise<void> {
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  for (const until = Date.now() + 120_000; Date.now() < until; ) {
    const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }))).Attributes!;
    if (Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible) + Number(a.ApproximateNumberOfMessagesDelayed) === 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${queueUrl} did not become empty`);
}
