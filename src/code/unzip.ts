/**
 * Checks a deployment zip and extracts it into a directory, refusing what AWS refuses and what
 * would hurt us: not a zip, too large when unzipped (declared or actual), overlapping entries
 * (the non-recursive zip bomb), paths that escape the root, and symlinks pointing outside it.
 * Permissions are normalised so the function can always read its own files.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, symlink, chmod, lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { invalidParameter } from '../errors.js';

import { UNZIPPED_LIMIT } from './limits.js';

export { UNZIPPED_LIMIT };
const UNZIP_FAILED = 'Could not unzip uploaded file. Please check your file, then try to upload again.';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

export interface UnzipResult {
  files: number;
  unzippedBytes: number;
}

const badZip = (detail?: string) => invalidParameter(detail ? `${UNZIP_FAILED} (${detail})` : UNZIP_FAILED);

/**
 * A failure while writing an entry: our own errors pass through; file-system errors (an entry that
 * collides with another, e.g. a file and a directory of the same name) mean the archive cannot be
 * extracted, which is the client's problem (400), not ours (500). Their texts name server paths,
 * so only the error code is kept.
 */
function extractionError(err: unknown, name: string): Error {
  if (err instanceof Error && err.name === 'InvalidParameterValueException') return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return badZip(`entry '${name}' cannot be extracted: ${code}`);
  return badZip((err as Error)?.message);
}

/**
 * Whether the symlink at `link` resolves inside `root`, following symlinks it meets on the way
 * (a target that is harmless read alone, like `self/..`, escapes when `self` links to `.`).
 * Components that do not exist end the walk: nothing can be reached through them.
 */
async function resolvesInside(root: string, link: string): Promise<boolean> {
  const current = path.relative(root, path.dirname(link)).split(path.sep).filter(Boolean);
  const first = await readlink(link);
  if (path.isAbsolute(first)) return false;
  const pending = first.split('/');
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (current.length === 0) return false;
      current.pop();
      continue;
    }
    const p = path.join(root, ...current, part);
    const st = await lstat(p).catch(() => undefined);
    if (!st) return true;
    if (st.isSymbolicLink()) {
      if (++hops > 40) return false;
      const next = await readlink(p);
      if (path.isAbsolute(next)) return false;
      pending.unshift(...next.split('/'));
      continue;
    }
    current.push(part);
  }
  return true;
}

/** A zip in memory, or the path of a zip file (read through its descriptor, never loaded whole). */
export type ZipSource = Buffer | string;

function openZip(source: ZipSource): Promise<ZipFile> {
  const options = { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false };
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: ZipFile) => (err || !zip ? reject(badZip()) : resolve(zip));
    if (typeof source === 'string') yauzl.open(source, options, done);
    else yauzl.fromBuffer(source, options, done);
  });
}

function readEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (e: Entry) => {
      entries.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (err: Error) => reject(badZip(err.message)));
    zip.readEntry();
  });
}

const unixMode = (e: Entry): number => (e.versionMadeBy >> 8 === 3 ? (e.externalFileAttributes >>> 16) & 0xffff : 0);

/** Resolves an entry name inside `root`, or throws if it escapes. */
function safeTarget(root: string, name: string): string {
  const normalized = name.replace(/\\/g, '/');
  if (normalized.startsWith('/') || /^[a-zA-Z]:/.test(normalized)) throw badZip(`entry '${name}' is an absolute path`);
  const target = path.resolve(root, normalized);
  if (target !== root && !target.startsWith(root + path.sep)) throw badZip(`entry '${name}' escapes the package root`);
  return target;
}

/** Local headers of distinct entries must not overlap; overlapping ones are how zip bombs multiply data. */
function checkNoOverlap(entries: Entry[]): void {
  const spans = entries
    .filter((e) => e.compressedSize > 0)
    .map((e) => ({ start: e.relativeOffsetOfLocalHeader, end: e.relativeOffsetOfLocalHeader + 30 + e.fileNameLength + e.compressedSize }))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].start < spans[i - 1].end) throw badZip('entries overlap');
  }
}

function openStream(zip: ZipFile, entry: Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(badZip(err?.message)) : resolve(stream)));
  });
}

async function readSmall(zip: ZipFile, entry: Entry): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of (await openStream(zip, entry)) as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

/** Validates a zip and extracts it into `dest` (which must not exist). */
export async function unzipPackage(source: ZipSource, dest: string, limit = UNZIPPED_LIMIT): Promise<UnzipResult> {
  const zip = await openZip(source);
  try {
    const entries = await readEntries(zip);
    const declared = entries.reduce((n, e) => n + e.uncompressedSize, 0);
    if (declared >= limit) throw invalidParameter(`Unzipped size must be smaller than ${limit} bytes`);
    checkNoOverlap(entries);
    const root = path.resolve(dest);
    const planned = entries.map((e) => ({ entry: e, target: safeTarget(root, e.fileName), mode: unixMode(e) }));
    for (const p of planned) {
      if (p.entry.isEncrypted()) throw badZip(`entry '${p.entry.fileName}' is encrypted`);
    }

    await mkdir(root, { recursive: true, mode: 0o755 });
    let actual = 0;
    let files = 0;
    // Counts real inflated bytes, so a lying header cannot sneak past the limit.
    const meter = () =>
      new Transform({
        transform(chunk: Buffer, _enc, cb) {
          actual += chunk.length;
          if (actual >= limit) cb(invalidParameter(`Unzipped size must be smaller than ${limit} bytes`));
          else cb(null, chunk);
        },
      });
    const links: { target: string; link: string; name: string }[] = [];
    for (const { entry, target, mode } of planned) {
      try {
        const isDir = entry.fileName.endsWith('/') || (mode & S_IFMT) === S_IFDIR;
        if (isDir) {
          await mkdir(target, { recursive: true, mode: 0o755 });
          continue;
        }
        await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
        if ((mode & S_IFMT) === S_IFLNK) {
          links.push({ target: await readSmall(zip, entry), link: target, name: entry.fileName });
          continue;
        }
        // Normalise: readable by everyone; keep the run bit only where the archive had one.
        const fileMode = mode & 0o111 ? 0o755 : 0o644;
        await pipeline(await openStream(zip, entry), meter(), createWriteStream(target, { mode: fileMode }));
        await chmod(target, fileMode);
        files++;
      } catch (err) {
        throw extractionError(err, entry.fileName);
      }
    }
    for (const l of links) {
      const resolved = path.resolve(path.dirname(l.link), l.target);
      if (path.isAbsolute(l.target) || (resolved !== root && !resolved.startsWith(root + path.sep))) {
        throw badZip(`symlink '${l.name}' points outside the package`);
      }
      await symlink(l.target, l.link).catch((err) => {
        throw extractionError(err, l.name);
      });
    }
    // Read alone each target stayed inside; followed through the other links, it must still.
    for (const l of links) {
      if (!(await resolvesInside(root, l.link))) throw badZip(`symlink '${l.name}' points outside the package`);
    }
    return { files, unzippedBytes: actual };
  } finally {
    zip.close();
  }
}
