/**
 * CreateFunction / UpdateFunctionCode bodies (up to ~70 MB: the zip travels base64 inside the JSON)
 * read as a stream: the zip member is decoded straight into a file under the data dir while the
 * body arrives, the rest of the JSON (small) is parsed normally. The answers are those of the
 * in-memory reader: 413 over the limit (after draining, so the client reads it), and
 * InvalidRequestContentException for what is not JSON.
 */
import type { Readable } from 'node:stream';
import { LambdaError } from '../errors.js';
import type { UploadArea, UploadedZip, UploadWriter } from '../code/uploads.js';
import { Base64Decoder } from '../util/base64.js';
import { JsonMemberScanner, JsonScanError, RestTooLargeError } from './json-member-scanner.js';

/** What is kept of a body besides the zip: the size of an ordinary request's whole body. */
const REST_LIMIT = 6 * 1024 * 1024;

export interface CodeBody {
  json: Record<string, unknown>;
  /** The decoded member, when the body had it as a string. */
  zip?: UploadedZip;
  /** Removes the zip's file (call on every path once done with it). */
  discard(): Promise<void>;
}

export interface CodeBodyOptions {
  /** Where the zip string sits: ['Code', 'ZipFile'] or ['ZipFile']. */
  member: readonly string[];
  maxBody: number;
  operation: string;
  declaredLength?: number;
  uploads: UploadArea;
}

/** The client went away before the body was complete: nobody is left to answer. */
export class BodyAbortedError extends LambdaError {
  constructor() {
    super('InvalidRequestContentException', 'The client closed the connection before the request body was complete.');
  }
}

const tooLarge = (o: CodeBodyOptions) =>
  new LambdaError('RequestEntityTooLargeException', `Request must be smaller than ${o.maxBody} bytes for the ${o.operation} operation`);
const notJson = (detail: string) => new LambdaError('InvalidRequestContentException', `Could not parse request body into json: ${detail}`);

export async function readCodeBody(body: Readable, o: CodeBodyOptions): Promise<CodeBody> {
  const release = await o.uploads.slot();
  let writer: UploadWriter | undefined;
  const discard = async () => {
    if (!writer) return;
    await writer.close();
    await o.uploads.discard(writer.file);
  };
  // File work runs in order behind the scanner; its first failure is kept and reported after.
  let pending: Promise<void> = Promise.resolve();
  let writeError: unknown;
  const then = (step: () => Promise<void>) => {
    pending = pending.then(() => (writeError === undefined ? step() : undefined)).catch((err) => {
      writeError ??= err;
    });
  };
  try {
    let size = 0;
    let over = (o.declaredLength ?? 0) > o.maxBody;
    let failure: Error | undefined;
    let decoder = new Base64Decoder();
    const scanner = new JsonMemberScanner(
      o.member,
      REST_LIMIT,
      () => {
        decoder = new Base64Decoder();
        then(async () => {
          if (writer) await writer.reset();
          else writer = await o.uploads.create();
        });
      },
      (text) => {
        const bytes = decoder.push(text);
        if (bytes) then(() => writer!.write(bytes));
      },
    );
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > o.maxBody) over = true;
        // A client that keeps sending far past the limit is cut off.
        if (size > o.maxBody * 2 + 1024 * 1024) {
          body.destroy();
          throw tooLarge(o);
        }
        if (over || failure) continue;
        try {
          scanner.write(chunk);
        } catch (err) {
          failure = err as Error;
          continue;
        }
        // The bytes reach the file before the next chunk is read: one chunk in memory at a time.
        await pending;
      }
    } catch (err) {
      throw err instanceof LambdaError ? err : new BodyAbortedError();
    }
    if ((body as { complete?: boolean }).complete === false) throw new BodyAbortedError();
    if (over) throw tooLarge(o);
    if (failure instanceof RestTooLargeError) {
      throw new LambdaError('RequestEntityTooLargeException', `Request must be smaller than ${REST_LIMIT} bytes for the ${o.operation} operation, not counting ${o.member.join('.')}`);
    }
    if (failure instanceof JsonScanError) throw notJson(failure.message);
    if (failure) throw failure;
    const tail = decoder.end();
    if (tail) then(() => writer!.write(tail));
    await pending;
    if (writeError !== undefined) throw writeError;
    const json = size === 0 ? {} : parseObject(scanner.end());
    const zip = writer && scanner.found > 0 ? await writer.finish() : undefined;
    return { json, zip, discard };
  } catch (err) {
    await pending;
    await discard().catch(() => undefined);
    throw err;
  } finally {
    release();
  }
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw notJson((err as Error).message);
  }
}
