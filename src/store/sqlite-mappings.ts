/** Event source mappings and schedules in SQLite (each row one JSON document, keyed for lookups). */
import type { Database, Statement } from 'better-sqlite3';
import type { Page } from './store.js';
import type { MappingRecord, MappingStore, ScheduleGroupRecord, ScheduleRecord, ScheduleStore } from './events-store.js';

export class SqliteMappingStore implements MappingStore {
  private readonly insert: Statement;
  private readonly select: Statement;
  private readonly update: Statement;
  private readonly del: Statement;
  private readonly page: Statement;
  private readonly pageAll: Statement;

  constructor(private readonly db: Database) {
    this.insert = db.prepare('INSERT INTO event_source_mappings (uuid, region, created_at, config) VALUES (?, ?, ?, ?)');
    this.select = db.prepare('SELECT config FROM event_source_mappings WHERE uuid = ?');
    this.update = db.prepare('UPDATE event_source_mappings SET config = ? WHERE uuid = ?');
    this.del = db.prepare('DELETE FROM event_source_mappings WHERE uuid = ?');
    this.page = db.prepare('SELECT uuid, config FROM event_source_mappings WHERE region = ? AND uuid > ? ORDER BY uuid LIMIT ?');
    this.pageAll = db.prepare('SELECT uuid, config FROM event_source_mappings WHERE uuid > ? ORDER BY uuid LIMIT ?');
  }

  async createMapping(m: MappingRecord): Promise<MappingRecord | 'created'> {
    return this.db.transaction(() => {
      const rows = this.pageAll.all('', 1_000_000) as { config: string }[];
      for (const r of rows) {
        const other = JSON.parse(r.config) as MappingRecord;
        if (other.region === m.region && other.eventSourceArn === m.eventSourceArn && other.functionArn === m.functionArn) return other;
      }
      this.insert.run(m.uuid, m.region, m.lastModified, JSON.stringify(m));
      return 'created' as const;
    })();
  }

  async getMapping(uuid: string) {
    const row = this.select.get(uuid) as { config: string } | undefined;
    return row ? (JSON.parse(row.config) as MappingRecord) : undefined;
  }

  async listMappings(region: string | undefined, after: string | undefined, limit: number): Promise<Page<MappingRecord>> {
    const rows = (region === undefined ? this.pageAll.all(after ?? '', limit + 1) : this.page.all(region, after ?? '', limit + 1)) as { uuid: string; config: string }[];
    const items = rows.slice(0, limit).map((r) => JSON.parse(r.config) as MappingRecord);
    return { items, ...(rows.length > limit ? { next: rows[limit - 1].uuid } : {}) };
  }

  async updateMapping(uuid: string, mutate: (m: MappingRecord) => MappingRecord) {
    return this.db.transaction(() => {
      const row = this.select.get(uuid) as { config: string } | undefined;
      if (!row) return undefined;
      const next = mutate(JSON.parse(row.config) as MappingRecord);
      this.update.run(JSON.stringify(next), uuid);
      return next;
    })();
  }

  async deleteMapping(uuid: string) {
    return this.del.run(uuid).changes > 0;
  }
}

export class SqliteScheduleStore implements ScheduleStore {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Database) {
    this.s = {
      insertGroup: db.prepare('INSERT OR IGNORE INTO schedule_groups (region, name, config) VALUES (?, ?, ?)'),
      getGroup: db.prepare('SELECT config FROM schedule_groups WHERE region = ? AND name = ?'),
      listGroups: db.prepare('SELECT config FROM schedule_groups WHERE region = ? ORDER BY name'),
      updateGroup: db.prepare('UPDATE schedule_groups SET config = ? WHERE region = ? AND name = ?'),
      delGroup: db.prepare('DELETE FROM schedule_groups WHERE region = ? AND name = ?'),
      delGroupSchedules: db.prepare('DELETE FROM schedules WHERE region = ? AND grp = ?'),
      insert: db.prepare('INSERT OR IGNORE INTO schedules (region, grp, name, config) VALUES (?, ?, ?, ?)'),
      get: db.prepare('SELECT config FROM schedules WHERE region = ? AND grp = ? AND name = ?'),
      list: db.prepare('SELECT config FROM schedules WHERE region = ? ORDER BY grp, name'),
      listAll: db.prepare('SELECT config FROM schedules ORDER BY region, grp, name'),
      update: db.prepare('UPDATE schedules SET config = ? WHERE region = ? AND grp = ? AND name = ?'),
      del: db.prepare('DELETE FROM schedules WHERE region = ? AND grp = ? AND name = ?'),
    };
  }

  async createScheduleGroup(g: ScheduleGroupRecord) {
    return this.s.insertGroup.run(g.region, g.name, JSON.stringify(g)).changes > 0;
  }

  async getScheduleGroup(region: string, name: string) {
    const row = this.s.getGroup.get(region, name) as { config: string } | undefined;
    return row ? (JSON.parse(row.config) as ScheduleGroupRecord) : undefined;
  }

  async listScheduleGroups(region: string) {
    return (this.s.listGroups.all(region) as { config: string }[]).map((r) => JSON.parse(r.config) as ScheduleGroupRecord);
  }

  async updateScheduleGroup(region: string, name: string, mutate: (g: ScheduleGroupRecord) => ScheduleGroupRecord) {
    return this.db.transaction(() => {
      const row = this.s.getGroup.get(region, name) as { config: string } | undefined;
      if (!row) return undefined;
      const next = mutate(JSON.parse(row.config) as ScheduleGroupRecord);
      this.s.updateGroup.run(JSON.stringify(next), region, name);
      return next;
    })();
  }

  async deleteScheduleGroup(region: string, name: string) {
    return this.db.transaction(() => {
      this.s.delGroupSchedules.run(region, name);
      return this.s.delGroup.run(region, name).changes > 0;
    })();
  }

  async createSchedule(s: ScheduleRecord) {
    return this.s.insert.run(s.region, s.group, s.name, JSON.stringify(s)).changes > 0;
  }

  async getSchedule(region: string, group: string, name: string) {
    const row = this.s.get.get(region, group, name) as { config: string } | undefined;
    return row ? (JSON.parse(row.config) as ScheduleRecord) : undefined;
  }

  async listSchedules(region: string | undefined) {
    const rows = (region === undefined ? this.s.listAll.all() : this.s.list.all(region)) as { config: string }[];
    return rows.map((r) => JSON.parse(r.config) as ScheduleRecord);
  }

  async updateSchedule(region: string, group: string, name: string, mutate: (s: ScheduleRecord) => ScheduleRecord) {
    return this.db.transaction(() => {
      const row = this.s.get.get(region, group, name) as { config: string } | undefined;
      if (!row) return undefined;
      const next = mutate(JSON.parse(row.config) as ScheduleRecord);
      this.s.update.run(JSON.stringify(next), region, group, name);
      return next;
    })();
  }

  async deleteSchedule(region: string, group: string, name: string) {
    return this.s.del.run(region, group, name).changes > 0;
  }
}
