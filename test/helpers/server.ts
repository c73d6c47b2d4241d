/**
 * Starts a real Lambkin server (the `lambkin serve` command, as a child process) on an ephemeral
 * port with its own temporary data dir, for integration tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(REPO_ROOT, 'bin/lambkin.js');

export interface Lambkin {
  url: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM and wait for exit; removes the data dir unless `keepData`. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** Sends a signal (e.g. SIGKILL) and waits for the process to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
  /** Reuse a data dir (e.g. after a restart). */
  dataDir?: string;
  env?: Record<string, string>;
  args?: string[];
}

export async function startLambkin(opts: StartOptions = {}): Promise<Lambkin> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'lambkin-test-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    ...opts.env,
  };
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not started in time: the child must not outlive the failed start (nor its temp data dir).
      proc.kill('SIGKILL');
      void exited.then(() => {
        if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      });
      reject(new Error(`server did not start:\n${out}`));
      // Generous: on a busy machine start-up (cleaning up after dead servers, probing the sandbox) takes 10 s and more.
    }, 60_000);
    const check = () => {
      const m = /Lambkin listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  const port = Number(new URL(url).port);
  let stopping = false;
  proc.once('exit', (code, signal) => {
    // A server that dies on its own is a bug worth seeing in the test output.
    if (!stopping) process.stderr.write(`lambkin server exited unexpectedly (${signal ?? code}):\n${out}\n`);
  });
  return {
    url,
    port,
    dataDir,
    proc,
    output: () => out,
    async stop({ keepData = false } = {}) {
      stopping = true;
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      if (!keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    async kill(signal) {
      stopping = true;
      proc.kill(signal);
      await exited;
    },
  };
}
