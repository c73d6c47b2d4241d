/**
 * Splits `lambkin lambda …` arguments the way the aws CLI's argparse setup does: global options
 * anywhere, the subcommand, one value per member flag (several for lists), boolean members as
 * `--x` / `--no-x`, `--flag=value`, and invoke's positional OUTFILE.
 */
import { UsageError } from './errors.js';
import { OPS, findOp, type OpDef } from './ops.js';
import { kebab, type Shape } from './shapes.js';

export interface Globals {
  endpointUrl?: string;
  region?: string;
  output?: string;
  query?: string;
  binaryFormat?: string;
  debug: boolean;
  noPaginate: boolean;
}

/** An option of the subcommand: a model member, or one the CLI adds (pagination, --zip-file…). */
export interface Arg {
  cli: string;
  member?: string;
  shape: Shape;
  /** Where the value goes when it is not a top-level member. */
  special?: 'zip-file' | 'cli-input-json' | 'max-items' | 'starting-token' | 'page-size' | 'skeleton';
}

export interface Parsed {
  op?: OpDef;
  help: boolean;
  version: boolean;
  globals: Globals;
  /** Raw values by CLI name (without `--`): string, string[] for lists, boolean for flags. */
  values: Map<string, string | string[] | boolean>;
  positionals: string[];
}

const GLOBAL_VALUE: Record<string, keyof Globals | null> = {
  'endpoint-url': 'endpointUrl',
  region: 'region',
  output: 'output',
  query: 'query',
  'cli-binary-format': 'binaryFormat',
  profile: null,
  color: null,
  'ca-bundle': null,
  'cli-read-timeout': null,
  'cli-connect-timeout': null,
};
const GLOBAL_FLAGS = new Set(['debug', 'no-verify-ssl', 'no-paginate', 'no-sign-request', 'no-cli-pager', 'cli-auto-prompt', 'no-cli-auto-prompt']);

/** The options a subcommand accepts, by CLI name. */
export function argTable(op: OpDef): Map<string, Arg> {
  const table = new Map<string, Arg>();
  for (const [member, shape] of Object.entries(op.input)) {
    if (op.paginated && (member === 'Marker' || member === 'MaxItems')) continue;
    if (op.hoistZipInto === member && shape.t === 'structure') {
      const { ZipFile: _zip, ...rest } = shape.members;
      table.set(kebab(member), { cli: kebab(member), member, shape: { ...shape, members: rest } });
      table.set('zip-file', { cli: 'zip-file', shape: { t: 'blob' }, special: 'zip-file' });
      continue;
    }
    table.set(kebab(member), { cli: kebab(member), member, shape });
  }
  if (op.paginated) {
    table.set('max-items', { cli: 'max-items', shape: { t: 'integer' }, special: 'max-items' });
    table.set('starting-token', { cli: 'starting-token', shape: { t: 'string' }, special: 'starting-token' });
    table.set('page-size', { cli: 'page-size', shape: { t: 'integer' }, special: 'page-size' });
  }
  table.set('cli-input-json', { cli: 'cli-input-json', shape: { t: 'string' }, special: 'cli-input-json' });
  table.set('generate-cli-skeleton', { cli: 'generate-cli-skeleton', shape: { t: 'string' }, special: 'skeleton' });
  return table;
}

const isOption = (tok: string): boolean => tok.startsWith('--') && tok.length > 2;

export function parseArgv(argv: string[]): Parsed {
  const parsed: Parsed = { help: false, version: false, globals: { debug: false, noPaginate: false }, values: new Map(), positionals: [] };
  let table: Map<string, Arg> | undefined;
  const unknown: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === '-h' || tok === '--help' || (tok === 'help' && (!parsed.op || parsed.positionals.length === 0))) {
      parsed.help = true;
      continue;
    }
    if (!isOption(tok)) {
      if (!parsed.op) {
        parsed.op = findOp(tok);
        if (!parsed.op) throw new UsageError(`argument operation: Invalid choice '${tok}', valid choices are:\n\n${choices()}`);
        table = argTable(parsed.op);
      } else parsed.positionals.push(tok);
      continue;
    }
    const eq = tok.indexOf('=');
    const name = eq > 0 ? tok.slice(2, eq) : tok.slice(2);
    const inline = eq > 0 ? tok.slice(eq + 1) : undefined;
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || isOption(next)) throw new UsageError(`argument --${name}: expected one argument`);
      i++;
      return next;
    };
    if (name === 'version') {
      parsed.version = true;
    } else if (name in GLOBAL_VALUE) {
      const key = GLOBAL_VALUE[name];
      const v = takeValue();
      if (key) (parsed.globals[key] as string) = v;
    } else if (GLOBAL_FLAGS.has(name)) {
      if (name === 'debug') parsed.globals.debug = true;
      if (name === 'no-paginate') parsed.globals.noPaginate = true;
    } else if (!table) {
      throw new UsageError(`the following arguments are required: operation (found ${tok} first)`);
    } else {
      const arg = table.get(name);
      const negated = !arg && name.startsWith('no-') ? table.get(name.slice(3)) : undefined;
      if (negated && negated.shape.t === 'boolean') {
        parsed.values.set(negated.cli, false);
      } else if (!arg) {
        unknown.push(tok);
      } else if (arg.special === 'skeleton') {
        // Optional value: `input` (default) or `output`.
        const next = inline ?? argv[i + 1];
        if (inline === undefined && (next === 'input' || next === 'output' || next === 'yaml-input')) i++;
        parsed.values.set(arg.cli, inline ?? (next === 'input' || next === 'output' || next === 'yaml-input' ? next : 'input'));
      } else if (arg.shape.t === 'boolean' && !arg.special) {
        parsed.values.set(arg.cli, inline === undefined ? true : inline.toLowerCase() !== 'false');
      } else if (arg.shape.t === 'list' && !arg.special) {
        const items = inline !== undefined ? [inline] : [];
        while (i + 1 < argv.length && !isOption(argv[i + 1])) items.push(argv[++i]);
        if (items.length === 0) throw new UsageError(`argument --${name}: expected at least one argument`);
        parsed.values.set(arg.cli, items);
      } else {
        parsed.values.set(arg.cli, takeValue());
      }
    }
  }
  if (unknown.length > 0) throw new UsageError(`Unknown options: ${unknown.join(', ')}`);
  return parsed;
}

export const choices = (): string => OPS.map((o) => `  ${o.name}`).join('\n');
