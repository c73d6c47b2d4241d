/**
 * The storage interface. SQLite implements it today (store/sqlite.ts); a PostgreSQL
 * implementation for clusters will implement the same methods. Every method is one
 * transaction. Mutators passed in run inside that transaction and may throw to abort it.
 */
import type { AliasRecord, FunctionRecord, VersionRecord } from '../control/model.js';
import type { EventSourceStore } from './events-store.js';

export interface Page<T> {
  items: T[];
  /** Present when more items follow; pass back as `after`. */
  next?: string;
}

export interface FunctionStore {
  getFunction(region: string, name: string): Promise<FunctionRecord | undefined>;
  getVersion(region: string, name: string, version: string): Promise<VersionRecord | undefined>;
  /** $LATEST of every function in a region, by name. */
  listLatest(region: string, after: string | undefined, limit: number): Promise<Page<VersionRecord>>;
  /** Every version of every function in a region ($LATEST first per function, then ascending). */
  listAllVersions(region: string, after: string | undefined, limit: number): Promise<Page<VersionRecord>>;
  /** One function's versions: $LATEST then published ascending. */
  listVersions(region: string, name: string, after: string | undefined, limit: number): Promise<Page<VersionRecord>>;
  /** Returns false (and writes nothing) if the name is taken. */
  createFunction(fn: FunctionRecord, versions: VersionRecord[]): Promise<boolean>;
  /** Read-modify-write of one version; the mutator throws to abort. Returns the new record, undefined if absent. */
  updateVersion(
    region: string,
    name: string,
    version: string,
    mutate: (current: VersionRecord) => VersionRecord,
  ): Promise<VersionRecord | undefined>;
  /**
   * Publishing: the builder sees $LATEST, the newest published version and the next number,
   * and returns what to write. Number allocation and writes are one transaction.
   */
  publish(
    region: string,
    name: string,
    build: (ctx: { latest: VersionRecord; newest?: VersionRecord; nextNumber: number }) => PublishResult,
  ): Promise<VersionRecord | undefined>;
  updateFunction(region: string, name: string, mutate: (current: FunctionRecord) => FunctionRecord): Promise<FunctionRecord | undefined>;
  /** Deletes the function, its versions and aliases; returns the deleted versions (undefined if absent). */
  deleteFunction(region: string, name: string): Promise<VersionRecord[] | undefined>;
  /** Deletes one published version (undefined if absent); `check` sees the aliases and may throw to refuse. */
  deleteVersion(region: string, name: string, version: string, check: (aliases: AliasRecord[]) => void): Promise<VersionRecord | undefined>;
  countFunctions(region: string): Promise<{ count: number; totalCodeSize: number; reservedConcurrency: number }>;
  /** Every code SHA referenced by any stored version (for garbage collection). */
  referencedCodeShas(): Promise<Set<string>>;
  listFunctionsWithReservedConcurrency(): Promise<FunctionRecord[]>;

  getAlias(region: string, name: string, alias: string): Promise<AliasRecord | undefined>;
  listAliases(region: string, name: string): Promise<AliasRecord[]>;
  createAlias(alias: AliasRecord): Promise<'created' | 'exists' | 'no-function'>;
  updateAlias(region: string, name: string, alias: string, mutate: (current: AliasRecord) => AliasRecord): Promise<AliasRecord | undefined>;
  deleteAlias(region: string, name: string, alias: string): Promise<void>;
}

export interface PublishResult {
  /** The version to return; if it has the number `nextNumber` it is inserted. */
  version: VersionRecord;
  /** New $LATEST to write (publishing bumps its RevisionId). */
  latest?: VersionRecord;
}

/** A durable asynchronous invocation waiting to run. */
export interface QueuedEvent {
  id: string;
  region: string;
  functionName: string;
  qualifier: string;
  payload: Buffer;
  attempts: number;
  enqueuedAt: number;
  notBefore: number;
}

export interface EventQueueStore {
  enqueue(event: QueuedEvent): Promise<void>;
  /** Events due now, oldest first, not currently leased. */
  due(now: number, limit: number): Promise<QueuedEvent[]>;
  reschedule(id: string, attempts: number, notBefore: number): Promise<void>;
  remove(id: string): Promise<void>;
}

export interface LogEvent {
  timestamp: number;
  ingestionTime: number;
  message: string;
}

/** A position in a log group's (timestamp, seq) order. */
export interface LogCursor {
  ts: number;
  seq: number;
}

export interface StoredLogEvent extends LogEvent {
  /** Monotonic id: stable, unique, never reused; breaks ties between equal timestamps. */
  seq: number;
  logStreamName: string;
}

export interface LogGroupInfo {
  name: string;
  region: string;
  creationTime: number;
  retentionInDays?: number;
  storedBytes: number;
}

export interface LogStreamInfo {
  name: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  storedBytes: number;
}

/** Events of one group in (timestamp, seq) order: ascending, or descending when `descending`. */
export interface LogQuery {
  region: string;
  group: string;
  streams?: string[];
  streamPrefix?: string;
  /** timestamp >= from */
  from?: number;
  /** timestamp < to */
  to?: number;
  /** Strictly after this position (in ascending order). */
  after?: LogCursor;
  /** Strictly before this position (in ascending order). */
  before?: LogCursor;
  descending?: boolean;
  limit: number;
}

export interface LogStore {
  appendLogs(batch: { region: string; group: string; stream: string; events: LogEvent[] }[]): Promise<void>;
  queryLogs(q: LogQuery): Promise<StoredLogEvent[]>;
  createLogGroup(region: string, group: string, creationTime: number): Promise<boolean>;
  deleteLogGroup(region: string, group: string): Promise<boolean>;
  getLogGroup(region: string, group: string): Promise<LogGroupInfo | undefined>;
  /** Groups by name; `pattern` is a case-insensitive substring. */
  listLogGroups(region: string, opts: { prefix?: string; pattern?: string; after?: string; limit: number }): Promise<LogGroupInfo[]>;
  listLogStreams(region: string, group: string, opts: { prefix?: string; orderBy: 'LogStreamName' | 'LastEventTime'; descending: boolean; offset: number; limit: number }): Promise<LogStreamInfo[]>;
  getLogStream(region: string, group: string, stream: string): Promise<LogStreamInfo | undefined>;
  /** Returns false if the stream exists already (the group must exist). */
  createLogStream(region: string, group: string, stream: string, creationTime: number): Promise<boolean>;
  deleteLogStream(region: string, group: string, stream: string): Promise<boolean>;
  setRetention(region: string, group: string, days: number | undefined): Promise<boolean>;
  /** Deletes up to `maxRows` events older than their group's retention; returns the number deleted. */
  sweepRetention(now: number, maxRows: number): Promise<number>;
  /** Stored message bytes of every group holding any. */
  logGroupSizes(): Promise<{ region: string; group: string; bytes: number }[]>;
  /** Drops up to `maxRows` of one group's oldest events while it holds more than `keepBytes`; returns what went. */
  trimLogGroup(region: string, group: string, keepBytes: number, maxRows: number): Promise<{ events: number; bytes: number }>;
  /** Bytes of log messages stored, over all groups. */
  totalLogBytes(): Promise<number>;
  /** Gives space freed by deletions back to the file system, where the engine can. */
  compactLogs(): Promise<void>;
}

export interface Store extends FunctionStore, EventQueueStore, LogStore, EventSourceStore {
  close(): Promise<void>;
}
