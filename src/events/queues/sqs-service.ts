/**
 * The SQS-compatible queue service: queues (create, look up, attributes, tags, delete, purge) and
 * their messages (send, long-poll receive, delete, change visibility, redrive to a dead-letter
 * queue). Inputs and outputs are the JSON protocol's members; nothing here knows HTTP.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { QueueRecord, QueueStore, StoredMessage } from '../../store/events-store.js';
import { SqsError, invalidParameter, missingParameter, queueDoesNotExist } from './errors.js';
import { ALL_ATTRIBUTE_NAMES, READ_ONLY, defaultAttributes, parseRedrivePolicy, validateAttributes } from './attributes.js';
import { checkQueueName, decodeReceipt, encodeReceipt, ensureOwnQueue, parseQueueArn, parseQueueUrl, queueArn, queueUrl, type QueueRef } from './names.js';
import { checkAttributes, checkBody, messageSize, selectAttributes } from './message-input.js';
import { md5Hex, md5OfAttributes } from './md5.js';
import { Waiters } from './waiters.js';
import { checkBatch, type BatchResult } from './batch.js';

type Body = Record<string, unknown>;

/** Who is calling and how they reached us. */
export interface SqsCall {
  region: string;
  /** Host header, for queue URLs that lead back here. */
  host: string;
  /** SenderId of sent messages (the caller's access key id). */
  senderId: string;
}

export interface SqsServiceOptions {
  store: QueueStore;
  clock: Clock;
  accountId: string;
  /** Retention sweep period. */
  sweepMs?: number;
  log?: (line: string) => void;
}

const DEDUP_WINDOW_MS = 5 * 60_000;
const BATCH_LIMIT = 1_048_576;
const SYSTEM_ATTRIBUTES = ['SenderId', 'SentTimestamp', 'ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp', 'SequenceNumber', 'MessageDeduplicationId', 'MessageGroupId', 'AWSTraceHeader', 'DeadLetterQueueSourceArn'];

const intParam = (b: Body, name: string, min: number, max: number, reason: string): number | undefined => {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw invalidParameter(`Value ${String(v)} for parameter ${name} is invalid. Reason: ${reason}`);
  return n;
};

const strList = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);
const queueKey = (region: string, name: string) => `${region}\u0000${name}`;

export class SqsService {
  readonly waiters: Waiters;
  private sweepTimer?: () => void;

  constructor(private readonly opts: SqsServiceOptions) {
    this.waiters = new Waiters(opts.clock);
  }

  get accountId(): string {
    return this.opts.accountId;
  }

  start(): void {
    const sweep = () => {
      void this.sweep().catch((err) => this.opts.log?.(`queue retention sweep failed: ${String(err)}`)).finally(() => {
        this.sweepTimer = this.opts.clock.at(this.opts.clock.now() + (this.opts.sweepMs ?? 60_000), sweep);
      });
    };
    this.sweepTimer = this.opts.clock.at(this.opts.clock.now() + (this.opts.sweepMs ?? 60_000), sweep);
  }

  stop(): void {
    this.sweepTimer?.();
    this.waiters.stop();
  }

  /** Deletes messages past their queue's retention period. */
  async sweep(): Promise<number> {
    const now = this.opts.clock.now();
    let n = 0;
    for (const q of await this.opts.store.listAllQueues()) {
      n += await this.opts.store.expireMessages(q.region, q.name, now - Number(q.attributes.MessageRetentionPeriod) * 1000, now);
    }
    return n;
  }

  // ------------------------------------------------------------------ queues

  async createQueue(call: SqsCall, b: Body): Promise<Body> {
    const given = (b.Attributes ?? {}) as Record<string, unknown>;
    const { name, fifo } = checkQueueName(b.QueueName, given.FifoQueue === 'true' || given.FifoQueue === true);
    const attributes = { ...defaultAttributes(fifo), ...validateAttributes(given, fifo) };
    const now = this.opts.clock.now();
    const ref = { region: call.region, accountId: this.opts.accountId, name };
    const tags = (b.tags ?? b.Tags ?? {}) as Record<string, string>;
    const existing = await this.opts.store.createQueue({ region: call.region, name, fifo, attributes, tags, createdAt: now, modifiedAt: now });
    if (existing !== 'created') {
      for (const [k, v] of Object.entries(attributes)) {
        if (existing.attributes[k] !== v) throw new SqsError('QueueNameExists', `A queue already exists with the same name and a different value for attribute ${k}`);
      }
    }
    return { QueueUrl: queueUrl(call.host, ref) };
  }

