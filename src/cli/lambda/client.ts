/**
 * The Lambda client the CLI talks through: endpoint from --endpoint-url, LAMBKIN_ENDPOINT or
 * http://127.0.0.1:9001; region from --region, AWS_REGION, AWS_DEFAULT_REGION or us-east-1;
 * credentials from the environment, else dummy ones (Lambkin accepts any signature).
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9001';

export interface ClientOptions {
  endpointUrl?: string;
  region?: string;
  debug?: boolean;
}

export interface Client {
  lambda: LambdaClient;
  sdk: typeof import('@aws-sdk/client-lambda');
  /** URL of the last request sent (for "Could not connect" messages). */
  lastUrl(): string | undefined;
}

export async function makeClient(opts: ClientOptions): Promise<Client> {
  // The SDK warns on Node < 22 on every start; a CLI should not.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('@aws-sdk/client-lambda');
  const env = process.env;
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined }
      : { accessKeyId: 'lambkin', secretAccessKey: 'lambkin' };
  const lambda = new sdk.LambdaClient({
    endpoint: opts.endpointUrl || env.LAMBKIN_ENDPOINT || DEFAULT_ENDPOINT,
    region: opts.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    credentials,
  });
  let last: string | undefined;
  lambda.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { protocol?: string; hostname?: string; port?: number; path?: string; method?: string; query?: Record<string, unknown> };
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query ?? {})) for (const one of [v].flat()) if (one != null) qs.append(k, String(one));
      last = `${req.protocol}//${req.hostname}${req.port ? `:${req.port}` : ''}${req.path ?? ''}${qs.size ? `?${qs}` : ''}`;
      if (opts.debug) process.stderr.write(`DEBUG ${req.method} ${last}\n`);
      const res = await next(args);
      if (opts.debug) process.stderr.write(`DEBUG response ${(res.response as { statusCode?: number }).statusCode}\n`);
      return res;
    },
    { step: 'finalizeRequest', name: 'lambkinRequestUrl' },
  );
  return { lambda, sdk, lastUrl: () => last };
}

/** The aws CLI's wording for a failed call; undefined if `err` is not a service or connection error. */
export function describeCallError(err: unknown, operation: string, url: string | undefined): { message: string; service: boolean } | undefined {
  const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number }; $response?: unknown; cause?: unknown };
  if (e?.$metadata?.httpStatusCode !== undefined) {
    const msg = !e.message || e.message === 'UnknownError' ? 'Unknown' : e.message;
    return { message: `An error occurred (${e.name ?? 'Unknown'}) when calling the ${operation} operation: ${msg}`, service: true };
  }
  const code = e?.code ?? (e?.cause as { code?: string } | undefined)?.code;
  if (code && ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'ETIMEDOUT'].includes(code)) {
    return { message: `Could not connect to the endpoint URL: "${url ?? ''}"`, service: false };
  }
  return undefined;
}
