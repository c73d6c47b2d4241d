/**
 * CloudWatch-Logs-shaped storage in SQLite: groups, streams, events. Events are read in
 * (timestamp, seq) order; `seq` is an AUTOINCREMENT key, so it is never reused and makes event ids
 * stable. Deletions (retention, the size budgets) work in bounded chunks so that a big sweep never
 * holds the (synchronous) database for long.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { LogCursor, LogEvent, LogGroupInfo, LogQuery, LogStore, LogStreamInfo, StoredLogEvent } from './store.js';

interface GroupRow { region: string; name: string; creation_time: number; retention_days: number | null; stored_bytes: number }
interface StreamRow { name: string; creation_time: number; first_event: number | null; last_event: number | null; last_ingestion: number | null; stored_bytes: number }
interface EventRow { seq: number; stream: string; ts: number; ingestion: number; message: string }
interface DoomedRow { seq: number; region: string; grp: string; stream: string; bytes: number }

const DAY_MS = 86_400_000;
/** Databases smaller than this are switched to incremental auto-vacuum at open (it needs one VACUUM). */
const VACUUM_AT_OPEN_LIMIT = 64 * 1024 * 1024;

const GROUP_SELECT = `SELECT g.*, COALESCE((SELECT SUM(stored_bytes) FROM log_streams s WHERE s.region = g.region AND s.grp = g.name), 0) AS stored_bytes
  FROM log_groups g`;

export class SqliteLogStore implements LogStore {
  private readonly s: Record<string, Statement>;
  private readonly incrementalVacuum: boolean;

