/**
 * Error types and error formatting of the Node.js bootstrap, as AWS's runtime client produces them.
 * Required lazily by bootstrap.cjs: a healthy start-up never loads this file.
 */
import util = require('node:util');

export interface RapidError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

const looksLikeError = (obj: any): boolean => // eslint-disable-line @typescript-eslint/no-explicit-any
  !!obj &&
  !!obj.name &&
  !!obj.message &&
  !!obj.stack &&
  typeof obj.name === 'string' &&
  typeof obj.message === 'string' &&
  typeof obj.stack === 'string';

/** The body posted to /invocation/{id}/error and /init/error: `{errorType, errorMessage, trace}`. */
export function toRapidResponse(error: any): RapidError { // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    if (util.types.isNativeError(error) || looksLikeError(error)) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace: error.stack.replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

export function intoError(err: unknown): Error {
  return err instanceof Error ? err : new Error(err as string);
}

/** The log form of an error: a tab, then JSON with errorType/errorMessage/code/stack[] and own fields. */
export function toFormatted(error: unknown): string {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

function withEnumerableProperties(error: unknown): unknown {
  if (error instanceof Error) {
    const ret = Object.assign(
      { errorType: error.name, errorMessage: error.message, code: (error as { code?: unknown }).code },
      error,
    ) as unknown as Record<string, unknown>;
    if (typeof error.stack === 'string') ret.stack = error.stack.split('\n');
    return ret;
  }
  return error;
}

export class ImportModuleError extends Error {
  constructor(cause: unknown) {
    super(String(cause));
  }
}
export class HandlerNotFound extends Error {}
export class MalformedHandlerName extends Error {}
export class UserCodeSyntaxError extends Error {
  constructor(cause: unknown) {
    super(String(cause));
  }
}
export class MalformedStreamingHandler extends Error {}
export class InvalidStreamingOperation extends Error {}
export class CallbackHandlerDeprecated extends Error {}
export class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
export class UnhandledPromiseRejection extends Error {
  constructor(readonly reason: unknown, readonly promise: unknown) {
    super(reason as string);
  }
}

// errorType = `Runtime.<ClassName>`; the class (constructor) name stays bare, as in AWS's JSON logs.
for (const cls of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  MalformedStreamingHandler,
  InvalidStreamingOperation,
  CallbackHandlerDeprecated,
  NodeJsExit,
  UnhandledPromiseRejection,
]) {
  cls.prototype.name = `Runtime.${cls.name}`;
}

export const CALLBACK_DEPRECATED_MESSAGE =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';
