/**
 * CloudWatch Logs filter patterns (FilterLogEvents, `aws logs tail --filter-pattern`, `lambkin logs --filter`):
 *
 *   ""                         every event
 *   ERROR Exception            events containing both terms (case-sensitive substrings)
 *   "Task timed out"           an exact phrase
 *   ?ERROR ?WARN               either term
 *   ERROR -healthcheck         a term, but not another
 *   %[Ee]rror|fail%            a regular expression
 *   { $.level = "ERROR" }      JSON events: selectors, = != < > <= >=, && || and parentheses,
 *                              wildcards (`"*timeout*"`), IS NULL / IS TRUE / IS FALSE / NOT EXISTS
 *   [ip, user, ..., status = 5*, size > 1000]
 *                              space-delimited events: fields by position, `...` for any number
 *
 * `compileFilterPattern` parses once and returns a matcher; a malformed pattern throws FilterPatternError.
 */

export class FilterPatternError extends Error {}

export type Matcher = (message: string) => boolean;

export function compileFilterPattern(pattern: string | undefined): Matcher {
  const p = (pattern ?? '').trim();
  if (p === '' || p === '""' || p === '" "') return () => true;
  if (p.startsWith('{')) return compileJson(p);
  if (p.startsWith('[')) return compileDelimited(p);
  if (p.length >= 2 && p.startsWith('%') && p.endsWith('%')) {
    const re = regex(p.slice(1, -1));
    return (m) => re.test(m);
  }
  return compileTerms(p);
}

function regex(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new FilterPatternError(`Invalid regular expression: ${(err as Error).message}`);
  }
}

// ---------------------------------------------------------------- terms

interface Term { text: string; kind: 'all' | 'any' | 'not' }

function compileTerms(p: string): Matcher {
  const terms: Term[] = [];
  let i = 0;
  while (i < p.length) {
    if (/\s/.test(p[i])) { i++; continue; }
    let kind: Term['kind'] = 'all';
    if (p[i] === '?') { kind = 'any'; i++; }
    else if (p[i] === '-' && i + 1 < p.length && !/\s/.test(p[i + 1])) { kind = 'not'; i++; }
    let text = '';
    if (p[i] === '"') {
      const end = p.indexOf('"', i + 1);
      if (end < 0) throw new FilterPatternError('Unterminated quoted term');
      text = p.slice(i + 1, end);
      i = end + 1;
    } else {
      while (i < p.length && !/\s/.test(p[i])) text += p[i++];
    }
    if (text !== '') terms.push({ text, kind });
  }
  const all = terms.filter((t) => t.kind === 'all').map((t) => t.text);
  const any = terms.filter((t) => t.kind === 'any').map((t) => t.text);
  const not = terms.filter((t) => t.kind === 'not').map((t) => t.text);
  return (m) =>
    all.every((t) => m.includes(t)) && (any.length === 0 || any.some((t) => m.includes(t))) && !not.some((t) => m.includes(t));
}

// ---------------------------------------------------------------- shared: values and comparisons

type Op = '=' | '!=' | '<' | '>' | '<=' | '>=';

/** The right-hand side of a comparison. */
type Literal =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string; wildcard?: RegExp }
  | { kind: 'regex'; re: RegExp };