  constructor(private readonly db: Database) {
    this.incrementalVacuum = enableIncrementalVacuum(db);
    // Keep the WAL file from staying at its high-water mark after a big delete.
    db.pragma('journal_size_limit = 67108864');
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      ensureGroup: p('INSERT OR IGNORE INTO log_groups (region, name, creation_time) VALUES (?, ?, ?)'),
      ensureStream: p('INSERT OR IGNORE INTO log_streams (region, grp, name, creation_time) VALUES (?, ?, ?, ?)'),
      insertEvent: p('INSERT INTO log_events (region, grp, stream, ts, ingestion, message) VALUES (?, ?, ?, ?, ?, ?)'),
      touchStream: p(`UPDATE log_streams SET
          first_event = MIN(COALESCE(first_event, ?), ?), last_event = MAX(COALESCE(last_event, ?), ?),
          last_ingestion = ?, stored_bytes = stored_bytes + ?
        WHERE region = ? AND grp = ? AND name = ?`),
      getGroup: p(`${GROUP_SELECT} WHERE region = ? AND name = ?`),
      deleteGroup: p('DELETE FROM log_groups WHERE region = ? AND name = ?'),
      deleteGroupStreams: p('DELETE FROM log_streams WHERE region = ? AND grp = ?'),
      deleteGroupEvents: p('DELETE FROM log_events WHERE region = ? AND grp = ?'),
      getStream: p('SELECT * FROM log_streams WHERE region = ? AND grp = ? AND name = ?'),
      deleteStream: p('DELETE FROM log_streams WHERE region = ? AND grp = ? AND name = ?'),
      deleteStreamEvents: p('DELETE FROM log_events WHERE region = ? AND grp = ? AND stream = ?'),
      setRetention: p('UPDATE log_groups SET retention_days = ? WHERE region = ? AND name = ?'),
      retained: p('SELECT region, name, retention_days FROM log_groups WHERE retention_days IS NOT NULL'),
      expired: p(`SELECT seq, region, grp, stream, LENGTH(CAST(message AS BLOB)) AS bytes FROM log_events
        WHERE region = ? AND grp = ? AND ts < ? ORDER BY ts, seq LIMIT ?`),
      oldestOfGroup: p(`SELECT seq, region, grp, stream, LENGTH(CAST(message AS BLOB)) AS bytes FROM log_events
        WHERE region = ? AND grp = ? ORDER BY ts, seq LIMIT ?`),
      deleteEvent: p('DELETE FROM log_events WHERE seq = ?'),
      totalBytes: p('SELECT COALESCE(SUM(stored_bytes), 0) AS n FROM log_streams'),
      groupBytes: p('SELECT COALESCE(SUM(stored_bytes), 0) AS n FROM log_streams WHERE region = ? AND grp = ?'),
      groupSizes: p('SELECT region, grp AS "group", SUM(stored_bytes) AS bytes FROM log_streams GROUP BY region, grp HAVING SUM(stored_bytes) > 0'),
      shrinkStream: p(`UPDATE log_streams SET stored_bytes = MAX(0, stored_bytes - @bytes),
          first_event = (SELECT MIN(ts) FROM log_events e WHERE e.region = @region AND e.grp = @grp AND e.stream = @stream)
        WHERE region = @region AND grp = @grp AND name = @stream`),
      dropEmptyStream: p(`DELETE FROM log_streams WHERE region = ? AND grp = ? AND name = ?
        AND NOT EXISTS (SELECT 1 FROM log_events e WHERE e.region = log_streams.region AND e.grp = log_streams.grp AND e.stream = log_streams.name)`),
    };
  }

  async appendLogs(batch: { region: string; group: string; stream: string; events: LogEvent[] }[]) {
    this.db.transaction(() => {
      for (const b of batch) {
        if (b.events.length === 0) continue;
        const first = b.events[0].ingestionTime;
        this.s.ensureGroup.run(b.region, b.group, first);
        this.s.ensureStream.run(b.region, b.group, b.stream, first);
        let bytes = 0;
        let minTs = Infinity;
        let maxTs = -Infinity;
        let lastIngestion = 0;
        for (const e of b.events) {
          this.s.insertEvent.run(b.region, b.group, b.stream, e.timestamp, e.ingestionTime, e.message);
          bytes += Buffer.byteLength(e.message);
          if (e.timestamp < minTs) minTs = e.timestamp;
          if (e.timestamp > maxTs) maxTs = e.timestamp;
          if (e.ingestionTime > lastIngestion) lastIngestion = e.ingestionTime;
        }
        this.s.touchStream.run(minTs, minTs, maxTs, maxTs, lastIngestion, bytes, b.region, b.group, b.stream);
      }
    })();
  }

  async queryLogs(q: LogQuery): Promise<StoredLogEvent[]> {
    const where = ['region = ?', 'grp = ?'];
    const args: unknown[] = [q.region, q.group];
    if (q.streams?.length) {
      where.push(`stream IN (${q.streams.map(() => '?').join(',')})`);
      args.push(...q.streams);
    }
    if (q.streamPrefix) {
      where.push('substr(stream, 1, ?) = ?');
      args.push(q.streamPrefix.length, q.streamPrefix);
    }
    if (q.from !== undefined) { where.push('ts >= ?'); args.push(q.from); }
    if (q.to !== undefined) { where.push('ts < ?'); args.push(q.to); }
    if (q.after) { where.push('(ts, seq) > (?, ?)'); args.push(q.after.ts, q.after.seq); }
    if (q.before) { where.push('(ts, seq) < (?, ?)'); args.push(q.before.ts, q.before.seq); }
    const order = q.descending ? 'DESC' : 'ASC';
    const sql = `SELECT seq, stream, ts, ingestion, message FROM log_events WHERE ${where.join(' AND ')} ORDER BY ts ${order}, seq ${order} LIMIT ?`;
    args.push(q.limit);
    return (this.db.prepare(sql).all(...args) as EventRow[]).map((r) => ({
      seq: r.seq,
      logStreamName: r.stream,
      timestamp: r.ts,
      ingestionTime: r.ingestion,
      message: r.message,
    }));
  }

  async createLogGroup(region: string, group: string, creationTime: number) {
    return this.s.ensureGroup.run(region, group, creationTime).changes > 0;
  }

  async deleteLogGroup(region: string, group: string) {
    return this.db.transaction(() => {
      const n = this.s.deleteGroup.run(region, group).changes;
      this.s.deleteGroupStreams.run(region, group);
      this.s.deleteGroupEvents.run(region, group);
      return n > 0;
    })();
  }

  async getLogGroup(region: string, group: string) {
    const r = this.s.getGroup.get(region, group) as GroupRow | undefined;
    return r && toGroup(r);
  }

  async listLogGroups(region: string, o: { prefix?: string; pattern?: string; after?: string; limit: number }) {
    const where = ['region = ?'];
    const args: unknown[] = [region];
    if (o.prefix) { where.push('substr(name, 1, ?) = ?'); args.push(o.prefix.length, o.prefix); }
    if (o.pattern) { where.push('instr(lower(name), lower(?)) > 0'); args.push(o.pattern); }
    if (o.after !== undefined) { where.push('name > ?'); args.push(o.after); }
    args.push(o.limit);
    const rows = this.db.prepare(`${GROUP_SELECT} WHERE ${where.join(' AND ')} ORDER BY name LIMIT ?`).all(...args) as GroupRow[];
    return rows.map(toGroup);
  }

  async listLogStreams(
    region: string,
    group: string,
    o: { prefix?: string; orderBy: 'LogStreamName' | 'LastEventTime'; descending: boolean; offset: number; limit: number },
  ) {
    const col = o.orderBy === 'LastEventTime' ? 'COALESCE(last_event, 0)' : 'name';
    const dir = o.descending ? 'DESC' : 'ASC';
    const prefixSql = o.prefix ? 'AND substr(name, 1, ?) = ?' : '';
    const args: unknown[] = [region, group];
    if (o.prefix) args.push(o.prefix.length, o.prefix);
    args.push(o.limit, o.offset);
    const rows = this.db
      .prepare(`SELECT * FROM log_streams WHERE region = ? AND grp = ? ${prefixSql} ORDER BY ${col} ${dir}, name ${dir} LIMIT ? OFFSET ?`)
      .all(...args) as StreamRow[];
    return rows.map(toStream);
  }

  async getLogStream(region: string, group: string, stream: string) {
    const r = this.s.getStream.get(region, group, stream) as StreamRow | undefined;
    return r && toStream(r);
  }

  async createLogStream(region: string, group: string, stream: string, creationTime: number) {
    return this.s.ensureStream.run(region, group, stream, creationTime).changes > 0;
  }

  async deleteLogStream(region: string, group: string, stream: string) {
    return this.db.transaction(() => {
      const n = this.s.deleteStream.run(region, group, stream).changes;
      this.s.deleteStreamEvents.run(region, group, stream);
      return n > 0;
    })();
  }

  async setRetention(region: string, group: string, days: number | undefined) {
    return this.s.setRetention.run(days ?? null, region, group).changes > 0;
  }

  async sweepRetention(now: number, maxRows: number) {
    return this.db.transaction(() => {
      let budget = maxRows;
      for (const g of this.s.retained.all() as { region: string; name: string; retention_days: number }[]) {
        if (budget <= 0) break;
        const rows = this.s.expired.all(g.region, g.name, now - g.retention_days * DAY_MS, budget) as DoomedRow[];
        for (const r of rows) this.s.deleteEvent.run(r.seq);
        this.release(rows);
        budget -= rows.length;
      }
      return maxRows - budget;
    })();
  }

  async logGroupSizes() {
    return this.s.groupSizes.all() as { region: string; group: string; bytes: number }[];
  }

  async trimLogGroup(region: string, group: string, keepBytes: number, maxRows: number) {
    return this.db.transaction(() => {
      const excess = (this.s.groupBytes.get(region, group) as { n: number }).n - keepBytes;
      if (excess <= 0) return { events: 0, bytes: 0 };
      const doomed: DoomedRow[] = [];
      let freed = 0;
      for (const r of this.s.oldestOfGroup.iterate(region, group, maxRows) as IterableIterator<DoomedRow>) {
        doomed.push(r);
        freed += r.bytes;
        if (freed >= excess) break;
      }
      for (const r of doomed) this.s.deleteEvent.run(r.seq);
      this.release(doomed);
      return { events: doomed.length, bytes: freed };
    })();
  }

  /** Bookkeeping after events were deleted: stream sizes and first timestamps; streams left empty go. */
  private release(rows: DoomedRow[]): void {
    const freed = new Map<string, { region: string; grp: string; stream: string; bytes: number }>();
    for (const r of rows) {
      const k = `${r.region}\0${r.grp}\0${r.stream}`;
      const f = freed.get(k) ?? { region: r.region, grp: r.grp, stream: r.stream, bytes: 0 };
      f.bytes += r.bytes;
      freed.set(k, f);
    }
    for (const f of freed.values()) {
      this.s.shrinkStream.run({ bytes: f.bytes, region: f.region, grp: f.grp, stream: f.stream });
      this.s.dropEmptyStream.run(f.region, f.grp, f.stream);
    }
  }

  async totalLogBytes() {
    return (this.s.totalBytes.get() as { n: number }).n;
  }

  async compactLogs() {
    if (this.incrementalVacuum) this.db.pragma('incremental_vacuum');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}

