/**
 * The fallback: each environment is a plain child process in its own process group, with a scratch
 * /tmp directory. No isolation or limits beyond that; freezing is SIGSTOP/SIGCONT of the group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ExitInfo, LaunchSpec, Sandbox, SandboxLayout, SandboxOptions, SandboxProcess, SandboxProvider } from './sandbox.js';

export class ProcessSandboxProvider implements SandboxProvider {
  readonly mode = 'process' as const;

  constructor(private readonly runDir: string) {}

  async create(opts: SandboxOptions): Promise<Sandbox> {
    return new ProcessSandbox(opts, path.join(this.runDir, opts.id));
  }

  async cleanupStale(): Promise<void> {
    mkdirSync(this.runDir, { recursive: true });
    for (const name of readdirSync(this.runDir)) await rm(path.join(this.runDir, name), { recursive: true, force: true });
  }

  describe(): string {
    return 'plain processes (no isolation, no limits)';
  }

  async shutdown(): Promise<void> {}
}

class ProcessSandbox implements Sandbox {
  readonly layout: SandboxLayout;
  readonly runtimeApiHost = '127.0.0.1';
  readonly runtimeApiPort = 0;
  private child?: ChildProcess;
  private frozen = false;

  constructor(private readonly opts: SandboxOptions, private readonly dir: string) {
    const tmpDir = path.join(dir, 'tmp');
    mkdirSync(tmpDir, { recursive: true });
    // A prewarmed process starts in an empty task dir until its code is assigned.
    if (!opts.codeDir) mkdirSync(path.join(dir, 'task'), { recursive: true });
    this.layout = {
      taskRoot: opts.codeDir ?? path.join(dir, 'task'),
      runtimeDir: opts.runtimeDir ?? path.join(dir, 'runtime'),
      optDir: path.join(dir, 'opt'),
      tmpDir,
    };
  }

  get id() {
    return this.opts.id;
  }

  endpointHost(apiHost: string): string {
    return apiHost;
  }

  launch(spec: LaunchSpec): SandboxProcess {
    const child = spawn(spec.argv[0], spec.argv.slice(1), {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      // Its own process group, so kill/freeze reach the runtime's children too.
      detached: true,
    });
    this.child = child;
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: 127, signal: null }));
    });
    return {
      pid: child.pid ?? -1,
      stdout: child.stdout!,
      stderr: child.stderr!,
      telemetry: child.stdio[3] as NodeJS.ReadableStream as SandboxProcess['telemetry'],
      exited,
    };
  }

  async assignCode(codeDir: string, _memoryMB: number): Promise<void> {
    this.layout.taskRoot = codeDir;
  }

  enterInitPhase(): void {}
  enterInvokePhase(): void {}

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid || this.child?.exitCode !== null || this.child?.signalCode) return;
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  }

  freeze(): void {
    if (this.frozen) return;
    this.frozen = true;
    this.signalGroup('SIGSTOP');
  }

  thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    this.signalGroup('SIGCONT');
  }

  /** VmHWM of the runtime process (the group's other processes are not counted in this mode). */
  maxMemoryUsedMB(): number {
    const pid = this.child?.pid;
    if (!pid) return 0;
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Math.max(1, Math.round(Number(m[1]) / 1024)) : 0;
    } catch {
      return 0;
    }
  }

  resetMemoryPeak(): void {}

  consumeOomKill(): boolean {
    return false;
  }

  kill(): void {
    this.signalGroup('SIGKILL');
    this.frozen = false;
  }

  async destroy(): Promise<void> {
    this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