function literal(raw: string, quoted: boolean): Literal {
  if (!quoted && raw.length >= 2 && raw.startsWith('%') && raw.endsWith('%')) return { kind: 'regex', re: regex(raw.slice(1, -1)) };
  if (!quoted && /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) return { kind: 'number', value: Number(raw) };
  if (raw.includes('*')) {
    const re = new RegExp(`^${raw.split('*').map(escapeRe).join('.*')}$`, 's');
    return { kind: 'string', value: raw, wildcard: re };
  }
  return { kind: 'string', value: raw };
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compare(actual: unknown, op: Op, lit: Literal): boolean {
  if (actual === undefined) return false;
  if (lit.kind === 'number') {
    const n = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : NaN;
    if (Number.isNaN(n)) return op === '!=' && actual !== null && typeof actual !== 'object';
    switch (op) {
      case '=': return n === lit.value;
      case '!=': return n !== lit.value;
      case '<': return n < lit.value;
      case '>': return n > lit.value;
      case '<=': return n <= lit.value;
      case '>=': return n >= lit.value;
    }
  }
  if (actual === null || typeof actual === 'object') return false;
  const s = String(actual);
  let eq: boolean;
  if (lit.kind === 'regex') eq = lit.re.test(s);
  else eq = lit.wildcard ? lit.wildcard.test(s) : s === lit.value;
  if (op === '=') return eq;
  if (op === '!=') return !eq;
  // Ordering operators only make sense for numbers.
  return false;
}

// ---------------------------------------------------------------- JSON patterns

type Expr =
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'cmp'; path: PathStep[]; op: Op; lit: Literal }
  | { kind: 'is'; path: PathStep[]; what: 'null' | 'true' | 'false' | 'notExists' };

type PathStep = string | number | '*';

type Token = { t: 'sel' | 'str' | 'word' | 'op' | 'punct'; v: string };

function tokenizeJson(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '$') {
      let j = i + 1;
      while (j < src.length) {
        if (src[j] === '[') {
          const end = src.indexOf(']', j);
          if (end < 0) throw new FilterPatternError('Unterminated [ in selector');
          j = end + 1;
        } else if (/[\w.\-*@:]/.test(src[j])) j++;
        else break;
      }
      out.push({ t: 'sel', v: src.slice(i, j) });
      i = j;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\' && j + 1 < src.length) { s += src[j + 1]; j += 2; continue; }
        s += src[j++];
      }
      if (j >= src.length) throw new FilterPatternError('Unterminated string');
      out.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['&&', '||', '!=', '<=', '>='].includes(two)) {
      out.push({ t: two === '&&' || two === '||' ? 'punct' : 'op', v: two });
      i += 2;
      continue;
    }
    if ('=<>'.includes(c)) { out.push({ t: 'op', v: c }); i++; continue; }
    if ('(){}'.includes(c)) { out.push({ t: 'punct', v: c }); i++; continue; }
    if (c === '%') {
      const end = src.indexOf('%', i + 1);
      if (end < 0) throw new FilterPatternError('Unterminated regular expression');
      out.push({ t: 'word', v: src.slice(i, end + 1) });
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < src.length && !/[\s(){}=<>!&|"]/.test(src[j])) j++;
    if (j === i) throw new FilterPatternError(`Unexpected character '${c}'`);
    out.push({ t: 'word', v: src.slice(i, j) });
    i = j;
  }
  return out;
}

function parsePath(sel: string): PathStep[] {
  const steps: PathStep[] = [];
  let i = 1;
  while (i < sel.length) {
    if (sel[i] === '.') {
      let j = i + 1;
      while (j < sel.length && sel[j] !== '.' && sel[j] !== '[') j++;
      const name = sel.slice(i + 1, j);
      if (name === '') throw new FilterPatternError(`Invalid selector ${sel}`);
      steps.push(name === '*' ? '*' : name);
      i = j;
    } else if (sel[i] === '[') {
      const end = sel.indexOf(']', i);
      const inner = sel.slice(i + 1, end).trim();
      if (inner === '*') steps.push('*');
      else if (/^\d+$/.test(inner)) steps.push(Number(inner));
      else steps.push(inner.replace(/^['"]|['"]$/g, ''));
      i = end + 1;
    } else throw new FilterPatternError(`Invalid selector ${sel}`);
  }
  return steps;
}

/** Every value a path reaches (wildcards may reach several). */
function resolve(root: unknown, path: PathStep[]): unknown[] {
  let current: unknown[] = [root];
  for (const step of path) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object') continue;
      if (step === '*') next.push(...Object.values(v as Record<string, unknown>));
      else if (typeof step === 'number') {
        if (Array.isArray(v) && step < v.length) next.push(v[step]);
      } else if (!Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, step)) next.push((v as Record<string, unknown>)[step]);
    }
    current = next;
  }
  return current;
}

