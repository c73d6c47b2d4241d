/**
 * `--query`: JMESPath (the language the aws CLI uses), a compact Pratt parser after the reference
 * implementation: fields, indexes, slices, projections (`[*]`, `*`, `[]`, `[?…]`), multiselects,
 * pipes, comparisons, `&&`/`||`/`!`, literals and the common functions.
 */
import { ParamError } from './errors.js';
import { callFunction, equal, isObj, truthy } from './query-functions.js';

type Node = { type: string; value?: unknown; children: Node[] };
type Token = { type: string; value?: unknown; pos: number };

const BP: Record<string, number> = {
  eof: 0, ident: 0, qident: 0, literal: 0, rbracket: 0, rparen: 0, comma: 0, rbrace: 0, number: 0, current: 0, expref: 0, colon: 0,
  pipe: 1, or: 2, and: 3, eq: 5, gt: 5, lt: 5, gte: 5, lte: 5, ne: 5, flatten: 9, star: 20, filter: 21, dot: 40, not: 45, lbrace: 50, lbracket: 55, lparen: 60,
};
const SIMPLE: Record<string, string> = { '.': 'dot', '*': 'star', ']': 'rbracket', ',': 'comma', ':': 'colon', '@': 'current', '(': 'lparen', ')': 'rparen', '{': 'lbrace', '}': 'rbrace' };

class QueryError extends Error {}
const node = (type: string, children: Node[] = [], value?: unknown): Node => ({ type, children, value });

