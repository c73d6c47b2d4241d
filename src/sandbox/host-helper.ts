/**
 * Client of host-helper.py, a long-lived root helper that does mounts (as syscalls) and runs host
 * tools (ip, mkfs, mount) on its own threads, so the server's event loop never stalls on fork+exec.
 * Falls back to spawning directly where the helper can't run.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../runtimes/catalog.js';

const HELPER = path.join(REPO_ROOT, 'src/sandbox/host-helper.py');

interface Reply {
  id: number;
  ok: boolean;
  out?: string;
  error?: string;
}

export class HostHelper {
  private child?: ChildProcess;
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (out: string) => void; reject: (e: Error) => void }>();

  private ensure(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    const child = spawn('/usr/bin/python3', ['-S', HELPER], { env: {}, stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      this.buffer += d;
      let i;
      while ((i = this.buffer.indexOf('\n')) >= 0) {
        const reply = JSON.parse(this.buffer.slice(0, i)) as Reply;
        this.buffer = this.buffer.slice(i + 1);
        const p = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (reply.ok) p?.resolve(reply.out ?? '');
        else p?.reject(new Error(reply.error ?? 'host helper error'));
      }
    });
    child.on('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error('host helper exited'));
      this.pending.clear();
    });
    child.on('error', () => undefined);
    child.stdin!.on('error', () => undefined);
    this.child = child;
    return child;
  }

  private call(op: string, ...args: unknown[]): Promise<string> {
    const child = this.ensure();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.stdin!.write(JSON.stringify([id, op, ...args]) + '\n');
    });
  }

  bindReadOnly(source: string, target: string): Promise<void> {
    return this.call('bind-ro', source, target).then(() => undefined);
  }

  /** Copies a sparse file's data extents only. */
  copySparse(source: string, target: string): Promise<void> {
    return this.call('copy-sparse', source, target).then(() => undefined);
  }

  /** Mounts a filesystem image on a loop device of its own (released on unmount); resolves with the device. */
  loopMount(image: string, target: string, fstype: string, options = ''): Promise<string> {
    return this.call('loop-mount', image, target, fstype, options);
  }

  unmount(target: string): Promise<void> {
    return this.call('umount', target).then(() => undefined);
  }

  /** Runs a host tool; resolves with its stdout, rejects with its stderr. */
  run(cmd: string, args: string[], input?: string): Promise<string> {
    return this.call('run', [cmd, ...args], input ?? null);
  }

  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }
}

/** The process-wide helper (one per server). */
export const hostHelper = new HostHelper();

/** Spawning directly: for hosts without /usr/bin/python3 (plain-process mode never needs the helper). */
export function spawnRun(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}
