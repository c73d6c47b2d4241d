/** Picks the sandbox implementation for this host and says loudly what is missing. */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { SandboxMode } from '../config.js';
import { BwrapSandboxProvider } from './bwrap-sandbox.js';
import { missingForBwrap, probeCapabilities } from './capabilities.js';
import { ProcessSandboxProvider } from './process-sandbox.js';
import type { SandboxProvider } from './sandbox.js';

export async function selectSandbox(
  mode: SandboxMode,
  dataDir: string,
  codeRoot: string,
  runtimeDirs: string[],
  log: (line: string) => void,
): Promise<SandboxProvider> {
  const runDir = path.join(dataDir, 'run');
  if (mode !== 'process') {
    const missing = missingForBwrap(probeCapabilities());
    if (missing.length === 0) {
      const serverKey = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 10);
      const provider = new BwrapSandboxProvider({ runDir, codeRoot, runtimeDirs, serverKey, log });
      try {
        await provider.cleanupStale();
        return provider;
      } catch (err) {
        if (mode === 'bwrap') throw err;
        log(`WARNING: sandbox set-up failed (${(err as Error).message}); falling back to plain processes`);
        await provider.shutdown().catch(() => undefined);
      }
    } else {
      const lines = missing.map((c) => `  - ${c.name}: ${c.detail} → without it: ${c.loses}`);
      if (mode === 'bwrap') throw new Error(`sandbox mode 'bwrap' needs:\n${lines.join('\n')}`);
      log(
        [
          'WARNING: functions run as PLAIN PROCESSES: no isolation, no memory/CPU limits, no sized /tmp, no network separation.',
          'Missing on this host:',
          ...lines,
          'Install the prerequisites (see README: apt-get install bubblewrap iproute2 nftables e2fsprogs; run as root) or set LAMBKIN_SANDBOX=process to silence this.',
        ].join('\n'),
      );
    }
  }
  const provider = new ProcessSandboxProvider(runDir);
  await provider.cleanupStale();
  return provider;
}
