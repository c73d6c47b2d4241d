/**
 * Aliases with the aws CLI and boto3: the lifecycle and AWS's shapes, RevisionId locking, listing
 * (filter and paging), AWS's exact errors (§10), versions an alias holds, invoking through an alias in
 * every name form (the function sees the alias ARN, the caller the executed version), and one set of
 * execution environments per version.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { REVISION_MISMATCH, ROLE, arn, awsFails, awsOk, echoZip, py, type Echo } from './fixtures/versions/helpers.js';

const F = 'valias';
const LATEST = '$LATEST';

describe('aliases (aws CLI + boto3)', () => {
  let lk: Lambkin;
  let url: string;
  let dir: string;

  before(async () => {
    lk = await startLambkin();
    url = lk.url;
    dir = mkdtempSync(path.join(tmpdir(), 'lambkin-aliases-'));
    for (const m of ['one', 'two', 'three']) writeFileSync(path.join(dir, `${m}.zip`), await echoZip(m));
    // Versions 1, 2, 3 with different code; $LATEST has version 3's code.
    const versions = await py(url, `
z = lambda name: open(${JSON.stringify(dir)} + '/' + name + '.zip', 'rb').read()
out = [lambda_client.create_function(FunctionName=${JSON.stringify(F)}, Runtime='provided.al2023', Handler='x',
                                     Role=${JSON.stringify(ROLE)}, Code={'ZipFile': z('one')}, Publish=True)['Version']]
for name in ('two', 'three'):
    out.append(lambda_client.update_function_code(FunctionName=${JSON.stringify(F)}, ZipFile=z(name), Publish=True)['Version'])
print(json.dumps(out))
`);
    assert.deepEqual(versions, ['1', '2', '3']);
  });
  after(async () => {
    await lk?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('create, get, update (RevisionId-locked) and list aliases, in AWS shapes', async () => {
    const live = await awsOk(url, ['lambda', 'create-alias', '--function-name', F, '--name', 'live', '--function-version', '1', '--description', 'prod']);
    assert.deepEqual(Object.keys(live).sort(), ['AliasArn', 'Description', 'FunctionVersion', 'Name', 'RevisionId']);
    assert.equal(live.AliasArn, arn(F, 'live'));
    assert.equal(live.FunctionVersion, '1');
    assert.equal(live.Description, 'prod');
    const beta = await awsOk(url, ['lambda', 'create-alias', '--function-name', arn(F), '--name', 'beta', '--function-version', LATEST]);
    assert.equal(beta.Description, '', 'Description is always present');
    assert.equal(beta.FunctionVersion, LATEST);
    assert.deepEqual(await awsOk(url, ['lambda', 'get-alias', '--function-name', F, '--name', 'live']), live);

    const moved = await awsOk(url, ['lambda', 'update-alias', '--function-name', F, '--name', 'live', '--function-version', '2', '--revision-id', live.RevisionId]);
    assert.equal(moved.FunctionVersion, '2');
    assert.equal(moved.Description, 'prod', 'absent members are unchanged');
    assert.notEqual(moved.RevisionId, live.RevisionId);
    const stale = await awsFails(url, ['lambda', 'update-alias', '--function-name', F, '--name', 'live', '--function-version', '3', '--revision-id', live.RevisionId]);
    assert.deepEqual(stale, { code: 'PreconditionFailedException', message: REVISION_MISMATCH });

    const r = await py(url, `
F = ${JSON.stringify(F)}
pages, marker = [], None
while True:
    kw = dict(FunctionName=F, MaxItems=1)
    if marker: kw['Marker'] = marker
    p = lambda_client.list_aliases(**kw)
    pages.append([a['Name'] for a in p['Aliases']])
    marker = p.get('NextMarker')
    if not marker: break
print(json.dumps({'pages': pages,
                  'v2': [a['Name'] for a in lambda_client.list_aliases(FunctionName=F, FunctionVersion='2')['Aliases']],
                  'latest': [a['Name'] for a in lambda_client.list_aliases(FunctionName=F, FunctionVersion='$LATEST')['Aliases']],
                  'v3': lambda_client.list_aliases(FunctionName=F, FunctionVersion='3')['Aliases'],
                  'all': lambda_client.list_aliases(FunctionName=F)['Aliases']}))
`);
    assert.deepEqual(r.pages, [['beta'], ['live']]);
    assert.deepEqual(r.v2, ['live']);
    assert.deepEqual(r.latest, ['beta']);
    assert.deepEqual(r.v3, []);
    assert.deepEqual(r.all.find((a: any) => a.Name === 'live'), moved);
  });

  it('AWS errors for aliases and routing configurations', async () => {
    const r = await py(url, `
F = ${JSON.stringify(F)}
c = lambda_client.create_alias
u = lambda_client.update_alias
print(json.dumps({
  'duplicate': err(c, FunctionName=F, Name='live', FunctionVersion='1'),
  'get_missing': err(lambda_client.get_alias, FunctionName=F, Name='nope'),
  'update_missing': err(u, FunctionName=F, Name='nope', FunctionVersion='1'),
  'no_function': err(c, FunctionName='nosuchfn', Name='x', FunctionVersion='1'),
  'no_version': err(c, FunctionName=F, Name='x', FunctionVersion='9'),
  'numeric_name': err(c, FunctionName=F, Name='123', FunctionVersion='1'),
  'two_weights': err(c, FunctionName=F, Name='x', FunctionVersion='1', RoutingConfig={'AdditionalVersionWeights': {'2': 0.1, '3': 0.1}}),
  'latest_routing': err(c, FunctionName=F, Name='x', FunctionVersion='$LATEST', RoutingConfig={'AdditionalVersionWeights': {'2': 0.1}}),
  'same_version': err(c, FunctionName=F, Name='x', FunctionVersion='1', RoutingConfig={'AdditionalVersionWeights': {'1': 0.1}}),
  'weight_range': err(c, FunctionName=F, Name='x', FunctionVersion='1', RoutingConfig={'AdditionalVersionWeights': {'2': 1.5}}),
  'latest_key': err(c, FunctionName=F, Name='x', FunctionVersion='1', RoutingConfig={'AdditionalVersionWeights': {'$LATEST': 0.5}}),
  'routing_missing': err(c, FunctionName=F, Name='x', FunctionVersion='1', RoutingConfig={'AdditionalVersionWeights': {'9': 0.5}}),
  'update_latest_routing': err(u, FunctionName=F, Name='beta', RoutingConfig={'AdditionalVersionWeights': {'2': 0.5}}),
  'update_into_routing': err(u, FunctionName=F, Name='live', RoutingConfig={'AdditionalVersionWeights': {'2': 0.5}}),
  'get_no_function': err(lambda_client.get_alias, FunctionName='nosuchfn', Name='live'),
  'update_no_function': err(u, FunctionName='nosuchfn', Name='live', FunctionVersion='1'),
  'long_description': err(c, FunctionName=F, Name='x', FunctionVersion='1', Description='d' * 257),
  'created_none': [a['Name'] for a in lambda_client.list_aliases(FunctionName=F)['Aliases']],
}))
`);
    const E = (code: string, message: string, status: number) => ({ code, message, status });
    assert.deepEqual(r.duplicate, E('ResourceConflictException', `Alias already exists: ${arn(F, 'live')}`, 409));
    assert.deepEqual(r.get_missing, E('ResourceNotFoundException', `Cannot find alias arn: ${arn(F, 'nope')}`, 404));
    assert.deepEqual(r.update_missing, E('ResourceNotFoundException', `Alias not found: ${arn(F, 'nope')}`, 404));
    assert.deepEqual(r.no_function, E('ResourceNotFoundException', `Function not found: ${arn('nosuchfn')}`, 404));
    assert.deepEqual(r.no_version, E('ResourceNotFoundException', `Function not found: ${arn(F, '9')}`, 404));
    assert.deepEqual(r.numeric_name, E(
      'ValidationException',
      "1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
      400,
    ));
    assert.deepEqual(r.two_weights, E('InvalidParameterValueException', 'Number of items in AdditionalVersionWeights cannot be greater than 1', 400));
    assert.deepEqual(r.latest_routing, E('InvalidParameterValueException', '$LATEST is not supported for an alias pointing to more than 1 version', 400));
    assert.deepEqual(r.update_latest_routing, r.latest_routing);
    assert.deepEqual(r.same_version, E(
      'InvalidParameterValueException', 'Invalid function version 1. Function version 1 is already included in routing configuration.', 400,
    ));
    assert.deepEqual(r.update_into_routing, E(
      'InvalidParameterValueException', 'Invalid function version 2. Function version 2 is already included in routing configuration.', 400,
    ));
    assert.equal(r.weight_range.code, 'ValidationException');
    assert.match(r.weight_range.message, /Value '\{2=1\.5\}' at 'routingConfig\.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint/);
    assert.equal(r.latest_key.code, 'ValidationException');
    assert.match(r.latest_key.message, /at 'routingConfig\.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint/);
    assert.deepEqual(r.routing_missing, E('ResourceNotFoundException', `Function not found: ${arn(F, '9')}`, 404));
    assert.deepEqual(r.get_no_function, E('ResourceNotFoundException', `Function not found: ${arn('nosuchfn')}`, 404));
    assert.deepEqual(r.update_no_function, r.get_no_function);
    assert.equal(r.long_description.code, 'ValidationException');
    assert.match(r.long_description.message, /at 'description' failed to satisfy constraint: Member must have length less than or equal to 256/);
    assert.deepEqual(r.created_none, ['beta', 'live'], 'no failed create left an alias behind');

    // Members of the wrong JSON type (SDKs can't send these; raw HTTP can).
    for (const body of [{ Name: 'x', FunctionVersion: 1 }, { Name: 'x', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: [] } }]) {
      const res = await fetch(`${url}/2015-03-31/functions/${F}/aliases`, { method: 'POST', body: JSON.stringify(body) });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('x-amzn-errortype'), 'InvalidRequestContentException');
    }
  });

  it('invoking through an alias in every form: the function sees the alias ARN, the caller the executed version', async () => {
    const r = await py(url, `
F = ${JSON.stringify(F)}
A = ${JSON.stringify(arn(F))}
forms = [dict(FunctionName=F, Qualifier='live'), dict(FunctionName=F + ':live'), dict(FunctionName=A + ':live'),
         dict(FunctionName='000000000000:function:' + F + ':live'), dict(FunctionName=A, Qualifier='live')]
out = [invoke(**kw) for kw in forms]
cfg = lambda_client.get_function_configuration(FunctionName=F, Qualifier='live')
fn = lambda_client.get_function(FunctionName=F + ':live')['Configuration']
beta = invoke(FunctionName=F, Qualifier='beta')
rev = lambda_client.get_alias(FunctionName=F, Name='live')['RevisionId']
lambda_client.update_alias(FunctionName=F, Name='live', FunctionVersion='3', RevisionId=rev)
moved = invoke(FunctionName=F + ':live')
print(json.dumps({'out': out, 'cfg': [cfg['FunctionArn'], cfg['Version']], 'fn': [fn['FunctionArn'], fn['Version']],
                  'beta': beta, 'moved': moved,
                  'unknown': err(lambda_client.invoke, FunctionName=F, Qualifier='nope'),
                  'mismatch': err(lambda_client.invoke, FunctionName=F + ':live', Qualifier='beta')}))
`);
    for (const [i, o] of (r.out as { version: string; payload: Echo }[]).entries()) {
      assert.equal(o.version, '2', `form ${i}: X-Amz-Executed-Version`);
      assert.equal(o.payload.v, '2', `form ${i}: AWS_LAMBDA_FUNCTION_VERSION`);
      assert.equal(o.payload.arn, arn(F, 'live'), `form ${i}: invoked ARN`);
      assert.equal(o.payload.file, 'two');
    }
    assert.deepEqual(r.cfg, [arn(F, 'live'), '2']);
    assert.deepEqual(r.fn, [arn(F, 'live'), '2']);
    assert.equal(r.beta.version, LATEST);
    assert.equal(r.beta.payload.arn, arn(F, 'beta'));
    assert.equal(r.beta.payload.v, LATEST);
    assert.equal(r.moved.version, '3', 'moving the alias takes effect on the next invoke');
    assert.equal(r.moved.payload.file, 'three');
    assert.deepEqual(r.unknown, { code: 'ResourceNotFoundException', message: `Function not found: ${arn(F, 'nope')}`, status: 404 });
    assert.equal(r.mismatch.code, 'InvalidParameterValueException');
  });

  it('each version has its own environments, shared by the aliases that point at it', async () => {
    const r = await py(url, `
F = ${JSON.stringify(F)}
seq = [('$LATEST', dict(FunctionName=F)), ('1', dict(FunctionName=F, Qualifier='1')), ('2', dict(FunctionName=F + ':2')),
       ('3', dict(FunctionName=F, Qualifier='3')), ('$LATEST', dict(FunctionName=F, Qualifier='$LATEST')),
       ('1', dict(FunctionName=F + ':1')), ('2', dict(FunctionName=F, Qualifier='2')), ('3', dict(FunctionName=F + ':live'))]
print(json.dumps([[want, invoke(**kw)['payload']] for want, kw in seq]))
`);
    const envOf = new Map<string, string>();
    for (const [want, p] of r as [string, Echo][]) {
      assert.equal(p.v, want);
      const seen = envOf.get(want);
      if (seen === undefined) envOf.set(want, p.env);
      else assert.equal(p.env, seen, `version ${want} reuses its warm environment`);
    }
    assert.equal(new Set(envOf.values()).size, 4, `four versions, four environments: ${JSON.stringify([...envOf])}`);
    // $LATEST and version 3 have the same code and configuration, and still don't share an environment.
    assert.notEqual(envOf.get(LATEST), envOf.get('3'));
    const counters = (r as [string, Echo][]).map(([, p]) => p.n);
    assert.deepEqual(counters.slice(4), counters.slice(0, 4).map((n) => n + 1), 'module state survives between invocations of a version');
    const text = (r as [string, Echo][]).map(([, p]) => p.file);
    assert.deepEqual(text, ['three', 'one', 'two', 'three', 'three', 'one', 'two', 'three']);
  });

  it('a version an alias uses cannot be deleted until the alias lets go', async () => {
    await awsOk(url, ['lambda', 'update-alias', '--function-name', F, '--name', 'live', '--function-version', '1',
      '--routing-config', 'AdditionalVersionWeights={2=0.25}']);
    const primary = await awsFails(url, ['lambda', 'delete-function', '--function-name', F, '--qualifier', '1']);
    assert.deepEqual(primary, { code: 'ResourceConflictException', message: 'Unable to delete version because the following aliases reference it: [live]' });
    const routed = await awsFails(url, ['lambda', 'delete-function', '--function-name', `${F}:2`]);
    assert.equal(routed.code, 'ResourceConflictException');

    const cleared = await awsOk(url, ['lambda', 'update-alias', '--function-name', F, '--name', 'live', '--routing-config', 'AdditionalVersionWeights={}']);
    assert.equal(cleared.RoutingConfig, undefined, 'an empty map removes the routing configuration');
    assert.equal(cleared.FunctionVersion, '1');
    await awsOk(url, ['lambda', 'delete-function', '--function-name', F, '--qualifier', '2']);

    await awsOk(url, ['lambda', 'delete-alias', '--function-name', F, '--name', 'live']);
    await awsOk(url, ['lambda', 'delete-alias', '--function-name', F, '--name', 'live']); // idempotent (204)
    const gone = await awsFails(url, ['lambda', 'invoke', '--function-name', `${F}:live`, path.join(dir, 'out.json')]);
    assert.deepEqual(gone, { code: 'ResourceNotFoundException', message: `Function not found: ${arn(F, 'live')}` });
    await awsOk(url, ['lambda', 'delete-function', '--function-name', F, '--qualifier', '1']);
    const left = await awsOk(url, ['lambda', 'list-versions-by-function', '--function-name', F]);
    assert.deepEqual(left.Versions.map((v: any) => v.Version), [LATEST, '3']);
  });

  it('versions, aliases and version numbering survive a restart', async () => {
    await awsOk(url, ['lambda', 'create-alias', '--function-name', F, '--name', 'stable', '--function-version', '3']);
    const dataDir = lk.dataDir;
    await lk.stop({ keepData: true });
    lk = await startLambkin({ dataDir });
    url = lk.url;
    try {
      const r = await py(url, `
F = ${JSON.stringify(F)}
before = [v['Version'] for v in lambda_client.list_versions_by_function(FunctionName=F)['Versions']]
aliases = sorted((a['Name'], a['FunctionVersion']) for a in lambda_client.list_aliases(FunctionName=F)['Aliases'])
stable = invoke(FunctionName=F, Qualifier='stable')
lambda_client.update_function_configuration(FunctionName=F, Environment={'Variables': {'MARKER': 'after-restart'}})
print(json.dumps({'before': before, 'aliases': aliases, 'stable': stable, 'next': lambda_client.publish_version(FunctionName=F)['Version']}))
`);
      assert.deepEqual(r.before, [LATEST, '3']);
      assert.deepEqual(r.aliases, [['beta', LATEST], ['stable', '3']]);
      assert.equal(r.stable.version, '3');
      assert.equal(r.stable.payload.arn, arn(F, 'stable'));
      assert.equal(r.next, '4', 'numbers deleted before the restart are still not reused');
    } finally {
      await lk.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
