/**
 * Turns an environment's output into log events: stdout/stderr split into lines (as Lambda does for
 * raw writes), and framed records from the telemetry fd kept whole (multi-line messages stay one event).
 * Nothing grows without bound: a line longer than CloudWatch's largest event is cut into several.
 */
import type { Readable } from 'node:stream';
import { MAX_EVENT_BYTES } from './sink.js';

export type EventListener = (message: string, timestampMs: number) => void;

/** Emits `text` as one event, or as several when it is longer than an event may be. */
function emitBounded(text: string, ts: number, emit: EventListener): void {
  // Fast path: no string of this many UTF-16 units can exceed the limit in UTF-8.
  if (text.length <= MAX_EVENT_BYTES / 3 || Buffer.byteLength(text) <= MAX_EVENT_BYTES) {
    emit(text, ts);
    return;
  }
  for (const part of splitUtf8(text, MAX_EVENT_BYTES)) emit(part, ts);
}

/** Splits at character boundaries into pieces of at most `max` UTF-8 bytes. */
export function splitUtf8(text: string, max: number): string[] {
  const buf = Buffer.from(text);
  const parts: string[] = [];
  let start = 0;
  while (start < buf.length) {
    let end = Math.min(start + max, buf.length);
    // Back up to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
    while (end < buf.length && end > start && (buf[end] & 0xc0) === 0x80) end--;
    parts.push(buf.subarray(start, end).toString('utf8'));
    start = end;
  }
  return parts;
}

/** Lets a capture drop output unread while its log group is over its write budget. */
export interface ChunkGate {
  open(): boolean;
  /** Output dropped unread: its line count (at least one) and length. */
  drop(lines: number, length: number): void;
}

function countLines(chunk: string): number {
  let n = 0;
  for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) n++;
  return Math.max(1, n);
}

/**
 * Splits a byte stream into lines; a trailing partial line is emitted on `flush()` or stream end.
 * With a `gate`, a chunk arriving while the gate is closed is dropped whole (with any partial line
 * before it), without splitting it.
 */
export function captureLines(stream: Readable, emit: EventListener, gate?: ChunkGate): { flush(): void } {
  let pending = '';
  const flush = () => {
    if (pending.length > 0) {
      const line = pending;
      pending = '';
      emitBounded(line, Date.now(), emit);
    }
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    if (gate && !gate.open()) {
      gate.drop(countLines(chunk), pending.length + chunk.length);
      pending = '';
      return;
    }
    const now = Date.now();
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) emitBounded(line.endsWith('\r') ? line.slice(0, -1) : line, now, emit);
    // A runaway line without a newline: emit full-size pieces now rather than buffer it all.
    if (pending.length > MAX_EVENT_BYTES) {
      const pieces = splitUtf8(pending, MAX_EVENT_BYTES);
      pending = pieces.pop() ?? '';
      for (const p of pieces) emit(p, now);
    }
  });
  stream.on('end', flush);
  stream.on('error', () => {});
  return { flush };
}

const HEADER = 16;
/** Frames declaring more than this are not frames (the runtime clients cap records far below it). */
const MAX_FRAME = 1024 * 1024;

/**
 * Parses telemetry frames: 4-byte BE type (0xA55A....), 4-byte BE length, 8-byte BE µs timestamp,
 * message. With a `gate`, frames arriving while it is closed are skipped unread (their headers
 * still keep the parser in step).
 */
export function captureFrames(stream: Readable, emit: EventListener, gate?: ChunkGate): void {
  let buf: Buffer = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= HEADER) {
      const type = buf.readUInt32BE(0);
      const len = buf.readUInt32BE(4);
      if (type >>> 16 !== 0xa55a || len > MAX_FRAME) {
        // Not a frame: treat the rest as plain text rather than lose it.
        emitBounded(buf.toString('utf8').replace(/\n$/, ''), Date.now(), emit);
        buf = Buffer.alloc(0);
        return;
      }
      if (buf.length < HEADER + len) return;
      if (gate && !gate.open()) {
        gate.drop(1, len);
        buf = buf.subarray(HEADER + len);
        continue;
      }
      const micros = buf.readBigUInt64BE(8);
      const message = buf.subarray(HEADER, HEADER + len).toString('utf8');
      buf = buf.subarray(HEADER + len);
      emitBounded(message.endsWith('\n') ? message.slice(0, -1) : message, Number(micros / 1000n) || Date.now(), emit);
    }
  });
  stream.on('error', () => {});
}
