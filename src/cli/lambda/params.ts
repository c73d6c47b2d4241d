/**
 * Turns raw argument values into the operation's input, as the aws CLI does: file:// and
 * fileb:// values, JSON or shorthand for structures, maps and lists of structures, numbers and
 * booleans per the model, --cli-input-json underneath the explicit flags, then botocore's
 * client-side validation (required members, unknown keys, types).
 */
import { ParamError, ParamValidationError, UsageError } from './errors.js';
import type { Arg, Parsed } from './argv.js';
import type { OpDef } from './ops.js';
import { ParamFileError, readParamFile } from './paramfile.js';
import { isScalar, kebab, type Shape } from './shapes.js';
import { ShorthandError, coerce, isObject, parseShorthand, toDouble, toInt } from './shorthand.js';

export interface Pagination {
  maxItems?: number;
  startingToken?: string;
  pageSize?: number;
}

export interface BuiltInput {
  input: Record<string, unknown>;
  pagination: Pagination;
}

const ZIP_ERROR = '--zip-file must be a zip file with the fileb:// prefix.\nExample usage:  --zip-file fileb://path/to/file.zip';

function load(cli: string, value: string): string | Buffer {
  try {
    return readParamFile(value) ?? value;
  } catch (err) {
    if (err instanceof ParamFileError) throw new ParamError(`--${cli}`, err.message);
    throw err;
  }
}

function parseJson(cli: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ParamError(`--${cli}`, `Invalid JSON: ${(err as Error).message}\nJSON received: ${text}`);
  }
}

/** A blob given as text: raw bytes (aws CLI v1), or base64 with `--cli-binary-format base64` (v2). */
function blobFrom(value: string | Buffer, binaryFormat: string | undefined): Buffer {
  if (Buffer.isBuffer(value)) return value;
  return binaryFormat === 'base64' ? Buffer.from(value, 'base64') : Buffer.from(value, 'utf8');
}

function unpackComplex(cli: string, shape: Shape, text: string): unknown {
  if (text.trimStart().startsWith('{') || text.trimStart().startsWith('[')) return parseJson(cli, text);
  try {
    return coerce(parseShorthand(text), shape);
  } catch (err) {
    if (err instanceof ShorthandError) throw new ParamError(`--${cli}`, err.message);
    throw err;
  }
}

/** One flag's value, by the member's shape. */
export function unpack(arg: Arg, raw: string | string[] | boolean, binaryFormat?: string): unknown {
  const cli = arg.cli;
  const shape = arg.shape;
  if (typeof raw === 'boolean') return raw;
  // A file reference covers the whole value (for a list: when it is the only item).
  const single = Array.isArray(raw) ? (raw.length === 1 ? raw[0] : undefined) : raw;
  const loaded = single !== undefined ? load(cli, single) : undefined;
  if (shape.t === 'blob') return blobFrom(loaded!, Buffer.isBuffer(loaded) ? undefined : binaryFormat);
  if (Buffer.isBuffer(loaded)) {
    throw new ParamError(`--${cli}`, 'fileb:// is only for binary parameters; use file:// for text');
  }
  try {
    switch (shape.t) {
      case 'integer':
        return toInt(loaded!);
      case 'double':
        return toDouble(loaded!);
      case 'structure':
      case 'map':
        return unpackComplex(cli, shape, loaded!);
      case 'list': {
        if (loaded !== undefined && loaded.trimStart().startsWith('[')) return parseJson(cli, loaded);
        const items = loaded !== undefined ? [loaded] : (raw as string[]).map((v) => load(cli, v) as string);
        if (isScalar(shape.member)) {
          // `a b` and `a,b` both give [a, b].
          return items.flatMap((v) => v.split(',')).filter((v) => v !== '').map((v) => unpack({ cli, shape: shape.member }, v, binaryFormat));
        }
        return items.map((v) => unpackComplex(cli, shape.member, v));
      }
      default:
        return loaded;
    }
  } catch (err) {
    if (err instanceof ShorthandError) throw new ParamError(`--${cli}`, err.message);
    throw err;
  }
}

const isZip = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5);

