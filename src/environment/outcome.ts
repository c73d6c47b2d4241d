/** What goes into an environment (an invocation) and what comes out. */
export interface InvocationRequest {
  requestId: string;
  payload: Buffer;
  invokedArn: string;
  /** Decoded client context JSON, passed to the runtime as a header. */
  clientContext?: string;
  traceId: string;
  /** Keep this invocation's log text for `X-Amz-Log-Result`. */
  wantTail: boolean;
}

export interface InvocationOutcome {
  payload: Buffer;
  contentType: string;
  functionError: boolean;
  /** Error type for REPORT and metrics (e.g. Runtime.ExitError, Sandbox.Timedout). */
  errorType?: string;
  durationMs: number;
  initDurationMs?: number;
  /** The invocation's full log text (START … REPORT, plus init output on a cold start), if asked for. */
  logText?: string;
  coldStart: boolean;
}

export function errorPayload(errorType: string, errorMessage: string): Buffer {
  return Buffer.from(JSON.stringify({ errorType, errorMessage }));
}
