/**
 * Turns an environment's output into log events: stdout/stderr split into lines (as Lambda does for
 * raw writes), and framed records from the telemetry fd kept whole (multi-line messages stay one event).
 */
import type { Readable } from 'node:stream';

export type EventListener = (message: string, timestampMs: number) => void;

/** Splits a byte stream into lines; a trailing partial line is emitted on `flush()` or stream end. */
export function captureLines(stream: Readable, emit: EventListener): { flush(): void } {
  let pending = '';
  const flush = () => {
    if (pending.length > 0) {
      const line = pending;
      pending = '';
      emit(line, Date.now());
    }
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const now = Date.now();
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) emit(line.endsWith('\r') ? line.slice(0, -1) : line, now);
  });
  stream.on('end', flush);
  stream.on('error', () => {});
  return { flush };
}

const HEADER = 16;

/** Parses telemetry frames: 4-byte BE type (0xA55A....), 4-byte BE length, 8-byte BE µs timestamp, message. */
export function captureFrames(stream: Readable, emit: EventListener): void {
  let buf: Buffer = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= HEADER) {
      const type = buf.readUInt32BE(0);
      const len = buf.readUInt32BE(4);
      if (type >>> 16 !== 0xa55a || len > 1024 * 1024) {
        // Not a frame: treat the rest as plain text rather than lose it.
        emit(buf.toString('utf8').replace(/\n$/, ''), Date.now());
        buf = Buffer.alloc(0);
        return;
      }
      if (buf.length < HEADER + len) return;
      const micros = buf.readBigUInt64BE(8);
      const message = buf.subarray(HEADER, HEADER + len).toString('utf8');
      buf = buf.subarray(HEADER + len);
      emit(message.endsWith('\n') ? message.slice(0, -1) : message, Number(micros / 1000n) || Date.now());
    }
  });
  stream.on('error', () => {});
}
