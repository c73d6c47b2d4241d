/** The function/version/alias half of the SQLite store. */
import type { Database, Statement } from 'better-sqlite3';
import { LATEST, type AliasRecord, type FunctionRecord, type VersionRecord } from '../control/model.js';
import type { FunctionStore, Page, PublishResult } from './store.js';

interface VersionRow { region: string; name: string; version: string; seq: number; code_sha: string; code_size: number; config: string }
interface FunctionRow { region: string; name: string; created_at: number; last_version: number; tags: string; reserved_concurrency: number | null }
interface AliasRow { region: string; name: string; alias: string; function_version: string; description: string; weights: string | null; revision_id: string }

const toVersion = (r: VersionRow): VersionRecord => ({
  region: r.region,
  functionName: r.name,
  version: r.version,
  codeSha: r.code_sha,
  config: JSON.parse(r.config),
});

const toFunction = (r: FunctionRow): FunctionRecord => ({
  region: r.region,
  functionName: r.name,
  createdAt: r.created_at,
  lastVersion: r.last_version,
  tags: JSON.parse(r.tags),
  ...(r.reserved_concurrency === null ? {} : { reservedConcurrency: r.reserved_concurrency }),
});

const toAlias = (r: AliasRow): AliasRecord => ({
  region: r.region,
  functionName: r.name,
  name: r.alias,
  functionVersion: r.function_version,
  description: r.description,
  ...(r.weights ? { additionalVersionWeights: JSON.parse(r.weights) } : {}),
  revisionId: r.revision_id,
});

const seqOf = (version: string): number => (version === LATEST ? 0 : Number(version));

