/**
 * Versions end to end with the aws CLI (v1) and boto3: Publish on create/update, the no-change rule,
 * CodeSha256/RevisionId preconditions, ListVersionsByFunction and ListFunctions(ALL), qualified reads
 * and invokes in every form AWS accepts, deleting versions (numbers are never reused) and recreating
 * the function (numbering restarts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { REVISION_MISMATCH, ROLE, arn, awsFails, awsOk, echoZip, py } from './fixtures/versions/helpers.js';

const F = 'vlife';
const LATEST = '$LATEST';

describe('versions lifecycle (aws CLI + boto3)', () => {
  let lk: Lambkin;
  let url: string;
  let dir: string;
  const zip = (m: string) => `fileb://${path.join(dir, `${m}.zip`)}`;

  before(async () => {
    lk = await startLambkin();
    url = lk.url;
    dir = mkdtempSync(path.join(tmpdir(), 'lambkin-versions-'));
    for (const m of ['one', 'two', 'again']) writeFileSync(path.join(dir, `${m}.zip`), await echoZip(m));
  });
  after(async () => {
    await lk?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('CreateFunction --publish answers with version 1 under the unqualified ARN, still Pending', async () => {
    const c = await awsOk(url, [
      'lambda', 'create-function', '--function-name', F, '--runtime', 'provided.al2023', '--handler', 'x', '--role', ROLE,
      '--zip-file', zip('one'), '--environment', 'Variables={MARKER=m1}', '--publish',
    ]);
    assert.equal(c.FunctionArn, arn(F));
    assert.equal(c.Version, '1');
    assert.equal(c.State, 'Pending');
    assert.equal(c.StateReason, 'The function is being created.');
    assert.equal(c.StateReasonCode, 'Creating');
    assert.equal(c.LastUpdateStatus, undefined);

    const v1 = await awsOk(url, ['lambda', 'get-function-configuration', '--function-name', F, '--qualifier', '1']);
    assert.equal(v1.FunctionArn, arn(F, '1'));
    assert.equal(v1.Version, '1');
    assert.equal(v1.State, 'Active');
    assert.equal(v1.LastUpdateStatus, 'Successful');
    assert.equal(v1.CodeSha256, c.CodeSha256);
    assert.deepEqual(v1.Environment, { Variables: { MARKER: 'm1' } });
  });

  it('PublishVersion with nothing changed returns the newest version again (201, same number)', async () => {
    const before = await awsOk(url, ['lambda', 'get-function-configuration', '--function-name', F]);
    const again = await awsOk(url, ['lambda', 'publish-version', '--function-name', F, '--description', 'ignored: nothing changed']);
    assert.equal(again.Version, '1');
    assert.equal(again.FunctionArn, arn(F, '1'));
    assert.equal(again.Description, '');
    const list = await awsOk(url, ['lambda', 'list-versions-by-function', '--function-name', F]);
    assert.deepEqual(list.Versions.map((v: any) => v.FunctionArn), [arn(F, LATEST), arn(F, '1')]);
    // Nothing was published, so $LATEST is untouched (RevisionId included).
    const after = await awsOk(url, ['lambda', 'get-function-configuration', '--function-name', F]);
    assert.equal(after.RevisionId, before.RevisionId);
  });

  it('UpdateFunctionCode --publish answers with the new version: qualified ARN, Pending, no LastUpdateStatus', async () => {
    const u = await awsOk(url, ['lambda', 'update-function-code', '--function-name', F, '--zip-file', zip('two'), '--publish']);
    assert.equal(u.FunctionArn, arn(F, '2'));
    assert.equal(u.Version, '2');
    assert.equal(u.State, 'Pending');
    assert.equal(u.StateReasonCode, 'Creating');
    assert.equal(u.LastUpdateStatus, undefined);
    const got = await awsOk(url, ['lambda', 'get-function', '--function-name', `${F}:2`]);
    assert.equal(got.Configuration.FunctionArn, arn(F, '2'));
    assert.equal(got.Configuration.State, 'Active');
    assert.equal(got.Configuration.CodeSha256, u.CodeSha256);
    assert.match(got.Code.Location, /^http/);
  });

  it('UpdateFunctionConfiguration has no Publish member: it is ignored, and a later publish snapshots the configuration', async () => {
    const res = await fetch(`${url}/2015-03-31/functions/${F}/configuration`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Environment: { Variables: { MARKER: 'm3' } }, Publish: true }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.Version, LATEST);
    assert.equal(body.FunctionArn, arn(F));
    const list = await awsOk(url, ['lambda', 'list-versions-by-function', '--function-name', F]);
    assert.deepEqual(list.Versions.map((v: any) => v.Version), [LATEST, '1', '2']);

    const p = await awsOk(url, ['lambda', 'publish-version', '--function-name', F, '--description', 'third']);
    assert.equal(p.Version, '3');
    assert.equal(p.Description, 'third');
    assert.deepEqual(p.Environment, { Variables: { MARKER: 'm3' } });
    assert.equal(p.State, 'Active');
    assert.equal(p.LastUpdateStatus, 'Successful');
  });

  it('PublishVersion preconditions: CodeSha256 mismatch is IPV with AWS text, RevisionId mismatch is 412', async () => {
    const latest = await awsOk(url, ['lambda', 'get-function-configuration', '--function-name', F]);
    const sha = await awsFails(url, ['lambda', 'publish-version', '--function-name', F, '--code-sha256', 'bogus']);
    assert.equal(sha.code, 'InvalidParameterValueException');
    assert.equal(
      sha.message,
      `CodeSHA256 (bogus) is different from current CodeSHA256 in $LATEST (${latest.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
    );
    const rev = await awsFails(url, ['lambda', 'publish-version', '--function-name', F, '--revision-id', '00000000-0000-0000-0000-000000000000']);
    assert.equal(rev.code, 'PreconditionFailedException');
    assert.equal(rev.message, REVISION_MISMATCH);
    const long = await awsFails(url, ['lambda', 'publish-version', '--function-name', F, '--description', 'd'.repeat(257)]);
    assert.equal(long.code, 'ValidationException');
    assert.match(long.message, /at 'description' failed to satisfy constraint: Member must have length less than or equal to 256/);

    const r = await py(url, `
latest = lambda_client.get_function_configuration(FunctionName=${JSON.stringify(F)})
lambda_client.update_function_configuration(FunctionName=${JSON.stringify(F)}, Timeout=5)
stale = err(lambda_client.publish_version, FunctionName=${JSON.stringify(F)}, RevisionId=latest['RevisionId'])
now = lambda_client.get_function_configuration(FunctionName=${JSON.stringify(F)})
ok = lambda_client.publish_version(FunctionName=${JSON.stringify(F)}, RevisionId=now['RevisionId'], CodeSha256=now['CodeSha256'])
after = lambda_client.get_function_configuration(FunctionName=${JSON.stringify(F)})
print(json.dumps({'stale': stale, 'version': ok['Version'], 'timeout': ok['Timeout'],
                  'bumped': after['RevisionId'] != now['RevisionId']}))
`);
    assert.deepEqual(r.stale, { code: 'PreconditionFailedException', message: REVISION_MISMATCH, status: 412 });
    assert.equal(r.version, '4');
    assert.equal(r.timeout, 5);
    assert.equal(r.bumped, true, 'publishing gives $LATEST a new RevisionId');
  });

  it('qualified reads and invokes in every form AWS accepts; mismatched qualifiers and unknown versions are AWS errors', async () => {
    const r = await py(url, `
F = ${JSON.stringify(F)}
A = ${JSON.stringify(arn(F))}
forms = [dict(FunctionName=F, Qualifier='2'), dict(FunctionName=F + ':2'), dict(FunctionName=A + ':2'),
         dict(FunctionName='000000000000:function:' + F + ':2'), dict(FunctionName=F + ':2', Qualifier='2')]
reads = []
for kw in forms:
    c = lambda_client.get_function_configuration(**kw)
    g = lambda_client.get_function(**kw)['Configuration']
    i = invoke(**kw)
    reads.append([c['FunctionArn'], c['Version'], g['FunctionArn'], g['Version'], i['version'], i['payload']['v'], i['payload']['arn'], i['payload']['file']])
latest = [lambda_client.get_function_configuration(FunctionName=F, Qualifier='$LATEST')['FunctionArn'],
          lambda_client.get_function_configuration(FunctionName=F)['FunctionArn'],
          invoke(FunctionName=F, Qualifier='$LATEST')['payload']['arn'],
          invoke(FunctionName=F)['payload']['arn']]
v1 = invoke(FunctionName=F, Qualifier='1')['payload']
mismatch = [err(fn, FunctionName=F + ':1', Qualifier='2') for fn in
            (lambda_client.get_function_configuration, lambda_client.get_function, lambda_client.invoke, lambda_client.delete_function)]
missing = [err(fn, FunctionName=F, Qualifier='99') for fn in
           (lambda_client.get_function_configuration, lambda_client.get_function, lambda_client.invoke)]
missing_fn = [err(lambda_client.invoke, FunctionName='nosuchfn'), err(lambda_client.get_function, FunctionName='nosuchfn'),
              err(lambda_client.invoke, FunctionName='nosuchfn', Qualifier='3')]
print(json.dumps({'reads': reads, 'latest': latest, 'v1': v1, 'mismatch': mismatch, 'missing': missing, 'missing_fn': missing_fn}))
`);
    const invoked = [arn(F, '2'), arn(F, '2'), arn(F, '2'), arn(F, '2'), arn(F, '2')];
    r.reads.forEach((row: string[], i: number) => {
      assert.deepEqual(row, [arn(F, '2'), '2', arn(F, '2'), '2', '2', '2', invoked[i], 'two'], `form ${i}`);
    });
    assert.deepEqual(r.latest, [arn(F, LATEST), arn(F), arn(F, LATEST), arn(F)]);
    assert.equal(r.v1.v, '1');
    assert.equal(r.v1.file, 'one');
    assert.equal(r.v1.marker, 'm1');
    for (const e of r.mismatch) {
      assert.deepEqual(e, {
        code: 'InvalidParameterValueException',
        message: 'The derived qualifier from the function name does not match the specified qualifier.',
        status: 400,
      });
    }
    for (const e of r.missing) assert.deepEqual(e, { code: 'ResourceNotFoundException', message: `Function not found: ${arn(F, '99')}`, status: 404 });
    assert.deepEqual(r.missing_fn, [
      { code: 'ResourceNotFoundException', message: `Function not found: ${arn('nosuchfn', LATEST)}`, status: 404 },
      { code: 'ResourceNotFoundException', message: `Function not found: ${arn('nosuchfn')}`, status: 404 },
      { code: 'ResourceNotFoundException', message: `Function not found: ${arn('nosuchfn', '3')}`, status: 404 },
    ]);
  });

  it('ListVersionsByFunction pages $LATEST first, then ascending, qualified ARNs, no state members; ListFunctions ALL', async () => {
    const r = await py(url, `
F = ${JSON.stringify(F)}
pages, marker = [], None
while True:
    kw = dict(FunctionName=F, MaxItems=2)
    if marker: kw['Marker'] = marker
    p = lambda_client.list_versions_by_function(**kw)
    pages.append([[v['FunctionArn'], v['Version'], sorted(k for k in v if k.startswith('State') or k.startswith('LastUpdate') or k == 'RuntimeVersionConfig')] for v in p['Versions']])
    marker = p.get('NextMarker')
    if not marker: break
def mine(fs): return [f['FunctionArn'] for f in fs if f['FunctionName'] == F]
every = []
marker = None
while True:
    kw = dict(FunctionVersion='ALL', MaxItems=3)
    if marker: kw['Marker'] = marker
    p = lambda_client.list_functions(**kw)
    every += mine(p['Functions'])
    marker = p.get('NextMarker')
    if not marker: break
print(json.dumps({'pages': pages, 'all': every, 'plain': mine(lambda_client.list_functions()['Functions']),
                  'bad': err(lambda_client.list_functions, FunctionVersion='SOME')}))
`);
    assert.deepEqual(r.pages, [
      [[arn(F, LATEST), LATEST, []], [arn(F, '1'), '1', []]],
      [[arn(F, '2'), '2', []], [arn(F, '3'), '3', []]],
      [[arn(F, '4'), '4', []]],
    ]);
    assert.deepEqual(r.all, [arn(F, LATEST), arn(F, '1'), arn(F, '2'), arn(F, '3'), arn(F, '4')]);
    assert.deepEqual(r.plain, [arn(F)]);
    assert.equal(r.bad.code, 'ValidationException');
    assert.match(r.bad.message, /Value 'SOME' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: \[ALL\]/);
  });

  it('deleting versions: gone for reads and invokes, idempotent, and their numbers are never reused', async () => {
    // Warm version 4's environment first, so the delete must also drop cached state.
    const warm = await py(url, `print(json.dumps(invoke(FunctionName=${JSON.stringify(F)}, Qualifier='4')))`);
    assert.equal(warm.version, '4');
    await awsOk(url, ['lambda', 'delete-function', '--function-name', F, '--qualifier', '4']);
    const r = await py(url, `
F = ${JSON.stringify(F)}
gone = [err(lambda_client.get_function_configuration, FunctionName=F, Qualifier='4'),
        err(lambda_client.invoke, FunctionName=F + ':4'),
        err(lambda_client.invoke, FunctionName=F, Qualifier='4', InvocationType='Event')]
again = err(lambda_client.delete_function, FunctionName=F, Qualifier='4')
never = err(lambda_client.delete_function, FunctionName=F, Qualifier='42')
latest = err(lambda_client.delete_function, FunctionName=F, Qualifier='$LATEST')
alias = err(lambda_client.delete_function, FunctionName=F, Qualifier='live')
lambda_client.update_function_configuration(FunctionName=F, Environment={'Variables': {'MARKER': 'm5'}})
v = lambda_client.publish_version(FunctionName=F)['Version']
same = lambda_client.publish_version(FunctionName=F)['Version']
print(json.dumps({'gone': gone, 'again': again, 'never': never, 'latest': latest, 'alias': alias, 'new': v, 'same': same,
                  'versions': [x['Version'] for x in lambda_client.list_versions_by_function(FunctionName=F)['Versions']],
                  'v3': invoke(FunctionName=F, Qualifier='3')['payload']['marker']}))
`);
    for (const e of r.gone) assert.deepEqual(e, { code: 'ResourceNotFoundException', message: `Function not found: ${arn(F, '4')}`, status: 404 });
    assert.equal(r.again, null, 'deleting a missing version succeeds (204)');
    assert.equal(r.never, null);
    assert.deepEqual(r.latest, { code: 'InvalidParameterValueException', message: '$LATEST version cannot be deleted without deleting the function.', status: 400 });
    assert.deepEqual(r.alias, { code: 'InvalidParameterValueException', message: 'Deletion of aliases is not currently supported.', status: 400 });
    assert.equal(r.new, '5', 'deleting the newest version does not free its number');
    assert.equal(r.same, '5');
    assert.deepEqual(r.versions, [LATEST, '1', '2', '3', '5']);
    assert.equal(r.v3, 'm3');
  });

  it('recreating a deleted function starts again at version 1, with nothing left of the old versions', async () => {
    await awsOk(url, ['lambda', 'create-alias', '--function-name', F, '--name', 'live', '--function-version', '5']);
    await awsOk(url, ['lambda', 'delete-function', '--function-name', F]);
    const gone = await awsFails(url, ['lambda', 'get-function', '--function-name', F, '--qualifier', '1']);
    assert.equal(gone.code, 'ResourceNotFoundException');
    assert.equal(gone.message, `Function not found: ${arn(F, '1')}`);
    const c = await awsOk(url, [
      'lambda', 'create-function', '--function-name', F, '--runtime', 'provided.al2023', '--handler', 'x', '--role', ROLE,
      '--zip-file', zip('again'), '--publish',
    ]);
    assert.equal(c.Version, '1');
    const r = await py(url, `
F = ${JSON.stringify(F)}
print(json.dumps({'versions': [x['Version'] for x in lambda_client.list_versions_by_function(FunctionName=F)['Versions']],
                  'aliases': lambda_client.list_aliases(FunctionName=F)['Aliases'],
                  'v1': invoke(FunctionName=F, Qualifier='1')['payload'], 'v2': err(lambda_client.invoke, FunctionName=F, Qualifier='2'),
                  'live': err(lambda_client.invoke, FunctionName=F, Qualifier='live')}))
`);
    assert.deepEqual(r.versions, [LATEST, '1']);
    assert.deepEqual(r.aliases, [], 'deleting the function deleted its aliases');
    assert.equal(r.live.code, 'ResourceNotFoundException');
    assert.equal(r.v1.file, 'again');
    assert.equal(r.v1.n, 1, 'a fresh environment, not the old function\'s version 1');
    assert.equal(r.v2.code, 'ResourceNotFoundException');
  });
});