function tokenize(src: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  const two = (a: string, t2: string, t1: string) => {
    if (src[i + 1] === a) {
      toks.push({ type: t2, pos: i });
      i += 2;
    } else {
      toks.push({ type: t1, pos: i });
      i++;
    }
  };
  const delimited = (q: string): string => {
    let j = i + 1;
    while (j < src.length && src[j] !== q) j += src[j] === '\\' ? 2 : 1;
    if (j >= src.length) throw new QueryError(`unterminated ${q} at ${i}`);
    const body = src.slice(i + 1, j);
    i = j + 1;
    return body;
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) i++;
    else if (SIMPLE[c]) toks.push({ type: SIMPLE[c], pos: i++ });
    else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))![0];
      toks.push({ type: 'ident', value: m, pos: i });
      i += m.length;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?\d+/.exec(src.slice(i));
      if (!m) throw new QueryError(`unexpected '-' at ${i}`);
      toks.push({ type: 'number', value: Number(m[0]), pos: i });
      i += m[0].length;
    } else if (c === '[') {
      if (src[i + 1] === ']') toks.push({ type: 'flatten', pos: (i += 2) - 2 });
      else if (src[i + 1] === '?') toks.push({ type: 'filter', pos: (i += 2) - 2 });
      else toks.push({ type: 'lbracket', pos: i++ });
    } else if (c === '"') {
      const pos = i;
      toks.push({ type: 'qident', value: JSON.parse(`"${delimited('"')}"`), pos });
    } else if (c === "'") {
      const pos = i;
      toks.push({ type: 'literal', value: delimited("'").replace(/\\'/g, "'"), pos });
    } else if (c === '`') {
      const pos = i;
      const raw = delimited('`').replace(/\\`/g, '`');
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw.trim(); // legacy: bare words are strings
      }
      toks.push({ type: 'literal', value, pos });
    } else if (c === '|') two('|', 'or', 'pipe');
    else if (c === '&') two('&', 'and', 'expref');
    else if (c === '!') two('=', 'ne', 'not');
    else if (c === '<') two('=', 'lte', 'lt');
    else if (c === '>') two('=', 'gte', 'gt');
    else if (c === '=' && src[i + 1] === '=') toks.push({ type: 'eq', pos: (i += 2) - 2 });
    else throw new QueryError(`unknown token '${c}' at ${i}`);
  }
  toks.push({ type: 'eof', pos: src.length });
  return toks;
}

class Parser {
  private k = 0;
  constructor(private readonly toks: Token[]) {}
  private get cur(): Token {
    return this.toks[this.k];
  }
  private advance(): Token {
    return this.toks[this.k++];
  }
  private expect(type: string): Token {
    if (this.cur.type !== type) throw new QueryError(`expected ${type}, found ${this.cur.type} at ${this.cur.pos}`);
    return this.advance();
  }
  parseAll(): Node {
    const n = this.expr(0);
    if (this.cur.type !== 'eof') throw new QueryError(`unexpected ${this.cur.type} at ${this.cur.pos}`);
    return n;
  }
  expr(bp: number): Node {
    let left = this.nud(this.advance());
    while (bp < BP[this.cur.type]) left = this.led(this.advance(), left);
    return left;
  }
  private nud(t: Token): Node {
    switch (t.type) {
      case 'literal':
        return node('literal', [], t.value);
      case 'ident':
      case 'qident':
        return node('field', [], t.value);
      case 'star':
        return node('valueProjection', [node('current'), this.projectionRhs(BP.star)]);
      case 'filter':
        return this.filter(node('current'));
      case 'lbrace':
        return this.multiHash();
      case 'lparen': {
        const e = this.expr(0);
        this.expect('rparen');
        return e;
      }
      case 'flatten':
        return node('projection', [node('flatten', [node('current')]), this.projectionRhs(BP.flatten)]);
      case 'not':
        return node('not', [this.expr(BP.not)]);
      case 'lbracket':
        if (this.cur.type === 'number' || this.cur.type === 'colon') return this.projectIfSlice(node('current'), this.indexExpr());
        if (this.cur.type === 'star' && this.toks[this.k + 1]?.type === 'rbracket') {
          this.k += 2;
          return node('projection', [node('current'), this.projectionRhs(BP.star)]);
        }
        return this.multiList();
      case 'current':
        return node('current');
      case 'expref':
        return node('expref', [this.expr(BP.expref)]);
      default:
        throw new QueryError(`unexpected ${t.type} at ${t.pos}`);
    }
  }
  private led(t: Token, left: Node): Node {
    switch (t.type) {
      case 'dot':
        if (this.cur.type === 'star') {
          this.advance();
          return node('valueProjection', [left, this.projectionRhs(BP.dot)]);
        }
        return node('subexpression', [left, this.dotRhs(BP.dot)]);
      case 'pipe':
      case 'or':
      case 'and':
        return node(t.type, [left, this.expr(BP[t.type])]);
      case 'lparen': {
        if (left.type !== 'field') throw new QueryError(`invalid function call at ${t.pos}`);
        const args: Node[] = [];
        while (this.cur.type !== 'rparen') {
          args.push(this.expr(0));
          if (this.cur.type === 'comma') this.advance();
        }
        this.expect('rparen');
        return node('function', args, left.value);
      }
      case 'filter':
        return this.filter(left);
      case 'flatten':
        return node('projection', [node('flatten', [left]), this.projectionRhs(BP.flatten)]);
      case 'lbracket':
        if (this.cur.type === 'number' || this.cur.type === 'colon') return this.projectIfSlice(left, this.indexExpr());
        this.expect('star');
        this.expect('rbracket');
        return node('projection', [left, this.projectionRhs(BP.star)]);
      case 'eq':
      case 'ne':
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte':
        return node('comparator', [left, this.expr(BP[t.type])], t.type);
      default:
        throw new QueryError(`unexpected ${t.type} at ${t.pos}`);
    }
  }
  private filter(left: Node): Node {
    const cond = this.expr(0);
    this.expect('rbracket');
    const right = this.cur.type === 'flatten' ? node('current') : this.projectionRhs(BP.filter);
    return node('filterProjection', [left, right, cond]);
  }
  private indexExpr(): Node {
    const parts: (number | undefined)[] = [undefined, undefined, undefined];
    let idx = 0;
    while (this.cur.type !== 'rbracket') {
      if (this.cur.type === 'colon') {
        idx++;
        if (idx > 2) throw new QueryError('too many colons in slice');
        this.advance();
      } else parts[idx] = this.expect('number').value as number;
    }
    this.expect('rbracket');
    return idx === 0 ? node('index', [], parts[0]) : node('slice', [], parts);
  }
  private projectIfSlice(left: Node, right: Node): Node {
    const ie = node('indexExpression', [left, right]);
    return right.type === 'slice' ? node('projection', [ie, this.projectionRhs(BP.star)]) : ie;
  }
  private projectionRhs(bp: number): Node {
    if (BP[this.cur.type] < 10) return node('current');
    if (this.cur.type === 'lbracket' || this.cur.type === 'filter') return this.expr(bp);
    if (this.cur.type === 'dot') {
      this.advance();
      return this.dotRhs(bp);
    }
    throw new QueryError(`unexpected ${this.cur.type} at ${this.cur.pos}`);
  }
  private dotRhs(bp: number): Node {
    const t = this.cur.type;
    if (t === 'ident' || t === 'qident' || t === 'star') return this.expr(bp);
    if (t === 'lbracket') {
      this.advance();
      return this.multiList();
    }
    if (t === 'lbrace') {
      this.advance();
      return this.multiHash();
    }
    throw new QueryError(`unexpected ${t} after '.' at ${this.cur.pos}`);
  }
  private multiList(): Node {
    const items: Node[] = [];
    for (;;) {
      items.push(this.expr(0));
      if (this.cur.type === 'rbracket') break;
      this.expect('comma');
    }
    this.expect('rbracket');
    return node('multiList', items);
  }
  private multiHash(): Node {
    const pairs: Node[] = [];
    for (;;) {
      const key = this.advance();
      if (key.type !== 'ident' && key.type !== 'qident') throw new QueryError(`expected a key at ${key.pos}`);
      this.expect('colon');
      pairs.push(node('pair', [this.expr(0)], key.value));
      if (this.cur.type === 'rbrace') break;
      this.expect('comma');
    }
    this.expect('rbrace');
    return node('multiHash', pairs);
  }
}

function evaluate(n: Node, v: unknown): unknown {
  const [a, b, c] = n.children;
  switch (n.type) {
    case 'literal':
      return n.value;
    case 'current':
      return v;
    case 'field':
      return isObj(v) ? (v[n.value as string] ?? null) : null;
    case 'subexpression':
      return evaluate(b, evaluate(a, v));
    case 'pipe':
      return evaluate(b, evaluate(a, v));
    case 'indexExpression':
      return evaluate(b, evaluate(a, v));
    case 'index': {
      if (!Array.isArray(v)) return null;
      const i = n.value as number;
      return v[i < 0 ? v.length + i : i] ?? null;
    }
    case 'slice': {
      if (!Array.isArray(v)) return null;
      const [start, stop, step = 1] = n.value as (number | undefined)[];
      if (step === 0) throw new QueryError('slice step cannot be 0');
      const len = v.length;
      const norm = (x: number | undefined, dflt: number) => (x === undefined ? dflt : x < 0 ? Math.max(x + len, step < 0 ? -1 : 0) : Math.min(x, step < 0 ? len - 1 : len));
      const out: unknown[] = [];
      const s = norm(start, step > 0 ? 0 : len - 1);
      const e = norm(stop, step > 0 ? len : -1);
      for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(v[i]);
      return out;
    }
    case 'projection':
    case 'valueProjection': {
      const base = evaluate(a, v);
      const list = n.type === 'projection' ? (Array.isArray(base) ? base : null) : isObj(base) ? Object.values(base) : null;
      if (!list) return null;
      return list.map((e) => evaluate(b, e)).filter((r) => r !== null && r !== undefined);
    }
    case 'filterProjection': {
      const base = evaluate(a, v);
      if (!Array.isArray(base)) return null;
      return base.filter((e) => truthy(evaluate(c, e))).map((e) => evaluate(b, e)).filter((r) => r !== null && r !== undefined);
    }
    case 'flatten': {
      const base = evaluate(a, v);
      return Array.isArray(base) ? base.flatMap((e) => (Array.isArray(e) ? e : [e])) : null;
    }
    case 'comparator': {
      const l = evaluate(a, v);
      const r = evaluate(b, v);
      if (n.value === 'eq') return equal(l, r);
      if (n.value === 'ne') return !equal(l, r);
      if (typeof l !== 'number' || typeof r !== 'number') return null;
      return n.value === 'lt' ? l < r : n.value === 'lte' ? l <= r : n.value === 'gt' ? l > r : l >= r;
    }
    case 'or': {
      const l = evaluate(a, v);
      return truthy(l) ? l : evaluate(b, v);
    }
    case 'and': {
      const l = evaluate(a, v);
      return truthy(l) ? evaluate(b, v) : l;
    }
    case 'not':
      return !truthy(evaluate(a, v));
    case 'multiList':
      return v === null || v === undefined ? null : n.children.map((ch) => evaluate(ch, v));
    case 'multiHash':
      return v === null || v === undefined ? null : Object.fromEntries(n.children.map((p) => [p.value as string, evaluate(p.children[0], v)]));
    case 'expref':
      return n;
    case 'function':
      return callFunction(
        n.value as string,
        n.children.map((ch) => (ch.type === 'expref' ? ch : evaluate(ch, v))),
        (expref, item) => evaluate((expref as Node).children[0], item),
      );
    default:
      throw new QueryError(`cannot evaluate ${n.type}`);
  }
}

export function search(expression: string, data: unknown): unknown {
  let ast: Node;
  try {
    ast = new Parser(tokenize(expression)).parseAll();
  } catch (err) {
    throw new ParamError('--query', `Bad value for --query ${expression}: ${(err as Error).message}`);
  }
  try {
    return evaluate(ast, data) ?? null;
  } catch (err) {
    throw new ParamError('--query', (err as Error).message);
  }
}
