/**
 * The real sandbox: bubblewrap in an unprivileged user namespace (started as a non-root host uid via
 * setpriv), new pid/ipc/uts/mount/cgroup namespaces, its own network namespace, cgroup v1 limits, a
 * loop-mounted /tmp, and only what Lambda gives a function: system dirs read-only, the code read-only
 * at /var/task, our runtime at /var/runtime, /opt, /tmp. Nothing of the host's environment or data dir.
 *
 * Launch chain (each step execs the next, so our child pid ends up being bwrap's):
 *   sh (root: join the cgroups, ulimit -n) → nsenter --net (root: enter the netns) →
 *   setpriv (drop to the sandbox uid) → bwrap (namespaces, mounts) → the runtime
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { run } from './exec.js';
import { hostHelper } from './host-helper.js';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { EnvCgroups, removeStaleGroups } from './cgroups.js';
import { NetworkPool, RUNTIME_API_PORT, isAlive, setupHostNetwork, teardownHostNetwork, type NetSlot } from './network.js';
import { TmpDiskPool, unmountAllUnder, type TmpDisk } from './tmp-disks.js';
import type { ExitInfo, LaunchSpec, Sandbox, SandboxLayout, SandboxOptions, SandboxProcess, SandboxProvider } from './sandbox.js';

export const SANDBOX_UID = 993;

const LAYOUT: SandboxLayout = { taskRoot: '/var/task', runtimeDir: '/var/runtime', optDir: '/opt', tmpDir: '/tmp' };

/** Host files a function may read (when present). */
const ETC_FILES = ['/etc/ssl', '/etc/ca-certificates', '/etc/ca-certificates.conf', '/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf', '/etc/localtime', '/etc/alternatives', '/etc/mime.types'];

export interface BwrapProviderOptions {
  /** Our scratch space in the data dir (disk images). */
  runDir: string;
  /** Where the deployment packages live (`<dataDir>/code`). */
  codeRoot: string;
  /** Host directories of our runtime clients, mounted at /var/runtime. */
  runtimeDirs: string[];
  /** Distinguishes this server's cgroups, mounts and networks from other servers' on the same host. */
  serverKey: string;
  uid?: number;
  log?: (line: string) => void;
}

export class BwrapSandboxProvider implements SandboxProvider {
  readonly mode = 'bwrap' as const;
  readonly uid: number;
  readonly cgroupRoot: string;
  private net?: NetworkPool;
  private readonly disks: TmpDiskPool;
  /**
   * Everything bwrap mounts, gathered under /run/lambkin/<key> (0711). bwrap runs as the sandbox uid,
   * which may not traverse the user's data dir (often private), so the code and runtime dirs are
   * bind-mounted here once, read-only, by us as root.
   */
  readonly stageDir: string;

  constructor(private readonly opts: BwrapProviderOptions) {
    this.uid = opts.uid ?? SANDBOX_UID;
    this.cgroupRoot = `lambkin/${opts.serverKey}`;
    this.stageDir = path.join(STAGE_ROOT, opts.serverKey);
    this.disks = new TmpDiskPool(path.join(opts.runDir, 'disks'), path.join(this.stageDir, 'disks'), this.uid);
  }

  /** Where bwrap finds a host directory we staged. */
  staged(kind: 'code' | 'runtime' | 'etc', hostPath: string): string {
    if (kind === 'code') return path.join(this.stageDir, 'code', path.relative(this.opts.codeRoot, hostPath));
    if (kind === 'runtime') return path.join(this.stageDir, 'runtime', String(this.opts.runtimeDirs.indexOf(hostPath)));
    return path.join(this.stageDir, 'etc', hostPath);
  }

