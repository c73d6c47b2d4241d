/** How a runtime's failures are named in Lambda's error payloads and REPORT lines. */

const KNOWN_ERROR_TYPE = /^(Runtime|Function)\.[A-Z][a-zA-Z]+$/;

/** The error type a runtime put in `Lambda-Runtime-Function-Error-Type`, as Lambda reports it. */
export function normaliseErrorType(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return KNOWN_ERROR_TYPE.test(header) ? header : 'Runtime.Unknown';
}

/** `errorType` of an error payload, if it has one. */
export function errorTypeOf(body: Buffer): string | undefined {
  try {
    const v = JSON.parse(body.toString('utf8')) as { errorType?: unknown };
    return typeof v.errorType === 'string' ? v.errorType : undefined;
  } catch {
    return undefined;
  }
}

/** How a REPORT names the signal a runtime died of: `killed` for SIGKILL, else the lower-case name (`segv`). */
export function signalName(signal: NodeJS.Signals): string {
  return signal === 'SIGKILL' ? 'killed' : signal.replace(/^SIG/, '').toLowerCase();
}
