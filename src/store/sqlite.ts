/**
 * The embedded store: one SQLite file in WAL mode. Composes the function, event-queue and
 * log halves so the rest of the server sees a single `Store`.
 */
import Database from 'better-sqlite3';
import type { Store } from './store.js';
import { SCHEMA, SCHEMA_VERSION } from './schema.js';
import { SqliteFunctionStore } from './sqlite-functions.js';
import { SqliteEventQueue } from './sqlite-events.js';
import { SqliteLogStore } from './sqlite-logs.js';
import { EVENTS_SCHEMA } from './schema-events.js';
import { SqliteQueueStore } from './sqlite-queues.js';
import { SqliteMappingStore, SqliteScheduleStore } from './sqlite-mappings.js';

export function openSqliteStore(file: string): Store {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a committed transaction survives a process crash (SIGKILL);
  // only an OS crash or power loss may roll back the last few commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`${file} was written by a newer Lambkin (schema ${current} > ${SCHEMA_VERSION})`);
  }
  db.exec(SCHEMA);
  db.exec(EVENTS_SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);

  const parts = [new SqliteFunctionStore(db), new SqliteEventQueue(db), new SqliteLogStore(db), new SqliteQueueStore(db), new SqliteMappingStore(db), new SqliteScheduleStore(db)];
  const store = {} as Record<string, unknown>;
  for (const part of parts) {
    for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(part))) {
      if (key !== 'constructor') store[key] = (part as unknown as Record<string, (...a: unknown[]) => unknown>)[key].bind(part);
    }
  }
  store.close = async () => {
    db.close();
  };
  return store as unknown as Store;
}
