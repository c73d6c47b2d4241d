/**
 * A peer in the same run: serverless-offline 13 (with serverless 3), the widely used local Lambda
 * emulator that runs here from npm and has a real Invoke endpoint. Same echo function, same client.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, stats, type Stats } from './http-client.js';

export interface PeerResult {
  name: string;
  warm?: Stats;
  firstMs?: number;
  error?: string;
}

const SERVERLESS_YML = `service: peer
frameworkVersion: '3'
provider: {name: aws, runtime: nodejs20.x, region: us-east-1, stage: dev}
functions: {hello: {handler: handler.hello}}
plugins: [serverless-offline]
custom: {serverless-offline: {host: 127.0.0.1, lambdaPort: 3902, httpPort: 3903, websocketPort: 3904}}
`;

export async function measurePeer(root: string, payload: Buffer, samples: number): Promise<PeerResult> {
  const dir = path.join(root, '.cache/peer');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' };
  mkdirSync(dir, { recursive: true });
  if (!existsSync(path.join(dir, 'node_modules/serverless-offline'))) {
    writeFileSync(path.join(dir, 'package.json'), '{"name":"peer","private":true}\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', 'serverless@3', 'serverless-offline@13'], { cwd: dir, env, stdio: 'ignore' });
  }
  writeFileSync(path.join(dir, 'serverless.yml'), SERVERLESS_YML);
  writeFileSync(path.join(dir, 'handler.js'), 'exports.hello = async (event) => event;\n');
  const proc = spawn(process.execPath, [path.join(dir, 'node_modules/serverless/bin/serverless.js'), 'offline', 'start'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d));
  proc.stderr.on('data', (d: Buffer) => (out += d));
  const client = new Client('http://127.0.0.1:3902');
  try {
    const until = Date.now() + 60_000;
    while (!/Offline \[http for lambda\] listening|Server ready/.test(out)) {
      if (Date.now() > until || proc.exitCode !== null) throw new Error(`serverless-offline did not start: ${out.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const p = '/2015-03-31/functions/peer-dev-hello/invocations';
    const t0 = performance.now();
    const first = await client.request('POST', p, payload);
    const firstMs = performance.now() - t0;
    if (first.status !== 200) throw new Error(`peer answered ${first.status}: ${first.body.toString().slice(0, 200)}`);
    for (let i = 0; i < 200; i++) await client.request('POST', p, payload);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      await client.request('POST', p, payload);
      times.push(performance.now() - t);
    }
    return { name: 'serverless-offline 13 (worker threads, default)', warm: stats(times), firstMs };
  } finally {
    client.close();
    proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}