function compileJson(p: string): Matcher {
  const tokens = tokenizeJson(p);
  let pos = 0;
  const peek = () => tokens[pos];
  const expect = (v: string) => {
    if (tokens[pos]?.v !== v) throw new FilterPatternError(`Expected '${v}'`);
    pos++;
  };
  const parseOr = (): Expr => {
    let left = parseAnd();
    while (peek()?.v === '||') { pos++; left = { kind: 'or', left, right: parseAnd() }; }
    return left;
  };
  const parseAnd = (): Expr => {
    let left = parsePrimary();
    while (peek()?.v === '&&') { pos++; left = { kind: 'and', left, right: parsePrimary() }; }
    return left;
  };
  const parsePrimary = (): Expr => {
    const t = peek();
    if (!t) throw new FilterPatternError('Unexpected end of pattern');
    if (t.v === '(' && t.t === 'punct') {
      pos++;
      const e = parseOr();
      expect(')');
      return e;
    }
    if (t.t !== 'sel') throw new FilterPatternError(`Expected a selector, got '${t.v}'`);
    pos++;
    const path = parsePath(t.v);
    const next = peek();
    if (next?.t === 'word' && (next.v === 'IS' || next.v === 'NOT')) {
      pos++;
      const w = peek();
      pos++;
      if (next.v === 'NOT' && w?.v === 'EXISTS') return { kind: 'is', path, what: 'notExists' };
      if (next.v === 'IS' && w && ['NULL', 'TRUE', 'FALSE'].includes(w.v)) return { kind: 'is', path, what: w.v.toLowerCase() as 'null' | 'true' | 'false' };
      throw new FilterPatternError(`Unexpected '${next.v} ${w?.v ?? ''}'`);
    }
    if (next?.t !== 'op') throw new FilterPatternError('Expected a comparison operator');
    pos++;
    const v = peek();
    if (!v || (v.t !== 'str' && v.t !== 'word')) throw new FilterPatternError('Expected a value');
    pos++;
    return { kind: 'cmp', path, op: next.v as Op, lit: literal(v.v, v.t === 'str') };
  };
  expect('{');
  const expr = parseOr();
  expect('}');
  if (pos !== tokens.length) throw new FilterPatternError('Unexpected text after the closing }');

  const evaluate = (e: Expr, doc: unknown): boolean => {
    switch (e.kind) {
      case 'and': return evaluate(e.left, doc) && evaluate(e.right, doc);
      case 'or': return evaluate(e.left, doc) || evaluate(e.right, doc);
      case 'cmp': return resolve(doc, e.path).some((v) => compare(v, e.op, e.lit));
      case 'is': {
        const vs = resolve(doc, e.path);
        if (e.what === 'notExists') return vs.length === 0;
        return vs.some((v) => (e.what === 'null' ? v === null : v === (e.what === 'true')));
      }
    }
  };
  return (m) => {
    const s = m.trimStart();
    if (!s.startsWith('{') && !s.startsWith('[')) return false;
    let doc: unknown;
    try {
      doc = JSON.parse(m);
    } catch {
      return false;
    }
    return evaluate(expr, doc);
  };
}

// ---------------------------------------------------------------- space-delimited patterns

interface Field { name?: string; ellipsis?: boolean; lit?: Literal }
type Cond = { kind: 'and' | 'or'; left: Cond; right: Cond } | { kind: 'cmp'; field: string; op: Op; lit: Literal };

