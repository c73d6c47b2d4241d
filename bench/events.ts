/**
 * Event sources, measured: queue → function throughput through an event source mapping
 * (BatchSize 10), send → handler latency, and the server's CPU with 100 idle mappings.
 */
import { readFileSync } from 'node:fs';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { makeZip } from '../test/helpers/zip.js';
import { CREDS_ENV } from '../test/helpers/clients.js';
import { sqsClient, waitForMappingState } from '../test/helpers/events.js';
import { stats, now, type Stats } from './http-client.js';
import type { Target } from './lambkin.js';

export interface EventsBench {
  throughput: { messages: number; batchSize: number; ms: number; perSecond: number };
  latency: Stats & { samples: number };
  idle: { mappings: number; seconds: number; cpuPercent: number; baselineCpuPercent: number };
}

const HANDLER = `exports.handler = async (event) => {
  const t = performance.timeOrigin + performance.now();
  for (const r of event.Records) {
    const b = JSON.parse(r.body);
    if (b.lat) console.log('LAT ' + (t - b.t).toFixed(3));
  }
  return {};
};
`;

async function queue(sqs: SQSClient, name: string) {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url, arn };
}

async function depth(sqs: SQSClient, url: string): Promise<number> {
  const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function idleCpu(pid: number, seconds: number): Promise<number> {
  const c0 = cpuSeconds(pid);
  const t0 = now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return ((cpuSeconds(pid) - c0) / ((now() - t0) / 1000)) * 100;
}

export async function measureEvents(t: Target, quick: boolean): Promise<EventsBench> {
  const sqs = sqsClient(t.server.url);
  const logs = new CloudWatchLogsClient({ endpoint: t.server.url, region: 'us-east-1', credentials: { accessKeyId: CREDS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: CREDS_ENV.AWS_SECRET_ACCESS_KEY }, maxAttempts: 1 });
  try {
    await t.sdk.send(new CreateFunctionCommand({ FunctionName: 'esm-bench', Runtime: 'nodejs22.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/bench', Code: { ZipFile: await makeZip({ 'index.js': HANDLER }) }, MemorySize: 1769, Timeout: 30 }));
    const idleSeconds = quick ? 5 : 10;
    const baselineCpuPercent = await idleCpu(t.server.proc.pid!, idleSeconds);

    // Throughput: a backlog sent while the mapping is disabled, then drained.
    const n = quick ? 1000 : 5000;
    const tq = await queue(sqs, 'esm-tput');
    const m = await t.sdk.send(new CreateEventSourceMappingCommand({ FunctionName: 'esm-bench', EventSourceArn: tq.arn, BatchSize: 10, Enabled: false }));
    for (let i = 0; i < n; i += 100) {
      await Promise.all(Array.from({ length: 10 }, (_v, b) => sqs.send(new SendMessageBatchCommand({ QueueUrl: tq.url, Entries: Array.from({ length: 10 }, (_x, j) => ({ Id: `m${j}`, MessageBody: JSON.stringify({ i: i + b * 10 + j }) })) }))));
    }
    const t0 = now();
    await t.sdk.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: true }));
    while ((await depth(sqs, tq.url)) > 0) await new Promise((r) => setTimeout(r, 10));
    const ms = now() - t0;
    await t.sdk.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: false }));
    await waitForMappingState(t.sdk, m.UUID!, 'Disabled');

    // Latency: one message at a time into an idle, long-polling mapping; the handler logs send → handler.
    const lq = await queue(sqs, 'esm-latency');
    const lm = await t.sdk.send(new CreateEventSourceMappingCommand({ FunctionName: 'esm-bench', EventSourceArn: lq.arn, BatchSize: 1 }));
    await waitForMappingState(t.sdk, lm.UUID!, 'Enabled');
    const samples = quick ? 30 : 100;
    for (let i = 0; i < samples + 3; i++) {
      await sqs.send(new SendMessageCommand({ QueueUrl: lq.url, MessageBody: JSON.stringify({ lat: i >= 3, t: performance.timeOrigin + performance.now() }) }));
      while ((await depth(sqs, lq.url)) > 0) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 20));
    }
    await t.sdk.send(new UpdateEventSourceMappingCommand({ UUID: lm.UUID, Enabled: false }));
    let lat: number[] = [];
    for (let i = 0; i < 50 && lat.length < samples; i++) {
      const ev = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/esm-bench', filterPattern: '"LAT "', limit: 10_000 }));
      lat = (ev.events ?? []).map((e) => Number(/LAT ([\d.]+)/.exec(e.message ?? '')?.[1])).filter((x) => Number.isFinite(x));
      if (lat.length < samples) await new Promise((r) => setTimeout(r, 200));
    }

    // 100 idle mappings: their pollers wait on in-process wake-ups.
    const idleMappings = 100;
    for (let i = 0; i < idleMappings; i++) {
      const q = await queue(sqs, `esm-idle-${i}`);
      await t.sdk.send(new CreateEventSourceMappingCommand({ FunctionName: 'esm-bench', EventSourceArn: q.arn }));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const cpuPercent = await idleCpu(t.server.proc.pid!, idleSeconds);
    return {
      throughput: { messages: n, batchSize: 10, ms, perSecond: n / (ms / 1000) },
      latency: { ...stats(lat), samples: lat.length },
      idle: { mappings: idleMappings, seconds: idleSeconds, cpuPercent, baselineCpuPercent },
    };
  } finally {
    sqs.destroy();
    logs.destroy();
  }
}

export function renderEvents(e: EventsBench): string[] {
  const f = (n: number, d = 1) => n.toFixed(d);
  return [
    '## Event sources',
    '',
    `- Queue → function through an event source mapping (BatchSize ${e.throughput.batchSize}, Node handler, sandboxed): ${e.throughput.messages} queued messages drained in ${f(e.throughput.ms, 0)} ms = **${f(e.throughput.perSecond, 0)} messages/s**.`,
    `- SendMessage → handler start, one message at a time into an idle mapping (${e.latency.samples} samples): **p50 ${f(e.latency.p50, 2)} ms**, p90 ${f(e.latency.p90, 2)} ms, p99 ${f(e.latency.p99, 2)} ms.`,
    `- Server CPU with ${e.idle.mappings} idle mappings (long-polling in process) over ${e.idle.seconds} s: **${f(e.idle.cpuPercent, 2)} %** of one core (same server before any mapping: ${f(e.idle.baselineCpuPercent, 2)} %).`,
  ];
}
