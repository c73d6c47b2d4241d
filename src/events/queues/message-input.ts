/** Validation of what SendMessage(Batch) carries: body characters, message attributes, sizes. */
import type { MessageAttributeValue } from '../../store/events-store.js';
import { SqsError, invalidParameter } from './errors.js';

const INVALID_CHARS = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ATTR_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]{1,250})?$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function checkBody(body: unknown): string {
  if (body === undefined || body === null || body === '') throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
  if (typeof body !== 'string') throw invalidParameter('The parameter MessageBody must be a string.');
  if (INVALID_CHARS.test(body)) {
    throw new SqsError('InvalidMessageContents', 'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF');
  }
  return body;
}

/** Validates MessageAttributes (user) or MessageSystemAttributes (`system`: only AWSTraceHeader). */
export function checkAttributes(raw: unknown, system = false): Record<string, MessageAttributeValue> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidParameter('MessageAttributes must be a map.');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > 10) throw invalidParameter(`Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`);
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, v] of entries) {
    const kind = system ? 'system' : 'user';
    if (system) {
      if (name !== 'AWSTraceHeader') throw invalidParameter(`Message system attribute name '${name}' is invalid.`);
    } else if (!ATTR_NAME.test(name) || /^(aws\.|amazon\.)/i.test(name)) {
      throw invalidParameter(`Message (${kind}) attribute name '${name}' is invalid.`);
    }
    const a = (v ?? {}) as Record<string, unknown>;
    const dataType = a.DataType;
    if (typeof dataType !== 'string' || dataType === '') {
      throw invalidParameter(`The message attribute '${name}' must contain non-empty message attribute type.`);
    }
    if (!DATA_TYPE.test(dataType)) {
      throw invalidParameter(`The type of message (${kind}) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
    }
    if (a.StringListValues !== undefined || a.BinaryListValues !== undefined) {
      if ((Array.isArray(a.StringListValues) && a.StringListValues.length) || (Array.isArray(a.BinaryListValues) && a.BinaryListValues.length)) {
        throw invalidParameter(`Message (${kind}) attribute '${name}' uses list values, which are not supported.`);
      }
    }
    if (dataType.startsWith('Binary')) {
      const b = a.BinaryValue;
      if (typeof b !== 'string' || b === '') {
        throw invalidParameter(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      }
      out[name] = { DataType: dataType, BinaryValue: b };
    } else {
      const s = a.StringValue;
      if (typeof s !== 'string' || s === '') {
        throw invalidParameter(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType.split('.')[0]}'.`);
      }
      if (dataType.startsWith('Number') && !NUMBER.test(s)) {
        throw invalidParameter(`Can't cast the value of message (${kind}) attribute '${name}' to a number.`);
      }
      if (INVALID_CHARS.test(s)) throw invalidParameter(`Message (${kind}) attribute '${name}' value contains invalid characters.`);
      out[name] = { DataType: dataType, StringValue: s };
    }
  }
  return out;
}

/** Bytes a message counts against MaximumMessageSize: body plus attribute names, types and values. */
export function messageSize(body: string, attributes: Record<string, MessageAttributeValue>): number {
  let n = Buffer.byteLength(body);
  for (const [name, a] of Object.entries(attributes)) {
    n += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    n += a.BinaryValue !== undefined ? Buffer.from(a.BinaryValue, 'base64').length : Buffer.byteLength(a.StringValue ?? '');
  }
  return n;
}

/** Selects attributes by MessageAttributeNames: names, `All`, `.*`, or `prefix.*`. */
export function selectAttributes(all: Record<string, MessageAttributeValue>, names: string[] | undefined): Record<string, MessageAttributeValue> {
  if (!names || names.length === 0) return {};
  if (names.includes('All') || names.includes('.*')) return all;
  const out: Record<string, MessageAttributeValue> = {};
  for (const [k, v] of Object.entries(all)) {
    if (names.some((n) => (n.endsWith('.*') ? k.startsWith(n.slice(0, -1)) : n === k))) out[k] = v;
  }
  return out;
}
