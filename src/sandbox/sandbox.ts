/**
 * How an execution environment is isolated. The Environment (src/environment) only talks to these
 * interfaces; the plain-process and bubblewrap+cgroup implementations sit underneath unchanged.
 */
import type { Readable } from 'node:stream';

/** Paths as the function sees them. */
export interface SandboxLayout {
  taskRoot: string;
  runtimeDir: string;
  optDir: string;
  tmpDir: string;
}

export interface SandboxOptions {
  id: string;
  /** Host directory of the extracted code (read-only). Absent for a prewarmed, not-yet-assigned sandbox. */
  codeDir?: string;
  /** Host directory of our runtime client, mounted at the layout's runtimeDir. */
  runtimeDir?: string;
  memoryMB: number;
  ephemeralMB: number;
}

export interface LaunchSpec {
  /** argv as seen inside the sandbox. */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SandboxProcess {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Framed log records (the runtime's `_LAMBDA_TELEMETRY_LOG_FD`, fd 3). */
  readonly telemetry: Readable;
  readonly exited: Promise<ExitInfo>;
}

export interface Sandbox {
  readonly id: string;
  readonly layout: SandboxLayout;
  /** Address our per-environment Runtime API must listen on so this sandbox (and only it) can reach it. */
  readonly runtimeApiHost: string;
  /** Port for that Runtime API (0: any free port). */
  readonly runtimeApiPort: number;
  /** If set, the only peer address allowed to connect to that Runtime API. */
  readonly allowedPeer?: string;
  /** How a function inside reaches the Lambkin API (AWS_ENDPOINT_URL), given our API's port. */
  endpointHost(apiHost: string): string;
  launch(spec: LaunchSpec): SandboxProcess;
  /**
   * Makes a prewarmed sandbox's /var/task show `codeDir` and applies the function's memory size. `layout`
   * is final when this returns (before the promise settles): the runtime may be told its paths meanwhile.
   */
  assignCode(codeDir: string, memoryMB: number): Promise<void>;
  /** Limits for the init phase (generous CPU) and for invocations (proportional to memory). */
  enterInitPhase(): void;
  enterInvokePhase(): void;
  freeze(): void;
  thaw(): void;
  /** Peak memory of the environment in MB since the last reset. */
  maxMemoryUsedMB(): number;
  resetMemoryPeak(): void;
  /** True if the memory limit killed something since the last check. */
  consumeOomKill(): boolean;
  /** Kills every process of the sandbox (thawing first if frozen). */
  kill(): void;
  /** Releases everything: processes, cgroups, mounts, network, directories. Idempotent. */
  destroy(): Promise<void>;
}

export interface SandboxProvider {
  readonly mode: 'process' | 'bwrap';
  create(opts: SandboxOptions): Promise<Sandbox>;
  /** Start-up: removes whatever a crashed predecessor left behind. */
  cleanupStale(): Promise<void>;
  /** A summary for `lambkin doctor` and the start-up banner. */
  describe(): string;
  /** Releases pooled resources (namespaces, disks, host rules) at server shutdown. */
  shutdown(): Promise<void>;
}
