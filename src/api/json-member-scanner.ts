/**
 * Streams a JSON document and takes one string member out of it on the way: the value at `path`
 * (e.g. `Code.ZipFile`) goes, unescaped, to `onChars` piece by piece, and everything else is kept
 * (as the original bytes, with that string replaced by `""` and runs of whitespace between tokens
 * collapsed to one space) to be parsed normally by JSON.parse once the body is in. So a 70 MB
 * CreateFunction body never has to be one string in memory. Only what tells keys, strings and
 * nesting apart is tracked here; whether the rest is valid JSON is left to JSON.parse.
 */

export class JsonScanError extends Error {}
/** The document without the member is larger than allowed. */
export class RestTooLargeError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SIMPLE_ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };
const PLAIN_BASE64 = /^[A-Za-z0-9+/=]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f]/;

interface Container {
  object: boolean;
  /** The key this container is the value of (in an object), if any. */
  key?: string;
}

type Mode = 'between' | 'key' | 'string' | 'member';

export class JsonMemberScanner {
  private mode: Mode = 'between';
  private escaped = false;
  /** Inside the member: an escape being read (`\`, `\u`, `\u0`…), else ''. */
  private escape = '';
  private readonly stack: Container[] = [];
  private expectKey = false;
  private lastKey: string | undefined;
  private keyBytes: Buffer[] = [];
  private readonly rest: Buffer[] = [];
  private restBytes = 0;
  private lastWasSpace = false;
  private offset = 0;
  /** How many times the member was found (a duplicate key replaces the earlier value). */
  found = 0;

  constructor(
    private readonly path: readonly string[],
    private readonly restLimit: number,
    /** A new value of the member starts (discard any earlier one). */
    private readonly onStart: () => void,
    /** Characters of the member's value (one char per byte for raw bytes, latin1). */
    private readonly onChars: (text: string) => void,
  ) {}

  write(chunk: Buffer): void {
    let i = 0;
    let copyFrom = 0; // start of the bytes of this chunk still to be kept
    const keep = (end: number) => {
      if (end > copyFrom) this.keepBytes(chunk.subarray(copyFrom, end));
    };
    while (i < chunk.length) {
      if (this.mode === 'member') {
        i = this.member(chunk, i);
        copyFrom = i;
        continue;
      }
      const c = chunk[i];
      if (this.mode === 'key' || this.mode === 'string') {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          if (this.mode === 'key') {
            this.keyBytes.push(chunk.subarray(copyFrom, i));
            this.lastKey = decodeKey(Buffer.concat(this.keyBytes));
            this.keyBytes = [];
          }
          this.mode = 'between';
        }
        i++;
        if (this.mode === 'between') {
          keep(i);
          copyFrom = i;
        }
        continue;
      }
      // Between tokens.
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        keep(i);
        if (!this.lastWasSpace) this.keepBytes(SPACE);
        i++;
        copyFrom = i;
        continue;
      }
      const top = this.stack[this.stack.length - 1];
      if (c === QUOTE) {
        if (top?.object && this.expectKey) {
          keep(i + 1);
          this.mode = 'key';
          this.keyBytes = [];
          i++;
          copyFrom = i;
          continue;
        }
        if (top?.object && this.isMember()) {
          keep(i);
          this.keepBytes(EMPTY_STRING);
          this.mode = 'member';
          this.escape = '';
          this.found++;
          this.onStart();
          i++;
          copyFrom = i;
          continue;
        }
        this.mode = 'string';
      } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        this.stack.push({ object: c === 0x7b, key: top?.object ? this.lastKey : undefined });
        this.expectKey = c === 0x7b;
        this.lastKey = undefined;
      } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        this.stack.pop();
        this.expectKey = false;
      } else if (c === 0x3a /* : */) {
        this.expectKey = false;
      } else if (c === 0x2c /* , */) {
        if (top?.object) {
          this.expectKey = true;
          this.lastKey = undefined;
        }
      }
      this.lastWasSpace = false;
      i++;
    }
    if (this.mode === 'key') this.keyBytes.push(chunk.subarray(copyFrom));
    if (this.mode !== 'member') keep(chunk.length);
    this.offset += chunk.length;
  }

  /** The document without the member, as text. */
  end(): string {
    return Buffer.concat(this.rest).toString('utf8');
  }

  private isMember(): boolean {
    const p = this.path;
    if (this.stack.length !== p.length || this.lastKey !== p[p.length - 1]) return false;
    for (let d = 1; d < p.length; d++) if (this.stack[d].key !== p[d - 1]) return false;
    return true;
  }

  /** Reads the member's value from `i`; returns where it stopped (the chunk's end, or after the closing quote). */
  private member(chunk: Buffer, i: number): number {
    while (i < chunk.length) {
      if (this.escape !== '') {
        i = this.readEscape(chunk, i);
        continue;
      }
      let j = chunk.indexOf(QUOTE, i);
      const b = chunk.indexOf(BACKSLASH, i);
      if (j === -1) j = chunk.length;
      if (b !== -1 && b < j) j = b;
      if (j > i) {
        const text = chunk.toString('latin1', i, j);
        if (!PLAIN_BASE64.test(text) && CONTROL.test(text)) {
          throw new JsonScanError(`Bad control character in string literal in JSON at position ${this.offset + i + text.search(CONTROL)}`);
        }
        this.onChars(text);
      }
      if (j === chunk.length) return j;
      if (chunk[j] === QUOTE) {
        this.mode = 'between';
        this.lastWasSpace = false;
        return j + 1;
      }
      this.escape = '\\';
      i = j + 1;
    }
    return i;
  }

  private readEscape(chunk: Buffer, i: number): number {
    const c = chunk[i];
    if (this.escape === '\\') {
      const simple = SIMPLE_ESCAPES[c];
      if (simple !== undefined) {
        this.escape = '';
        this.onChars(simple);
      } else if (c === 0x75 /* u */) this.escape = '\\u';
      else throw new JsonScanError(`Bad escaped character in JSON at position ${this.offset + i}`);
      return i + 1;
    }
    const ch = String.fromCharCode(c);
    if (!/[0-9a-fA-F]/.test(ch)) throw new JsonScanError(`Bad Unicode escape in JSON at position ${this.offset + i}`);
    this.escape += ch;
    if (this.escape.length === 6) {
      this.onChars(String.fromCharCode(parseInt(this.escape.slice(2), 16)));
      this.escape = '';
    }
    return i + 1;
  }

  private keepBytes(b: Buffer): void {
    if (b.length === 0) return;
    this.restBytes += b.length;
    if (this.restBytes > this.restLimit) throw new RestTooLargeError();
    this.rest.push(b === SPACE || b === EMPTY_STRING ? b : Buffer.from(b));
    this.lastWasSpace = b === SPACE;
  }
}

const SPACE = Buffer.from(' ');
const EMPTY_STRING = Buffer.from('""');

/** A key as JSON.parse would read it (escapes decoded); undecodable keys match nothing. */
function decodeKey(raw: Buffer): string | undefined {
  if (!raw.includes(BACKSLASH)) return raw.toString('utf8');
  try {
    return JSON.parse(`"${raw.toString('utf8')}"`) as string;
  } catch {
    return undefined;
  }
}
