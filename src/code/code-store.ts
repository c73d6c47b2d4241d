/**
 * Content-addressed deployment packages: `code/<sha256>.zip` as uploaded and `code/<sha256>/`
 * extracted once, read-only, shared by every environment running that code. Files are written
 * under temporary names and renamed into place, so a crash leaves only temp files, which
 * `cleanup()` removes at start-up together with packages no version references.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, chmod, link, lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { hex32 } from '../util/ids.js';
import { LambdaError } from '../errors.js';
import { unzipPackage } from './unzip.js';
import { UNZIPPED_LIMIT, ZIPPED_LIMIT } from './limits.js';
import { UploadArea, type UploadedZip } from './uploads.js';
import { Semaphore } from '../util/semaphore.js';

export { ZIPPED_LIMIT };

/** A package as the API received it: in memory, or streamed into a file (see uploads.ts). */
export type PackageSource = Buffer | UploadedZip;

/** How many packages are checked and extracted at once (each reads and writes up to 250 MB). */
const UNPACKING_AT_ONCE = 2;

const sizeOf = (zip: PackageSource): number => (Buffer.isBuffer(zip) ? zip.length : zip.size);
const digestOf = (zip: PackageSource): Buffer => (Buffer.isBuffer(zip) ? createHash('sha256').update(zip).digest() : zip.digest);
const zipSource = (zip: PackageSource): Buffer | string => (Buffer.isBuffer(zip) ? zip : zip.file);
const TMP_MARK = '.tmp-';
/** How long after its release a package is still spared by `cleanup()` (see inUse). */
const RELEASE_GRACE_MS = 1000;

export interface StoredPackage {
  /** Hex SHA-256 (our key). */
  sha: string;
  /** base64 SHA-256, as the API's CodeSha256 shows it. */
  sha256b64: string;
  size: number;
  dir: string;
}