/**
 * Freed pages are reused by SQLite but never returned to the file system unless auto-vacuum is on,
 * and turning it on needs a VACUUM: done at open while the database is small (new), else left off.
 */
function enableIncrementalVacuum(db: Database): boolean {
  if (db.memory) return false;
  if ((db.pragma('auto_vacuum', { simple: true }) as number) === 2) return true;
  const size = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  if (size > VACUUM_AT_OPEN_LIMIT) return false;
  try {
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
  } catch {
    return false;
  }
  return (db.pragma('auto_vacuum', { simple: true }) as number) === 2;
}

export const cursorOf = (e: StoredLogEvent): LogCursor => ({ ts: e.timestamp, seq: e.seq });

const toGroup = (r: GroupRow): LogGroupInfo => ({
  name: r.name,
  region: r.region,
  creationTime: r.creation_time,
  ...(r.retention_days === null ? {} : { retentionInDays: r.retention_days }),
  storedBytes: r.stored_bytes,
});

const toStream = (r: StreamRow): LogStreamInfo => ({
  name: r.name,
  creationTime: r.creation_time,
  ...(r.first_event === null ? {} : { firstEventTimestamp: r.first_event }),
  ...(r.last_event === null ? {} : { lastEventTimestamp: r.last_event }),
  ...(r.last_ingestion === null ? {} : { lastIngestionTime: r.last_ingestion }),
  storedBytes: r.stored_bytes,
});