  async cleanupStale(): Promise<void> {
    const orphans = await this.cleanupOrphanedServers();
    const unmounted = (await unmountAllUnder(this.stageDir)) + (await unmountAllUnder(this.opts.runDir));
    const groups = removeStaleGroups(this.cgroupRoot);
    await rm(this.stageDir, { recursive: true, force: true });
    if (orphans > 0) this.opts.log?.(`cleaned up after ${orphans} Lambkin server(s) that died without shutting down`);
    await rm(path.join(this.opts.runDir, 'disks'), { recursive: true, force: true });
    if (unmounted + groups > 0) this.opts.log?.(`cleaned up after an earlier run: ${unmounted} mount(s), ${groups} cgroup(s)`);
    mkdirSync(this.opts.runDir, { recursive: true });
    mkdirSync(STAGE_ROOT, { recursive: true, mode: 0o755 });
    for (const sub of ['', 'etc', 'code', 'runtime', 'disks', 'tasks']) mkdirSync(path.join(this.stageDir, sub), { recursive: true, mode: 0o711 });
    chmodSync(this.stageDir, 0o711);
    writeFileSync(path.join(STAGE_ROOT, `${this.opts.serverKey}.owner`), String(process.pid));
    // A shared mount: code mounted here later (prewarmed sandboxes' /var/task) propagates into their namespaces.
    await run('mount', ['--bind', this.stageDir, this.stageDir]);
    await run('mount', ['--make-rshared', this.stageDir]);
    chmodSync(path.join(this.stageDir, 'etc'), 0o755);
    // Lambda's sandbox user, so tools that look up the uid find a name.
    writeFileSync(this.staged('etc', 'passwd'), `root:x:0:0:root:/root:/sbin/nologin\nsbx_user1051:x:${this.uid}:${this.uid}::/tmp:/sbin/nologin\n`, { mode: 0o644 });
    writeFileSync(this.staged('etc', 'group'), `root:x:0:\nsbx_user1051:x:${this.uid}:\n`, { mode: 0o644 });
    // The code root itself is not listable by the sandbox uid; each package dir is readable.
    chmodSync(this.opts.codeRoot, 0o711);
    await bindReadOnly(this.opts.codeRoot, path.join(this.stageDir, 'code'));
    for (const dir of this.opts.runtimeDirs) {
      const target = this.staged('runtime', dir);
      mkdirSync(target, { recursive: true });
      if (existsSync(dir)) await bindReadOnly(dir, target);
    }
    await this.disks.init();
    await setupHostNetwork(RUNTIME_API_PORT);
    this.net = new NetworkPool();
    await this.net.cleanupStale();
    this.net.refill();
    this.disks.refill(512);
  }

  async create(opts: SandboxOptions): Promise<Sandbox> {
    if (!this.net) throw new Error('sandbox provider not initialised');
    const cgroups = new EnvCgroups(this.cgroupRoot, opts.id);
    let net: NetSlot | undefined;
    let disk: TmpDisk | undefined;
    let taskMount: string | undefined;
    try {
      cgroups.create(opts.memoryMB);
      [net, disk] = await Promise.all([this.net.take(), this.disks.take(opts.ephemeralMB)]);
      if (!opts.codeDir) {
        // Prewarmed: /var/task is an empty mount point of its own; assignCode() mounts the code on it.
        taskMount = path.join(this.stageDir, 'tasks', opts.id);
        mkdirSync(taskMount, { recursive: true });
        await run('mount', ['--bind', taskMount, taskMount]);
      }
      const mounts = {
        taskMount,
        code: opts.codeDir ? this.staged('code', opts.codeDir) : taskMount,
        runtime: opts.runtimeDir && this.staged('runtime', opts.runtimeDir),
        passwd: this.staged('etc', 'passwd'),
        group: this.staged('etc', 'group'),
      };
      return new BwrapSandbox(opts, { cgroups, net, disk, uid: this.uid, mounts }, this);
    } catch (err) {
      cgroups.remove();
      if (net) this.net.release(net);
      if (disk) void this.disks.destroy(disk);
      if (taskMount) await unmountTask(taskMount);
      throw err;
    }
  }

  /** Called by a destroyed sandbox to hand back what it held. */
  async reclaim(net: NetSlot, disk: TmpDisk, taskMount?: string): Promise<void> {
    this.net?.release(net);
    await Promise.all([this.disks.destroy(disk), taskMount ? unmountTask(taskMount) : undefined]);
  }

  describe(): string {
    return `bubblewrap sandboxes as uid ${this.uid}, cgroup v1 limits under ${this.cgroupRoot}, a network namespace and a loop-mounted /tmp each`;
  }

