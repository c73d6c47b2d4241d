/** The benchmark's functions: an echo per runtime kind, and a slow one for scale-out. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeZip } from '../test/helpers/zip.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/fixtures');

export interface BenchFunction {
  kind: string;
  runtime: string;
  handler: string;
  zip: Buffer;
}

const SHELL_ECHO = `#!/bin/bash
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  H=$(mktemp)
  EVENT=$(curl -sS -LD "$H" "$API/invocation/next")
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$H" | tr -d '[:space:]' | cut -d: -f2-)
  curl -sS -X POST "$API/invocation/$ID/response" --data-binary "$EVENT" >/dev/null
  rm -f "$H"
done
`;

/** Builds the static C echo runtime (needs gcc); undefined where it can't be built. */
function staticBinary(): Buffer | undefined {
  const out = path.join(FIXTURES, '..', '..', '.cache', 'echo-runtime');
  try {
    if (!existsSync(out)) execFileSync('gcc', ['-O2', '-static', '-o', out, path.join(FIXTURES, 'echo-runtime.c')], { stdio: 'ignore' });
    return readFileSync(out);
  } catch {
    return undefined;
  }
}

export async function echoFunctions(): Promise<BenchFunction[]> {
  const fns: BenchFunction[] = [
    { kind: 'nodejs', runtime: 'nodejs22.x', handler: 'index.handler', zip: await makeZip({ 'index.js': 'exports.handler = async (event) => event;\n' }) },
    { kind: 'python', runtime: 'python3.12', handler: 'app.handler', zip: await makeZip({ 'app.py': 'def handler(event, context):\n    return event\n' }) },
    { kind: 'provided (bash+curl)', runtime: 'provided.al2023', handler: 'x', zip: await makeZip({ bootstrap: { content: SHELL_ECHO, mode: 0o100755 } }) },
  ];
  const bin = staticBinary();
  if (bin) fns.push({ kind: 'provided (static C binary)', runtime: 'provided.al2023', handler: 'x', zip: await makeZip({ bootstrap: { content: bin, mode: 0o100755 } }) });
  return fns;
}

export async function slowNodeFunction(): Promise<BenchFunction> {
  return {
    kind: 'nodejs-slow',
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    zip: await makeZip({
      'index.js': 'const id = Math.random().toString(36).slice(2);\nexports.handler = async () => { await new Promise((r) => setTimeout(r, 300)); return { id }; };\n',
    }),
  };
}
