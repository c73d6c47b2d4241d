/**
 * `lambkin deploy DIR --function-name F`: package a directory, create or update the function, publish
 * a version and point an alias at it — fully, or as a canary (`--canary 10%` keeps the alias on the
 * current version and routes 10% of invocations to the new one; `--promote` or a later deploy without
 * `--canary` moves it fully). Talks to the server with @aws-sdk/client-lambda, like any AWS client.
 *
 * Progress goes to stderr, one line per step with its duration (redrawn in place on a terminal); the
 * result goes to stdout (`--json` for a machine-readable object).
 *
 * The packer here is deliberately small (sorted entries, fixed timestamps, files 0644 or 0755 when
 * executable, directories 0755, in-tree relative symlinks kept). It should be folded into
 * `lambkin package`'s packer once that lands on main.
 */
import { createHash } from 'node:crypto';


import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { collectEntries, PackageError, zipEntries, type Entry } from './package.js';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type AliasConfiguration,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9001';
const DEFAULT_ROLE = 'arn:aws:iam::000000000000:role/lambkin-deploy';
const ZIP_LIMIT = 52_428_800;
/** Zip (DOS) timestamps have no zone and start in 1980: a fixed local date keeps the bytes stable. */

export class DeployError extends Error {}

// ---------------------------------------------------------------------------------------------
// Packaging

export interface PackedZip {
  zip: Buffer;
  /** base64(SHA-256(zip)): what the server reports as CodeSha256. */
  codeSha256: string;
  files: number;
}

/** Zips `root` deterministically (the same packer as `lambkin package`), in memory. */
export async function packDirectory(root: string): Promise<PackedZip> {
  let entries: Entry[];
  try {
    entries = collectEntries(root).entries;
  } catch (err) {
    if (err instanceof PackageError) throw new DeployError(err.message);
    throw err;
  }
  const files = entries.filter((e) => e.kind !== 'dir').length;
  if (files === 0) throw new DeployError(`${root} has no files to deploy`);
  const chunks: Buffer[] = [];
  for await (const c of zipEntries(entries) as AsyncIterable<Buffer>) chunks.push(c);
  const bytes = Buffer.concat(chunks);
  if (bytes.length > ZIP_LIMIT) throw new DeployError(`the package is ${bytes.length} bytes; Lambda accepts at most ${ZIP_LIMIT} zipped`);
  return { zip: bytes, codeSha256: createHash('sha256').update(bytes).digest('base64'), files };
}

// ---------------------------------------------------------------------------------------------
// Progress display

/** One line per step: redrawn in place while running on a TTY, printed once when done otherwise. */
export class Progress {
  private readonly tty: boolean;
  private readonly quiet: boolean;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean }, opts: { quiet?: boolean } = {}) {
    this.tty = out.isTTY === true && !opts.quiet;
    this.quiet = opts.quiet === true;
  }

  async step<T>(label: string, run: () => Promise<T>, describe?: (result: T) => string): Promise<T> {
    const start = performance.now();
    if (this.tty) this.out.write(`  \u2026 ${label}`);
    try {
      const result = await run();
      this.finish('ok', label, describe ? describe(result) : '', performance.now() - start);
      return result;
    } catch (err) {
      this.finish('failed', label, err instanceof Error ? err.message : String(err), performance.now() - start);
      throw err;
    }
  }

  /** A line for something decided without a call (e.g. "code unchanged"). */
  note(label: string, text: string): void {
    this.finish('ok', label, text, undefined);
  }

  private finish(status: 'ok' | 'failed', label: string, detail: string, ms: number | undefined): void {
    if (this.quiet) return;
    const time = ms === undefined ? '' : ` (${formatMs(ms)})`;
    const body = `${label.padEnd(9)} ${status === 'failed' ? 'FAILED: ' : ''}${detail}${time}`;
    if (this.tty) this.out.write(`\r\x1b[2K  ${status === 'ok' ? '\u2713' : '\u2717'} ${body}\n`);
    else this.out.write(`${body}\n`);
  }
}

const formatMs = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

const formatBytes = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;

// ---------------------------------------------------------------------------------------------
// The deployment

