/**
 * /tmp for sandboxes: a sparse ext4 image per environment, loop-mounted and bind-mounted at /tmp.
 * Unlike tmpfs its pages are not charged to the function's memory limit, and it gives ENOSPC at
 * the configured EphemeralStorage size. Each is a sparse copy of a template formatted once per
 * size, attached and mounted by the host helper without running a tool (~2 ms of CPU, not ~40);
 * a few are kept ready per size. Never reused across environments (one function's files must not
 * reach another).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hex32 } from '../util/ids.js';
import { run } from './exec.js';
import { hostHelper } from './host-helper.js';

export interface TmpDisk {
  sizeMB: number;
  image: string;
  mountDir: string;
}

/** ext4 needs ~4% for its own metadata: size the image so the usable space is about the quota. */
const imageMB = (sizeMB: number): number => Math.ceil(sizeMB * 1.035) + 4;

export class TmpDiskPool {
  private readonly ready = new Map<number, TmpDisk[]>();
  private filling = new Map<number, Promise<void>>();
  private readonly templates = new Map<number, Promise<string>>();

  /** Images live in `imageDir` (the data dir); they are mounted under `mountRoot` (where bwrap can reach them). */
  constructor(private readonly imageDir: string, private readonly mountRoot: string, private readonly uid: number, private readonly target = 6) {}

  async init(): Promise<void> {
    mkdirSync(this.imageDir, { recursive: true });
    mkdirSync(this.mountRoot, { recursive: true });
  }

  /** A formatted, empty image of `sizeMB` to copy disks from (made once per size). */
  private template(sizeMB: number): Promise<string> {
    let t = this.templates.get(sizeMB);
    if (!t) {
      t = (async () => {
        const image = path.join(this.imageDir, `template-${sizeMB}-${hex32().slice(0, 8)}.img`);
        await writeFile(image, '');
        await truncate(image, imageMB(sizeMB) * 1024 * 1024);
        // No lost+found: Lambda's /tmp starts empty.
        await run('mkfs.ext4', ['-q', '-F', '-m', '0', '-O', '^has_journal', '-E', `lazy_itable_init=1,lazy_journal_init=1,root_owner=${this.uid}:${this.uid}`, image]);
        await run('debugfs', ['-w', '-R', 'rmdir lost+found', image]);
        return image;
      })();
      t.catch(() => this.templates.delete(sizeMB));
      this.templates.set(sizeMB, t);
    }
    return t;
  }

  private async create(sizeMB: number): Promise<TmpDisk> {
    const id = hex32().slice(0, 12);
    const image = path.join(this.imageDir, `${id}.img`);
    const mountDir = path.join(this.mountRoot, id);
    mkdirSync(mountDir, { recursive: true });
    try {
      await hostHelper.copySparse(await this.template(sizeMB), image);
      // noinit_itable: a throwaway /tmp needs no background zeroing of unused inode tables.
      await hostHelper.loopMount(image, mountDir, 'ext4', 'noinit_itable');
    } catch (err) {
      await this.destroy({ sizeMB, image, mountDir });
      throw err;
    }
    return { sizeMB, image, mountDir };
  }

  async take(sizeMB: number): Promise<TmpDisk> {
    const disk = this.ready.get(sizeMB)?.pop() ?? (await this.create(sizeMB));
    this.refill(sizeMB);
    return disk;
  }

  refill(sizeMB: number): void {
    if (this.filling.has(sizeMB)) return;
    const list = this.ready.get(sizeMB) ?? [];
    this.ready.set(sizeMB, list);
    if (list.length >= this.target) return;
    const p = (async () => {
      try {
        while (list.length < this.target) list.push(await this.create(sizeMB));
      } catch {
        /* retried on the next take */
      } finally {
        this.filling.delete(sizeMB);
      }
    })();
    this.filling.set(sizeMB, p);
  }

  /** Unmounts (detaching the loop device) and deletes the image. */
  async destroy(disk: TmpDisk): Promise<void> {
    // Lazy: a process still using it keeps it until it exits; the loop device detaches itself then.
    await hostHelper.unmount(disk.mountDir).catch(() => undefined);
    await rm(disk.mountDir, { recursive: true, force: true }).catch(() => undefined);
    await rm(disk.image, { force: true });
  }

  async destroyAll(): Promise<void> {
    await Promise.all(this.filling.values());
    const all = [...this.ready.values()].flat();
    this.ready.clear();
    await Promise.all(all.map((d) => this.destroy(d)));
    const templates = await Promise.allSettled(this.templates.values());
    this.templates.clear();
    for (const t of templates) if (t.status === 'fulfilled') await rm(t.value, { force: true });
  }
}

/** Mount points under `dir` (deepest first), from /proc/self/mounts. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(prefix)))
    .sort((a, b) => b.length - a.length);
}

/** Start-up: unmounts whatever a crashed predecessor left mounted under `dir`. */
export async function unmountAllUnder(dir: string): Promise<number> {
  const mounts = mountsUnder(dir);
  for (const m of mounts) await run('umount', ['-l', m]).catch(() => undefined);
  return mounts.length;
}