export class CodeStore {
  readonly root: string;
  /** Where uploads are received before they are packages. */
  readonly uploads: UploadArea;
  private readonly unpacking = new Semaphore(UNPACKING_AT_ONCE);
  /** Packages an environment is using right now: never garbage-collected. */
  private readonly pinned = new Map<string, number>();
  /** Packages being written, checked, or held by a caller until it has referenced them. */
  private readonly busy = new Map<string, number>();
  /** When each package was last released (see inUse). */
  private readonly releasedAt = new Map<string, number>();
  /** Packages being extracted and placed right now (one writer per package). */
  private readonly writing = new Map<string, Promise<void>>();
  /** Packages `cleanup()` is deleting right now; a `put` of the same bytes waits for it. */
  private readonly removing = new Map<string, Promise<void>>();

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'code');
    this.uploads = new UploadArea(dataDir);
  }

  /** Returns how many uploads an interrupted earlier run left behind (now removed). */
  async init(): Promise<number> {
    await mkdir(this.root, { recursive: true });
    return this.uploads.init();
  }

  dirOf(sha: string): string {
    return path.join(this.root, sha);
  }

  zipPathOf(sha: string): string {
    return path.join(this.root, `${sha}.zip`);
  }

  /**
   * Validates, stores and extracts a package; a no-op for a package already stored.
   * With `hold`, the package stays protected from `cleanup()` until `release(sha)`: callers that
   * are about to reference it from the store hold it until that write has committed.
   */
  async put(zip: PackageSource, opts: { hold?: boolean } = {}): Promise<StoredPackage> {
    if (sizeOf(zip) > ZIPPED_LIMIT) {
      throw new LambdaError('RequestEntityTooLargeException', `Zipped size must be smaller than ${ZIPPED_LIMIT} bytes`);
    }
    const digest = digestOf(zip);
    const sha = digest.toString('hex');
    const pkg = { sha, sha256b64: digest.toString('base64'), size: sizeOf(zip), dir: this.dirOf(sha) };
    this.acquire(sha);
    let ok = false;
    try {
      // A clean-up may be deleting an unreferenced copy right now: let it finish first.
      await this.removing.get(sha);
      // One writer per package: concurrent uploads of the same bytes wait for the first, then
      // find it stored (or, if it failed, try themselves and fail the same way).
      while (this.writing.has(sha)) await this.writing.get(sha);
      if (!(existsSync(pkg.dir) && existsSync(this.zipPathOf(sha)))) {
        const job = this.write(zip, pkg);
        this.writing.set(sha, job.catch(() => undefined));
        try {
          await job;
        } finally {
          this.writing.delete(sha);
        }
      }
      ok = true;
      return pkg;
    } finally {
      if (!ok || !opts.hold) this.release(sha);
    }
  }

  private async write(zip: PackageSource, pkg: StoredPackage): Promise<void> {
    const tmpDir = `${pkg.dir}${TMP_MARK}${hex32()}`;
    try {
      await this.unpacking.run(() => unzipPackage(zipSource(zip), tmpDir, UNZIPPED_LIMIT));
      await makeReadOnly(tmpDir);
      await writeFileAtomic(this.zipPathOf(pkg.sha), zip);
      if (existsSync(pkg.dir)) await removeTree(tmpDir);
      else {
        await rename(tmpDir, pkg.dir).catch(async (err: NodeJS.ErrnoException) => {
          // Placed by someone else meanwhile: theirs is the same bytes.
          if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
          await removeTree(tmpDir);
        });
      }
    } catch (err) {
      await removeTree(tmpDir);
      throw err;
    }
  }

  /** Full validation (extraction into a scratch dir) without storing anything: UpdateFunctionCode's DryRun. */
  async check(zip: PackageSource): Promise<StoredPackage> {
    if (sizeOf(zip) > ZIPPED_LIMIT) {
      throw new LambdaError('RequestEntityTooLargeException', `Zipped size must be smaller than ${ZIPPED_LIMIT} bytes`);
    }
    const digest = digestOf(zip);
    const sha = digest.toString('hex');
    const scratch = `${this.dirOf(sha)}${TMP_MARK}${hex32()}`;
    this.acquire(sha);
    try {
      await this.unpacking.run(() => unzipPackage(zipSource(zip), scratch, UNZIPPED_LIMIT));
    } finally {
      await removeTree(scratch);
      this.release(sha);
    }
    return { sha, sha256b64: digest.toString('base64'), size: sizeOf(zip), dir: this.dirOf(sha) };
  }

  private acquire(sha: string): void {
    this.busy.set(sha, (this.busy.get(sha) ?? 0) + 1);
  }

  /** Ends a `put(zip, { hold: true })` (or an internal hold). */
  release(sha: string): void {
    const n = (this.busy.get(sha) ?? 1) - 1;
    if (n <= 0) this.busy.delete(sha);
    else this.busy.set(sha, n);
    this.releasedAt.set(sha, Date.now());
  }

  /**
   * Whether `cleanup()` must leave a package alone. The caller of cleanup took its `referenced`
   * snapshot just before calling it, so a package released shortly before (or during) the
   * clean-up may be referenced by a write the snapshot missed.
   */
  private inUse(sha: string, cleanupStarted: number): boolean {
    return this.pinned.has(sha) || this.busy.has(sha) || (this.releasedAt.get(sha) ?? 0) >= cleanupStarted - RELEASE_GRACE_MS;
  }

  readZip(sha: string): Promise<Buffer> {
    return readFile(this.zipPathOf(sha));
  }

  pin(sha: string): void {
    this.pinned.set(sha, (this.pinned.get(sha) ?? 0) + 1);
  }

  unpin(sha: string): void {
    const n = (this.pinned.get(sha) ?? 1) - 1;
    if (n <= 0) this.pinned.delete(sha);
    else this.pinned.set(sha, n);
  }

  /**
   * Removes temp leftovers and every package not in `referenced`, except those in use: pinned,
   * being written (their temp files included), or held. At start-up nothing is in use, so every
   * temp file an interrupted write left behind goes.
   */
  async cleanup(referenced: Set<string>): Promise<number> {
    const started = Date.now();
    for (const [sha, at] of this.releasedAt) if (at < started - RELEASE_GRACE_MS) this.releasedAt.delete(sha);
    const bySha = new Map<string, string[]>();
    for (const name of await readdir(this.root)) {
      const hex = /^[0-9a-f]{64}/.exec(name)?.[0];
      const sha = hex ?? name;
      const orphanTemp = name.includes(TMP_MARK);
      const unreferenced = hex !== undefined && name.replace(/\.zip$/, '') === hex && !referenced.has(hex);
      if (orphanTemp || unreferenced) bySha.set(sha, [...(bySha.get(sha) ?? []), name]);
    }
    let removed = 0;
    for (const [sha, names] of bySha) {
      // Checked right before deleting, and marked in the same tick, so a put that starts now waits.
      if (this.inUse(sha, started) || this.removing.has(sha)) continue;
      const removal = (async () => {
        for (const name of names) await removeTree(path.join(this.root, name));
      })();
      this.removing.set(sha, removal.catch(() => undefined));
      try {
        await removal;
        removed += names.length;
      } finally {
        this.removing.delete(sha);
      }
    }
    return removed;
  }
}

/** Places the package's zip: written from memory, or linked (copied across file systems) from its upload. */
async function writeFileAtomic(file: string, data: PackageSource): Promise<void> {
  const tmp = `${file}${TMP_MARK}${hex32()}`;
  try {
    if (Buffer.isBuffer(data)) {
      const fh = await open(tmp, 'w', 0o444);
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    } else {
      await link(data.file, tmp).catch(() => copyFile(data.file, tmp));
      await chmod(tmp, 0o444);
      const fh = await open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Directories r-x, files r-- (or r-x where executable) for everyone; nothing writable. */
async function makeReadOnly(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeReadOnly(p);
    else if (entry.isFile()) {
      const st = await lstat(p);
      await chmod(p, st.mode & 0o111 ? 0o555 : 0o444);
    }
  }
  await chmod(dir, 0o555);
}

/** rm -rf that also works for a non-root owner of a read-only tree. */
export async function removeTree(p: string): Promise<void> {
  try {
    await rm(p, { recursive: true, force: true });
  } catch {
    await makeWritable(p);
    await rm(p, { recursive: true, force: true });
  }
}

async function makeWritable(p: string): Promise<void> {
  const st = await lstat(p).catch(() => undefined);
  if (!st?.isDirectory()) return;
  await chmod(p, 0o755);
  for (const name of await readdir(p)) await makeWritable(path.join(p, name));
}
