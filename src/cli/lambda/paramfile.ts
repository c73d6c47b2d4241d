/** `file://path` (text) and `fileb://path` (bytes) parameter values, as the aws CLI loads them. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';

export class ParamFileError extends Error {}

function expand(p: string): string {
  const vars = p.replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a: string | undefined, b: string | undefined) => process.env[(a ?? b)!] ?? m);
  return vars === '~' || vars.startsWith('~/') ? homedir() + vars.slice(1) : vars;
}

/** The file's contents if `value` is a file:// or fileb:// reference, else undefined. */
export function readParamFile(value: string): string | Buffer | undefined {
  const binary = value.startsWith('fileb://');
  if (!binary && !value.startsWith('file://')) return undefined;
  const path = expand(value.slice(binary ? 8 : 7));
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'No such file or directory' : e.code === 'EISDIR' ? 'Is a directory' : e.message;
    throw new ParamFileError(`Unable to load paramfile ${value}: ${why}: '${path}'`);
  }
  if (binary) return data;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new ParamFileError(
      `Unable to load paramfile (${path}), text contents could not be decoded.  If this is a binary file, please use the fileb:// prefix instead of the file:// prefix.`,
    );
  }
}
