/** Deploying test functions quickly: a bash custom runtime (provided.al2023) and a create helper. */
import { CreateFunctionCommand, GetFunctionConfigurationCommand, type LambdaClient, type CreateFunctionCommandInput } from '@aws-sdk/client-lambda';
import { makeZip } from './zip.js';
import { ROLE } from './clients.js';

/**
 * A bash runtime: reads each event, runs `handle` with $EVENT (raw JSON), $REQUEST_ID and $H (the
 * /next response headers file) set, and posts its stdout as the response (an error if it returns
 * non-zero). Its stderr goes to the function's log.
 */
export function bashRuntime(handle: string, init = ''): Promise<Buffer> {
  const bootstrap = `#!/bin/bash
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
${init}
handle() {
${handle}
}
while true; do
  H=$(mktemp)
  EVENT=$(curl -sS -LD "$H" "$API/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$H" | tr -d '[:space:]' | cut -d: -f2-)
  if OUT=$(handle); then
    curl -sS -X POST -H 'Content-Type: application/json' "$API/invocation/$REQUEST_ID/response" --data-binary "$OUT" >/dev/null
  else
    curl -sS -X POST -H 'Lambda-Runtime-Function-Error-Type: Function.Failed' "$API/invocation/$REQUEST_ID/error" \\
      --data-binary "{\\"errorType\\":\\"Failed\\",\\"errorMessage\\":\\"handler failed\\"}" >/dev/null
  fi
  rm -f "$H"
done
`;
  return makeZip({ bootstrap: { content: bootstrap, mode: 0o100755 } });
}

export async function createFunction(
  client: LambdaClient,
  name: string,
  zip: Buffer,
  opts: Partial<CreateFunctionCommandInput> = {},
): Promise<void> {
  await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'provided.al2023',
      Handler: 'handler',
      Role: ROLE,
      Code: { ZipFile: zip },
      // Margins for a busy machine: a test that is about the limits says so; the rest get one vCPU and 30 s.
      MemorySize: 1769,
      Timeout: 30,
      ...opts,
    }),
  );
  for (let i = 0; i < 100; i++) {
    const c = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (c.State === 'Active') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not become Active`);
}

/** Invokes and returns the decoded payload text, function error and log tail. */
export async function invoke(client: LambdaClient, name: string, payload: unknown = {}, opts: { qualifier?: string } = {}) {
  const { InvokeCommand } = await import('@aws-sdk/client-lambda');
  const r = await client.send(
    new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), LogType: 'Tail', Qualifier: opts.qualifier }),
  );
  return {
    status: r.StatusCode,
    text: Buffer.from(r.Payload ?? []).toString('utf8'),
    functionError: r.FunctionError,
    log: r.LogResult ? Buffer.from(r.LogResult, 'base64').toString('utf8') : '',
    version: r.ExecutedVersion,
  };
}
