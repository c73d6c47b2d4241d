/**
 * The MD5 digests SQS returns and SDKs verify: of the body (hex MD5 of its UTF-8 bytes) and of the
 * message (system) attributes, over the attributes sorted by name, each encoded as
 * len(name) name len(type) type transport-byte len(value) value (lengths 4-byte big-endian;
 * transport 1 for String/Number, 2 for Binary).
 */
import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from '../../store/events-store.js';

export const md5Hex = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

function lengthPrefixed(b: Buffer): Buffer[] {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return [len, b];
}

export function md5OfAttributes(attributes: Record<string, MessageAttributeValue>): string | undefined {
  const names = Object.keys(attributes).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  for (const name of names) {
    const a = attributes[name];
    parts.push(...lengthPrefixed(Buffer.from(name, 'utf8')), ...lengthPrefixed(Buffer.from(a.DataType, 'utf8')));
    if (a.BinaryValue !== undefined && a.DataType.startsWith('Binary')) {
      parts.push(Buffer.from([2]), ...lengthPrefixed(Buffer.from(a.BinaryValue, 'base64')));
    } else {
      parts.push(Buffer.from([1]), ...lengthPrefixed(Buffer.from(a.StringValue ?? '', 'utf8')));
    }
  }
  return md5Hex(Buffer.concat(parts));
}
