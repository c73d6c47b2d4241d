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
import { Router, createHttpServer, requestListener } from './api/http.js';
import { lambdaRoutes } from './api/lambda-routes.js';
import { invokeRoutes } from './api/invoke-routes.js';
import { LogSink } from './logs/sink.js';
import { RUNTIME_DIRS, RuntimeCatalog } from './runtimes/catalog.js';
import { EnvironmentManager, type ManagerOptions } from './environment/manager.js';
import { selectSandbox } from './sandbox/select.js';
import { hostHelper } from './sandbox/host-helper.js';
import { VersionResolver } from './invoke/resolver.js';
import { ConcurrencyLimiter } from './invoke/concurrency.js';
import { InvokeService } from './invoke/invoke-service.js';
import { AsyncQueue } from './invoke/async-queue.js';
import { logsTargetHandler } from './api/logs-routes.js';
import { metricsRoutes } from './api/metrics-routes.js';
import { LogMaintenance } from './logs/maintenance.js';
import { Metrics } from './metrics/metrics.js';
import { EventSources } from './events/event-sources.js';
import { sqsJsonHandler } from './api/sqs-json.js';
import { sqsQueryRoutes } from './api/sqs-query.js';
import { eventSourceMappingRoutes } from './api/event-source-mapping-routes.js';
import { schedulerRoutes } from './api/scheduler-routes.js';
import { eventsAdminRoutes } from './api/events-admin-routes.js';

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
  const abandoned = await code.init();
  if (abandoned > 0) log(`removed ${abandoned} unfinished upload(s) from an earlier run`);
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

  const logs = new LogSink(store, {
    log,
    budget: { rateBytesPerSec: config.logRateBytesPerSec, burstBytes: config.logBurstBytes },
    noticeMs: config.logDropNoticeMs,
  });
  const logMaintenance = new LogMaintenance(store, logs, {
    sweepMs: config.logRetentionSweepMs,
    maxBytes: config.logMaxBytes,
    groupMaxBytes: config.logGroupMaxBytes > 0 ? config.logGroupMaxBytes : Math.floor(config.logMaxBytes / 4),
    dataDir: config.dataDir,
    log,
  });
  const provider = await selectSandbox(config.sandbox, config.dataDir, code.root, Object.values(RUNTIME_DIRS), log);
  const managerOptions: ManagerOptions = {
    provider,
    catalog: new RuntimeCatalog(config.runtimeOverrides),
    logs,
    code,
    apiHost: `127.0.0.1:${config.port}`,
    initTimeoutMs: config.initTimeoutMs,
    keepAliveMs: config.keepAliveMs,
    prewarmPerRuntime: config.prewarmPerRuntime,
    log,
  };
  const manager = new EnvironmentManager(managerOptions);
  ctx.changes.on('change', (c) => {
    if (c.kind === 'function') manager.retire(c.region, c.name, c.version);
  });
  const invoke = new InvokeService(config.accountId, new VersionResolver(functions, store, ctx.changes), manager, new ConcurrencyLimiter(config.concurrencyLimit));
  const queue = new AsyncQueue(store, (e) => invoke.runQueued(e.region, e.functionName, e.qualifier, e.payload, e.id), {
    retryDelaysMs: config.asyncRetryDelaysMs,
    maxEventAgeMs: 6 * 3600_000,
    log,
  });
  invoke.queue = queue;

  const metrics = new Metrics({
    environments: () => manager.stats(),
    logs: async () => ({ storedBytes: await store.totalLogBytes(), dropped: logs.dropped, expired: logMaintenance.expiredEvents, capped: logMaintenance.cappedEvents, written: logs.written }),
    logGroups: () => ({ throttled: logs.throttledByGroup(), evicted: [...logMaintenance.evicted.values()], stored: logMaintenance.groupBytes }),
  });
  invoke.observeStart((v) => metrics.started(v));
  invoke.observe((v, outcome, throttled) => metrics.finished(v, outcome, throttled));
  ctx.changes.on('change', (c) => {
    if (c.kind === 'function' && c.deleted && c.version === undefined) metrics.functionDeleted(c.region, c.name);
  });

  const events = new EventSources({ store, invoke, accountId: config.accountId, concurrencyLimit: config.concurrencyLimit, registry: metrics.registry, log });
  const eventsError = (err: unknown) => log(`event sources API error: ${(err as Error)?.stack ?? String(err)}`);

  const router = new Router().add(...lambdaRoutes(services), ...invokeRoutes(invoke), ...metricsRoutes(metrics));
  router.add(...eventSourceMappingRoutes(events.mappings), ...schedulerRoutes(events.schedules, eventsError), ...eventsAdminRoutes(events, config.testClock));
  // The SQS query protocol's `POST /` and `POST /<account>/<queue>` come after every other route.
  router.add(...sqsQueryRoutes(events.sqs, config.accountId, eventsError));
  router.targetHandlers.push(logsTargetHandler({ store, sink: logs, accountId: config.accountId, onInternalError: (err) => log(`logs API error: ${(err as Error)?.stack ?? String(err)}`) }));
  router.targetHandlers.push(sqsJsonHandler(events.sqs, config.accountId, eventsError));
  const httpOptions = {
    defaultRegion: config.defaultRegion,
    onInternalError: (err: unknown, req: { method?: string; url?: string }) =>
      log(`internal error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`),
  };
  managerOptions.apiHandler = requestListener(router, httpOptions);
  const http = createHttpServer(router, httpOptions);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const reachableHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  managerOptions.apiHost = `${reachableHost.includes(':') ? `[${reachableHost}]` : reachableHost}:${port}`;
  queue.start();
  await events.start();
  manager.startPrewarm();
  logMaintenance.start();

  let closing: Promise<void> | undefined;
  log(`sandbox: ${provider.describe()}`);
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        clearTimeout(gcTimer);
        queue.stop();
        const eventsStopped = events.stop();
        const closed = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeIdleConnections();
        await queue.drain(5000);
        await eventsStopped;
        await manager.shutdown();
        await provider.shutdown();
        http.closeAllConnections();
        await closed;
        await code.uploads.removeAll();
        await logMaintenance.stop();
        hostHelper.close();
        await logs.close();
        await store.close();
      })();
      return closing;
    },
  };
}
