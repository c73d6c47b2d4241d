/** Invoke and InvokeAsync over HTTP: headers in, headers out; the work is in InvokeService. */
import type { InvokeService } from '../invoke/invoke-service.js';
import { SYNC_PAYLOAD_LIMIT } from '../invoke/invoke-service.js';
import type { ApiRequest, Route } from './http.js';

const header = (req: ApiRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export function invokeRoutes(invoke: InvokeService): Route[] {
  return [
    {
      method: 'POST',
      path: '/2015-03-31/functions/{FunctionName}/invocations',
      operation: 'InvokeFunction',
      maxBody: SYNC_PAYLOAD_LIMIT,
      handler: async (req) => {
        const r = await invoke.invoke({
          region: req.region,
          functionName: req.params.FunctionName,
          qualifier: req.query.get('Qualifier') ?? undefined,
          payload: req.body,
          invocationType: header(req, 'x-amz-invocation-type'),
          logType: header(req, 'x-amz-log-type'),
          clientContext: header(req, 'x-amz-client-context'),
        });
        if (r.status !== 200) return { status: r.status, headers: { 'x-amzn-RequestId': r.requestId } };
        const headers: Record<string, string> = {
          'x-amzn-RequestId': r.requestId,
          'Content-Type': r.contentType ?? 'application/json',
          'X-Amz-Executed-Version': r.executedVersion ?? '$LATEST',
        };
        if (r.functionError) headers['X-Amz-Function-Error'] = r.functionError;
        if (r.logResult !== undefined) headers['X-Amz-Log-Result'] = r.logResult;
        return { status: 200, headers, body: r.payload ?? Buffer.alloc(0) };
      },
    },
    {
      method: 'POST',
      path: '/2014-11-13/functions/{FunctionName}/invoke-async',
      operation: 'InvokeAsync',
      maxBody: 262_144,
      handler: async (req) => {
        const r = await invoke.invoke({
          region: req.region,
          functionName: req.params.FunctionName,
          payload: req.body,
          invocationType: 'Event',
        });
        return { status: 202, headers: { 'x-amzn-RequestId': r.requestId }, body: { Status: 202 } };
      },
    },
  ];
}
