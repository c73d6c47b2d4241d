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

/** How long a server may take to say it listens (generous: the machine may be busy with the rest of the suite). */
const START_TIMEOUT_MS = Number(process.env.LAMBKIN_TEST_START_TIMEOUT_MS ?? 90_000);

/**
 * Every server this test process started and has not seen exit. A started server does not keep the test
 * process alive (it is unref'ed): when the tests are done, any server a test forgot is shut down
 * gracefully (beforeExit), and anything still alive when the process exits is killed.
 */
const live = new Set<ChildProcess>();
process.on('beforeExit', () => {
  for (const proc of live) {
    process.stderr.write(`test left a lambkin server running (pid ${proc.pid}): stopping it\n`);
    keepAlive(proc, true);
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 20_000).unref();
  }
});
process.once('exit', () => {
  for (const proc of live) proc.kill('SIGKILL');
});

/** Whether the child (and its output pipes) keep this process's event loop alive. */
function keepAlive(proc: ChildProcess, yes: boolean): void {
  for (const h of [proc, proc.stdout, proc.stderr] as ({ ref(): void; unref(): void } | null)[]) {
    if (yes) h?.ref();
    else h?.unref();
  }
}

export async function startLambkin(opts: StartOptions = {}): Promise<Lambkin> {
  const ownDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'lambkin-test-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    // Init limits are rarely what a test is about, and a busy machine can take seconds to start a runtime.
    LAMBKIN_INIT_TIMEOUT_MS: '60000',
    ...opts.env,
  };
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  void exited.then(() => live.delete(proc));
  const removeOwnDataDir = () => {
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  const started = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms:\n${out}`)), START_TIMEOUT_MS);
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
  let url: string;
  try {
    url = await started;
  } catch (err) {
    // Whatever went wrong, the server this call started does not outlive it (nor does its data dir).
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const forced = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    }
    removeOwnDataDir();
    throw err;
  }
  keepAlive(proc, false);
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
      keepAlive(proc, true);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      if (!keepData) removeOwnDataDir();
    },
    async kill(signal) {
      stopping = true;
      keepAlive(proc, true);
      proc.kill(signal);
      await exited;
    },
  };
}
