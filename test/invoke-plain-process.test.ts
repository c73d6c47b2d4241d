/**
 * The plain-process fallback (LAMBKIN_SANDBOX=process): Node and Python functions run, the first
 * cold start from the prewarmed pool and later ones in new processes, each seeing its own code as
 * its task root.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { sdk } from './helpers/clients.js';
import { createFunction } from './helpers/functions.js';
import { makeZip } from './helpers/zip.js';

let server: Lambkin;
let client: LambdaClient;

const NODE = `exports.handler = async () => ({ root: process.env.LAMBDA_TASK_ROOT, cwd: process.cwd(), own: require('fs').existsSync('index.js') });\n`;
const PYTHON = `import os\ndef handler(event, context):\n    return {'root': os.environ['LAMBDA_TASK_ROOT'], 'cwd': os.getcwd(), 'own': os.path.exists('app.py')}\n`;

async function call(name: string): Promise<{ root: string; cwd: string; own: boolean }> {
  const r = await client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
  const body = Buffer.from(r.Payload!).toString();
  assert.equal(r.FunctionError, undefined, body);
  return JSON.parse(body);
}

describe('plain-process mode', () => {
  before(async () => {
    server = await startLambkin({ env: { LAMBKIN_SANDBOX: 'process' } });
    client = sdk(server.url);
    await createFunction(client, 'plain-node', await makeZip({ 'index.js': NODE }), { Runtime: 'nodejs22.x', Handler: 'index.handler' });
    await createFunction(client, 'plain-python', await makeZip({ 'app.py': PYTHON }), { Runtime: 'python3.12', Handler: 'app.handler' });
  });
  after(async () => {
    client?.destroy();
    await server?.stop();
  });

  for (const name of ['plain-node', 'plain-python']) {
    it(`${name}: cold starts from the pool and from scratch see their own code`, async () => {
      // Three concurrent invocations: two can come from the pool (2 per runtime family), one cannot.
      const results = await Promise.all([call(name), call(name), call(name)]);
      for (const r of results) {
        assert.equal(r.own, true, JSON.stringify(r));
        assert.equal(r.cwd, r.root);
      }
    });
  }
});
