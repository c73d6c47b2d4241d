/**
 * The aws CLI's shorthand syntax (`Variables={A=1,B=2}`, `Mode=Active`, `k=v,k2=v2`,
 * `SubnetIds=a,b,SecurityGroupIds=c`), ported from awscli/shorthand.py: a purely syntactic parse
 * into strings, lists and objects, then `coerce()` converts scalars per the model (the
 * BackCompatVisitor). One extension: keys may be quoted (`{"2"=0.1}`), as people often write them.
 */
import type { Shape } from './shapes.js';
import { readParamFile } from './paramfile.js';

export type Parsed = string | Parsed[] | { [k: string]: Parsed };

export class ShorthandError extends Error {}

const WS = /\s/;
const KEY_CHARS = /[a-zA-Z0-9\-_.#/:]/;
// Character classes of awscli's _FIRST_VALUE / _SECOND_VALUE regexes.
const START_WORD = String.raw`!#-&(-+\--<>-Z\\-z|-\uffff`;
const FIRST_FOLLOW = String.raw`\s!#-&(-+\--\\^-|~-\uffff`;
const SECOND_FOLLOW = String.raw`\s!#-&(-+\--<>-\uffff`;
const FIRST_VALUE = new RegExp(String.raw`^((\\,)|[${START_WORD}])((\\,)|[${FIRST_FOLLOW}])*`, 'u');
const SECOND_VALUE = new RegExp(String.raw`^((\\,)|[${START_WORD}])((\\,)|[${SECOND_FOLLOW}])*`, 'u');
const SINGLE_QUOTED = /^'(?:\\'|[^'])*'/;
const DOUBLE_QUOTED = /^"(?:\\"|[^"])*"/;

class Parser {
  private i = 0;
  private resolveFiles = false;
  constructor(private readonly input: string) {}

  parse(): { [k: string]: Parsed } {
    const params: { [k: string]: Parsed } = {};
    let [key, val] = this.keyval();
    params[key] = val;
    let last = this.i;
    while (this.i < this.input.length) {
      this.expect(',', true);
      [key, val] = this.keyval();
      if (key in params) {
        throw new ShorthandError(
          `Second instance of key "${key}" encountered for input:\n${this.location(last + 1)}\nThis is often because there is a preceding "," instead of a space.`,
        );
      }
      params[key] = val;
      last = this.i;
    }
    return params;
  }

  /** `key=` or `key@=` (the value names files to read), up to and including the `=`. */
  private keyBeforeEquals(): string {
    const key = this.key();
    this.resolveFiles = false;
    this.ws();
    if (this.cur() === '@') {
      this.i++;
      this.resolveFiles = true;
    }
    this.expect('=', true);
    return key;
  }

  private keyval(): [string, Parsed] {
    const key = this.keyBeforeEquals();
    return [key, this.values()];
  }

  private key(): string {
    const q = this.cur();
    if (q === '"' || q === "'") return this.quoted();
    const start = this.i;
    while (!this.eof() && KEY_CHARS.test(this.cur()!)) this.i++;
    return this.input.slice(start, this.i);
  }

  private values(): Parsed {
    if (this.eof()) return '';
    if (this.cur() === '[') return this.explicitList();
    if (this.cur() === '{') return this.hash();
    return this.csvValue();
  }

  private csvValue(): Parsed {
    const first = this.firstValue();
    this.ws();
    if (this.eof() || this.cur() !== ',') return first;
    this.expect(',', true);
    const items: string[] = [first];
    for (;;) {
      try {
        const v = this.secondValue();
        this.ws();
        if (this.eof()) {
          items.push(v);
          break;
        }
        this.expect(',', true);
        items.push(v);
      } catch (err) {
        if (!(err instanceof ShorthandError) || this.eof()) throw err;
        // `a=b,c=d`: what followed the comma was the next key; back up to that comma.
        while (this.i >= 0 && this.input[this.i] !== ',') this.i--;
        break;
      }
    }
    return items.length === 1 ? first : items;
  }

  private explicitList(): Parsed[] {
    this.expect('[', true);
    const out: Parsed[] = [];
    while (this.cur() !== ']') {
      if (this.eof()) this.fail(']');
      out.push(this.explicitValue());
      this.ws();
      if (this.cur() !== ']') {
        this.expect(',');
        this.ws();
      }
    }
    this.expect(']');
    return out;
  }

  private explicitValue(): Parsed {
    if (this.cur() === '[') return this.explicitList();
    if (this.cur() === '{') return this.hash();
    return this.firstValue();
  }

  private hash(): { [k: string]: Parsed } {
    this.expect('{', true);
    const out: { [k: string]: Parsed } = {};
    while (this.cur() !== '}') {
      if (this.eof()) this.fail('}');
      const key = this.keyBeforeEquals();
      const v = this.explicitValue();
      this.ws();
      if (this.cur() !== '}') {
        this.expect(',');
        this.ws();
      }
      out[key] = v;
    }
    this.expect('}');
    return out;
  }

  private firstValue(): string {
    const c = this.cur();
    if (c === "'" || c === '"') return this.files(this.quoted());
    const m = FIRST_VALUE.exec(this.input.slice(this.i));
    if (!m) return '';
    this.i += m[0].length;
    return this.files(m[0].replace(/\\,/g, ',').trimEnd());
  }

  private secondValue(): string {
    const c = this.cur();
    if (c === "'" || c === '"') return this.files(this.quoted());
    const m = SECOND_VALUE.exec(this.input.slice(this.i));
    if (!m) this.fail('<second>', '<none>');
    this.i += m[0].length;
    return this.files(m[0].replace(/\\,/g, ',').trimEnd());
  }

  private quoted(): string {
    const q = this.cur()!;
    const m = (q === "'" ? SINGLE_QUOTED : DOUBLE_QUOTED).exec(this.input.slice(this.i));
    if (!m) this.fail(q === "'" ? '<singled quoted>' : '<double quoted>', '<none>');
    this.i += m[0].length;
    return m[0].slice(1, -1).split(`\\${q}`).join(q).split('\\\\').join('\\');
  }

  private files(v: string): string {
    if (!this.resolveFiles) return v;
    const loaded = readParamFile(v);
    return loaded === undefined ? v : typeof loaded === 'string' ? loaded : loaded.toString('base64');
  }

  private expect(ch: string, ws = false): void {
    if (ws) this.ws();
    if (this.eof()) this.fail(ch, 'EOF');
    if (this.cur() !== ch) this.fail(ch, this.cur()!);
    this.i++;
    if (ws) this.ws();
  }

  private fail(expected: string, actual = this.eof() ? 'EOF' : this.cur()!): never {
    throw new ShorthandError(`Expected: '${expected}', received: '${actual}' for input:\n${this.location(this.i)}`);
  }

  private location(index: number): string {
    const before = this.input.slice(0, index);
    const nl = before.lastIndexOf('\n');
    const spaces = nl >= 0 ? index - nl - 1 : index;
    const next = this.input.indexOf('\n', index);
    const consumed = next >= 0 ? this.input.slice(0, next) : this.input;
    const remaining = next >= 0 ? this.input.slice(next) : '';
    return `${consumed}\n${' '.repeat(spaces)}^${remaining}`;
  }

  private cur(): string | undefined {
    return this.input[this.i];
  }
  private eof(): boolean {
    return this.i >= this.input.length;
  }
  private ws(): void {
    while (!this.eof() && WS.test(this.cur()!)) this.i++;
  }
}

export function parseShorthand(input: string): { [k: string]: Parsed } {
  return new Parser(input).parse();
}

/**
 * Applies the model to a parse result (awscli's BackCompatVisitor): a scalar where a list is
 * expected becomes a one-item list; integers, doubles and booleans are converted.
 */
export function coerce(value: unknown, shape: Shape): unknown {
  if (value === undefined || value === null) return value;
  switch (shape.t) {
    case 'structure': {
      if (!isObject(value)) return value;
      const out: Record<string, unknown> = { ...value };
      for (const [k, m] of Object.entries(shape.members)) if (k in out) out[k] = coerce(out[k], m);
      return out;
    }
    case 'list':
      return Array.isArray(value) ? value.map((v) => coerce(v, shape.member)) : [coerce(value, shape.member)];
    case 'map':
      return isObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerce(v, shape.value)])) : value;
    case 'integer':
      return typeof value === 'string' ? toInt(value) : value;
    case 'double':
      return typeof value === 'string' ? toDouble(value) : value;
    case 'boolean':
      if (typeof value !== 'string') return value;
      if (value.toLowerCase() === 'true') return true;
      if (value.toLowerCase() === 'false') return false;
      return value;
    default:
      return value;
  }
}

export function toInt(v: string): number {
  const t = v.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new ShorthandError(`invalid literal for int() with base 10: '${v}'`);
  return Number(t);
}

export function toDouble(v: string): number {
  const t = v.trim();
  const n = Number(t);
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) || !Number.isFinite(n)) {
    throw new ShorthandError(`could not convert string to float: '${v}'`);
  }
  return n;
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
