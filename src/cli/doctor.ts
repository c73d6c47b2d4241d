/** `lambkin doctor`: what this host can do, which sandbox mode the server will use, and the runtime table. */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { ALL_RUNTIMES, DEPRECATED_RUNTIMES } from '../control/runtimes.js';
import { RuntimeCatalog } from '../runtimes/catalog.js';
import { missingForBwrap, probeCapabilities } from '../sandbox/capabilities.js';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check sandbox prerequisites and show the runtime → interpreter mapping')
    .option('-c, --config <file>', 'JSON config file (LAMBKIN_CONFIG)')
    .option('--json', 'machine-readable output')
    .action((flags: { config?: string; json?: boolean }) => {
      const config = loadConfig({ configFile: flags.config });
      const caps = probeCapabilities();
      const missing = missingForBwrap(caps);
      const mode = config.sandbox === 'process' ? 'process' : missing.length === 0 ? 'bwrap' : config.sandbox === 'bwrap' ? 'bwrap (will fail to start)' : 'process (fallback)';
      const catalog = new RuntimeCatalog(config.runtimeOverrides);
      const runtimes = ALL_RUNTIMES.filter((r) => !DEPRECATED_RUNTIMES.has(r) || config.allowDeprecatedRuntimes);
      const table = catalog.describe(runtimes);
      if (flags.json) {
        process.stdout.write(JSON.stringify({ config, capabilities: caps, mode, runtimes: table }, null, 2) + '\n');
        return;
      }
      const out: string[] = [];
      out.push(`Lambkin doctor`, '', `data dir:      ${config.dataDir}`, `listen:        ${config.host}:${config.port}`, `account:       ${config.accountId}`);
      out.push(`sandbox mode:  ${mode} (configured: ${config.sandbox})`, '', 'Capabilities:');
      for (const c of caps) out.push(`  ${c.ok ? '✓' : '✗'} ${c.name.padEnd(18)} ${c.detail}${c.ok ? '' : `  — without it: ${c.loses}`}`);
      out.push('', 'Runtimes:');
      for (const r of table) out.push(`  ${r.runtime.padEnd(16)} ${r.status}`);
      if (missing.length > 0) {
        out.push('', 'To run sandboxed: apt-get install bubblewrap iproute2 nftables e2fsprogs util-linux, and run the server as root.');
      }
      process.stdout.write(out.join('\n') + '\n');
    });
}
