/** Tables of the event sources (queues, messages, mappings, schedules); applied idempotently at open. */
export const EVENTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS sqs_queues (
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  fifo INTEGER NOT NULL,
  attributes TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL,
  PRIMARY KEY (region, name)
);
CREATE TABLE IF NOT EXISTS sqs_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  region TEXT NOT NULL,
  queue TEXT NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,
  md5_body TEXT NOT NULL,
  attributes TEXT,
  md5_attributes TEXT,
  system_attributes TEXT,
  md5_system_attributes TEXT,
  sender_id TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  first_receive_at INTEGER,
  receipt TEXT,
  group_id TEXT,
  dedup_id TEXT,
  sequence_number TEXT,
  dead_letter_source TEXT
);
CREATE INDEX IF NOT EXISTS sqs_messages_visible ON sqs_messages(region, queue, visible_at);
CREATE INDEX IF NOT EXISTS sqs_messages_sent ON sqs_messages(region, queue, sent_at);
CREATE INDEX IF NOT EXISTS sqs_messages_id ON sqs_messages(region, queue, id);
CREATE TABLE IF NOT EXISTS sqs_fifo_dedup (
  region TEXT NOT NULL,
  queue TEXT NOT NULL,
  dedup_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  sequence_number TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (region, queue, dedup_id)
);
CREATE TABLE IF NOT EXISTS sqs_fifo_sequence (
  region TEXT NOT NULL,
  queue TEXT NOT NULL,
  next INTEGER NOT NULL,
  PRIMARY KEY (region, queue)
);
CREATE TABLE IF NOT EXISTS event_source_mappings (
  uuid TEXT PRIMARY KEY,
  region TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS schedule_groups (
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  config TEXT NOT NULL,
  PRIMARY KEY (region, name)
);
CREATE TABLE IF NOT EXISTS schedules (
  region TEXT NOT NULL,
  grp TEXT NOT NULL,
  name TEXT NOT NULL,
  config TEXT NOT NULL,
  PRIMARY KEY (region, grp, name)
);
`;
