/**
 * SQS's JSON protocol (awsJson1_0: `POST /`, `X-Amz-Target: AmazonSQS.<Op>`), as botocore ≥ 1.31
 * and the JS SDK v3 speak it. Errors carry `__type` com.amazonaws.sqs#<Shape> and, as AWS sends
 * them, `x-amzn-query-error: <query code>;Sender` (botocore reports that code to the caller).
 */
import type { ApiRequest, ApiResponse, Handler } from './http.js';
import { SqsError } from '../events/queues/errors.js';
import type { SqsCall, SqsService } from '../events/queues/sqs-service.js';

export const SQS_TARGET_PREFIX = 'AmazonSQS.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

type Body = Record<string, unknown>;
export type SqsOp = (call: SqsCall, body: Body) => Promise<Body>;

/** The operations by name, shared by the JSON and query faces. */
export function sqsOperations(sqs: SqsService): Record<string, SqsOp> {
  return {
    CreateQueue: (c, b) => sqs.createQueue(c, b),
    GetQueueUrl: (c, b) => sqs.getQueueUrl(c, b),
    ListQueues: (c, b) => sqs.listQueues(c, b),
    DeleteQueue: (c, b) => sqs.deleteQueue(c, b),
    PurgeQueue: (c, b) => sqs.purgeQueue(c, b),
    GetQueueAttributes: (c, b) => sqs.getQueueAttributes(c, b),
    SetQueueAttributes: (c, b) => sqs.setQueueAttributes(c, b),
    TagQueue: (c, b) => sqs.tagQueue(c, b),
    UntagQueue: (c, b) => sqs.untagQueue(c, b),
    ListQueueTags: (c, b) => sqs.listQueueTags(c, b),
    ListDeadLetterSourceQueues: (c, b) => sqs.listDeadLetterSourceQueues(c, b),
    SendMessage: (c, b) => sqs.sendMessage(c, b),
    SendMessageBatch: (c, b) => sqs.sendMessageBatch(c, b),
    ReceiveMessage: (c, b) => sqs.receiveMessage(c, b),
    DeleteMessage: (c, b) => sqs.deleteMessage(c, b),
    DeleteMessageBatch: (c, b) => sqs.deleteMessageBatch(c, b),
    ChangeMessageVisibility: (c, b) => sqs.changeMessageVisibility(c, b),
    ChangeMessageVisibilityBatch: (c, b) => sqs.changeMessageVisibilityBatch(c, b),
  };
}

const UNSUPPORTED = new Set(['AddPermission', 'RemovePermission', 'StartMessageMoveTask', 'CancelMessageMoveTask', 'ListMessageMoveTasks']);

/** Resolves an operation name, or throws the error SQS gives for it. */
export function findOp(ops: Record<string, SqsOp>, name: string): SqsOp {
  if (Object.prototype.hasOwnProperty.call(ops, name)) return ops[name];
  if (UNSUPPORTED.has(name)) throw new SqsError('UnsupportedOperation', `${name} is not supported by Lambkin.`);
  throw new SqsError('InvalidAction', `The action ${name} is not valid for this endpoint.`);
}

/** The caller as SQS sees it: region, the host to build queue URLs with, and the sender id. */
export function sqsCall(req: ApiRequest, accountId: string): SqsCall {
  const auth = req.headers.authorization;
  const key = typeof auth === 'string' ? /Credential=([^/,\s]+)\//.exec(auth)?.[1] : undefined;
  return { region: req.region, host: req.host, senderId: key ?? accountId };
}

export function toSqsError(err: unknown, onInternalError?: (err: unknown) => void): SqsError {
  if (err instanceof SqsError) return err;
  onInternalError?.(err);
  return new SqsError('InternalError', 'We encountered an internal error. Please try again.');
}

export function sqsJsonHandler(sqs: SqsService, accountId: string, onInternalError?: (err: unknown) => void): { prefix: string; handler: Handler } {
  const ops = sqsOperations(sqs);
  const handler = async (req: ApiRequest): Promise<ApiResponse> => {
    const target = String(req.headers['x-amz-target'] ?? '');
    try {
      const op = findOp(ops, target.slice(SQS_TARGET_PREFIX.length));
      const body = parseBody(req.body);
      const out = await op(sqsCall(req, accountId), body);
      return { status: 200, headers: { 'Content-Type': CONTENT_TYPE }, body: Buffer.from(JSON.stringify(out)) };
    } catch (err) {
      const e = toSqsError(err, onInternalError);
      return {
        status: e.status,
        headers: { 'Content-Type': CONTENT_TYPE, 'x-amzn-query-error': `${e.queryCode};${e.senderFault ? 'Sender' : 'Receiver'}` },
        body: Buffer.from(JSON.stringify({ __type: `com.amazonaws.sqs#${e.code}`, message: e.message })),
      };
    }
  };
  return { prefix: SQS_TARGET_PREFIX, handler };
}

function parseBody(raw: Buffer): Body {
  if (raw.length === 0) return {};
  try {
    const v = JSON.parse(raw.toString('utf8')) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Body;
  } catch {
    throw new SqsError('MalformedQueryString', 'The request body is not valid JSON.');
  }
}
