/** Wires the parts together from one Config and runs the HTTP server. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { openSqliteStore } from './store/sqlite.js';
import { CodeStore } from './code/code-store.js';
import { ChangeFeed, type ControlContext } from './control/context.js';
import { FunctionService } from './control/functions.js';
import { VersionService } from './control/versions.js';
import { AliasService } from './control/aliases.js';
import { TagService } from './control/tags.js';
import { CodeLinks } from './api/code-links.js';
import { Router, createHttpServer } from './api/http.js';
import { lambdaRoutes } from './api/lambda-routes.js';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: (line: string) => void;
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await mkdir(config.dataDir, { recursive: true });
  const store = openSqliteStore(path.join(config.dataDir, 'lambkin.db'));
  const code = new CodeStore(config.dataDir);
  await code.init();
  const removed = await code.cleanup(await store.referencedCodeShas());
  if (removed > 0) log(`removed ${removed} orphaned code file(s) from an earlier run`);

  const ctx: ControlContext = { store, code, config, changes: new ChangeFeed() };
  const functions = new FunctionService(ctx);
  const services = {
    ctx,
    functions,
    versions: new VersionService(ctx),
    aliases: new AliasService(ctx),
    tags: new TagService(ctx),
    links: new CodeLinks(),
  };

  // Deleted and replaced code is collected once nothing references it any more.
  let gcTimer: NodeJS.Timeout | undefined;
  ctx.changes.on('change', () => {
    clearTimeout(gcTimer);
    gcTimer = setTimeout(() => {
      store.referencedCodeShas().then((refs) => code.cleanup(refs)).catch((err) => log(`code cleanup failed: ${String(err)}`));
    }, 1000);
    gcTimer.unref();
  });

  const router = new Router().add(...lambdaRoutes(services));
  const http = createHttpServer(router, {
    defaultRegion: config.defaultRegion,
    onInternalError: (err, req) => log(`internal error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`),
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        clearTimeout(gcTimer);
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeIdleConnections();
        });
        await store.close();
      })();
      return closing;
    },
  };
}
