/** The durable async-invocation queue in SQLite. */
import type { Database, Statement } from 'better-sqlite3';
import type { EventQueueStore, QueuedEvent } from './store.js';

interface Row { id: string; region: string; name: string; qualifier: string; payload: Buffer; attempts: number; enqueued_at: number; not_before: number }

export class SqliteEventQueue implements EventQueueStore {
  private readonly insert: Statement;
  private readonly selectDue: Statement;
  private readonly update: Statement;
  private readonly del: Statement;

  constructor(db: Database) {
    this.insert = db.prepare(
      'INSERT INTO async_events (id, region, name, qualifier, payload, attempts, enqueued_at, not_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.selectDue = db.prepare('SELECT * FROM async_events WHERE not_before <= ? ORDER BY not_before, enqueued_at LIMIT ?');
    this.update = db.prepare('UPDATE async_events SET attempts = ?, not_before = ? WHERE id = ?');
    this.del = db.prepare('DELETE FROM async_events WHERE id = ?');
  }

  async enqueue(e: QueuedEvent) {
    this.insert.run(e.id, e.region, e.functionName, e.qualifier, e.payload, e.attempts, e.enqueuedAt, e.notBefore);
  }

  async due(now: number, limit: number) {
    return (this.selectDue.all(now, limit) as Row[]).map((r) => ({
      id: r.id,
      region: r.region,
      functionName: r.name,
      qualifier: r.qualifier,
      payload: r.payload,
      attempts: r.attempts,
      enqueuedAt: r.enqueued_at,
      notBefore: r.not_before,
    }));
  }

  async reschedule(id: string, attempts: number, notBefore: number) {
    this.update.run(attempts, notBefore, id);
  }

  async remove(id: string) {
    this.del.run(id);
  }
}
