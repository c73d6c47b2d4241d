/** Queue attributes: defaults, validation of the settable ones, and the names GetQueueAttributes knows. */
import { SqsError, invalidParameter } from './errors.js';

export const QUEUE_DEFAULTS: Record<string, string> = {
  DelaySeconds: '0',
  MaximumMessageSize: '1048576',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
  SqsManagedSseEnabled: 'true',
};

const FIFO_DEFAULTS: Record<string, string> = {
  FifoQueue: 'true',
  ContentBasedDeduplication: 'false',
  DeduplicationScope: 'queue',
  FifoThroughputLimit: 'perQueue',
};

const INT_RANGES: Record<string, [number, number]> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43_200],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};

const SETTABLE = new Set([
  ...Object.keys(INT_RANGES),
  'Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'SqsManagedSseEnabled',
  'FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit',
]);
const FIFO_ONLY = new Set(['ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);

export const READ_ONLY = [
  'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp', 'LastModifiedTimestamp', 'QueueArn',
];
export const ALL_ATTRIBUTE_NAMES = new Set([...SETTABLE, ...READ_ONLY]);

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

const invalidValue = (name: string, reason = '') => new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.${reason ? ` Reason: ${reason}` : ''}`);

/** Parses RedrivePolicy's JSON (maxReceiveCount may be a number or a numeric string). */
export function parseRedrivePolicy(raw: string): RedrivePolicy {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw invalidValue('RedrivePolicy', 'Redrive policy is not a valid JSON map.');
  }
  const o = v as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw invalidValue('RedrivePolicy', 'Redrive policy is not a valid JSON map.');
  const arn = o.deadLetterTargetArn;
  const count = Number(o.maxReceiveCount);
  if (typeof arn !== 'string' || !/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(arn)) {
    throw invalidValue('RedrivePolicy', 'Invalid value for deadLetterTargetArn.');
  }
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw invalidValue('RedrivePolicy', 'Invalid value for maxReceiveCount: ' + String(o.maxReceiveCount) + ', valid values are from 1 to 1000 both inclusive.');
  }
  return { deadLetterTargetArn: arn, maxReceiveCount: count };
}

/**
 * Checks attributes given to CreateQueue/SetQueueAttributes and returns them normalised.
 * `fifo` is the queue's type (from its name); attributes of the other type are refused.
 */
export function validateAttributes(given: Record<string, unknown>, fifo: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, rawValue] of Object.entries(given)) {
    if (!SETTABLE.has(name)) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    const value = String(rawValue);
    const range = INT_RANGES[name];
    if (range) {
      const n = Number(value);
      if (!/^-?\d+$/.test(value.trim()) || n < range[0] || n > range[1]) throw invalidValue(name);
      out[name] = String(n);
      continue;
    }
    if (FIFO_ONLY.has(name) && !fifo) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    switch (name) {
      case 'FifoQueue':
        if (value !== 'true' && value !== 'false') throw invalidValue(name);
        if ((value === 'true') !== fifo) {
          if (value === 'true') {
            throw invalidParameter('The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.');
          }
          throw invalidValue(name);
        }
        if (!fifo) continue; // FifoQueue=false on a standard queue is allowed and not stored
        break;
      case 'ContentBasedDeduplication':
      case 'SqsManagedSseEnabled':
        if (value !== 'true' && value !== 'false') throw invalidValue(name);
        break;
      case 'DeduplicationScope':
        if (value !== 'queue' && value !== 'messageGroup') throw invalidValue(name);
        break;
      case 'FifoThroughputLimit':
        if (value !== 'perQueue' && value !== 'perMessageGroupId') throw invalidValue(name);
        break;
      case 'RedrivePolicy':
        if (value !== '') parseRedrivePolicy(value);
        break;
      case 'Policy':
      case 'RedriveAllowPolicy':
        if (value !== '') {
          try {
            JSON.parse(value);
          } catch {
            throw invalidValue(name);
          }
        }
        break;
    }
    out[name] = value;
  }
  return out;
}

export function defaultAttributes(fifo: boolean): Record<string, string> {
  return fifo ? { ...QUEUE_DEFAULTS, ...FIFO_DEFAULTS } : { ...QUEUE_DEFAULTS };
}
