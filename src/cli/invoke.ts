/**
 * `lambkin invoke F [--event file.json | --payload '{…}'] [--qualifier Q]`: the friendly invoke.
 * Prints the function's result (pretty JSON when it is JSON) on stdout and the invocation's log
 * tail on stderr; exits 1 when the function returned an error.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describeCallError, makeClient } from './lambda/client.js';
import { CliError, EXIT_OTHER, EXIT_SERVICE, UsageError, reportError } from './lambda/errors.js';

export interface InvokeFlags {
  event?: string;
  payload?: string;
  qualifier?: string;
  async?: boolean;
  endpointUrl?: string;
  region?: string;
}

function readEvent(flags: InvokeFlags): Buffer {
  if (flags.event !== undefined && flags.payload !== undefined) throw new UsageError('use either --event or --payload, not both');
  if (flags.payload !== undefined) return Buffer.from(flags.payload);
  if (flags.event === undefined) return Buffer.from('{}');
  try {
    return readFileSync(flags.event === '-' ? 0 : flags.event);
  } catch (err) {
    throw new UsageError(`cannot read --event ${flags.event}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Pretty JSON if the bytes are JSON, else the text as it is. */
export function prettyPayload(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('utf8');
  if (text === '') return '';
  try {
    return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
  } catch {
    return text.endsWith('\n') ? text : `${text}\n`;
  }
}

export async function invoke(fn: string, flags: InvokeFlags): Promise<number> {
  try {
    const payload = readEvent(flags);
    const client = await makeClient(flags);
    try {
      const res = await client.lambda.send(
        new client.sdk.InvokeCommand({
          FunctionName: fn,
          Qualifier: flags.qualifier,
          Payload: payload,
          InvocationType: flags.async ? 'Event' : 'RequestResponse',
          LogType: flags.async ? undefined : 'Tail',
        }),
      );
      if (flags.async) {
        process.stderr.write(`queued (${res.StatusCode}), request id ${res.$metadata.requestId ?? '?'}\n`);
        return 0;
      }
      process.stdout.write(prettyPayload(res.Payload ?? new Uint8Array()));
      if (res.LogResult) {
        const logs = Buffer.from(res.LogResult, 'base64').toString('utf8');
        process.stderr.write(logs.endsWith('\n') ? logs : `${logs}\n`);
      }
      return res.FunctionError ? 1 : 0;
    } catch (err) {
      const d = describeCallError(err, 'Invoke', client.lastUrl());
      if (d) throw new CliError(d.message, d.service ? EXIT_SERVICE : EXIT_OTHER);
      throw err;
    } finally {
      client.lambda.destroy();
    }
  } catch (err) {
    return reportError(err);
  }
}

export function registerInvokeCommand(program: Command): void {
  program
    .command('invoke <function>')
    .description('invoke a function and print its result and log tail (exit 1 if the function failed)')
    .option('-e, --event <file>', 'JSON event from a file (- for stdin)')
    .option('-p, --payload <json>', 'JSON event inline')
    .option('-q, --qualifier <q>', 'version or alias')
    .option('--async', 'queue the event (InvocationType Event) instead of waiting for the result')
    .option('--endpoint-url <url>', 'Lambkin server (LAMBKIN_ENDPOINT, default http://127.0.0.1:9001)')
    .option('--region <region>', 'region (AWS_REGION, default us-east-1)')
    .action(async (fn: string, flags: InvokeFlags) => {
      process.exitCode = await invoke(fn, flags);
    });
}
