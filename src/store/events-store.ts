/**
 * Store parts for the event sources: SQS-compatible queues and their messages, event source
 * mappings, and schedules. Like the rest of the Store every method is one transaction.
 */
import type { Page } from './store.js';

export interface QueueRecord {
  region: string;
  name: string;
  fifo: boolean;
  /** The settable attributes, as strings (SQS's wire form). */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
}

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  /** base64 */
  BinaryValue?: string;
}

export interface StoredMessage {
  /** Global arrival order. */
  seq: number;
  id: string;
  body: string;
  md5OfBody: string;
  attributes: Record<string, MessageAttributeValue>;
  md5OfAttributes?: string;
  systemAttributes: Record<string, MessageAttributeValue>;
  md5OfSystemAttributes?: string;
  senderId: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** The nonce of the latest receive (part of its receipt handle). */
  receipt?: string;
  groupId?: string;
  dedupId?: string;
  sequenceNumber?: string;
  /** ARN of the queue a dead-lettered message came from. */
  deadLetterSource?: string;
}

export type NewMessage = Omit<StoredMessage, 'seq' | 'receiveCount' | 'firstReceiveAt' | 'receipt'>;

export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
  /** sentAt of the oldest message, if any. */
  oldestSentAt?: number;
}

export interface ReceiveRequest {
  region: string;
  queue: string;
  now: number;
  max: number;
  visibilityMs: number;
  fifo: boolean;
  /** Redrive: messages received this often already move to `deadLetter` instead of being returned. */
  redrive?: { maxReceiveCount: number; deadLetterQueue: string; sourceArn: string };
  /** Makes a fresh receipt nonce per received message. */
  nonce: () => string;
}

export interface SendResult {
  /** False when a FIFO deduplication id was seen within 5 minutes (the earlier message is returned). */
  inserted: boolean;
  id: string;
  sequenceNumber?: string;
}

export interface QueueStore {
  createQueue(q: QueueRecord): Promise<QueueRecord | 'created'>;
  getQueue(region: string, name: string): Promise<QueueRecord | undefined>;
  listQueues(region: string, prefix: string, after: string | undefined, limit: number): Promise<QueueRecord[]>;
  listAllQueues(): Promise<QueueRecord[]>;
  updateQueue(region: string, name: string, mutate: (q: QueueRecord) => QueueRecord): Promise<QueueRecord | undefined>;
  /** Deletes the queue and its messages. */
  deleteQueue(region: string, name: string): Promise<boolean>;
  /** Inserts messages (FIFO: deduplicated within `dedupWindowMs`, numbered). */
  sendMessages(region: string, queue: string, msgs: NewMessage[], now: number, dedupWindowMs: number): Promise<SendResult[]>;
  /** Receives visible messages; `moved` counts those that went to the dead-letter queue instead. */
  receiveMessages(req: ReceiveRequest): Promise<{ messages: StoredMessage[]; moved: number }>;
  /** Deletes by id if `receipt` is the latest receipt; 'stale' (nothing deleted) otherwise, 'gone' if no such message. */
  deleteMessage(region: string, queue: string, id: string, receipt: string): Promise<'deleted' | 'stale' | 'gone'>;
  /** Sets the visibility of an in-flight message received with `receipt`. */
  changeVisibility(region: string, queue: string, id: string, receipt: string, visibleAt: number, now: number): Promise<'ok' | 'not-in-flight'>;
  purgeQueue(region: string, queue: string): Promise<number>;
  countMessages(region: string, queue: string, now: number): Promise<QueueCounts>;
  /** The earliest time after `now` at which a message becomes visible. */
  nextVisibleAt(region: string, queue: string, now: number): Promise<number | undefined>;
  /** Deletes messages older than `olderThan` (retention) and expired dedup ids; returns the number removed. */
  expireMessages(region: string, queue: string, olderThan: number, now: number): Promise<number>;
}

export interface MappingRecord {
  uuid: string;
  region: string;
  /** FunctionName as the caller gave it, resolved to name + qualifier. */
  functionName: string;
  qualifier?: string;
  functionArn: string;
  eventSourceArn: string;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  enabled: boolean;
  state: string;
  stateTransitionReason: string;
  filterCriteria?: { Filters: { Pattern: string }[] };
  functionResponseTypes: string[];
  maximumConcurrency?: number;
  lastModified: number;
  lastProcessingResult?: string;
  tags: Record<string, string>;
}

export interface MappingStore {
  createMapping(m: MappingRecord): Promise<MappingRecord | 'created'>;
  getMapping(uuid: string): Promise<MappingRecord | undefined>;
  listMappings(region: string | undefined, after: string | undefined, limit: number): Promise<Page<MappingRecord>>;
  updateMapping(uuid: string, mutate: (m: MappingRecord) => MappingRecord): Promise<MappingRecord | undefined>;
  deleteMapping(uuid: string): Promise<boolean>;
}

export interface ScheduleGroupRecord {
  region: string;
  name: string;
  createdAt: number;
  modifiedAt: number;
  tags: { Key: string; Value: string }[];
}

export interface ScheduleRecord {
  region: string;
  group: string;
  name: string;
  expression: string;
  timezone?: string;
  startDate?: number;
  endDate?: number;
  state: 'ENABLED' | 'DISABLED';
  description?: string;
  flexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  target: Record<string, unknown>;
  actionAfterCompletion?: string;
  kmsKeyArn?: string;
  createdAt: number;
  modifiedAt: number;
  /** The scheduled time of the last firing (or skipped firing); a time is never fired twice. */
  lastFiredFor?: number;
  /** When a firing last ran, and how it ended. */
  lastRunAt?: number;
  lastResult?: string;
  firings: number;
  /** Rate schedules without a StartDate count from here (creation, or the update that changed them). */
  anchor: number;
}

export interface ScheduleStore {
  createScheduleGroup(g: ScheduleGroupRecord): Promise<boolean>;
  getScheduleGroup(region: string, name: string): Promise<ScheduleGroupRecord | undefined>;
  listScheduleGroups(region: string): Promise<ScheduleGroupRecord[]>;
  updateScheduleGroup(region: string, name: string, mutate: (g: ScheduleGroupRecord) => ScheduleGroupRecord): Promise<ScheduleGroupRecord | undefined>;
  /** Deletes the group and its schedules. */
  deleteScheduleGroup(region: string, name: string): Promise<boolean>;
  createSchedule(s: ScheduleRecord): Promise<boolean>;
  getSchedule(region: string, group: string, name: string): Promise<ScheduleRecord | undefined>;
  listSchedules(region: string | undefined): Promise<ScheduleRecord[]>;
  updateSchedule(region: string, group: string, name: string, mutate: (s: ScheduleRecord) => ScheduleRecord): Promise<ScheduleRecord | undefined>;
  deleteSchedule(region: string, group: string, name: string): Promise<boolean>;
}

export interface EventSourceStore extends QueueStore, MappingStore, ScheduleStore {}
