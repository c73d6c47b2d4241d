/**
 * cgroup v1 groups for one environment under `/sys/fs/cgroup/<controller>/<root>/<env>`: memory
 * (with memsw), cpu, cpuacct, pids and freezer. Writes are synchronous and tiny (sysfs).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmdirSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

export const CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids', 'freezer'] as const;
export type Controller = (typeof CONTROLLERS)[number];
const BASE = '/sys/fs/cgroup';
const PERIOD_US = 100_000;
/** Lambda's ratio: 1,769 MB of memory buys one vCPU. */
export const MB_PER_VCPU = 1769;

export function controllerAvailable(c: Controller): boolean {
  return existsSync(path.join(BASE, c, 'cgroup.procs'));
}

export class EnvCgroups {
  private readonly dirs: Record<Controller, string>;
  /** Files touched on every invocation, kept open (one pread/pwrite instead of open+io+close). */
  private readonly fds = new Map<string, number>();
  private readonly scratch = Buffer.alloc(4096);

  /** What this object last wrote (a new group has no quota: -1). */
  private memoryMB?: number;
  private cpuQuota = -1;

  constructor(root: string, readonly name: string) {
    this.dirs = Object.fromEntries(CONTROLLERS.map((c) => [c, path.join(BASE, c, root, name)])) as Record<Controller, string>;
  }

  /** Paths of every controller's `cgroup.procs`, for the launcher to join. */
  procsFiles(): string[] {
    return CONTROLLERS.map((c) => path.join(this.dirs[c], 'cgroup.procs'));
  }

  create(memoryMB: number): void {
    for (const c of CONTROLLERS) mkdirSync(this.dirs[c], { recursive: true });
    this.setMemory(memoryMB);
    this.write('memory', 'memory.swappiness', '0');
    this.write('pids', 'pids.max', '1024');
    this.write('cpu', 'cpu.cfs_period_us', String(PERIOD_US));
  }

  /** memory and memory+swap limits (the order matters: limit ≤ memsw at every step), and the CPU share that goes with them. */
  setMemory(memoryMB: number): void {
    // Skipped when unchanged: these writes sit on a cold start's path (a pooled sandbox assigned a
    // function of the pool's own size).
    if (memoryMB === this.memoryMB) return;
    const bytes = String(memoryMB * 1024 * 1024);
    const current = Number(this.read('memory', 'memory.limit_in_bytes'));
    if (Number(bytes) >= current) {
      this.write('memory', 'memory.memsw.limit_in_bytes', bytes);
      this.write('memory', 'memory.limit_in_bytes', bytes);
    } else {
      this.write('memory', 'memory.limit_in_bytes', bytes);
      this.write('memory', 'memory.memsw.limit_in_bytes', bytes);
    }
    this.write('cpu', 'cpu.shares', String(Math.max(2, Math.round((1024 * memoryMB) / MB_PER_VCPU))));
    this.memoryMB = memoryMB;
  }

  /** CPU quota proportional to memory; `undefined` lifts it (init runs unthrottled, as on Lambda). */
  setCpu(memoryMB: number | undefined): void {
    const quota = memoryMB === undefined ? -1 : Math.max(1000, Math.round((PERIOD_US * memoryMB) / MB_PER_VCPU));
    if (quota === this.cpuQuota) return;
    this.write('cpu', 'cpu.cfs_quota_us', String(quota));
    this.cpuQuota = quota;
  }

  freeze(): void {
    this.hotWrite('freezer', 'freezer.state', 'FROZEN');
  }

  thaw(): void {
    this.hotWrite('freezer', 'freezer.state', 'THAWED');
  }

  maxMemoryBytes(): number {
    return Number(this.hotRead('memory', 'memory.max_usage_in_bytes') || 0);
  }

  resetMemoryPeak(): void {
    this.hotWrite('memory', 'memory.max_usage_in_bytes', '0');
  }

  /** The `oom_kill` counter of memory.oom_control. */
  oomKills(): number {
    const m = /oom_kill (\d+)/.exec(this.hotRead('memory', 'memory.oom_control'));
    return m ? Number(m[1]) : 0;
  }

  private hotFd(c: Controller, file: string): number {
    const key = `${c}/${file}`;
    let fd = this.fds.get(key);
    if (fd === undefined) {
      fd = openSync(path.join(this.dirs[c], file), 'r+');
      this.fds.set(key, fd);
    }
    return fd;
  }

  private hotRead(c: Controller, file: string): string {
    try {
      const n = readSync(this.hotFd(c, file), this.scratch, 0, this.scratch.length, 0);
      return this.scratch.toString('utf8', 0, n);
    } catch {
      return '';
    }
  }

  private hotWrite(c: Controller, file: string, value: string): void {
    writeSync(this.hotFd(c, file), value, 0);
  }

  private closeFds(): void {
    for (const fd of this.fds.values()) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    this.fds.clear();
  }

  pids(): number[] {
    return this.read('pids', 'cgroup.procs').split('\n').filter(Boolean).map(Number);
  }

  /** SIGKILLs everything in the group (thawed first: frozen tasks can't die). */
  killAll(): void {
    try {
      this.thaw();
    } catch {
      /* gone */
    }
    for (const pid of this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  /** Removes the groups; they must be empty. Returns false if a group still has tasks. */
  remove(): boolean {
    this.closeFds();
    let ok = true;
    for (const c of CONTROLLERS) {
      try {
        if (existsSync(this.dirs[c])) rmdirSync(this.dirs[c]);
      } catch {
        ok = false;
      }
    }
    return ok;
  }

  private read(c: Controller, file: string): string {
    try {
      return readFileSync(path.join(this.dirs[c], file), 'utf8');
    } catch {
      return '';
    }
  }

  private write(c: Controller, file: string, value: string): void {
    writeFileSync(path.join(this.dirs[c], file), value);
  }
}

/** Start-up: kills and removes every environment group a crashed predecessor left under `root`. */
export function removeStaleGroups(root: string): number {
  let removed = 0;
  const names = new Set<string>();
  for (const c of CONTROLLERS) {
    const dir = path.join(BASE, c, root);
    if (existsSync(dir)) for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) names.add(e.name);
  }
  for (const name of names) {
    const g = new EnvCgroups(root, name);
    for (let i = 0; i < 50; i++) {
      g.killAll();
      if (g.pids().length === 0) break;
      sleepSync(10);
    }
    if (g.remove()) removed++;
  }
  for (const c of CONTROLLERS) {
    // This server's root, then the shared parent if no other server uses it.
    for (let dir = path.join(BASE, c, root); dir.length > path.join(BASE, c).length; dir = path.dirname(dir)) {
      try {
        rmdirSync(dir);
      } catch {
        break; /* absent, or still in use by another server */
      }
    }
  }
  return removed;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
