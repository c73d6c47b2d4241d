/**
 * Where deployment packages arrive: `<dataDir>/uploads/`, one temp file per upload in progress.
 * Every way out removes its file (the upload's own `discard()`, `removeAll()` at shutdown) and a
 * start-up sweep removes what a crash left. At most `maxReceiving` uploads are received at once;
 * later ones wait (their bodies stay in the socket) rather than take more disk.
 */
import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, readdir, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { hex32 } from '../util/ids.js';
import { Semaphore } from '../util/semaphore.js';
import { ZIPPED_LIMIT } from './limits.js';

/** A package received into a file: what the code store reads instead of a Buffer. */
export interface UploadedZip {
  file: string;
  /** Bytes decoded (the file holds at most ZIPPED_LIMIT + 1 of them: beyond that it is refused anyway). */
  size: number;
  /** SHA-256 of all `size` bytes (meaningful while size ≤ ZIPPED_LIMIT). */
  digest: Buffer;
}

/** Receives one package's bytes into its file, hashing as it goes. */
export class UploadWriter {
  private hash: Hash = createHash('sha256');
  private size = 0;

  constructor(readonly file: string, private fh: FileHandle) {}

  /** Starts over (a duplicate member replaces the earlier value). */
  async reset(): Promise<void> {
    await this.fh.truncate(0);
    this.hash = createHash('sha256');
    this.size = 0;
  }

  async write(bytes: Buffer): Promise<void> {
    const room = ZIPPED_LIMIT + 1 - this.size;
    this.size += bytes.length;
    if (room <= 0) return;
    this.hash.update(bytes);
    await this.fh.write(room >= bytes.length ? bytes : bytes.subarray(0, room), null, undefined, this.size - bytes.length);
  }

  async finish(): Promise<UploadedZip> {
    await this.fh.close();
    return { file: this.file, size: this.size, digest: this.hash.digest() };
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

export class UploadArea {
  readonly dir: string;
  private readonly active = new Set<string>();
  private readonly receiving: Semaphore;

  constructor(dataDir: string, maxReceiving = 8) {
    this.dir = path.join(dataDir, 'uploads');
    this.receiving = new Semaphore(maxReceiving);
  }

  /** Creates the directory and removes whatever an earlier run left in it. */
  async init(): Promise<number> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const names = await readdir(this.dir);
    for (const name of names) await rm(path.join(this.dir, name), { recursive: true, force: true });
    return names.length;
  }

  /** Waits for a receiving slot; the returned release must be called when the body is in. */
  slot(): Promise<() => void> {
    return this.receiving.acquire();
  }

  async create(): Promise<UploadWriter> {
    const file = path.join(this.dir, `upload-${hex32()}.zip`);
    this.active.add(file);
    try {
      return new UploadWriter(file, await open(file, 'wx', 0o600));
    } catch (err) {
      this.active.delete(file);
      throw err;
    }
  }

  async discard(file: string): Promise<void> {
    await rm(file, { force: true });
    this.active.delete(file);
  }

  /** Shutdown: every upload file still there goes. */
  async removeAll(): Promise<void> {
    for (const file of [...this.active]) await this.discard(file);
  }
}