function compileDelimited(p: string): Matcher {
  if (!p.endsWith(']')) throw new FilterPatternError('A space-delimited pattern must end with ]');
  const items = splitTopLevel(p.slice(1, -1), ',');
  const fields: Field[] = [];
  const conds: Cond[] = [];
  items.forEach((raw, index) => {
    const item = raw.trim();
    if (item === '...') { fields.push({ ellipsis: true }); return; }
    if (item === '') throw new FilterPatternError('Empty field in pattern');
    const tokens = tokenizeJson(item.replace(/^([A-Za-z_][\w-]*)/, '$$.$1'));
    // A bare value (quoted string or literal) at this position.
    if (tokens.length === 1 && tokens[0].t !== 'sel') { fields.push({ lit: literal(tokens[0].v, tokens[0].t === 'str') }); return; }
    if (tokens.length === 1 && tokens[0].t === 'sel') { fields.push({ name: tokens[0].v.slice(2) }); return; }
    const first = tokens[0];
    if (first?.t !== 'sel') throw new FilterPatternError(`Invalid field ${item}`);
    const name = first.v.slice(2) || `$${index}`;
    fields.push({ name });
    conds.push(parseDelimitedCond(item));
  });

  const ellipses = fields.filter((f) => f.ellipsis).length;
  return (m) => {
    const values = splitEventFields(m);
    const bound = new Map<string, string>();
    const fits = (fi: number, vi: number): boolean => {
      if (fi === fields.length) return vi === values.length;
      const f = fields[fi];
      if (f.ellipsis) {
        for (let k = vi; k <= values.length; k++) if (fits(fi + 1, k)) return true;
        return false;
      }
      if (vi >= values.length) return false;
      if (f.lit && !compare(values[vi], '=', f.lit)) return false;
      if (f.name) bound.set(f.name, values[vi]);
      return fits(fi + 1, vi + 1);
    };
    if (ellipses === 0 && values.length !== fields.length) return false;
    if (!fits(0, 0)) return false;
    return conds.every((c) => evalCond(c, bound));
  };
}

function parseDelimitedCond(item: string): Cond {
  const parts = item.split(/(\|\||&&)/);
  // Left to right, && binding tighter than ||.
  const orParts: Cond[] = [];
  let current: Cond | undefined;
  for (let i = 0; i < parts.length; i += 2) {
    const m = /^\s*([A-Za-z_][\w-]*)\s*(!=|<=|>=|=|<|>)\s*(.+?)\s*$/.exec(parts[i]);
    if (!m) throw new FilterPatternError(`Invalid condition '${parts[i].trim()}'`);
    const quoted = m[3].startsWith('"') && m[3].endsWith('"') && m[3].length >= 2;
    const cmp: Cond = { kind: 'cmp', field: m[1], op: m[2] as Op, lit: literal(quoted ? m[3].slice(1, -1) : m[3], quoted) };
    const joiner = i === 0 ? undefined : parts[i - 1];
    if (joiner === '&&' && current) current = { kind: 'and', left: current, right: cmp };
    else {
      if (current) orParts.push(current);
      current = cmp;
    }
  }
  if (current) orParts.push(current);
  return orParts.reduce((l, r) => ({ kind: 'or', left: l, right: r }));
}

function evalCond(c: Cond, bound: Map<string, string>): boolean {
  switch (c.kind) {
    case 'and': return evalCond(c.left, bound) && evalCond(c.right, bound);
    case 'or': return evalCond(c.left, bound) || evalCond(c.right, bound);
    case 'cmp': return compare(bound.get(c.field), c.op, c.lit);
  }
}

/** Splits at `sep` outside quotes and brackets. */
function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '[' || c === '(' || c === '{')) depth++;
    else if (!quoted && (c === ']' || c === ')' || c === '}')) depth--;
    else if (!quoted && depth === 0 && c === sep) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** An event's fields: separated by spaces; "quoted" and [bracketed] runs are one field (without their delimiters). */
export function splitEventFields(m: string): string[] {
  const out: string[] = [];
  let i = 0;
  const s = m.replace(/\n$/, '');
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === '\t') { i++; continue; }
    const open = s[i];
    if (open === '"' || open === '[') {
      const close = open === '"' ? '"' : ']';
      const end = s.indexOf(close, i + 1);
      if (end >= 0) {
        out.push(s.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    let j = i;
    while (j < s.length && s[j] !== ' ' && s[j] !== '\t') j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}
