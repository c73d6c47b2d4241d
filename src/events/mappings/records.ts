/** The `Records[]` event Lambda builds from SQS messages, key order as AWS sends it. */
import type { QueueRecord, StoredMessage } from '../../store/events-store.js';

export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, Record<string, unknown>>;
  md5OfMessageAttributes: string | null;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

export function toRecord(q: QueueRecord, arn: string, m: StoredMessage, receiptHandle: string): SqsRecord {
  const attributes: Record<string, string> = { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) };
  if (q.fifo) {
    if (m.sequenceNumber) attributes.SequenceNumber = m.sequenceNumber;
    if (m.groupId) attributes.MessageGroupId = m.groupId;
  }
  attributes.SenderId = m.senderId;
  if (q.fifo && m.dedupId) attributes.MessageDeduplicationId = m.dedupId.includes('\u0000') ? m.dedupId.split('\u0000')[1] : m.dedupId;
  if (m.systemAttributes.AWSTraceHeader?.StringValue) attributes.AWSTraceHeader = m.systemAttributes.AWSTraceHeader.StringValue;
  if (m.deadLetterSource) attributes.DeadLetterQueueSourceArn = m.deadLetterSource;
  attributes.ApproximateFirstReceiveTimestamp = String(m.firstReceiveAt ?? m.sentAt);
  const messageAttributes: Record<string, Record<string, unknown>> = {};
  for (const [name, a] of Object.entries(m.attributes)) {
    messageAttributes[name] =
      a.BinaryValue !== undefined
        ? { binaryValue: a.BinaryValue, stringListValues: [], binaryListValues: [], dataType: a.DataType }
        : { stringValue: a.StringValue, stringListValues: [], binaryListValues: [], dataType: a.DataType };
  }
  return {
    messageId: m.id,
    receiptHandle,
    body: m.body,
    attributes,
    messageAttributes,
    md5OfMessageAttributes: m.md5OfAttributes ?? null,
    md5OfBody: m.md5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: q.region,
  };
}

/** What filter patterns see: the record, with a JSON object body parsed. */
export function filterView(r: SqsRecord): Record<string, unknown> {
  let body: unknown = r.body;
  try {
    const parsed = JSON.parse(r.body) as unknown;
    if (parsed !== null && typeof parsed === 'object') body = parsed;
  } catch {
    // not JSON: patterns match the plain string
  }
  return { ...r, body };
}

/**
 * Reads a ReportBatchItemFailures response: the ids of messages to retry, or 'all' when the
 * response says the whole batch failed (bad JSON, a bad or unknown itemIdentifier).
 */
export function failedItems(payload: Buffer | undefined, ids: Set<string>): Set<string> | 'all' {
  const text = payload?.toString('utf8').trim() ?? '';
  if (text === '' || text === 'null') return new Set();
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'all';
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'all';
  const list = (v as Record<string, unknown>).batchItemFailures;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return 'all';
  const out = new Set<string>();
  for (const item of list) {
    const id = item && typeof item === 'object' ? (item as Record<string, unknown>).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '' || !ids.has(id)) return 'all';
    out.add(id);
  }
  return out;
}