export class SqliteFunctionStore implements FunctionStore {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      getFn: p('SELECT * FROM functions WHERE region = ? AND name = ?'),
      getVersion: p('SELECT * FROM versions WHERE region = ? AND name = ? AND version = ?'),
      newest: p('SELECT * FROM versions WHERE region = ? AND name = ? AND seq > 0 ORDER BY seq DESC LIMIT 1'),
      listLatest: p(`SELECT * FROM versions WHERE region = ? AND seq = 0 AND name > ? ORDER BY name LIMIT ?`),
      listAll: p(`SELECT * FROM versions WHERE region = ? AND (name > ? OR (name = ? AND seq > ?)) ORDER BY name, seq LIMIT ?`),
      listVersions: p('SELECT * FROM versions WHERE region = ? AND name = ? AND seq > ? ORDER BY seq LIMIT ?'),
      insertFn: p(`INSERT INTO functions (region, name, created_at, last_version, tags, reserved_concurrency) VALUES (?, ?, ?, ?, ?, ?)`),
      updateFn: p(`UPDATE functions SET last_version = ?, tags = ?, reserved_concurrency = ? WHERE region = ? AND name = ?`),
      insertVersion: p(`INSERT INTO versions (region, name, version, seq, code_sha, code_size, config) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      updateVersion: p(`UPDATE versions SET code_sha = ?, code_size = ?, config = ? WHERE region = ? AND name = ? AND version = ?`),
      deleteFn: p('DELETE FROM functions WHERE region = ? AND name = ?'),
      allVersionsOf: p('SELECT * FROM versions WHERE region = ? AND name = ? ORDER BY seq'),
      deleteVersion: p('DELETE FROM versions WHERE region = ? AND name = ? AND version = ?'),
      count: p(`SELECT COUNT(*) AS n FROM functions WHERE region = ?`),
      codeSize: p(`SELECT COALESCE(SUM(code_size), 0) AS n FROM versions WHERE region = ?`),
      reserved: p(`SELECT COALESCE(SUM(reserved_concurrency), 0) AS n FROM functions WHERE region = ?`),
      shas: p('SELECT DISTINCT code_sha FROM versions'),
      withReserved: p('SELECT * FROM functions WHERE reserved_concurrency IS NOT NULL'),
      getAlias: p('SELECT * FROM aliases WHERE region = ? AND name = ? AND alias = ?'),
      listAliases: p('SELECT * FROM aliases WHERE region = ? AND name = ? ORDER BY alias'),
      insertAlias: p(`INSERT INTO aliases (region, name, alias, function_version, description, weights, revision_id) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      updateAlias: p(`UPDATE aliases SET function_version = ?, description = ?, weights = ?, revision_id = ? WHERE region = ? AND name = ? AND alias = ?`),
      deleteAlias: p('DELETE FROM aliases WHERE region = ? AND name = ? AND alias = ?'),
    };
  }

  private fnRow(region: string, name: string): FunctionRow | undefined {
    return this.s.getFn.get(region, name) as FunctionRow | undefined;
  }

  private insertVersion(v: VersionRecord): void {
    this.s.insertVersion.run(v.region, v.functionName, v.version, seqOf(v.version), v.codeSha, v.config.CodeSize, JSON.stringify(v.config));
  }

  private writeVersion(v: VersionRecord): void {
    this.s.updateVersion.run(v.codeSha, v.config.CodeSize, JSON.stringify(v.config), v.region, v.functionName, v.version);
  }

  private writeFunction(f: FunctionRecord): void {
    this.s.updateFn.run(f.lastVersion, JSON.stringify(f.tags), f.reservedConcurrency ?? null, f.region, f.functionName);
  }

  async getFunction(region: string, name: string) {
    const r = this.fnRow(region, name);
    return r && toFunction(r);
  }

  async getVersion(region: string, name: string, version: string) {
    const r = this.s.getVersion.get(region, name, version) as VersionRow | undefined;
    return r && toVersion(r);
  }

  async listLatest(region: string, after: string | undefined, limit: number): Promise<Page<VersionRecord>> {
    const rows = this.s.listLatest.all(region, after ?? '', limit + 1) as VersionRow[];
    const items = rows.slice(0, limit).map(toVersion);
    return { items, ...(rows.length > limit ? { next: items[items.length - 1].functionName } : {}) };
  }

  async listAllVersions(region: string, after: string | undefined, limit: number): Promise<Page<VersionRecord>> {
    const [name, seq] = after ? splitMarker(after) : ['', -1];
    const rows = this.s.listAll.all(region, name, name, seq, limit + 1) as VersionRow[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toVersion), ...(rows.length > limit ? { next: `${last.name}:${last.seq}` } : {}) };
  }

  async listVersions(region: string, name: string, after: string | undefined, limit: number): Promise<Page<VersionRecord>> {
    const from = after === undefined ? -1 : seqOf(after);
    const rows = this.s.listVersions.all(region, name, from, limit + 1) as VersionRow[];
    const items = rows.slice(0, limit).map(toVersion);
    return { items, ...(rows.length > limit ? { next: items[items.length - 1].version } : {}) };
  }

  async createFunction(fn: FunctionRecord, versions: VersionRecord[]) {
    return this.db.transaction(() => {
      if (this.fnRow(fn.region, fn.functionName)) return false;
      this.s.insertFn.run(fn.region, fn.functionName, fn.createdAt, fn.lastVersion, JSON.stringify(fn.tags), fn.reservedConcurrency ?? null);
      for (const v of versions) this.insertVersion(v);
      return true;
    })();
  }

  async updateVersion(region: string, name: string, version: string, mutate: (c: VersionRecord) => VersionRecord) {
    return this.db.transaction(() => {
      const row = this.s.getVersion.get(region, name, version) as VersionRow | undefined;
      if (!row) return undefined;
      const next = mutate(toVersion(row));
      this.writeVersion(next);
      return next;
    })();
  }

  async publish(region: string, name: string, build: (ctx: { latest: VersionRecord; newest?: VersionRecord; nextNumber: number }) => PublishResult) {
    return this.db.transaction(() => {
      const fn = this.fnRow(region, name);
      const latestRow = this.s.getVersion.get(region, name, LATEST) as VersionRow | undefined;
      if (!fn || !latestRow) return undefined;
      const newestRow = this.s.newest.get(region, name) as VersionRow | undefined;
      const nextNumber = fn.last_version + 1;
      const result = build({ latest: toVersion(latestRow), newest: newestRow && toVersion(newestRow), nextNumber });
      if (result.version.version === String(nextNumber)) {
        this.insertVersion(result.version);
        this.writeFunction({ ...toFunction(fn), lastVersion: nextNumber });
      }
      if (result.latest) this.writeVersion(result.latest);
      return result.version;
    })();
  }

  async updateFunction(region: string, name: string, mutate: (c: FunctionRecord) => FunctionRecord) {
    return this.db.transaction(() => {
      const row = this.fnRow(region, name);
      if (!row) return undefined;
      const next = mutate(toFunction(row));
      this.writeFunction(next);
      return next;
    })();
  }

  async deleteFunction(region: string, name: string) {
    return this.db.transaction(() => {
      const versions = (this.s.allVersionsOf.all(region, name) as VersionRow[]).map(toVersion);
      if (this.s.deleteFn.run(region, name).changes === 0) return undefined;
      return versions;
    })();
  }

  async deleteVersion(region: string, name: string, version: string, check: (aliases: AliasRecord[]) => void) {
    return this.db.transaction(() => {
      const row = this.s.getVersion.get(region, name, version) as VersionRow | undefined;
      if (!row) return undefined;
      check((this.s.listAliases.all(region, name) as AliasRow[]).map(toAlias));
      this.s.deleteVersion.run(region, name, version);
      return toVersion(row);
    })();
  }

  async countFunctions(region: string) {
    return {
      count: (this.s.count.get(region) as { n: number }).n,
      totalCodeSize: (this.s.codeSize.get(region) as { n: number }).n,
      reservedConcurrency: (this.s.reserved.get(region) as { n: number }).n,
    };
  }

  async referencedCodeShas() {
    return new Set((this.s.shas.all() as { code_sha: string }[]).map((r) => r.code_sha));
  }

  async listFunctionsWithReservedConcurrency() {
    return (this.s.withReserved.all() as FunctionRow[]).map(toFunction);
  }

  async getAlias(region: string, name: string, alias: string) {
    const r = this.s.getAlias.get(region, name, alias) as AliasRow | undefined;
    return r && toAlias(r);
  }

  async listAliases(region: string, name: string) {
    return (this.s.listAliases.all(region, name) as AliasRow[]).map(toAlias);
  }

  async createAlias(a: AliasRecord) {
    return this.db.transaction(() => {
      if (!this.fnRow(a.region, a.functionName)) return 'no-function' as const;
      if (this.s.getAlias.get(a.region, a.functionName, a.name)) return 'exists' as const;
      this.s.insertAlias.run(a.region, a.functionName, a.name, a.functionVersion, a.description, weightsJson(a), a.revisionId);
      return 'created' as const;
    })();
  }

  async updateAlias(region: string, name: string, alias: string, mutate: (c: AliasRecord) => AliasRecord) {
    return this.db.transaction(() => {
      const row = this.s.getAlias.get(region, name, alias) as AliasRow | undefined;
      if (!row) return undefined;
      const next = mutate(toAlias(row));
      this.s.updateAlias.run(next.functionVersion, next.description, weightsJson(next), next.revisionId, region, name, alias);
      return next;
    })();
  }

  async deleteAlias(region: string, name: string, alias: string) {
    this.s.deleteAlias.run(region, name, alias);
  }
}

function weightsJson(a: AliasRecord): string | null {
  return a.additionalVersionWeights && Object.keys(a.additionalVersionWeights).length > 0 ? JSON.stringify(a.additionalVersionWeights) : null;
}

function splitMarker(marker: string): [string, number] {
  const i = marker.lastIndexOf(':');
  return i < 0 ? [marker, Number.MAX_SAFE_INTEGER] : [marker.slice(0, i), Number(marker.slice(i + 1))];
}
