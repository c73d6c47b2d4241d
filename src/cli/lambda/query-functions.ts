/** JMESPath's built-in functions and value semantics (truthiness, equality) for `--query`. */

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const truthy = (v: unknown): boolean =>
  !(v === null || v === undefined || v === false || v === '' || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0));
export const equal = (a: unknown, b: unknown): boolean => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObj(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}
export function typeOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v; // string, number, boolean
}

export function callFunction(name: string, args: unknown[], applyExpref: (expref: unknown, item: unknown) => unknown): unknown {
  const [x, y] = args;
  const byExpr = (list: unknown, e: unknown) => (list as unknown[]).map((item) => [applyExpref(e, item), item] as const);
  switch (name) {
    case 'length':
      return typeof x === 'string' || Array.isArray(x) ? x.length : isObj(x) ? Object.keys(x).length : null;
    case 'keys':
      return isObj(x) ? Object.keys(x) : null;
    case 'values':
      return isObj(x) ? Object.values(x) : null;
    case 'sort':
      return Array.isArray(x) ? [...x].sort((p, q) => (p as number) < (q as number) ? -1 : (p as number) > (q as number) ? 1 : 0) : null;
    case 'sort_by':
      return Array.isArray(x) ? byExpr(x, y).sort((p, q) => ((p[0] as number) < (q[0] as number) ? -1 : (p[0] as number) > (q[0] as number) ? 1 : 0)).map((p) => p[1]) : null;
    case 'max_by':
    case 'min_by': {
      if (!Array.isArray(x) || x.length === 0) return null;
      const pairs = byExpr(x, y);
      return pairs.reduce((best, p) => ((name === 'max_by' ? (p[0] as number) > (best[0] as number) : (p[0] as number) < (best[0] as number)) ? p : best))[1];
    }
    case 'max':
    case 'min':
      return Array.isArray(x) && x.length > 0 ? x.reduce((p, q) => ((name === 'max' ? q > p : q < p) ? q : p)) : null;
    case 'sum':
      return Array.isArray(x) ? x.reduce((p: number, q) => p + (q as number), 0) : null;
    case 'avg':
      return Array.isArray(x) && x.length > 0 ? (x.reduce((p: number, q) => p + (q as number), 0) as number) / x.length : null;
    case 'reverse':
      return typeof x === 'string' ? [...x].reverse().join('') : Array.isArray(x) ? [...x].reverse() : null;
    case 'contains':
      return typeof x === 'string' ? x.includes(String(y)) : Array.isArray(x) ? x.some((e) => equal(e, y)) : null;
    case 'starts_with':
      return typeof x === 'string' && typeof y === 'string' ? x.startsWith(y) : null;
    case 'ends_with':
      return typeof x === 'string' && typeof y === 'string' ? x.endsWith(y) : null;
    case 'join':
      return Array.isArray(y) ? y.join(String(x)) : null;
    case 'to_string':
      return typeof x === 'string' ? x : JSON.stringify(x);
    case 'to_number':
      return typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' && !Number.isNaN(Number(x)) ? Number(x) : null;
    case 'to_array':
      return Array.isArray(x) ? x : [x];
    case 'type':
      return typeOf(x);
    case 'not_null':
      return args.find((e) => e !== null && e !== undefined) ?? null;
    case 'abs':
      return typeof x === 'number' ? Math.abs(x) : null;
    case 'floor':
      return typeof x === 'number' ? Math.floor(x) : null;
    case 'ceil':
      return typeof x === 'number' ? Math.ceil(x) : null;
    case 'merge':
      return Object.assign({}, ...args);
    case 'map':
      return Array.isArray(y) ? y.map((e) => applyExpref(x, e)) : null;
    default:
      throw new Error(`Unknown function: ${name}()`);
  }
}

