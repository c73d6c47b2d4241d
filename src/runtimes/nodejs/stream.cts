/**
 * `awslambda.streamifyResponse` handlers. The Lambkin Runtime API does not take streamed responses
 * yet, so the response stream is buffered and posted whole when the handler has finished: the
 * caller gets the same bytes, just not incrementally. Loaded only by functions that stream.
 */
import stream = require('node:stream');

const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

type BeforeFirstWrite = (write: (chunk: string | Buffer) => void) => void;

/** The `responseStream` a streaming handler writes to. */
export class BufferedResponseStream extends stream.Writable {
  readonly chunks: Buffer[] = [];
  contentType = DEFAULT_CONTENT_TYPE;
  _onBeforeFirstWrite: BeforeFirstWrite | undefined;
  private wrote = false;

  setContentType(contentType: string): void {
    if (this.wrote) throw invalidOperation('Cannot set content-type, too late.');
    this.contentType = contentType;
  }

  private prelude(): void {
    if (this.wrote) return;
    this.wrote = true;
    this._onBeforeFirstWrite?.((chunk) => this.chunks.push(Buffer.from(chunk)));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.prelude();
    this.chunks.push(chunk);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.prelude();
    callback();
  }
}

function invalidOperation(message: string): Error {
  const err = new Error(message);
  err.name = 'Runtime.InvalidStreamingOperation';
  return err;
}

/** `awslambda.HttpResponseStream`: Function URL responses (JSON prelude, 8 NUL bytes, body). */
export class HttpResponseStream {
  static from(underlying: BufferedResponseStream, prelude: unknown): BufferedResponseStream {
    underlying.setContentType(PRELUDE_CONTENT_TYPE);
    const metadata = JSON.stringify(prelude);
    underlying._onBeforeFirstWrite = (write) => {
      write(metadata);
      write(Buffer.alloc(8));
    };
    return underlying;
  }
}

export interface StreamingInvoke {
  id: string;
  handler: (event: unknown, responseStream: any, context: unknown) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
  event(): unknown;
  context(): unknown;
  setExitListener(fn: () => void): void;
  logError(label: string, err: unknown): void;
  postRaw(contentType: string, payload: Buffer): void;
  postError(err: unknown): void;
}

export function runStreamingInvoke(inv: StreamingInvoke): void {
  const responseStream = new BufferedResponseStream();
  let settled = false;
  const fail = (err: unknown) => {
    if (settled) return;
    settled = true;
    inv.setExitListener(() => {});
    inv.logError('Invoke Error', err);
    inv.postError(err);
  };
  const succeed = () => {
    if (settled) return;
    if (!responseStream.writableFinished) return fail('Response stream is not finished.');
    settled = true;
    inv.setExitListener(() => {});
    inv.postRaw(responseStream.contentType, Buffer.concat(responseStream.chunks));
  };
  // Handler resolved but the stream is still flushing its 'finish': wait for it.
  const afterHandler = (result: unknown) => {
    if (result !== undefined) console.warn('Streaming handlers ignore return values.');
    if (responseStream.writableFinished || !responseStream.writableEnded) return succeed();
    responseStream.once('finish', succeed);
  };
  inv.setExitListener(() => succeed());
  try {
    const result = inv.handler(inv.event(), responseStream, inv.context());
    if (!result || typeof (result as PromiseLike<unknown>).then !== 'function') {
      return fail('Streaming does not support non-async handlers.');
    }
    (result as PromiseLike<unknown>).then(afterHandler, fail);
  } catch (err) {
    fail(err);
  }
}