export interface DeployOptions {
  dir?: string;
  functionName: string;
  runtime?: string;
  handler?: string;
  role?: string;
  description?: string;
  /** Alias to point at the new version; undefined = don't touch aliases. */
  alias?: string;
  /** Share (0 < w < 1) of the alias's invocations for the new version; the rest stay on the current one. */
  canaryWeight?: number;
  promote?: boolean;
  /** How long to wait for the function to become Active / the update to finish. */
  waitTimeoutMs?: number;
}

export interface DeployResult {
  functionName: string;
  functionArn: string;
  created: boolean;
  codeUpdated: boolean;
  configUpdated: boolean;
  codeSha256?: string;
  /** The version this deployment published (or found unchanged). */
  version?: string;
  alias?: { name: string; aliasArn: string; functionVersion: string; additionalVersionWeights?: Record<string, number> };
}

const isNotFound = (err: unknown): boolean => (err as { name?: string })?.name === 'ResourceNotFoundException';

async function getConfig(client: LambdaClient, name: string, qualifier?: string): Promise<FunctionConfiguration | undefined> {
  try {
    return await client.send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: qualifier }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Polls until the function is Active and no update is in progress (AWS's function_active_v2 + function_updated_v2). */
export async function waitUntilReady(client: LambdaClient, name: string, timeoutMs: number): Promise<FunctionConfiguration> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    const c = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (c.State === 'Failed') throw new DeployError(`the function failed to become active: ${c.StateReason ?? c.StateReasonCode ?? 'no reason given'}`);
    if (c.LastUpdateStatus === 'Failed') {
      throw new DeployError(`the update failed: ${c.LastUpdateStatusReason ?? c.LastUpdateStatusReasonCode ?? 'no reason given'}`);
    }
    if (c.State === 'Active' && c.LastUpdateStatus !== 'InProgress') return c;
    if (Date.now() + delay > deadline) throw new DeployError(`the function is still ${c.State}/${c.LastUpdateStatus ?? '-'} after ${formatMs(timeoutMs)}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

const weightsOf = (a: AliasConfiguration): Record<string, number> => (a.RoutingConfig?.AdditionalVersionWeights ?? {}) as Record<string, number>;

function describeAlias(a: AliasConfiguration): string {
  const extra = Object.entries(weightsOf(a));
  if (extra.length === 0) return `${a.Name} \u2192 ${a.FunctionVersion}`;
  const [v, w] = extra[0];
  const pct = (x: number) => `${Math.round(x * 10000) / 100}%`;
  return `${a.Name} \u2192 ${a.FunctionVersion} (${pct(1 - w)}) + ${v} (${pct(w)})`;
}

export async function deploy(client: LambdaClient, opts: DeployOptions, progress: Progress): Promise<DeployResult> {
  const name = opts.functionName;
  const waitMs = opts.waitTimeoutMs ?? 300_000;
  const result: DeployResult = { functionName: name, functionArn: '', created: false, codeUpdated: false, configUpdated: false };
  let published: FunctionConfiguration | undefined;

  if (opts.dir !== undefined) {
    const dir = opts.dir;
    const pkg = await progress.step('package', () => packDirectory(dir), (p) =>
      `${dir} \u2192 ${formatBytes(p.zip.length)}, ${p.files} file${p.files === 1 ? '' : 's'}, CodeSha256 ${p.codeSha256}`);
    result.codeSha256 = pkg.codeSha256;

    const current = await progress.step('lookup', () => getConfig(client, name), (c) =>
      c ? `${c.FunctionArn} (${c.Runtime ?? 'no runtime'}, ${c.State})` : `${name} does not exist yet`);

    if (!current) {
      if (!opts.runtime || !opts.handler) {
        throw new DeployError(`${name} does not exist: --runtime and --handler are needed to create it`);
      }
      const created = await progress.step('create', () =>
        client.send(new CreateFunctionCommand({
          FunctionName: name,
          Runtime: opts.runtime as never,
          Handler: opts.handler,
          Role: opts.role ?? DEFAULT_ROLE,
          Code: { ZipFile: pkg.zip },
        })), (c) => `${c.FunctionArn} (${c.Runtime})`);
      result.created = true;
      result.functionArn = created.FunctionArn ?? '';
    } else {
      result.functionArn = current.FunctionArn ?? '';
      const config: { Runtime?: string; Handler?: string; Role?: string } = {};
      if (opts.runtime !== undefined && opts.runtime !== current.Runtime) config.Runtime = opts.runtime;
      if (opts.handler !== undefined && opts.handler !== current.Handler) config.Handler = opts.handler;
      if (opts.role !== undefined && opts.role !== current.Role) config.Role = opts.role;
      if (current.CodeSha256 === pkg.codeSha256) {
        progress.note('code', 'unchanged');
      } else {
        await waitUntilReady(client, name, waitMs);
        await progress.step('code', () => client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: pkg.zip })), (c) =>
          `updated, CodeSha256 ${c.CodeSha256}`);
        result.codeUpdated = true;
      }
      if (Object.keys(config).length > 0) {
        await waitUntilReady(client, name, waitMs);
        await progress.step('config', () => client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...config } as never)), () =>
          Object.entries(config).map(([k, v]) => `${k}=${v}`).join(', '));
        result.configUpdated = true;
      }
    }

    const ready = await progress.step('wait', () => waitUntilReady(client, name, waitMs), (c) =>
      `${c.State}${c.LastUpdateStatus ? `/${c.LastUpdateStatus}` : ''}`);

    published = await progress.step('publish', () =>
      client.send(new PublishVersionCommand({
        FunctionName: name,
        // Guards against someone else changing $LATEST between our update and the publish.
        CodeSha256: pkg.codeSha256,
        RevisionId: ready.RevisionId,
        Description: opts.description,
      })), (v) => `version ${v.Version} (${v.FunctionArn})`);
    result.version = published.Version;
  } else {
    const current = await progress.step('lookup', () => getConfig(client, name), (c) => (c ? `${c.FunctionArn}` : `${name} does not exist`));
    if (!current) throw new DeployError(`${name} does not exist`);
    result.functionArn = current.FunctionArn ?? '';
  }

  if (opts.alias === undefined) return result;
  const aliasName = opts.alias;
  const existing = await getAlias(client, name, aliasName);

  let alias: AliasConfiguration;
  if (!published) {
    // `deploy --promote` without a directory: make the alias's canary version its primary.
    if (!existing) throw new DeployError(`alias ${aliasName} does not exist: nothing to promote`);
    const canary = Object.keys(weightsOf(existing))[0];
    if (canary === undefined) {
      progress.note('alias', `${describeAlias(existing)}: no canary to promote`);
      alias = existing;
    } else {
      alias = await progress.step('alias', () => pointAlias(client, name, existing, canary, undefined), (a) => `promoted: ${describeAlias(a)}`);
    }
    result.version = alias.FunctionVersion;
  } else {
    const version = published.Version!;
    if (!existing) {
      if (opts.canaryWeight !== undefined) {
        progress.note('canary', `alias ${aliasName} is new: there is no current version to keep, so it takes all traffic`);
      }
      alias = await progress.step('alias', () =>
        client.send(new CreateAliasCommand({ FunctionName: name, Name: aliasName, FunctionVersion: version })), (a) =>
        `created ${describeAlias(a)}`);
    } else if (opts.canaryWeight !== undefined && !opts.promote && existing.FunctionVersion !== version) {
      const weight = opts.canaryWeight;
      alias = await progress.step('alias', () => pointAlias(client, name, existing, existing.FunctionVersion!, { [version]: weight }), (a) =>
        `canary ${describeAlias(a)}`);
    } else if (existing.FunctionVersion === version && Object.keys(weightsOf(existing)).length === 0) {
      progress.note('alias', `${describeAlias(existing)} already`);
      alias = existing;
    } else {
      alias = await progress.step('alias', () => pointAlias(client, name, existing, version, undefined), (a) => `${describeAlias(a)}`);
    }
  }
  result.alias = {
    name: alias.Name!,
    aliasArn: alias.AliasArn!,
    functionVersion: alias.FunctionVersion!,
    ...(Object.keys(weightsOf(alias)).length > 0 ? { additionalVersionWeights: weightsOf(alias) } : {}),
  };
  return result;
}

async function getAlias(client: LambdaClient, name: string, alias: string): Promise<AliasConfiguration | undefined> {
  try {
    return await client.send(new GetAliasCommand({ FunctionName: name, Name: alias }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Points an alias at `version`, with `weights` as its routing (undefined clears it); RevisionId-guarded. */
function pointAlias(client: LambdaClient, name: string, current: AliasConfiguration, version: string, weights: Record<string, number> | undefined) {
  return client.send(new UpdateAliasCommand({
    FunctionName: name,
    Name: current.Name,
    FunctionVersion: version,
    RoutingConfig: { AdditionalVersionWeights: weights ?? {} },
    RevisionId: current.RevisionId,
  }));
}

// ---------------------------------------------------------------------------------------------
// Command line

/** `10%`, `10` or `2.5%` → 0.1, 0.1, 0.025 (strictly between 0 and 100 percent). */
export function parseCanary(raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(raw);
  const pct = m ? Number(m[1]) : NaN;
  if (!(pct > 0 && pct < 100)) throw new DeployError(`--canary takes a percentage between 0 and 100 (exclusive), e.g. 10%; got '${raw}'`);
  return Math.round(pct * 1000) / 100000;
}

export function clientFor(opts: { endpointUrl?: string; region?: string }): LambdaClient {
  const env = process.env;
  // Lambkin supports Node 20; the SDK's "future versions will need Node 22" notice is not the user's business.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN }
      : { accessKeyId: 'lambkin', secretAccessKey: 'lambkin' };
  return new LambdaClient({
    endpoint: opts.endpointUrl ?? env.LAMBKIN_ENDPOINT ?? DEFAULT_ENDPOINT,
    region: opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    credentials,
  });
}

interface DeployFlags {
  functionName: string;
  runtime?: string;
  handler?: string;
  role?: string;
  description?: string;
  alias: string | false;
  canary?: string;
  promote?: boolean;
  region?: string;
  endpointUrl?: string;
  json?: boolean;
  quiet?: boolean;
}

export function registerDeployCommand(program: Command): void {
  program
    .command('deploy [dir]')
    .description('package DIR, create or update the function, publish a version and point an alias at it (optionally as a canary)')
    .requiredOption('-f, --function-name <name>', 'the function to deploy')
    .option('--runtime <runtime>', 'runtime (needed to create the function; updated if different)')
    .option('--handler <handler>', 'handler (needed to create the function; updated if different)')
    .option('--role <arn>', `execution role (default on create: ${DEFAULT_ROLE})`)
    .option('--description <text>', 'description of the published version')
    .option('--alias <name>', 'alias to point at the new version', 'live')
    .option('--no-alias', 'publish only; leave aliases alone')
    .option('--canary <percent>', 'keep the alias on its current version and send this share of invocations to the new one, e.g. 10%')
    .option('--promote', 'move the alias fully to the new version (without DIR: promote the alias\'s canary)')
    .option('--region <region>', 'region (AWS_REGION, default us-east-1)')
    .option('--endpoint-url <url>', `Lambkin server (LAMBKIN_ENDPOINT, default ${DEFAULT_ENDPOINT})`)
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'no progress lines')
    .action(async (dir: string | undefined, flags: DeployFlags) => {
      try {
        if (dir === undefined && !flags.promote) throw new DeployError('give the directory to deploy (or --promote to promote the canary)');
        if (flags.canary !== undefined && flags.promote) throw new DeployError('--canary and --promote exclude each other');
        if (flags.canary !== undefined && flags.alias === false) throw new DeployError('--canary needs an alias');
        const canaryWeight = flags.canary === undefined ? undefined : parseCanary(flags.canary);
        const client = clientFor(flags);
        const progress = new Progress(process.stderr, { quiet: flags.quiet });
        const result = await deploy(client, {
          dir,
          functionName: flags.functionName,
          runtime: flags.runtime,
          handler: flags.handler,
          role: flags.role,
          description: flags.description,
          alias: flags.alias === false ? undefined : flags.alias,
          canaryWeight,
          promote: flags.promote,
        }, progress);
        process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${summary(result)}\n`);
      } catch (err) {
        const e = err as { name?: string; message?: string };
        const text = err instanceof DeployError ? e.message : `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
        process.stderr.write(`lambkin deploy: ${text}\n`);
        process.exitCode = 1;
      }
    });
}

function summary(r: DeployResult): string {
  const what = r.version === undefined ? r.functionArn : `${r.functionName} version ${r.version}`;
  if (!r.alias) return `deployed ${what}`;
  const extra = Object.entries(r.alias.additionalVersionWeights ?? {})[0];
  const routing = extra ? `${r.alias.functionVersion} + ${extra[0]} at ${Math.round(extra[1] * 10000) / 100}%` : r.alias.functionVersion;
  return `deployed ${what}; alias ${r.alias.name} \u2192 ${routing}`;
}
