/** Runs one `lambkin lambda <op>` command line: parse, call the server, print, exit code. */
import { writeFileSync } from 'node:fs';
import { argTable, choices, parseArgv } from './argv.js';
import { describeCallError, makeClient, type Client } from './client.js';
import { CliError, EXIT_OTHER, EXIT_SERVICE, ParamError, UsageError, reportError } from './errors.js';
import type { OpDef } from './ops.js';
import { render, toJson } from './output.js';
import { buildInput, skeleton, type Pagination } from './params.js';
import { search } from './query.js';
import { kebab } from './shapes.js';

type Response = Record<string, unknown>;
type Send = (input: Record<string, unknown>) => Promise<Response>;

/** Invoke's response members in model order (the SDK fills header members in its own order). */
const INVOKE_ORDER = ['StatusCode', 'FunctionError', 'LogResult', 'ExecutedVersion', 'DurableExecutionArn'];

export async function runLambda(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  try {
    const parsed = parseArgv(argv);
    if (parsed.version) {
      out.write('lambkin 0.1.0 (aws-cli compatible lambda commands)\n');
      return 0;
    }
    const op = parsed.op;
    if (parsed.help || !op) {
      if (!op && !parsed.help) throw new UsageError('the following arguments are required: operation');
      out.write(op ? synopsis(op) : `lambkin lambda <operation> [parameters]\n\nOperations:\n${choices()}\n`);
      return 0;
    }
    const table = argTable(op);
    const skel = parsed.values.get('generate-cli-skeleton');
    if (skel !== undefined) {
      if (skel !== 'input') throw new ParamError('--generate-cli-skeleton', `only "input" skeletons are supported, not "${String(skel)}"`);
      out.write(`${toJson(skeleton({ t: 'structure', members: op.input }))}\n`);
      return 0;
    }
    const format = parsed.globals.output ?? process.env.AWS_DEFAULT_OUTPUT ?? 'json';
    if (format !== 'json' && format !== 'text') {
      throw new UsageError(`argument --output: Invalid choice, valid choices are:\n\njson | text`);
    }
    const { input, pagination } = buildInput(op, parsed, table);
    const client = await makeClient(parsed.globals);
    const send = sender(client, op);
    let result: Response;
    try {
      result = op.paginated ? await paginate(send, input, op.paginated, pagination, parsed.globals.noPaginate) : await send(input);
    } catch (err) {
      const d = describeCallError(err, op.operation, client.lastUrl());
      if (d) throw new CliError(d.message, d.service ? EXIT_SERVICE : EXIT_OTHER);
      throw err;
    } finally {
      client.lambda.destroy();
    }
    if (op.outfile) result = saveInvokePayload(result, parsed.positionals[0]);
    if (parsed.globals.query !== undefined) {
      out.write(render(search(parsed.globals.query, result), format));
    } else if (format === 'text' && typeof result.NextToken === 'string') {
      // The aws CLI prints the resume token last, as its own NEXTTOKEN row.
      const { NextToken, ...rest } = result;
      out.write(render(rest, format) + render({ NextToken: { NextToken } }, format));
    } else {
      out.write(render(result, format));
    }
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

function sender(client: Client, op: OpDef): Send {
  const Command = client.sdk[`${op.operation}Command` as keyof typeof client.sdk] as unknown as new (input: unknown) => never;
  if (typeof Command !== 'function') throw new CliError(`the SDK has no ${op.operation}Command`, EXIT_OTHER);
  return async (input) => {
    const res = (await client.lambda.send(new Command(input))) as unknown as Response;
    return clean(res);
  };
}

/** Drops `$metadata`, unset members and blobs (the aws CLI never prints blobs). */
function clean(res: Response): Response {
  const out: Response = {};
  for (const [k, v] of Object.entries(res)) {
    if (k === '$metadata' || v === undefined) continue;
    out[k] = v;
  }
  return out;
}

function saveInvokePayload(res: Response, outfile: string): Response {
  const payload = res.Payload as Uint8Array | undefined;
  writeFileSync(outfile, payload ?? new Uint8Array());
  const ordered: Response = {};
  for (const k of INVOKE_ORDER) if (res[k] !== undefined) ordered[k] = res[k];
  for (const [k, v] of Object.entries(res)) if (!(k in ordered) && k !== 'Payload' && !(v instanceof Uint8Array)) ordered[k] = v;
  return ordered;
}

/** botocore's paginator tokens: base64 of Python's json.dumps of the resume state. */
function encodeToken(marker: string | undefined, truncate?: number): string {
  const m = marker === undefined ? 'null' : JSON.stringify(marker);
  const json = truncate ? `{"Marker": ${m}, "boto_truncate_amount": ${truncate}}` : `{"Marker": ${m}}`;
  return Buffer.from(json).toString('base64');
}

function decodeToken(token: string): { marker?: string; truncate: number } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { Marker?: string | null; boto_truncate_amount?: number };
    return { marker: parsed.Marker ?? undefined, truncate: parsed.boto_truncate_amount ?? 0 };
  } catch {
    throw new ParamError('--starting-token', `Invalid starting token: ${token}`);
  }
}

/** The aws CLI's automatic pagination (--max-items, --starting-token, --page-size, --no-paginate). */
async function paginate(send: Send, input: Response, resultKey: string, p: Pagination, noPaginate: boolean): Promise<Response> {
  if (noPaginate) return send({ ...input, ...(p.pageSize !== undefined && { MaxItems: p.pageSize }) });
  let { marker, truncate } = p.startingToken ? decodeToken(p.startingToken) : { marker: input.Marker as string | undefined, truncate: 0 };
  const items: unknown[] = [];
  let nextToken: string | undefined;
  for (let first = true; ; first = false) {
    const page = await send({ ...input, Marker: marker, MaxItems: p.pageSize ?? input.MaxItems });
    let list = (page[resultKey] as unknown[] | undefined) ?? [];
    const skipped = first ? truncate : 0;
    if (skipped) list = list.slice(skipped);
    const next = page.NextMarker as string | undefined;
    if (p.maxItems !== undefined && items.length + list.length >= p.maxItems) {
      const take = p.maxItems - items.length;
      items.push(...list.slice(0, take));
      if (take < list.length) nextToken = encodeToken(marker, take + skipped);
      else if (next) nextToken = encodeToken(next);
      break;
    }
    items.push(...list);
    if (!next) break;
    marker = next;
  }
  return { [resultKey]: items, ...(nextToken && { NextToken: nextToken }) };
}

function synopsis(op: OpDef): string {
  const lines = [op.name];
  for (const [cli, arg] of argTable(op)) {
    const required = arg.member !== undefined && op.required.includes(arg.member);
    const text = arg.shape.t === 'boolean' && !arg.special ? `--${cli} | --no-${cli}` : `--${cli} <value>`;
    lines.push(required ? `  ${text}` : `  [${text}]`);
  }
  if (op.outfile) lines.push('  <outfile>');
  lines.push('', 'Global: --endpoint-url, --region, --output json|text, --query, --cli-binary-format, --no-paginate, --debug');
  lines.push(`Flags are the API members in kebab-case (e.g. ${kebab('FunctionName')}); values take the aws CLI shorthand, JSON, file:// or fileb://.`);
  return `${lines.join('\n')}\n`;
}
