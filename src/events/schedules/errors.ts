/** EventBridge Scheduler's errors (rest-json: `x-amzn-ErrorType` and `{"Message": …}`). */
export type SchedulerErrorCode = 'ValidationException' | 'ResourceNotFoundException' | 'ConflictException' | 'ServiceQuotaExceededException' | 'InternalServerException' | 'ThrottlingException';

const STATUS: Record<SchedulerErrorCode, number> = {
  ValidationException: 400,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  ServiceQuotaExceededException: 402,
  ThrottlingException: 429,
  InternalServerException: 500,
};

export class SchedulerError extends Error {
  constructor(readonly code: SchedulerErrorCode, message: string) {
    super(message);
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export const schedulerValidation = (m: string) => new SchedulerError('ValidationException', m);
