/**
 * The error vocabulary shared by every layer: an AWS error code plus its message.
 * Domain code throws these; the HTTP layer decides status, headers and body shape
 * (see api/error-response.ts), so nothing below the API knows about HTTP.
 */
export type ErrorCode =
  | 'InvalidParameterValueException'
  | 'ValidationException'
  | 'ResourceNotFoundException'
  | 'ResourceConflictException'
  | 'PreconditionFailedException'
  | 'TooManyRequestsException'
  | 'ServiceException'
  | 'RequestEntityTooLargeException'
  | 'InvalidRequestContentException'
  | 'UnsupportedMediaTypeException'
  | 'CodeStorageExceededException'
  | 'AccessDeniedException'
  | 'UnknownOperationException'
  | 'InvalidRuntimeException'
  | 'ResourceNotReadyException'
  | 'ResourceAlreadyExistsException'
  | 'InvalidParameterException'
  | 'ServiceUnavailableException';

export class LambdaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra members for the error body, e.g. `Reason` on TooManyRequestsException. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export const invalidParameter = (message: string) => new LambdaError('InvalidParameterValueException', message);
export const notFound = (message: string) => new LambdaError('ResourceNotFoundException', message);
export const conflict = (message: string) => new LambdaError('ResourceConflictException', message);
export const validation = (message: string) => new LambdaError('ValidationException', message);

export const REVISION_MISMATCH =
  'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id';
export const preconditionFailed = (message = REVISION_MISMATCH) => new LambdaError('PreconditionFailedException', message);

/**
 * Builds AWS's "N validation error(s) detected: ..." text from individual constraint failures.
 * Each item reads like `Value 'x' at 'memorySize' failed to satisfy constraint: Member must ...`.
 */
export class ValidationErrors {
  private readonly items: string[] = [];

  add(value: unknown, path: string, constraint: string): void {
    this.items.push(`Value ${renderValue(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  get empty(): boolean {
    return this.items.length === 0;
  }

  message(): string {
    const n = this.items.length;
    return `${n} validation error${n === 1 ? '' : 's'} detected: ${this.items.join('; ')}`;
  }

  /** Throws a ValidationException (or the given code) if anything was added. */
  throwIfAny(code: ErrorCode = 'ValidationException'): void {
    if (!this.empty) throw new LambdaError(code, this.message());
  }
}

/** AWS renders values Java-style: null bare, lists `[a, b]`, maps `{k=v}`, everything else quoted. */
export function renderValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  return `'${renderInner(value)}'`;
}

function renderInner(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(renderInner).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${renderInner(v)}`).join(', ')}}`;
  }
  return String(value);
}
