/** CloudWatch-Logs-shaped storage in SQLite: groups, streams, events. */
import type { Database, Statement } from 'better-sqlite3';
import type { LogEvent, LogGroupInfo, LogQuery, LogStore, LogStreamInfo, StoredLogEvent } from './store.js';

interface GroupRow { region: string; name: string; creation_time: number; retention_days: number | null; stored_bytes: number }
interface StreamRow { name: string; creation_time: number; first_event: number | null; last_event: number | null; last_ingestion: number | null; stored_bytes: number }
interface EventRow { seq: number; stream: string; ts: number; ingestion: number; message: string }

const DAY_MS = 86_400_000;

export class SqliteLogStore implements LogStore {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      ensureGroup: p('INSERT OR IGNORE INTO log_groups (region, name, creation_time) VALUES (?, ?, ?)'),
      ensureStream: p('INSERT OR IGNORE INTO log_streams (region, grp, name, creation_time) VALUES (?, ?, ?, ?)'),
      insertEvent: p('INSERT INTO log_events (region, grp, stream, ts, ingestion, message) VALUES (?, ?, ?, ?, ?, ?)'),
      touchStream: p(`UPDATE log_streams SET
          first_event = MIN(COALESCE(first_event, ?), ?), last_event = MAX(COALESCE(last_event, ?), ?),
          last_ingestion = ?, stored_bytes = stored_bytes + ?
        WHERE region = ? AND grp = ? AND name = ?`),
      getGroup: p(`SELECT g.*, COALESCE((SELECT SUM(stored_bytes) FROM log_streams s WHERE s.region = g.region AND s.grp = g.name), 0) AS stored_bytes
        FROM log_groups g WHERE region = ? AND name = ?`),
      listGroups: p(`SELECT g.*, COALESCE((SELECT SUM(stored_bytes) FROM log_streams s WHERE s.region = g.region AND s.grp = g.name), 0) AS stored_bytes
        FROM log_groups g WHERE region = ? AND name >= ? AND name > ? ORDER BY name LIMIT ?`),
      deleteGroup: p('DELETE FROM log_groups WHERE region = ? AND name = ?'),
      deleteGroupStreams: p('DELETE FROM log_streams WHERE region = ? AND grp = ?'),
      deleteGroupEvents: p('DELETE FROM log_events WHERE region = ? AND grp = ?'),
      getStream: p('SELECT * FROM log_streams WHERE region = ? AND grp = ? AND name = ?'),
      setRetention: p('UPDATE log_groups SET retention_days = ? WHERE region = ? AND name = ?'),
      retained: p('SELECT region, name, retention_days FROM log_groups WHERE retention_days IS NOT NULL'),
      sweepGroup: p('DELETE FROM log_events WHERE region = ? AND grp = ? AND ts < ?'),
      totalBytes: p('SELECT COALESCE(SUM(stored_bytes), 0) AS n FROM log_streams'),
      oldest: p('SELECT seq, region, grp, stream, LENGTH(CAST(message AS BLOB)) AS bytes FROM log_events ORDER BY seq LIMIT ?'),
      deleteUpTo: p('DELETE FROM log_events WHERE seq <= ?'),
      shrinkStream: p('UPDATE log_streams SET stored_bytes = MAX(0, stored_bytes - ?) WHERE region = ? AND grp = ? AND name = ?'),
      recomputeBytes: p(`UPDATE log_streams SET stored_bytes = COALESCE((SELECT SUM(LENGTH(CAST(message AS BLOB))) FROM log_events e
          WHERE e.region = log_streams.region AND e.grp = log_streams.grp AND e.stream = log_streams.name), 0)
        WHERE region = ? AND grp = ?`),
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
          minTs = Math.min(minTs, e.timestamp);
          maxTs = Math.max(maxTs, e.timestamp);
          lastIngestion = Math.max(lastIngestion, e.ingestionTime);
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
    if (q.startTime !== undefined) { where.push('ts >= ?'); args.push(q.startTime); }
    if (q.endTime !== undefined) { where.push('ts <= ?'); args.push(q.endTime); }
    if (q.afterSeq !== undefined) { where.push('seq > ?'); args.push(q.afterSeq); }
    if (q.beforeSeq !== undefined) { where.push('seq < ?'); args.push(q.beforeSeq); }
    const order = q.descending ? 'DESC' : 'ASC';
    const sql = `SELECT seq, stream, ts, ingestion, message FROM log_events WHERE ${where.join(' AND ')} ORDER BY seq ${order} LIMIT ?`;
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

  async listLogGroups(region: string, prefix: string | undefined, after: string | undefined, limit: number) {
    const rows = this.s.listGroups.all(region, prefix ?? '', after ?? '', limit) as GroupRow[];
    return rows.filter((r) => !prefix || r.name.startsWith(prefix)).map(toGroup);
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

  async setRetention(region: string, group: string, days: number | undefined) {
    return this.s.setRetention.run(days ?? null, region, group).changes > 0;
  }

  async sweepRetention(now: number) {
    return this.db.transaction(() => {
      let deleted = 0;
      for (const g of this.s.retained.all() as { region: string; name: string; retention_days: number }[]) {
        const n = this.s.sweepGroup.run(g.region, g.name, now - g.retention_days * DAY_MS).changes;
        if (n > 0) {
          this.s.recomputeBytes.run(g.region, g.name);
          deleted += n;
        }
      }
      return deleted;
    })();
  }

  async capLogBytes(maxBytes: number) {
    return this.db.transaction(() => {
      let excess = (this.s.totalBytes.get() as { n: number }).n - maxBytes;
      let deleted = 0;
      while (excess > 0) {
        const rows = this.s.oldest.all(1000) as { seq: number; region: string; grp: string; stream: string; bytes: number }[];
        if (rows.length === 0) break;
        let lastSeq = 0;
        const freed = new Map<string, { region: string; grp: string; stream: string; bytes: number }>();
        for (const r of rows) {
          if (excess <= 0) break;
          excess -= r.bytes;
          lastSeq = r.seq;
          deleted++;
          const k = `${r.region}\0${r.grp}\0${r.stream}`;
          const f = freed.get(k) ?? { region: r.region, grp: r.grp, stream: r.stream, bytes: 0 };
          f.bytes += r.bytes;
          freed.set(k, f);
        }
        this.s.deleteUpTo.run(lastSeq);
        for (const f of freed.values()) this.s.shrinkStream.run(f.bytes, f.region, f.grp, f.stream);
      }
      return deleted;
    })();
  }
}

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
