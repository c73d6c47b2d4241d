/**
 * Event filtering patterns (Lambda FilterCriteria, EventBridge's pattern grammar): a pattern is an
 * object whose leaves are arrays of matchers — literals, {prefix}, {suffix}, {equals-ignore-case},
 * {anything-but}, {numeric}, {exists}, {cidr}, {wildcard} — and which may use {"$or": [...]}.
 * A record matches a filter when every key of the pattern matches; FilterCriteria matches when
 * any of its filters does.
 */
export class FilterPatternError extends Error {
  constructor() {
    super('Invalid filter pattern definition.');
  }
}

type Matcher = (v: unknown) => boolean;
export type CompiledPattern = (event: unknown) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const fail = (): never => {
  throw new FilterPatternError();
};

export function compileFilter(pattern: string): CompiledPattern {
  let parsed: unknown;
  try {
    parsed = JSON.parse(pattern);
  } catch {
    fail();
  }
  if (!isObject(parsed)) fail();
  return compileObject(parsed as Record<string, unknown>);
}

function compileObject(p: Record<string, unknown>): CompiledPattern {
  const parts: ((event: Record<string, unknown> | undefined) => boolean)[] = [];
  for (const [key, spec] of Object.entries(p)) {
    if (key === '$or') {
      if (!Array.isArray(spec) || spec.length < 2) fail();
      const alternatives = (spec as unknown[]).map((s) => (isObject(s) ? compileObject(s) : fail()));
      parts.push((e) => alternatives.some((a) => a(e)));
    } else if (Array.isArray(spec)) {
      if (spec.length === 0) fail();
      const matchers = spec.map(compileMatcher);
      const onlyAbsent = matchers.map((m) => m.absent);
      parts.push((e) => {
        const v = e?.[key];
        if (v === undefined) return onlyAbsent.some(Boolean);
        const values = Array.isArray(v) ? v : [v];
        return matchers.some((m) => !m.absent && values.some((x) => m.test(x)));
      });
    } else if (isObject(spec)) {
      const inner = compileObject(spec);
      parts.push((e) => {
        const v = e?.[key];
        return inner(isObject(v) ? v : undefined);
      });
    } else {
      fail();
    }
  }
  if (parts.length === 0) fail();
  return (event) => parts.every((part) => part(isObject(event) ? event : undefined));
}

interface CompiledMatcher {
  test: Matcher;
  /** Matches a missing key ({"exists": false}). */
  absent?: boolean;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : fail());

function compileMatcher(m: unknown): CompiledMatcher {
  if (m === null) return { test: (v) => v === null };
  if (typeof m === 'string') return { test: (v) => v === m };
  if (typeof m === 'number') return { test: (v) => typeof v === 'number' && v === m };
  if (typeof m === 'boolean') return { test: (v) => v === m };
  if (!isObject(m)) return fail();
  const keys = Object.keys(m);
  if (keys.length !== 1) fail();
  const [op] = keys;
  const arg = m[op];
  switch (op) {
    case 'prefix':
      return { test: affix(arg, (v, s) => v.startsWith(s)) };
    case 'suffix':
      return { test: affix(arg, (v, s) => v.endsWith(s)) };
    case 'equals-ignore-case': {
      const s = str(arg).toLowerCase();
      return { test: (v) => typeof v === 'string' && v.toLowerCase() === s };
    }
    case 'wildcard':
      return { test: wildcard(str(arg)) };
    case 'exists':
      if (typeof arg !== 'boolean') fail();
      return arg ? { test: () => true } : { test: () => false, absent: true };
    case 'numeric':
      return { test: numeric(arg) };
    case 'cidr':
      return { test: cidr(str(arg)) };
    case 'anything-but':
      return { test: anythingBut(arg) };
    default:
      return fail();
  }
}

function affix(arg: unknown, f: (v: string, s: string) => boolean): Matcher {
  if (isObject(arg)) {
    if (Object.keys(arg).length !== 1 || !('equals-ignore-case' in arg)) fail();
    const s = str(arg['equals-ignore-case']).toLowerCase();
    return (v) => typeof v === 'string' && f(v.toLowerCase(), s);
  }
  const s = str(arg);
  return (v) => typeof v === 'string' && f(v, s);
}

function wildcard(p: string): Matcher {
  if (p.includes('**')) fail();
  const re = new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
  return (v) => typeof v === 'string' && re.test(v);
}

const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numeric(arg: unknown): Matcher {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) fail();
  const conds: [(a: number, b: number) => boolean, number][] = [];
  const list = arg as unknown[];
  for (let i = 0; i < list.length; i += 2) {
    const op = NUMERIC_OPS[String(list[i])];
    const n = list[i + 1];
    if (!op || typeof n !== 'number' || !Number.isFinite(n)) fail();
    conds.push([op, n as number]);
  }
  if (conds.length === 2 && (String(list[0]).startsWith('<') || String(list[2]).startsWith('>') || list[0] === '=' || list[2] === '=')) fail();
  return (v) => typeof v === 'number' && conds.every(([op, n]) => op(v, n));
}

function cidr(arg: string): Matcher {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(arg);
  if (!m) return fail();
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) fail();
  const toInt = (o: number[]) => ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  const net = (toInt(octets) & mask) >>> 0;
  return (v) => {
    if (typeof v !== 'string') return false;
    const a = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
    if (!a) return false;
    const o = a.slice(1, 5).map(Number);
    return o.every((x) => x <= 255) && ((toInt(o) & mask) >>> 0) === net;
  };
}

function anythingBut(arg: unknown): Matcher {
  if (Array.isArray(arg)) {
    if (arg.length === 0) fail();
    const values = arg as unknown[];
    if (!values.every((x) => typeof x === 'string') && !values.every((x) => typeof x === 'number')) fail();
    return (v) => (typeof v === 'string' || typeof v === 'number') && !values.includes(v);
  }
  if (typeof arg === 'string' || typeof arg === 'number') return (v) => (typeof v === 'string' || typeof v === 'number') && v !== arg;
  if (isObject(arg)) {
    const keys = Object.keys(arg);
    if (keys.length !== 1) fail();
    const [op] = keys;
    const inner = arg[op];
    if (op === 'prefix' || op === 'suffix') {
      const s = str(inner);
      return (v) => typeof v === 'string' && !(op === 'prefix' ? v.startsWith(s) : v.endsWith(s));
    }
    if (op === 'equals-ignore-case') {
      const list = (Array.isArray(inner) ? inner : [inner]).map((x) => str(x).toLowerCase());
      return (v) => typeof v === 'string' && !list.includes(v.toLowerCase());
    }
    if (op === 'wildcard') {
      const ms = (Array.isArray(inner) ? inner : [inner]).map((x) => wildcard(str(x)));
      return (v) => typeof v === 'string' && !ms.some((m) => m(v));
    }
  }
  return fail();
}

/** Compiles FilterCriteria.Filters; a record passes when any filter matches (or there are none). */
export function compileFilterCriteria(filters: { Pattern?: string }[] | undefined): CompiledPattern | undefined {
  if (!filters || filters.length === 0) return undefined;
  const compiled = filters.map((f) => (typeof f.Pattern === 'string' ? compileFilter(f.Pattern) : fail()));
  return (event) => compiled.some((c) => c(event));
}
