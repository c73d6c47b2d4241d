/**
 * The Node.js runtime client, seen from the platform: where the bootstrap is and how to start it.
 * The bootstrap itself is CommonJS (bootstrap.cts → bootstrap.cjs) for start-up speed; the reference
 * The runtime dir holds only what a function may see at /var/runtime: this platform-side module lives beside it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory holding bootstrap.cjs and its sibling modules (mount it as LAMBDA_RUNTIME_DIR). */
export const NODE_RUNTIME_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'nodejs');
export const NODE_BOOTSTRAP = path.join(NODE_RUNTIME_DIR, 'bootstrap.cjs');

/**
 * Node flags AWS passes to its Node.js runtime: `global.gc` exposed, 80 KiB HTTP headers and, when the
 * memory size is known at spawn (not in generic/prewarmed mode), heap limits derived from it.
 * None of them changes start-up time measurably.
 */
export function nodeRuntimeFlags(memoryMB?: number): string[] {
  const flags = ['--expose-gc', '--max-http-header-size=81920'];
  if (memoryMB && memoryMB > 0) {
    flags.push(`--max-semi-space-size=${Math.max(1, Math.floor(memoryMB * 0.05))}`, `--max-old-space-size=${Math.max(16, Math.floor(memoryMB * 0.9))}`);
  }
  return flags;
}
