/**
 * Custom runtimes (provided.al2023) from the prewarmed pool: a stem sandbox that becomes the
 * package's bootstrap. The bootstrap must not be able to tell it from a freshly created sandbox,
 * except that /var/runtime holds the stem (a fresh one's is empty).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { sdk } from './helpers/clients.js';
import { bashRuntime, createFunction } from './helpers/functions.js';
import { makeZip } from './helpers/zip.js';

let server: Lambkin;
let client: LambdaClient;

const REPORT = bashRuntime(`
  sleep 0.5
  keys=$(env | cut -d= -f1 | grep -v '^_$' | sort | tr '\\n' ' ')
  echo "{\\"keys\\": \\"$keys\\", \\"cwd\\": \\"$(pwd)\\", \\"runtimeDir\\": \\"$(ls /var/runtime | tr '\\n' ' ')\\", \\"fn\\": \\"$AWS_LAMBDA_FUNCTION_NAME\\"}"
`);

/** Until the prewarmed pool is full: 2 each for Node, Python and custom runtimes. */
async function poolFull(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    if (/^lambkin_environments\{state="prewarmed"\} 6$/m.test(text)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the prewarmed pool did not fill');
}

async function call(name: string) {
  const r = await client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
  return { error: r.FunctionError, body: Buffer.from(r.Payload!).toString() };
}

describe('custom runtimes from the prewarmed pool', () => {
  before(async () => {
    server = await startLambkin();
    client = sdk(server.url);
    await createFunction(client, 'custom-report', await REPORT);
    await createFunction(client, 'custom-bad-interpreter', await makeZip({ bootstrap: { content: '#!/nonexistent/interpreter\n', mode: 0o100755 } }));
  });
  after(async () => {
    client?.destroy();
    await server?.stop();
  });

  it('pooled and fresh environments look the same to the bootstrap', async () => {
    // Three at once: two can take the pool's stems (2 per family), the third needs a new sandbox.
    await poolFull();
    const out = await Promise.all([call('custom-report'), call('custom-report'), call('custom-report')]);
    const results = out.map((o) => {
      assert.equal(o.error, undefined, o.body);
      return JSON.parse(o.body) as { keys: string; cwd: string; runtimeDir: string; fn: string };
    });
    const pooled = results.filter((r) => r.runtimeDir.includes('stem.py'));
    const fresh = results.filter((r) => r.runtimeDir.trim() === '');
    assert.ok(pooled.length >= 1 && fresh.length >= 1, JSON.stringify(results));
    for (const r of results) {
      assert.equal(r.cwd, '/var/task');
      assert.equal(r.fn, 'custom-report');
      assert.equal(r.keys, results[0].keys, 'the same environment variables');
      assert.doesNotMatch(r.keys, /LAMBKIN|PYTHONPATH/);
    }
  });

  it('a bootstrap that cannot be executed is Runtime.ExitError, pooled or fresh', async () => {
    await poolFull();
    const out = await Promise.all([call('custom-bad-interpreter'), call('custom-bad-interpreter'), call('custom-bad-interpreter')]);
    for (const o of out) {
      assert.equal(o.error, 'Unhandled');
      assert.equal(JSON.parse(o.body).errorType, 'Runtime.ExitError', o.body);
    }
  });
});
