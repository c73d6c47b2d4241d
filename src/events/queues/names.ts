/** Queue URLs and ARNs as AWS forms them, and receipt handles. */
import { SqsError, queueDoesNotExist } from './errors.js';

export interface QueueRef {
  region: string;
  accountId: string;
  name: string;
}

export const queueArn = (q: QueueRef): string => `arn:aws:sqs:${q.region}:${q.accountId}:${q.name}`;

/**
 * A queue URL names the endpoint the client used (its Host header) and `/<account>/<name>`: the
 * SDKs may send requests to a QueueUrl's host, so it must be one that reaches this server.
 */
export const queueUrl = (host: string, q: QueueRef): string => `http://${host}/${q.accountId}/${q.name}`;

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;

export function checkQueueName(name: unknown, fifoWanted: boolean): { name: string; fifo: boolean } {
  if (typeof name !== 'string' || name === '') throw new SqsError('MissingParameter', 'The request must contain the parameter QueueName.');
  const fifo = name.endsWith('.fifo');
  if (fifo ? !FIFO_NAME.test(name) : !QUEUE_NAME.test(name) || fifoWanted) {
    if (fifo || fifoWanted) {
      throw new SqsError('InvalidParameterValue', 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.');
    }
    throw new SqsError('InvalidParameterValue', 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
  }
  return { name, fifo };
}

/** `https://sqs.<region>.amazonaws.com/...` and `http://sqs.<region>.localhost:port/...` name a region. */
const REGION_IN_HOST = /^(?:sqs\.)?([a-z]{2}(?:-gov)?-[a-z]+-\d)\.(?:queue\.|localhost|amazonaws)/;

/** Parses a QueueUrl (any host; the path is /<account>/<name>); the region comes from the host or the request. */
export function parseQueueUrl(raw: unknown, requestRegion: string): QueueRef {
  if (typeof raw !== 'string' || raw === '') throw new SqsError('MissingParameter', 'The request must contain the parameter QueueUrl.');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SqsError('InvalidAddress', `The address ${raw} is not valid for this endpoint.`);
  }
  const m = /^\/(\d{12})\/([^/]+)\/?$/.exec(url.pathname);
  if (!m) throw new SqsError('InvalidAddress', `The address ${raw} is not valid for this endpoint.`);
  const region = REGION_IN_HOST.exec(url.hostname)?.[1] ?? requestRegion;
  return { region, accountId: m[1], name: decodeURIComponent(m[2]) };
}

/** `arn:aws:sqs:<region>:<account>:<name>` */
export function parseQueueArn(arn: string): QueueRef | undefined {
  const m = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)$/.exec(arn);
  return m ? { region: m[1], accountId: m[2], name: m[3] } : undefined;
}

export interface Receipt {
  queue: string;
  messageId: string;
  nonce: string;
}

export const encodeReceipt = (r: Receipt): string => Buffer.from(`${r.queue}\u0000${r.messageId}\u0000${r.nonce}`).toString('base64');

export function decodeReceipt(handle: unknown, queue: string): Receipt {
  if (typeof handle !== 'string' || handle === '') throw new SqsError('MissingParameter', 'The request must contain the parameter ReceiptHandle.');
  const parts = /^[A-Za-z0-9+/]+={0,2}$/.test(handle) ? Buffer.from(handle, 'base64').toString('utf8').split('\u0000') : [];
  if (parts.length !== 3 || parts[0] !== queue) {
    throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
  }
  return { queue: parts[0], messageId: parts[1], nonce: parts[2] };
}

export function ensureOwnQueue(ref: QueueRef, accountId: string): void {
  if (ref.accountId !== accountId) throw queueDoesNotExist();
}
