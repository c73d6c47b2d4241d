/**
 * SQS's errors. Each has the JSON protocol's shape name (`__type` com.amazonaws.sqs#<name>) and the
 * legacy query protocol's code, which JSON replies also carry in `x-amzn-query-error` so that
 * clients written for either see the code they expect (botocore-1.43 reports the query code).
 */
export type SqsErrorName =
  | 'QueueDoesNotExist'
  | 'QueueNameExists'
  | 'QueueDeletedRecently'
  | 'ReceiptHandleIsInvalid'
  | 'MessageNotInflight'
  | 'TooManyEntriesInBatchRequest'
  | 'EmptyBatchRequest'
  | 'BatchEntryIdsNotDistinct'
  | 'BatchRequestTooLong'
  | 'InvalidBatchEntryId'
  | 'PurgeQueueInProgress'
  | 'UnsupportedOperation'
  | 'InvalidAttributeName'
  | 'InvalidAttributeValue'
  | 'InvalidMessageContents'
  | 'InvalidIdFormat'
  | 'OverLimit'
  | 'InvalidAddress'
  | 'InvalidSecurity'
  | 'RequestThrottled'
  | 'ResourceNotFoundException'
  // Not modelled as shapes, but sent by SQS (query codes of the common errors).
  | 'InvalidParameterValue'
  | 'MissingParameter'
  | 'InvalidAction'
  | 'MalformedQueryString'
  | 'InternalError';

const QUERY_CODES: Partial<Record<SqsErrorName, string>> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  QueueNameExists: 'QueueAlreadyExists',
  QueueDeletedRecently: 'AWS.SimpleQueueService.QueueDeletedRecently',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  BatchRequestTooLong: 'AWS.SimpleQueueService.BatchRequestTooLong',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  PurgeQueueInProgress: 'AWS.SimpleQueueService.PurgeQueueInProgress',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
};

const STATUS: Partial<Record<SqsErrorName, number>> = { OverLimit: 403, PurgeQueueInProgress: 403, InvalidSecurity: 403, InternalError: 500 };

export class SqsError extends Error {
  constructor(readonly code: SqsErrorName, message: string) {
    super(message);
  }

  get queryCode(): string {
    return QUERY_CODES[this.code] ?? this.code;
  }

  get status(): number {
    return STATUS[this.code] ?? 400;
  }

  get senderFault(): boolean {
    return this.status < 500;
  }
}

export const queueDoesNotExist = () => new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
export const invalidParameter = (message: string) => new SqsError('InvalidParameterValue', message);
export const missingParameter = (name: string) => new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
