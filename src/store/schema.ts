/** SQLite schema, applied idempotently at open. Bump SCHEMA_VERSION with a migration when it changes. */
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS functions (
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_version INTEGER NOT NULL DEFAULT 0,
  tags TEXT NOT NULL DEFAULT '{}',
  reserved_concurrency INTEGER,
  PRIMARY KEY (region, name)
);
CREATE TABLE IF NOT EXISTS versions (
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  seq INTEGER NOT NULL,            -- 0 for $LATEST, else the version number
  code_sha TEXT NOT NULL,
  code_size INTEGER NOT NULL,
  config TEXT NOT NULL,
  PRIMARY KEY (region, name, version),
  FOREIGN KEY (region, name) REFERENCES functions(region, name) ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS versions_seq ON versions(region, name, seq);
CREATE INDEX IF NOT EXISTS versions_code ON versions(code_sha);
CREATE TABLE IF NOT EXISTS aliases (
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  alias TEXT NOT NULL,
  function_version TEXT NOT NULL,
  description TEXT NOT NULL,
  weights TEXT,
  revision_id TEXT NOT NULL,
  PRIMARY KEY (region, name, alias),
  FOREIGN KEY (region, name) REFERENCES functions(region, name) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS async_events (
  id TEXT PRIMARY KEY,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  payload BLOB NOT NULL,
  attempts INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  not_before INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS async_due ON async_events(not_before);
CREATE TABLE IF NOT EXISTS log_groups (
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  creation_time INTEGER NOT NULL,
  retention_days INTEGER,
  PRIMARY KEY (region, name)
);
CREATE TABLE IF NOT EXISTS log_streams (
  region TEXT NOT NULL,
  grp TEXT NOT NULL,
  name TEXT NOT NULL,
  creation_time INTEGER NOT NULL,
  first_event INTEGER,
  last_event INTEGER,
  last_ingestion INTEGER,
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (region, grp, name)
);
CREATE TABLE IF NOT EXISTS log_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  region TEXT NOT NULL,
  grp TEXT NOT NULL,
  stream TEXT NOT NULL,
  ts INTEGER NOT NULL,
  ingestion INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_events_group_ts ON log_events(region, grp, ts, seq);
-- GetLogEvents reads one stream in (ts, seq) order (the earlier (stream, seq) index is replaced).
DROP INDEX IF EXISTS log_events_stream;
CREATE INDEX IF NOT EXISTS log_events_stream_ts ON log_events(region, grp, stream, ts, seq);
`;