  /** Every step runs even if an earlier one fails: a shutdown must not leave half the host state behind. */
  async shutdown(): Promise<void> {
    const steps: [string, () => unknown][] = [
      ['network namespaces', () => this.net?.destroyAll()],
      ['/tmp disks', () => this.disks.destroyAll()],
      ['host network rules', () => teardownHostNetwork()],
      ['cgroups', () => removeStaleGroups(this.cgroupRoot)],
      ['staged mounts', () => unmountAllUnder(this.stageDir)],
      ['run dir mounts', () => unmountAllUnder(this.opts.runDir)],
      ['staging dir', () => rm(this.stageDir, { recursive: true, force: true })],
      ['run dir', () => rm(this.opts.runDir, { recursive: true, force: true })],
      ['owner file', () => rm(path.join(STAGE_ROOT, `${this.opts.serverKey}.owner`), { force: true })],
    ];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (err) {
        this.opts.log?.(`shutdown: removing ${what} failed: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Other servers' leftovers (other data dirs): a server that was SIGKILLed with frozen environments
   * leaves them frozen forever, with their cgroups, mounts and loop devices. Any server cleans up
   * after an owner that is no longer running.
   */
  private async cleanupOrphanedServers(): Promise<number> {
    if (!existsSync(STAGE_ROOT)) return 0;
    let cleaned = 0;
    const keys = new Set<string>();
    for (const name of readdirSync(STAGE_ROOT)) {
      const m = /^([0-9a-f]{10})(\.owner)?$/.exec(name);
      if (m && m[1] !== this.opts.serverKey) keys.add(m[1]);
    }
    const cgroupParent = '/sys/fs/cgroup/memory/lambkin';
    if (existsSync(cgroupParent)) {
      for (const e of readdirSync(cgroupParent, { withFileTypes: true })) {
        if (e.isDirectory() && /^[0-9a-f]{10}$/.test(e.name) && e.name !== this.opts.serverKey) keys.add(e.name);
      }
    }
    for (const key of keys) {
      const ownerFile = path.join(STAGE_ROOT, `${key}.owner`);
      const stage = path.join(STAGE_ROOT, key);
      const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : 0;
      // No owner file yet may mean a server starting right now: leave young stage dirs alone.
      if (!owner && existsSync(stage) && Date.now() - statSync(stage).mtimeMs < 60_000) continue;
      if (owner && isAlive(owner)) continue;
      removeStaleGroups(`lambkin/${key}`);
      await unmountAllUnder(stage);
      await rm(stage, { recursive: true, force: true });
      await rm(ownerFile, { force: true });
      cleaned++;
    }
    return cleaned;
  }
}

const STAGE_ROOT = '/run/lambkin';

async function unmountTask(dir: string): Promise<void> {
  await run('umount', ['-R', '-l', dir]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true }).catch(() => undefined);
}

async function bindReadOnly(source: string, target: string): Promise<void> {
  await run('mount', ['--bind', source, target]);
  await run('mount', ['-o', 'remount,bind,ro', target]);
}

interface Held {
  cgroups: EnvCgroups;
  net: NetSlot;
  disk: TmpDisk;
  uid: number;
  /** Staged host paths bwrap mounts. */
  mounts: { code?: string; taskMount?: string; runtime?: string; passwd: string; group: string };
}

class BwrapSandbox implements Sandbox {
  readonly layout = { ...LAYOUT };
  private child?: ChildProcess;
  private frozen = false;
  private oomSeen = 0;
  private destroyed?: Promise<void>;

  private readonly opts: SandboxOptions;

  constructor(opts: SandboxOptions, private readonly held: Held, private readonly provider: BwrapSandboxProvider) {
    this.opts = { ...opts };
  }

  get id() {
    return this.opts.id;
  }

  get runtimeApiHost() {
    return this.held.net.hostIp;
  }

  get allowedPeer() {
    return this.held.net.peerIp;
  }

  get runtimeApiPort() {
    return RUNTIME_API_PORT;
  }

  /** Inside the sandbox our API is reached through the environment's own Runtime API listener. */
  endpointHost(): string {
    return `${this.held.net.hostIp}:${RUNTIME_API_PORT}`;
  }

  private bwrapArgs(spec: LaunchSpec): string[] {
    const m = this.held.mounts;
    const a: string[] = ['--ro-bind', '/usr', '/usr'];
    for (const link of ['bin', 'lib', 'lib64', 'sbin']) {
      // Merged-/usr hosts have these as symlinks; others get read-only binds.
      if (existsSync(`/${link}`)) a.push(...(isSymlink(`/${link}`) ? ['--symlink', `usr/${link}`, `/${link}`] : ['--ro-bind', `/${link}`, `/${link}`]));
    }
    for (const f of ETC_FILES) a.push('--ro-bind-try', f, f);
    a.push('--ro-bind', m.passwd, '/etc/passwd', '--ro-bind', m.group, '/etc/group');
    a.push(...(m.code ? ['--ro-bind', m.code, LAYOUT.taskRoot] : ['--dir', LAYOUT.taskRoot]));
    a.push(...(m.runtime ? ['--ro-bind', m.runtime, LAYOUT.runtimeDir] : ['--dir', LAYOUT.runtimeDir]));
    a.push('--dir', LAYOUT.optDir, '--bind', this.held.disk.mountDir, LAYOUT.tmpDir, '--proc', '/proc', '--dev', '/dev');
    a.push('--unshare-user', '--uid', String(this.held.uid), '--gid', String(this.held.uid));
    a.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--hostname', 'localhost');
    a.push('--die-with-parent', '--new-session', '--remount-ro', '/', '--chdir', spec.cwd);
    return a;
  }

  launch(spec: LaunchSpec): SandboxProcess {
    const join = this.held.cgroups.procsFiles().map((f) => `echo $$ > ${f}`).join(' && ');
    const argv = [
      '-c', `${join} && ulimit -n 1024 && exec "$@"`, 'sh',
      '/usr/bin/nsenter', `--net=${this.held.net.nsPath}`, '--',
      '/usr/bin/setpriv', '--reuid', String(this.held.uid), '--regid', String(this.held.uid), '--clear-groups', '--',
      '/usr/bin/bwrap', ...this.bwrapArgs(spec), '--', ...spec.argv,
    ];
    const child = spawn('/bin/sh', argv, { env: spec.env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    this.child = child;
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => resolve(normaliseExit(code, signal)));
      child.once('error', () => resolve({ code: 127, signal: null }));
    });
    return {
      pid: child.pid ?? -1,
      stdout: child.stdout!,
      stderr: child.stderr!,
      telemetry: child.stdio[3] as unknown as SandboxProcess['telemetry'],
      exited,
    };
  }

  async assignCode(codeDir: string, memoryMB: number): Promise<void> {
    const target = this.held.mounts.taskMount;
    if (!target) throw new Error('this sandbox was started with its code');
    await hostHelper.bindReadOnly(this.provider.staged('code', codeDir), target);
    this.held.cgroups.setMemory(memoryMB);
    this.opts.memoryMB = memoryMB;
  }

  enterInitPhase(): void {
    this.held.cgroups.setCpu(undefined);
  }

  enterInvokePhase(): void {
    this.held.cgroups.setCpu(this.opts.memoryMB);
  }

  freeze(): void {
    if (this.frozen || this.destroyed) return;
    this.frozen = true;
    this.held.cgroups.freeze();
  }

  thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    this.held.cgroups.thaw();
  }

  maxMemoryUsedMB(): number {
    return Math.ceil(this.held.cgroups.maxMemoryBytes() / (1024 * 1024));
  }

  resetMemoryPeak(): void {
    this.held.cgroups.resetMemoryPeak();
  }

  consumeOomKill(): boolean {
    const n = this.held.cgroups.oomKills();
    const killed = n > this.oomSeen;
    this.oomSeen = n;
    return killed;
  }

  kill(): void {
    this.frozen = false;
    try {
      this.held.cgroups.thaw();
    } catch {
      /* already removed */
    }
    if (this.child?.pid && this.child.exitCode === null && this.child.signalCode === null) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.held.cgroups.killAll();
  }

  destroy(): Promise<void> {
    this.destroyed ??= (async () => {
      this.kill();
      // The whole pid namespace dies with bwrap; wait until the cgroup is empty before removing it.
      for (let i = 0; i < 200 && this.held.cgroups.pids().length > 0; i++) {
        if (i % 20 === 19) this.held.cgroups.killAll();
        await new Promise((r) => setTimeout(r, 5));
      }
      this.held.cgroups.remove();
      await this.provider.reclaim(this.held.net, this.held.disk, this.held.mounts.taskMount);
    })();
    return this.destroyed;
  }
}

/**
 * bwrap reports the runtime's death by signal N as exit status 128+N. Only the signals a runtime does
 * not choose itself are mapped back (Node exits 128/129 on purpose for unhandled errors).
 */
const SIGNAL_EXITS: Record<number, NodeJS.Signals> = { 137: 'SIGKILL', 134: 'SIGABRT', 139: 'SIGSEGV' };

function normaliseExit(code: number | null, signal: NodeJS.Signals | null): ExitInfo {
  if (signal === null && code !== null && SIGNAL_EXITS[code]) return { code: null, signal: SIGNAL_EXITS[code] };
  return { code, signal };
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
