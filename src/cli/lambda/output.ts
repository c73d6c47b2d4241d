/**
 * Output like the aws CLI's: `json` is Python's json.dump(indent=4, ensure_ascii=False) (so
 * doubles print as `1.0`), `text` is awscli/text.py (tab-separated, upper-cased identifiers).
 */

/** Members whose numbers are doubles in the Lambda model (printed with a decimal point). */
const DOUBLE_MEMBERS = new Set(['AdditionalVersionWeights', 'ExecutionEnvironmentMemoryGiBPerVCpu']);

function pyFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : n < 0 ? '-Infinity' : 'NaN';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  // Python's repr switches to exponent form at 1e16 and below 1e-4, with a two-digit exponent.
  const abs = Math.abs(n);
  if (abs >= 1e16 || abs < 1e-4) {
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2').replace(/\.0e/, 'e');
  }
  return String(n);
}

export function toJson(value: unknown, indent = '', double = false): string {
  const inner = `${indent}    `;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return double ? pyFloat(value) : String(value);
  if (typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + toJson(v, inner, double)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const body = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner, double || DOUBLE_MEMBERS.has(k))}`);
  return `{\n${body.join(',\n')}\n${indent}}`;
}

const isDict = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isComplex = (v: unknown): boolean => typeof v === 'object' && v !== null;

function pyStr(v: unknown, double = false): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' && double) return pyFloat(v);
  return String(v);
}

export function toText(value: unknown): string {
  const out: string[] = [];
  formatText(value, out);
  return out.join('');
}

function formatText(item: unknown, out: string[], identifier?: string, scalarKeys?: string[], double = false): void {
  if (isDict(item)) formatDict(item, out, identifier, scalarKeys, double);
  else if (Array.isArray(item)) formatList(item, out, identifier, double);
  else out.push(`${pyStr(item, double)}\n`);
}

function formatList(item: unknown[], out: string[], identifier?: string, double = false): void {
  if (item.length === 0) return;
  if (item.some(isDict)) {
    const keys = new Set<string>();
    for (const el of item) if (isDict(el)) for (const [k, v] of Object.entries(el)) if (!isComplex(v)) keys.add(k);
    const all = [...keys].sort();
    for (const el of item) formatText(el, out, identifier, all, double);
  } else if (item.some(Array.isArray)) {
    const scalars = item.filter((el) => !isComplex(el));
    if (scalars.length > 0) formatScalarList(scalars, out, identifier, double);
    for (const el of item.filter(isComplex)) formatText(el, out, identifier, undefined, double);
  } else {
    formatScalarList(item, out, identifier, double);
  }
}

function formatScalarList(elements: unknown[], out: string[], identifier?: string, double = false): void {
  if (identifier !== undefined) for (const el of elements) out.push(`${identifier.toUpperCase()}\t${pyStr(el, double)}\n`);
  else out.push(`${elements.map((el) => pyStr(el, double)).join('\t')}\n`);
}

function formatDict(item: Record<string, unknown>, out: string[], identifier?: string, scalarKeys?: string[], double = false): void {
  const scalars: string[] = [];
  const nonScalars: [string, unknown][] = [];
  const sorted = Object.keys(item).sort();
  if (scalarKeys === undefined) {
    for (const k of sorted) {
      if (isComplex(item[k])) nonScalars.push([k, item[k]]);
      else scalars.push(pyStr(item[k], double || DOUBLE_MEMBERS.has(k)));
    }
  } else {
    for (const k of scalarKeys) scalars.push(k in item ? pyStr(item[k], double || DOUBLE_MEMBERS.has(k)) : '');
    for (const k of sorted) if (!scalarKeys.includes(k)) nonScalars.push([k, item[k]]);
  }
  if (scalars.length > 0) {
    if (identifier !== undefined) scalars.unshift(identifier.toUpperCase());
    out.push(`${scalars.join('\t')}\n`);
  }
  for (const [k, v] of nonScalars) formatText(v, out, k, undefined, double || DOUBLE_MEMBERS.has(k));
}

/** The response as the chosen --output prints it ('' for an empty response). */
export function render(value: unknown, format: string): string {
  if (format === 'text') return value === undefined ? '' : toText(value);
  if (isDict(value) && Object.keys(value).length === 0) return '';
  return `${toJson(value)}\n`;
}