  async getQueueUrl(call: SqsCall, b: Body): Promise<Body> {
    if (typeof b.QueueName !== 'string' || b.QueueName === '') throw missingParameter('QueueName');
    if (b.QueueOwnerAWSAccountId !== undefined && b.QueueOwnerAWSAccountId !== this.opts.accountId) throw queueDoesNotExist();
    const q = await this.opts.store.getQueue(call.region, b.QueueName);
    if (!q) throw queueDoesNotExist();
    return { QueueUrl: this.url(call, q) };
  }

  async listQueues(call: SqsCall, b: Body): Promise<Body> {
    const max = intParam(b, 'MaxResults', 1, 1000, 'MaxResults must be an integer between 1 and 1000.');
    const prefix = typeof b.QueueNamePrefix === 'string' ? b.QueueNamePrefix : '';
    let after: string | undefined;
    if (typeof b.NextToken === 'string' && b.NextToken !== '') {
      after = Buffer.from(b.NextToken, 'base64url').toString('utf8');
      if (after === '') throw invalidParameter('Invalid NextToken value.');
    }
    // Without MaxResults SQS answers at most 1000 and no NextToken.
    const limit = max ?? 1000;
    const rows = await this.opts.store.listQueues(call.region, prefix, after, limit + 1);
    const page = rows.slice(0, limit);
    const out: Body = {};
    if (page.length) out.QueueUrls = page.map((q) => this.url(call, q));
    if (max !== undefined && rows.length > limit) out.NextToken = Buffer.from(page[page.length - 1].name).toString('base64url');
    return out;
  }

  async deleteQueue(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    await this.opts.store.deleteQueue(q.region, q.name);
    this.waiters.notify(queueKey(q.region, q.name));
    return {};
  }

  async purgeQueue(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    await this.opts.store.purgeQueue(q.region, q.name);
    return {};
  }

