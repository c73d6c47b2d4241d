/**
 * Our own monitoring endpoints: `GET /metrics` (Prometheus text) and `GET /_lambkin/stats` (recent
 * invocations per function as JSON, for `lambkin stats`: ?function=F&minutes=5&region=R).
 */
import { LambdaError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Route } from './http.js';

export function metricsRoutes(metrics: Metrics): Route[] {
  return [
    {
      method: 'GET',
      path: '/metrics',
      handler: async () => {
        const { contentType, body } = await metrics.exposition();
        return { status: 200, headers: { 'Content-Type': contentType }, body: Buffer.from(body) };
      },
    },
    {
      method: 'GET',
      path: '/_lambkin/stats',
      handler: (req) => {
        const rawMinutes = req.query.get('minutes') ?? '5';
        const minutes = Number(rawMinutes);
        const windowMinutes = metrics.recent.windowMs / 60_000;
        if (!Number.isFinite(minutes) || minutes <= 0 || minutes > windowMinutes) {
          throw new LambdaError('ValidationException', `minutes must be a number greater than 0 and at most ${windowMinutes}, got '${rawMinutes}'`);
        }
        const fn = req.query.get('function') ?? undefined;
        // A function ARN names its region; otherwise ?region=, else the request's (SigV4 scope or default).
        const arn = fn ? /^arn:[^:]+:lambda:([^:]+):\d{12}:function:([^:]+)/.exec(fn) : null;
        const region = arn?.[1] ?? req.query.get('region') ?? req.region;
        const functionName = arn?.[2] ?? fn?.replace(/:.*$/, '');
        const functions = metrics.recent.summary({
          region: req.query.get('allRegions') === 'true' ? undefined : region,
          functionName,
          minutes,
          concurrency: (r, f) => metrics.concurrency(r, f),
        });
        return { status: 200, body: { windowMinutes: minutes, now: Date.now(), functions } };
      },
    },
  ];
}
