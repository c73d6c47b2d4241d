/** `lambkin serve`: run the server until SIGTERM/SIGINT, then shut down gracefully. */
import { loadConfig } from '../config.js';
import { startServer } from '../server.js';

export interface ServeFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  config?: string;
}

export async function serve(flags: ServeFlags): Promise<void> {
  const config = loadConfig({
    configFile: flags.config,
    flags: { port: flags.port, host: flags.host, dataDir: flags.dataDir },
  });
  // A safety net: a bug in a background task must not take the server (and every function) down.
  process.on('unhandledRejection', (err) => process.stderr.write(`internal error (unhandled rejection): ${(err as Error)?.stack ?? String(err)}\n`));
  const server = await startServer(config);
  // Tests and scripts read this line to find the port.
  process.stdout.write(`Lambkin listening on ${server.url} (data in ${config.dataDir})\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: shutting down\n`);
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
