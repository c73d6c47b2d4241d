/** How each error code goes on the wire: HTTP status, body member casing, and whether it carries "Type". */
import { LambdaError, type ErrorCode } from '../errors.js';

interface WireShape {
  status: number;
  /** Member name of the message, per the Lambda model ("Message" vs "message"). */
  key: 'Message' | 'message';
  /** Modelled service errors carry "Type":"User" (4xx) or "Service" (5xx); framework errors none. */
  type?: 'User' | 'Service';
}

const SHAPES: Record<ErrorCode, WireShape> = {
  InvalidParameterValueException: { status: 400, key: 'message', type: 'User' },
  ValidationException: { status: 400, key: 'message' },
  ResourceNotFoundException: { status: 404, key: 'Message', type: 'User' },
  ResourceConflictException: { status: 409, key: 'message', type: 'User' },
  PreconditionFailedException: { status: 412, key: 'message', type: 'User' },
  TooManyRequestsException: { status: 429, key: 'message', type: 'User' },
  ServiceException: { status: 500, key: 'Message', type: 'Service' },
  RequestEntityTooLargeException: { status: 413, key: 'Message' },
  InvalidRequestContentException: { status: 400, key: 'message', type: 'User' },
  UnsupportedMediaTypeException: { status: 415, key: 'message', type: 'User' },
  CodeStorageExceededException: { status: 400, key: 'message', type: 'User' },
  AccessDeniedException: { status: 403, key: 'message' },
  UnknownOperationException: { status: 404, key: 'message' },
  InvalidRuntimeException: { status: 502, key: 'Message', type: 'User' },
  ResourceNotReadyException: { status: 502, key: 'message', type: 'User' },
  // CloudWatch Logs codes (JSON 1.1 protocol renders them itself; listed for completeness).
  ResourceAlreadyExistsException: { status: 400, key: 'message' },
  InvalidParameterException: { status: 400, key: 'message' },
  ServiceUnavailableException: { status: 503, key: 'message' },
};

export interface WireError {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export function toWireError(err: unknown): WireError {
  const e = err instanceof LambdaError ? err : new LambdaError('ServiceException', 'An internal error occurred.');
  const shape = SHAPES[e.code];
  const body: Record<string, unknown> = {};
  if (shape.type) body.Type = shape.type;
  body[shape.key] = e.message;
  Object.assign(body, e.extra);
  const headers: Record<string, string> = { 'x-amzn-ErrorType': e.code };
  if (e.code === 'TooManyRequestsException') headers['Retry-After'] = '1';
  return { status: shape.status, headers, body };
}
