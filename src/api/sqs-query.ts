/**
 * SQS's legacy query protocol (form-encoded `Action=…` on `POST /` or `POST /<account>/<queue>`,
 * XML replies), for clients that predate the JSON protocol (e.g. AWS CLI v2 before 2.13).
 * Requests are converted to the JSON members and answered by the same operations.
 */
import { randomUUID } from 'node:crypto';
import type { ApiRequest, ApiResponse, Route } from './http.js';
import { LambdaError } from '../errors.js';
import { SqsError } from '../events/queues/errors.js';
import type { SqsService } from '../events/queues/sqs-service.js';
import { findOp, sqsCall, sqsOperations, toSqsError } from './sqs-json.js';

type Body = Record<string, unknown>;
type Tree = { [k: string]: Tree | string };

const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';
const INT_MEMBERS = new Set(['DelaySeconds', 'MaxNumberOfMessages', 'VisibilityTimeout', 'WaitTimeSeconds', 'MaxResults']);
const LISTS: Record<string, string> = { AttributeName: 'AttributeNames', MessageAttributeName: 'MessageAttributeNames', MessageSystemAttributeName: 'MessageSystemAttributeNames', TagKey: 'TagKeys' };
const ENTRIES = ['SendMessageBatchRequestEntry', 'DeleteMessageBatchRequestEntry', 'ChangeMessageVisibilityBatchRequestEntry'];

/** `a.1.b=v` → {a: {1: {b: v}}} */
function nest(params: URLSearchParams): Tree {
  const root: Tree = Object.create(null) as Tree;
  for (const [k, v] of params) {
    const path = k.split('.');
    // Keys name members; none may reach an object's prototype.
    if (path.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) continue;
    let node = root;
    for (let i = 0; i < path.length - 1; i++) {
      const next = node[path[i]];
      node = typeof next === 'object' ? next : (node[path[i]] = Object.create(null) as Tree);
    }
    node[path[path.length - 1]] = v;
  }
  return root;
}

const ordered = (t: Tree | string | undefined): Tree[] =>
  typeof t === 'object' ? Object.keys(t).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b)).map((k) => t[k] as Tree) : [];

function members(t: Tree): Body {
  const out: Body = {};
  for (const [k, v] of Object.entries(t)) {
    if (k === 'Attribute') out.Attributes = Object.fromEntries(ordered(v).map((e) => [e.Name, e.Value]));
    else if (k === 'Tag') out.Tags = Object.fromEntries(ordered(v).map((e) => [e.Key, e.Value]));
    else if (k === 'MessageAttribute' || k === 'MessageSystemAttribute') {
      out[`${k}s`] = Object.fromEntries(ordered(v).map((e) => [e.Name, typeof e.Value === 'object' ? { ...e.Value } : {}]));
    } else if (k in LISTS) out[LISTS[k]] = ordered(v as Tree).length ? ordered(v as Tree) : Object.values(v as Tree);
    else if (ENTRIES.includes(k)) out.Entries = ordered(v).map(members);
    else if (typeof v === 'string') out[k] = INT_MEMBERS.has(k) && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  // Lists of scalars arrive as `AttributeName.1=x`: their values are the strings themselves.
  for (const k of Object.values(LISTS)) if (Array.isArray(out[k])) out[k] = (out[k] as unknown[]).map(String);
  return out;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r/g, '&#xD;');

function xmlValue(name: string, v: unknown, op: string): string {
  if (v === undefined || v === null) return '';
  if (name === 'Attributes') return Object.entries(v as Body).map(([k, x]) => `<Attribute><Name>${esc(k)}</Name><Value>${esc(String(x))}</Value></Attribute>`).join('');
  if (name === 'Tags') return Object.entries(v as Body).map(([k, x]) => `<Tag><Key>${esc(k)}</Key><Value>${esc(String(x))}</Value></Tag>`).join('');
  if (name === 'MessageAttributes') {
    return Object.entries(v as Record<string, Body>)
      .map(([k, a]) => `<MessageAttribute><Name>${esc(k)}</Name><Value>${Object.entries(a).map(([f, x]) => `<${f}>${esc(String(x))}</${f}>`).join('')}</Value></MessageAttribute>`)
      .join('');
  }
  if (name === 'QueueUrls' || name === 'queueUrls') return (v as string[]).map((u) => `<QueueUrl>${esc(u)}</QueueUrl>`).join('');
  if (name === 'Messages') return (v as Body[]).map((m) => `<Message>${xmlFields(m, op)}</Message>`).join('');
  if (name === 'Successful') return (v as Body[]).map((e) => `<${op}ResultEntry>${xmlFields(e, op)}</${op}ResultEntry>`).join('');
  if (name === 'Failed') return (v as Body[]).map((e) => `<BatchResultErrorEntry>${xmlFields(e, op)}</BatchResultErrorEntry>`).join('');
  return `<${name}>${esc(String(v))}</${name}>`;
}

function xmlFields(b: Body, op: string): string {
  return Object.entries(b).map(([k, v]) => xmlValue(k, v, op)).join('');
}

function xml(status: number, body: string): ApiResponse {
  return { status, headers: { 'Content-Type': 'text/xml' }, body: Buffer.from(`<?xml version="1.0"?>${body}`) };
}

export function sqsQueryRoutes(sqs: SqsService, accountId: string, onInternalError?: (err: unknown) => void): Route[] {
  const ops = sqsOperations(sqs);
  const handler = async (req: ApiRequest): Promise<ApiResponse> => {
    const requestId = randomUUID();
    const form = req.method === 'POST' && req.body.length ? new URLSearchParams(req.body.toString('utf8')) : new URLSearchParams();
    for (const [k, v] of req.query) if (!form.has(k)) form.append(k, v);
    const action = form.get('Action');
    if (req.params.Account !== undefined && !/^\d{12}$/.test(req.params.Account)) {
      throw new LambdaError('UnknownOperationException', `Unknown operation: ${req.method} ${req.path}`);
    }
    if (action === null) throw new LambdaError('UnknownOperationException', `Unknown operation: ${req.method} ${req.path}`);
    try {
      const body = members(nest(form));
      delete body.Action;
      delete body.Version;
      if (body.QueueUrl === undefined && req.params.Queue !== undefined) body.QueueUrl = `http://${req.host}/${req.params.Account}/${req.params.Queue}`;
      const out = await findOp(ops, action)(sqsCall(req, accountId), body);
      // Operations without output (DeleteQueue, SetQueueAttributes…) answer with ResponseMetadata alone.
      const result = Object.keys(out).length || /^(Receive|List|Get|Send|Create)|Batch$/.test(action) ? `<${action}Result>${xmlFields(out, action)}</${action}Result>` : '';
      return xml(200, `<${action}Response xmlns="${XMLNS}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`);
    } catch (err) {
      const e: SqsError = toSqsError(err, onInternalError);
      return xml(
        e.status,
        `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${e.senderFault ? 'Sender' : 'Receiver'}</Type><Code>${esc(e.queryCode)}</Code><Message>${esc(e.message)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
  };
  return [
    { method: 'POST', path: '/', handler },
    { method: 'GET', path: '/', handler },
    { method: 'POST', path: '/{Account}/{Queue}', handler },
    { method: 'GET', path: '/{Account}/{Queue}', handler },
  ];
}
