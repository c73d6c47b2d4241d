/** Freeze + thaw of an idle environment's cgroup (the cost Lambkin pays between invocations). */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { EnvCgroups, controllerAvailable } from '../src/sandbox/cgroups.js';
import { stats, type Stats } from './http-client.js';

const ROOT = 'lambkin/bench-freezer';

function waitState(group: string, want: string): void {
  const file = `/sys/fs/cgroup/freezer/${ROOT}/${group}/freezer.state`;
  for (let i = 0; i < 100000; i++) if (readFileSync(file, 'utf8').trim() === want) return;
  throw new Error(`freezer never reached ${want}`);
}

/** Freezes and thaws a cgroup holding an idle Node process (like a runtime parked in /next); n samples. */
export async function measureFreezeThaw(n: number): Promise<{ freeze: Stats; thaw: Stats; both: Stats } | undefined> {
  if (process.getuid?.() !== 0 || !controllerAvailable('freezer')) return undefined;
  const g = new EnvCgroups(ROOT, 'env');
  g.create(256);
  const [procs] = g.procsFiles().filter((f) => f.includes('/freezer/'));
  const child = spawn('/bin/sh', ['-c', `echo $$ > ${procs} && exec "$@"`, 'sh', process.execPath, '-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', env: {} });
  await new Promise((r) => setTimeout(r, 300));
  const freeze: number[] = [];
  const thaw: number[] = [];
  const both: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      g.freeze();
      waitState('env', 'FROZEN');
      const t1 = performance.now();
      g.thaw();
      waitState('env', 'THAWED');
      const t2 = performance.now();
      freeze.push(t1 - t0);
      thaw.push(t2 - t1);
      both.push(t2 - t0);
    }
  } finally {
    child.kill('SIGKILL');
    for (let i = 0; i < 100 && g.pids().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    g.remove();
    for (const c of ['memory', 'cpu', 'cpuacct', 'pids', 'freezer']) {
      try {
        (await import('node:fs')).rmdirSync(`/sys/fs/cgroup/${c}/${ROOT}`);
      } catch {
        /* in use */
      }
    }
  }
  return { freeze: stats(freeze), thaw: stats(thaw), both: stats(both) };
}
