/**
 * `lambkin package DIR -o fn.zip`: a deployment zip of a directory, the same bytes every time.
 * Files are 0644 (0755 if executable), directories 0755, symlinks inside the tree stay symlinks
 * (pointing outside it, or absolute, they are refused), entries are sorted and carry a fixed DOS
 * timestamp, and the output file itself is never packed. Prints the path, size and the
 * CodeSha256 (base64 SHA-256) the server will report.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, lstatSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Command } from 'commander';
import yazl from 'yazl';

/** Zip (DOS) time has no zone and starts in 1980: a fixed local 1980-01-01 00:00 keeps bytes stable. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
const ZIP_UPLOAD_LIMIT = 52_428_800;

export class PackageError extends Error {}

export interface Entry {
  /** Path inside the zip, `/`-separated, no leading `/`; directories end with `/`. */
  name: string;
  kind: 'file' | 'dir' | 'symlink';
  /** Absolute path on disk (files). */
  source?: string;
  /** Link target (symlinks). */
  target?: string;
  mode: number;
}

const sameFile = (a: Stats, b: Stats | undefined): boolean => b !== undefined && a.dev === b.dev && a.ino === b.ino;

/** The entries to pack, sorted by name; `exclude` is the output file (by identity, if it exists). */
export function collectEntries(root: string, excludePath?: string): { entries: Entry[]; skipped: string[] } {
  const rootStat = statSync(root, { throwIfNoEntry: false });
  if (!rootStat?.isDirectory()) throw new PackageError(`${root} is not a directory`);
  const realRoot = realpathSync(root);
  const exclude = excludePath ? statSync(excludePath, { throwIfNoEntry: false }) : undefined;
  const excludeAbs = excludePath ? path.resolve(excludePath) : undefined;
  const entries: Entry[] = [];
  const skipped: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const relName = rel ? `${rel}/${name}` : name;
      const st = lstatSync(abs);
      if (st.isSymbolicLink()) {
        const target = readlinkSync(abs);
        if (path.isAbsolute(target)) {
          throw new PackageError(`symlink ${relName} -> ${target} is absolute; it would not resolve in the function's /var/task: make it relative`);
        }
        const resolved = path.resolve(path.dirname(path.join(realRoot, relName)), target);
        const inside = path.relative(realRoot, resolved);
        if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
          throw new PackageError(`symlink ${relName} -> ${target} points outside ${root}: copy the target into the directory instead`);
        }
        entries.push({ name: relName, kind: 'symlink', target, mode: 0o120777 });
      } else if (st.isDirectory()) {
        entries.push({ name: `${relName}/`, kind: 'dir', mode: 0o40755 });
        walk(abs, relName);
      } else if (st.isFile()) {
        if (sameFile(st, exclude) || path.resolve(abs) === excludeAbs) continue;
        entries.push({ name: relName, kind: 'file', source: abs, mode: st.mode & 0o111 ? 0o100755 : 0o100644 });
      } else {
        skipped.push(relName);
      }
    }
  };
  walk(root, '');
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries, skipped };
}

export interface PackageResult {
  path: string;
  size: number;
  codeSha256: string;
  entries: number;
  skipped: string[];
}

/** The deterministic zip of `entries` (sorted, fixed timestamps, normalised modes), as a stream. */
export function zipEntries(entries: Entry[]): NodeJS.ReadableStream {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    const opts = { mtime: FIXED_MTIME, mode: e.mode, forceDosTimestamp: true };
    if (e.kind === 'dir') zip.addEmptyDirectory(e.name, opts);
    else if (e.kind === 'symlink') zip.addBuffer(Buffer.from(e.target!), e.name, { ...opts, compress: false });
    else zip.addFile(e.source!, e.name, opts);
  }
  zip.end();
  return zip.outputStream;
}

export async function packageDir(dir: string, output: string): Promise<PackageResult> {
  const { entries, skipped } = collectEntries(dir, output);
  const zip = { outputStream: zipEntries(entries) };
  // Written next to the output and renamed, so a failed run never leaves a half zip behind.
  const tmp = `${output}.tmp-${process.pid}`;
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    await pipeline(zip.outputStream, measure, createWriteStream(tmp));
    renameSync(tmp, output);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return { path: output, size, codeSha256: hash.digest('base64'), entries: entries.length, skipped };
}

export function registerPackageCommand(program: Command): void {
  program
    .command('package <dir>')
    .description('build a deployment zip from a directory (deterministic; prints its CodeSha256)')
    .option('-o, --output <file>', 'zip to write (default: <dir name>.zip)')
    .action(async (dir: string, flags: { output?: string }) => {
      const output = flags.output ?? `${path.basename(path.resolve(dir))}.zip`;
      try {
        const r = await packageDir(dir, output);
        for (const s of r.skipped) process.stderr.write(`warning: skipped ${s} (not a file, directory or symlink)\n`);
        if (r.size > ZIP_UPLOAD_LIMIT) {
          process.stderr.write(`warning: ${r.size} bytes is over the 50 MB (52428800 bytes) limit for --zip-file uploads\n`);
        }
        process.stdout.write(`${r.path}\t${r.size} bytes\tCodeSha256 ${r.codeSha256}\n`);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        process.stderr.write(`lambkin package: ${err instanceof PackageError ? e.message : `${e.code ?? ''} ${e.message}`.trim()}\n`);
        process.exitCode = err instanceof PackageError ? 2 : 1;
      }
    });
}