  async getQueueAttributes(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    const names = strList(b.AttributeNames) ?? [];
    for (const n of names) if (n !== 'All' && !ALL_ATTRIBUTE_NAMES.has(n)) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${n}.`);
    const all = names.includes('All');
    const want = (n: string) => all || names.includes(n);
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(q.attributes)) if (want(k)) attributes[k] = v;
    if (READ_ONLY.some(want)) {
      const c = await this.opts.store.countMessages(q.region, q.name, this.opts.clock.now());
      const ro: Record<string, string> = {
        ApproximateNumberOfMessages: String(c.visible),
        ApproximateNumberOfMessagesNotVisible: String(c.inFlight),
        ApproximateNumberOfMessagesDelayed: String(c.delayed),
        CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
        LastModifiedTimestamp: String(Math.floor(q.modifiedAt / 1000)),
        QueueArn: queueArn(this.ref(q)),
      };
      for (const [k, v] of Object.entries(ro)) if (want(k)) attributes[k] = v;
    }
    return Object.keys(attributes).length ? { Attributes: attributes } : {};
  }

  async setQueueAttributes(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    const given = (b.Attributes ?? {}) as Record<string, unknown>;
    if ('FifoQueue' in given && String(given.FifoQueue) !== String(q.fifo)) throw new SqsError('InvalidAttributeValue', 'Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.');
    const changes = validateAttributes(given, q.fifo);
    await this.opts.store.updateQueue(q.region, q.name, (cur) => {
      const attributes = { ...cur.attributes };
      for (const [k, v] of Object.entries(changes)) {
        if (v === '' && (k === 'RedrivePolicy' || k === 'Policy' || k === 'RedriveAllowPolicy')) delete attributes[k];
        else attributes[k] = v;
      }
      return { ...cur, attributes, modifiedAt: this.opts.clock.now() };
    });
    return {};
  }

  async tagQueue(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    const tags = (b.Tags ?? {}) as Record<string, string>;
    await this.opts.store.updateQueue(q.region, q.name, (cur) => ({ ...cur, tags: { ...cur.tags, ...tags } }));
    return {};
  }

  async untagQueue(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    const keys = strList(b.TagKeys) ?? [];
    await this.opts.store.updateQueue(q.region, q.name, (cur) => {
      const tags = { ...cur.tags };
      for (const k of keys) delete tags[k];
      return { ...cur, tags };
    });
    return {};
  }

  async listQueueTags(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    return Object.keys(q.tags).length ? { Tags: q.tags } : {};
  }

  async listDeadLetterSourceQueues(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    const arn = queueArn(this.ref(q));
    const sources = (await this.opts.store.listQueues(q.region, '', undefined, 100_000)).filter((s) => {
      const rp = s.attributes.RedrivePolicy;
      return rp !== undefined && parseRedrivePolicy(rp).deadLetterTargetArn === arn;
    });
    return { queueUrls: sources.map((s) => this.url(call, s)) };
  }

  // ------------------------------------------------------------------ messages

  async sendMessage(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    const [r] = await this.send(call, q, [b]);
    if ('error' in r) throw r.error;
    return r.ok;
  }

  async sendMessageBatch(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    const entries = checkBatch(b.Entries, 'SendMessageBatchRequestEntry');
    // The whole batch counts against the largest message size SQS allows (1 MiB).
    const total = entries.reduce((n, e) => n + Buffer.byteLength(typeof e.MessageBody === 'string' ? e.MessageBody : '') + attributeBytes(e.MessageAttributes), 0);
    if (total > BATCH_LIMIT) throw new SqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${BATCH_LIMIT} bytes. You have sent ${total} bytes.`);
    const results = await this.send(call, q, entries);
    return batchOutput(entries, results);
  }

  /** Validates and stores messages; one result per entry (entries fail alone). */
  private async send(call: SqsCall, q: QueueRecord, entries: Body[]): Promise<BatchResult[]> {
    const now = this.opts.clock.now();
    const results: BatchResult[] = [];
    const accepted: { index: number; msg: Parameters<QueueStore['sendMessages']>[2][number]; md5: Body }[] = [];
    entries.forEach((e, index) => {
      try {
        const body = checkBody(e.MessageBody);
        const attributes = checkAttributes(e.MessageAttributes);
        const systemAttributes = checkAttributes(e.MessageSystemAttributes, true);
        const max = Number(q.attributes.MaximumMessageSize);
        if (messageSize(body, attributes) > max) throw invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);
        const delay = intParam(e, 'DelaySeconds', 0, 900, 'DelaySeconds must be >= 0 and <= 900.');
        let groupId: string | undefined;
        let dedupId: string | undefined;
        if (q.fifo) {
          if (delay !== undefined && delay !== 0) {
            throw invalidParameter(`Value ${delay} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`);
          }
          if (typeof e.MessageGroupId !== 'string' || e.MessageGroupId === '') throw missingParameter('MessageGroupId');
          groupId = checkToken(e.MessageGroupId, 'MessageGroupId');
          if (typeof e.MessageDeduplicationId === 'string' && e.MessageDeduplicationId !== '') dedupId = checkToken(e.MessageDeduplicationId, 'MessageDeduplicationId');
          else if (q.attributes.ContentBasedDeduplication === 'true') dedupId = createHash('sha256').update(body).digest('hex');
          else throw invalidParameter('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
          if (q.attributes.DeduplicationScope === 'messageGroup') dedupId = `${groupId}\u0000${dedupId}`;
        } else if (e.MessageDeduplicationId !== undefined) {
          throw invalidParameter('The request include parameter MessageDeduplicationId that is not valid for this queue type.');
        }
        const md5OfBody = md5Hex(body);
        const md5Attrs = md5OfAttributes(attributes);
        const md5Sys = md5OfAttributes(systemAttributes);
        accepted.push({
          index,
          msg: {
            id: randomUUID(), body, md5OfBody, attributes, ...(md5Attrs ? { md5OfAttributes: md5Attrs } : {}),
            systemAttributes, ...(md5Sys ? { md5OfSystemAttributes: md5Sys } : {}),
            senderId: call.senderId, sentAt: now, visibleAt: now + (delay ?? Number(q.attributes.DelaySeconds)) * 1000,
            ...(groupId !== undefined ? { groupId } : {}), ...(dedupId !== undefined ? { dedupId } : {}),
          },
          md5: { MD5OfMessageBody: md5OfBody, ...(md5Attrs ? { MD5OfMessageAttributes: md5Attrs } : {}), ...(md5Sys ? { MD5OfMessageSystemAttributes: md5Sys } : {}) },
        });
        results[index] = { ok: {} };
      } catch (err) {
        if (!(err instanceof SqsError)) throw err;
        results[index] = { error: err };
      }
    });
    if (accepted.length) {
      const stored = await this.opts.store.sendMessages(q.region, q.name, accepted.map((a) => a.msg), now, DEDUP_WINDOW_MS);
      accepted.forEach((a, i) => {
        const s = stored[i];
        results[a.index] = { ok: { ...a.md5, MessageId: s.id, ...(s.sequenceNumber ? { SequenceNumber: s.sequenceNumber } : {}) } };
      });
      this.waiters.notify(queueKey(q.region, q.name));
    }
    return results;
  }

  async receiveMessage(call: SqsCall, b: Body, signal?: AbortSignal): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    const max = intParam(b, 'MaxNumberOfMessages', 1, 10, 'Must be between 1 and 10, if provided.') ?? 1;
    const visibility = intParam(b, 'VisibilityTimeout', 0, 43_200, 'Must be >= 0 and <= 43200, if provided.');
    const wait = intParam(b, 'WaitTimeSeconds', 0, 20, 'Must be >= 0 and <= 20, if provided.') ?? Number(q.attributes.ReceiveMessageWaitTimeSeconds);
    const msgs = await this.receiveFrom(q, max, (visibility ?? Number(q.attributes.VisibilityTimeout)) * 1000, wait * 1000, signal);
    const sysNames = [...(strList(b.AttributeNames) ?? []), ...(strList(b.MessageSystemAttributeNames) ?? [])];
    const attrNames = strList(b.MessageAttributeNames);
    if (msgs.length === 0) return {};
    return {
      Messages: msgs.map((m) => {
        const out: Body = { MessageId: m.id, ReceiptHandle: this.receipt(q, m), MD5OfBody: m.md5OfBody, Body: m.body };
        const sys = systemAttributes(m, sysNames);
        if (Object.keys(sys).length) out.Attributes = sys;
        const attrs = selectAttributes(m.attributes, attrNames);
        if (Object.keys(attrs).length) {
          out.MD5OfMessageAttributes = Object.keys(attrs).length === Object.keys(m.attributes).length ? m.md5OfAttributes : md5OfAttributes(attrs);
          out.MessageAttributes = attrs;
        }
        return out;
      }),
    };
  }

  async deleteMessage(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    const r = decodeReceipt(b.ReceiptHandle, q.name);
    await this.opts.store.deleteMessage(q.region, q.name, r.messageId, r.nonce);
    return {};
  }

  async deleteMessageBatch(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    const entries = checkBatch(b.Entries, 'DeleteMessageBatchRequestEntry');
    const results: BatchResult[] = [];
    for (const e of entries) {
      try {
        const r = decodeReceipt(e.ReceiptHandle, q.name);
        await this.opts.store.deleteMessage(q.region, q.name, r.messageId, r.nonce);
        results.push({ ok: {} });
      } catch (err) {
        if (!(err instanceof SqsError)) throw err;
        results.push({ error: err });
      }
    }
    return batchOutput(entries, results);
  }

  async changeMessageVisibility(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    const err = await this.changeOne(q, b);
    if (err) throw err;
    return {};
  }

  async changeMessageVisibilityBatch(call: SqsCall, b: Body): Promise<Body> {
    const q = await this.queue(call, b.QueueUrl);
    const entries = checkBatch(b.Entries, 'ChangeMessageVisibilityBatchRequestEntry');
    const results: BatchResult[] = [];
    for (const e of entries) {
      const err = await this.changeOne(q, e);
      results.push(err ? { error: err } : { ok: {} });
    }
    return batchOutput(entries, results);
  }

  private async changeOne(q: QueueRecord, b: Body): Promise<SqsError | undefined> {
    try {
      const r = decodeReceipt(b.ReceiptHandle, q.name);
      if (b.VisibilityTimeout === undefined || b.VisibilityTimeout === null) throw missingParameter('VisibilityTimeout');
      const timeout = intParam(b, 'VisibilityTimeout', 0, 43_200, 'VisibilityTimeout must be an integer between 0 and 43200')!;
      const now = this.opts.clock.now();
      const res = await this.opts.store.changeVisibility(q.region, q.name, r.messageId, r.nonce, now + timeout * 1000, now);
      if (res === 'not-in-flight') return new SqsError('MessageNotInflight', 'Message does not exist or is not available for visibility timeout change.');
      if (timeout === 0) this.waiters.notify(queueKey(q.region, q.name));
      return undefined;
    } catch (err) {
      if (err instanceof SqsError) return err;
      throw err;
    }
  }

  // ------------------------------------------------------------------ for event sources (in-process)

  /** The queue an ARN names, if it exists. */
  async queueByArn(arn: string): Promise<QueueRecord | undefined> {
    const ref = parseQueueArn(arn);
    if (!ref || ref.accountId !== this.opts.accountId) return undefined;
    return this.opts.store.getQueue(ref.region, ref.name);
  }

  /** Long-polls `q` for up to `max` messages (redrive applies); resolves early on a send. */
  async receiveFrom(q: QueueRecord, max: number, visibilityMs: number, waitMs: number, signal?: AbortSignal): Promise<StoredMessage[]> {
    const clock = this.opts.clock;
    const deadline = clock.now() + waitMs;
    const key = queueKey(q.region, q.name);
    const redrive = await this.redriveOf(q);
    for (;;) {
      const seen = this.waiters.version(key);
      const now = clock.now();
      const { messages: msgs, moved } = await this.opts.store.receiveMessages({
        region: q.region, queue: q.name, now, max, visibilityMs, fifo: q.fifo, redrive,
        nonce: () => randomBytes(12).toString('base64url'),
      });
      if (redrive && moved > 0) this.waiters.notify(queueKey(q.region, redrive.deadLetterQueue));
      if (msgs.length > 0 || clock.now() >= deadline || signal?.aborted || this.waiters.stopped) return msgs;
      const next = await this.opts.store.nextVisibleAt(q.region, q.name, now);
      await this.waiters.wait(key, seen, Math.min(deadline, next ?? deadline), signal);
      if (signal?.aborted || clock.now() >= deadline) {
        if (this.waiters.version(key) === seen) return [];
      }
    }
  }

  receipt(q: QueueRecord, m: StoredMessage): string {
    return encodeReceipt({ queue: q.name, messageId: m.id, nonce: m.receipt ?? '' });
  }

  /** Deletes received messages (by their latest receipt). */
  async deleteReceived(q: QueueRecord, msgs: StoredMessage[]): Promise<void> {
    for (const m of msgs) await this.opts.store.deleteMessage(q.region, q.name, m.id, m.receipt ?? '');
  }

  /** Makes received messages visible again at `visibleAt`. */
  async release(q: QueueRecord, msgs: StoredMessage[], visibleAt: number): Promise<void> {
    const now = this.opts.clock.now();
    for (const m of msgs) await this.opts.store.changeVisibility(q.region, q.name, m.id, m.receipt ?? '', visibleAt, now);
    if (visibleAt <= now) this.waiters.notify(queueKey(q.region, q.name));
  }

  /** Sends one message from inside the server (a schedule's dead-letter queue). */
  async sendInternal(arn: string, body: string, attributes: Record<string, { DataType: string; StringValue: string }>): Promise<void> {
    const q = await this.queueByArn(arn);
    if (!q) throw queueDoesNotExist();
    const entry: Body = { MessageBody: body, MessageAttributes: attributes };
    if (q.fifo) Object.assign(entry, { MessageGroupId: 'scheduler', MessageDeduplicationId: randomUUID() });
    const [r] = await this.send({ region: q.region, host: 'localhost', senderId: this.opts.accountId }, q, [entry]);
    if ('error' in r) throw r.error;
  }

  counts(q: QueueRecord) {
    return this.opts.store.countMessages(q.region, q.name, this.opts.clock.now());
  }

  arnOf(q: QueueRecord): string {
    return queueArn(this.ref(q));
  }

  // ------------------------------------------------------------------ helpers

  private async redriveOf(q: QueueRecord): Promise<{ maxReceiveCount: number; deadLetterQueue: string; sourceArn: string } | undefined> {
    const raw = q.attributes.RedrivePolicy;
    if (!raw) return undefined;
    const policy = parseRedrivePolicy(raw);
    const dlq = await this.queueByArn(policy.deadLetterTargetArn);
    if (!dlq || dlq.region !== q.region) return undefined;
    return { maxReceiveCount: policy.maxReceiveCount, deadLetterQueue: dlq.name, sourceArn: queueArn(this.ref(q)) };
  }

  private ref(q: QueueRecord): QueueRef {
    return { region: q.region, accountId: this.opts.accountId, name: q.name };
  }

  private url(call: SqsCall, q: QueueRecord): string {
    return queueUrl(call.host, this.ref(q));
  }

  private async queue(call: SqsCall, rawUrl: unknown): Promise<QueueRecord> {
    const ref = parseQueueUrl(rawUrl, call.region);
    ensureOwnQueue(ref, this.opts.accountId);
    const q = await this.opts.store.getQueue(ref.region, ref.name);
    if (!q) throw queueDoesNotExist();
    return q;
  }
}

