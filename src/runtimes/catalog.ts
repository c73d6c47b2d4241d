/**
 * Runtime ids → how to start an environment for them: the interpreter, our bootstrap, and the
 * AWS_EXECUTION_ENV value. The interpreter per runtime id is configurable (`runtimeOverrides`);
 * `lambkin doctor` prints this table.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeFamily, type RuntimeFamily } from '../control/runtimes.js';
import type { SandboxLayout } from '../sandbox/sandbox.js';
import { nodeRuntimeFlags } from './nodejs-runtime.js';

/** Repository root, from dist/src/runtimes/catalog.js. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const RUNTIME_DIRS: Partial<Record<RuntimeFamily, string>> = {
  nodejs: path.join(REPO_ROOT, 'dist/src/runtimes/nodejs'),
  python: path.join(REPO_ROOT, 'src/runtimes/python'),
  // Not a bootstrap: the prewarmed pool's stem for custom runtimes (see stemLaunch).
  provided: path.join(REPO_ROOT, 'src/runtimes/provided'),
};

export interface RuntimeLaunch {
  family: RuntimeFamily;
  /** Host directory mounted at /var/runtime (our bootstrap), if any. */
  runtimeDir?: string;
  /** Interpreter on the host (absolute), for the families that have one. */
  interpreter?: string;
  /** argv inside the sandbox. */
  argv(layout: SandboxLayout, handler: string): string[];
  /** AWS_EXECUTION_ENV (absent for provided runtimes). */
  executionEnv?: string;
}

export interface RuntimeProblem {
  runtime: string;
  reason: string;
}

/** Default interpreters: the host's Node for every nodejs id, Debian's python3 (never the PATH shim). */
export function defaultInterpreter(family: RuntimeFamily): string | undefined {
  if (family === 'nodejs') return process.execPath;
  if (family === 'python') return '/usr/bin/python3';
  return undefined;
}

export class RuntimeCatalog {
  constructor(private readonly overrides: Record<string, string> = {}) {}

  interpreterFor(runtime: string): string | undefined {
    return this.overrides[runtime] ?? defaultInterpreter(runtimeFamily(runtime));
  }

  /** How to launch `runtime`, or why it can't be launched here. */
  resolve(runtime: string): RuntimeLaunch | RuntimeProblem {
    const family = runtimeFamily(runtime);
    const interpreter = this.interpreterFor(runtime);
    switch (family) {
      case 'nodejs':
      case 'python': {
        if (!interpreter || !isExecutable(interpreter)) {
          return { runtime, reason: `the ${runtime} interpreter (${interpreter ?? 'none configured'}) is not installed on this server` };
        }
        const runtimeDir = RUNTIME_DIRS[family]!;
        const entry = family === 'nodejs' ? 'bootstrap.cjs' : 'bootstrap.py';
        if (!existsSync(path.join(runtimeDir, entry))) return { runtime, reason: `Lambkin's ${family} bootstrap is missing (${runtimeDir}/${entry}); run npm run build` };
        return {
          family,
          runtimeDir,
          interpreter,
          executionEnv: `AWS_Lambda_${runtime}`,
          argv: (layout) => [interpreter, ...(family === 'python' ? PYTHON_FLAGS : NODE_FLAGS), path.posix.join(layout.runtimeDir, entry)],
        };
      }
      case 'provided':
        // The package's own `bootstrap` (or a layer's /opt/bootstrap) is the runtime.
        return { family, argv: (layout) => [path.posix.join(layout.taskRoot, 'bootstrap')] };
      case 'go':
        // go1.x ran the handler binary itself; aws-lambda-go speaks the Runtime API when AWS_LAMBDA_RUNTIME_API is set.
        return { family, executionEnv: 'AWS_Lambda_go1.x', argv: (layout, handler) => [path.posix.join(layout.taskRoot, handler)] };
      default:
        if (interpreter) return { runtime, reason: `Lambkin has no bootstrap for ${runtime} yet` };
        return { runtime, reason: `${runtime} is not available on this Lambkin server (no interpreter configured; see runtimeOverrides)` };
    }
  }

  /**
   * The prewarmed pool's launch for custom runtimes: a stem (Debian's python3 running stem.py) that
   * becomes the function's `bootstrap` once assigned. Undefined where python3 is missing.
   */
  stemLaunch(): RuntimeLaunch | undefined {
    const interpreter = defaultInterpreter('python')!;
    if (!isExecutable(interpreter) || !existsSync(path.join(RUNTIME_DIRS.provided!, 'stem.py'))) return undefined;
    return { family: 'provided', runtimeDir: RUNTIME_DIRS.provided, interpreter, argv: (layout) => [interpreter, ...PYTHON_FLAGS, path.posix.join(layout.runtimeDir, 'stem.py')] };
  }

  /** One line per runtime family for `lambkin doctor`. */
  describe(runtimes: readonly string[]): { runtime: string; status: string }[] {
    return runtimes.map((r) => {
      const l = this.resolve(r);
      if ('reason' in l) return { runtime: r, status: `unavailable: ${l.reason}` };
      return { runtime: r, status: l.interpreter ? `${l.interpreter} + ${l.runtimeDir}` : 'the package bootstrap' };
    });
  }
}

/** Node flags AWS passes (global.gc, 80 KiB HTTP headers); heap limits are left to the cgroup. */
const NODE_FLAGS: string[] = nodeRuntimeFlags();
/** Python: -S skips site (halves interpreter start-up); the bootstrap sets sys.path as Lambda does. */
const PYTHON_FLAGS: string[] = ['-S'];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
