/**
 * Weighted alias routing, measured: 1000 invocations of an alias with a 10% canary (boto3, one Python
 * process) land between 6% and 14% on the new version; every answer says which version ran, and the
 * function always sees the alias ARN. Weight 0 sends nothing to the extra version.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { ROLE, arn, awsOk, echoZip, py } from './fixtures/versions/helpers.js';

const F = 'vcanary';

describe('weighted alias routing (boto3)', () => {
  let lk: Lambkin;
  let dir: string;

  before(async () => {
    lk = await startLambkin();
    dir = mkdtempSync(path.join(tmpdir(), 'lambkin-canary-'));
    for (const m of ['old', 'new']) writeFileSync(path.join(dir, `${m}.zip`), await echoZip(m));
    await py(lk.url, `
z = lambda name: open(${JSON.stringify(dir)} + '/' + name + '.zip', 'rb').read()
lambda_client.create_function(FunctionName=${JSON.stringify(F)}, Runtime='provided.al2023', Handler='x', Role=${JSON.stringify(ROLE)},
                              Code={'ZipFile': z('old')}, Publish=True)
lambda_client.update_function_code(FunctionName=${JSON.stringify(F)}, ZipFile=z('new'), Publish=True)
print('{}')
`);
  });
  after(async () => {
    await lk?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a 10% canary gets 6-14% of 1000 invocations; each answer names the version that ran', async () => {
    const alias = await awsOk(lk.url, ['lambda', 'create-alias', '--function-name', F, '--name', 'live', '--function-version', '1',
      '--routing-config', 'AdditionalVersionWeights={2=0.1}']);
    assert.deepEqual(alias.RoutingConfig, { AdditionalVersionWeights: { '2': 0.1 } });

    const started = Date.now();
    const r = await py(lk.url, `
counts, bad = {}, []
for i in range(1000):
    out = invoke(FunctionName=${JSON.stringify(F)}, Qualifier='live', Payload=b'{}')
    p = out['payload']
    counts[out['version']] = counts.get(out['version'], 0) + 1
    expected_file = {'1': 'old', '2': 'new'}.get(out['version'])
    if out['error'] or p['v'] != out['version'] or p['file'] != expected_file or p['arn'] != ${JSON.stringify(arn(F, 'live'))}:
        bad.append(out)
print(json.dumps({'counts': counts, 'bad': bad[:5]}))
`);
    const seconds = (Date.now() - started) / 1000;
    assert.deepEqual(r.bad, [], 'every answer is consistent with X-Amz-Executed-Version and the alias ARN');
    assert.deepEqual(Object.keys(r.counts).sort(), ['1', '2']);
    assert.equal(r.counts['1'] + r.counts['2'], 1000);
    assert.ok(r.counts['2'] >= 60 && r.counts['2'] <= 140, `version 2 ran ${r.counts['2']} of 1000 times (${seconds.toFixed(1)} s)`);
  });

  it('weight 0 routes nothing to the extra version; removing the routing sends everything to the primary', async () => {
    await awsOk(lk.url, ['lambda', 'update-alias', '--function-name', F, '--name', 'live', '--routing-config', 'AdditionalVersionWeights={2=0.0}']);
    const r = await py(lk.url, `
zero = [invoke(FunctionName=${JSON.stringify(F)}, Qualifier='live')['version'] for i in range(100)]
lambda_client.update_alias(FunctionName=${JSON.stringify(F)}, Name='live', FunctionVersion='2', RoutingConfig={'AdditionalVersionWeights': {}})
moved = [invoke(FunctionName=${JSON.stringify(F)} + ':live')['version'] for i in range(50)]
print(json.dumps({'zero': sorted(set(zero)), 'moved': sorted(set(moved)), 'alias': lambda_client.get_alias(FunctionName=${JSON.stringify(F)}, Name='live')}))
`);
    assert.deepEqual(r.zero, ['1']);
    assert.deepEqual(r.moved, ['2']);
    assert.equal(r.alias.RoutingConfig, undefined);
  });
});
