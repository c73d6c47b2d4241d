/** Lambkin under test: a real server process, functions deployed with the JS SDK, invokes over raw keep-alive HTTP. */
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from '../test/helpers/server.js';
import { sdk } from '../test/helpers/clients.js';
import { Client, now } from './http-client.js';
import type { BenchFunction } from './functions.js';

export interface Target {
  server: Lambkin;
  sdk: LambdaClient;
  mode: string;
}

export async function startTarget(sandbox: 'auto' | 'process', extraEnv: Record<string, string> = {}): Promise<Target> {
  const server = await startLambkin({ env: { LAMBKIN_SANDBOX: sandbox, ...extraEnv } });
  const mode = /sandbox: (bubblewrap|plain)/.exec(server.output())?.[1] === 'bubblewrap' ? 'sandboxed' : 'plain process';
  return { server, sdk: sdk(server.url), mode };
}

export async function stopTarget(t: Target): Promise<void> {
  t.sdk.destroy();
  await t.server.stop();
}

export async function deploy(t: Target, name: string, fn: BenchFunction, memoryMB = 1769): Promise<void> {
  await t.sdk.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: fn.runtime as Runtime,
      Handler: fn.handler,
      Role: 'arn:aws:iam::000000000000:role/bench',
      Code: { ZipFile: fn.zip },
      MemorySize: memoryMB,
      Timeout: 30,
    }),
  );
  await waitReady(t, name);
}

async function waitReady(t: Target, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const c = await t.sdk.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (c.State === 'Active' && c.LastUpdateStatus !== 'InProgress') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${name} not ready`);
}

/** A configuration change retires the function's environments: the next invoke is a cold start. */
export async function forceCold(t: Target, name: string, n: number): Promise<void> {
  await t.sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: { COLD: String(n) } } }));
  await waitReady(t, name);
}

export interface InvokeTiming {
  ms: number;
  status: number;
  body: Buffer;
  initMs?: number;
  functionError?: string;
}

export async function invokeOnce(client: Client, name: string, payload: Buffer, tail = false): Promise<InvokeTiming> {
  const t = now();
  const r = await client.request('POST', `/2015-03-31/functions/${name}/invocations`, payload, tail ? { 'X-Amz-Log-Type': 'Tail' } : {});
  const ms = now() - t;
  let initMs: number | undefined;
  const log = r.headers['x-amz-log-result'];
  if (typeof log === 'string') {
    const m = /Init Duration: ([\d.]+) ms/.exec(Buffer.from(log, 'base64').toString());
    if (m) initMs = Number(m[1]);
  }
  const fe = r.headers['x-amz-function-error'];
  return { ms, status: r.status, body: r.body, initMs, functionError: typeof fe === 'string' ? fe : undefined };
}

export function apiClient(t: Target): Client {
  return new Client(t.server.url);
}