/** Bytes of message attributes as sent (names, types, values), before validation. */
function attributeBytes(raw: unknown): number {
  if (!raw || typeof raw !== 'object') return 0;
  let n = 0;
  for (const [k, v] of Object.entries(raw as Record<string, Record<string, unknown>>)) {
    n += Buffer.byteLength(k);
    for (const f of ['DataType', 'StringValue', 'BinaryValue']) if (typeof v?.[f] === 'string') n += Buffer.byteLength(v[f] as string);
  }
  return n;
}

function checkToken(v: string, name: string): string {
  if (!/^[\x21-\x7E]{1,128}$/.test(v)) throw invalidParameter(`Value ${v} for parameter ${name} is invalid. Reason: ${name} can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
  return v;
}

function systemAttributes(m: StoredMessage, names: string[]): Record<string, string> {
  if (names.length === 0) return {};
  const all = names.includes('All');
  const values: Record<string, string | undefined> = {
    SenderId: m.senderId,
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? m.sentAt),
    SequenceNumber: m.sequenceNumber,
    MessageDeduplicationId: m.dedupId?.includes('\u0000') ? m.dedupId.split('\u0000')[1] : m.dedupId,
    MessageGroupId: m.groupId,
    AWSTraceHeader: m.systemAttributes.AWSTraceHeader?.StringValue,
    DeadLetterQueueSourceArn: m.deadLetterSource,
  };
  const out: Record<string, string> = {};
  for (const k of SYSTEM_ATTRIBUTES) {
    const v = values[k];
    if (v !== undefined && (all || names.includes(k))) out[k] = v;
  }
  return out;
}

function batchOutput(entries: Body[], results: BatchResult[]): Body {
  const Successful: Body[] = [];
  const Failed: Body[] = [];
  results.forEach((r, i) => {
    const Id = entries[i].Id;
    if ('error' in r) Failed.push({ Id, SenderFault: r.error.senderFault, Code: r.error.queryCode, Message: r.error.message });
    else Successful.push({ Id, ...r.ok });
  });
  return { Successful, Failed };
}