export function buildInput(op: OpDef, parsed: Parsed, table: Map<string, Arg>): BuiltInput {
  const input: Record<string, unknown> = {};
  const pagination: Pagination = {};
  const binaryFormat = parsed.globals.binaryFormat;
  if (binaryFormat !== undefined && binaryFormat !== 'base64' && binaryFormat !== 'raw-in-base64-out') {
    throw new UsageError(`argument --cli-binary-format: Invalid choice, valid choices are:\n\nbase64 | raw-in-base64-out`);
  }
  let zip: Buffer | undefined;
  let cliInputJson: string | undefined;
  for (const [cli, raw] of parsed.values) {
    const arg = table.get(cli)!;
    switch (arg.special) {
      case 'skeleton':
        continue;
      case 'cli-input-json':
        cliInputJson = load(cli, raw as string) as string;
        continue;
      case 'zip-file': {
        const value = load(cli, raw as string);
        if (!Buffer.isBuffer(value) || !isZip(value)) throw new ParamError('--zip-file', ZIP_ERROR);
        zip = value;
        continue;
      }
      case 'max-items':
      case 'page-size':
      case 'starting-token': {
        const v = unpack(arg, raw);
        if (arg.special === 'max-items') pagination.maxItems = v as number;
        else if (arg.special === 'page-size') pagination.pageSize = v as number;
        else pagination.startingToken = v as string;
        continue;
      }
    }
    const value = unpack(arg, raw, binaryFormat);
    if (op.hoistZipInto === arg.member && isObject(value) && 'ZipFile' in value) {
      throw new ParamError(
        `--${cli}`,
        `ZipFile cannot be provided as part of the --${cli} argument.  Please use the '--zip-file' option instead to specify a zip file.`,
      );
    }
    if (op.name === 'update-function-code' && arg.member === 'ZipFile' && !isZip(value as Buffer)) {
      throw new ParamError('--zip-file', ZIP_ERROR);
    }
    input[arg.member!] = value;
  }
  if (zip) input[op.hoistZipInto!] = { ...(input[op.hoistZipInto!] as object | undefined), ZipFile: zip };

  if (cliInputJson !== undefined) {
    const fromJson = parseJson('cli-input-json', cliInputJson);
    if (!isObject(fromJson)) throw new ParamError('--cli-input-json', 'Invalid JSON received.');
    // Explicit flags win over --cli-input-json, member by member.
    for (const [k, v] of Object.entries(fromJson)) if (!(k in input)) input[k] = jsonBlobs(v, op.input[k], k, binaryFormat);
  } else {
    const missing = op.required.filter((m) => !(m in input) && m !== op.hoistZipInto).map((m) => `--${kebab(m)}`);
    if (op.outfile && parsed.positionals.length === 0) missing.push('outfile');
    if (missing.length > 0) throw new UsageError(`the following arguments are required: ${missing.join(', ')}`);
  }
  const expectedPositionals = op.outfile ? 1 : 0;
  if (parsed.positionals.length > expectedPositionals) {
    throw new UsageError(`Unknown options: ${parsed.positionals.slice(expectedPositionals).join(', ')}`);
  }
  validate(input, { t: 'structure', members: op.input, required: op.required }, 'input');
  return { input, pagination };
}

/** Blobs inside --cli-input-json are strings; ZipFile is taken as base64 (no one writes raw zip bytes in JSON). */
function jsonBlobs(value: unknown, shape: Shape | undefined, name: string, binaryFormat?: string): unknown {
  if (!shape || value === null || value === undefined) return value;
  if (shape.t === 'blob' && typeof value === 'string') {
    if (name === 'ZipFile') {
      const decoded = Buffer.from(value, 'base64');
      return isZip(decoded) ? decoded : Buffer.from(value, 'utf8');
    }
    return blobFrom(value, binaryFormat);
  }
  if (shape.t === 'structure' && isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonBlobs(v, shape.members[k], k, binaryFormat)]));
  }
  return value;
}

function pyType(v: unknown): string {
  if (v === null) return "<class 'NoneType'>";
  if (Array.isArray(v)) return "<class 'list'>";
  if (typeof v === 'string') return "<class 'str'>";
  if (typeof v === 'boolean') return "<class 'bool'>";
  if (typeof v === 'number') return Number.isInteger(v) ? "<class 'int'>" : "<class 'float'>";
  return "<class 'dict'>";
}

const VALID: Record<string, string> = {
  string: "<class 'str'>",
  integer: "<class 'int'>",
  double: "<class 'float'>, <class 'decimal.Decimal'>, <class 'int'>",
  boolean: "<class 'bool'>",
  blob: "<class 'bytes'>, <class 'bytearray'>, file-like object",
  structure: "<class 'dict'>",
  map: "<class 'dict'>",
  list: "<class 'list'>, <class 'tuple'>",
};

/** botocore's ParamValidator, with its messages. */
export function validate(value: unknown, shape: Shape, path: string): void {
  const problems: string[] = [];
  const walk = (v: unknown, s: Shape, p: string): void => {
    const bad = (): void => {
      problems.push(`Invalid type for parameter ${p}, value: ${JSON.stringify(v)}, type: ${pyType(v)}, valid types: ${VALID[s.t]}`);
    };
    switch (s.t) {
      case 'structure': {
        if (!isObject(v)) return bad();
        for (const r of s.required ?? []) if (!(r in v)) problems.push(`Missing required parameter in ${p}: "${r}"`);
        for (const [k, m] of Object.entries(v)) {
          const ms = s.members[k];
          if (!ms) problems.push(`Unknown parameter in ${p}: "${k}", must be one of: ${Object.keys(s.members).join(', ')}`);
          else walk(m, ms, p === 'input' ? k : `${p}.${k}`);
        }
        return;
      }
      case 'list':
        if (!Array.isArray(v)) return bad();
        v.forEach((m, i) => walk(m, s.member, `${p}[${i}]`));
        return;
      case 'map':
        if (!isObject(v)) return bad();
        for (const [k, m] of Object.entries(v)) walk(m, s.value, `${p}.${k}`);
        return;
      case 'string':
        if (typeof v !== 'string') bad();
        return;
      case 'integer':
        if (typeof v !== 'number' || !Number.isInteger(v)) bad();
        return;
      case 'double':
        if (typeof v !== 'number') bad();
        return;
      case 'boolean':
        if (typeof v !== 'boolean') bad();
        return;
      case 'blob':
        if (!(v instanceof Uint8Array) && typeof v !== 'string') bad();
        return;
    }
  };
  walk(value, shape, path);
  if (problems.length > 0) throw new ParamValidationError(problems);
}

/** `--generate-cli-skeleton`: the input with placeholder values, as the aws CLI prints it. */
export function skeleton(shape: Shape): unknown {
  switch (shape.t) {
    case 'structure':
      return Object.fromEntries(Object.entries(shape.members).map(([k, m]) => [k, skeleton(m)]));
    case 'list':
      return [skeleton(shape.member)];
    case 'map':
      return { KeyName: skeleton(shape.value) };
    case 'string':
      return shape.sample ?? '';
    case 'integer':
    case 'double':
      return 0;
    case 'boolean':
      return true;
    case 'blob':
      return null;
  }
}
