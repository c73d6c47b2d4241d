/**
 * The other two real clients against the control plane: a boto3 batch (operations, waiters,
 * paginators, error parsing, Code.Location download) in one Python process, and a representative
 * subset through the aws CLI (v1), including `aws lambda wait function-updated-v2`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { aws } from './helpers/clients.js';
import { ACCOUNT, PY_HELPERS, ROLE, TIMESTAMP_RE, UUID_RE, arnOf, py, pyZip, sha256 } from './helpers/control.js';

describe('control plane: boto3 and the aws CLI', () => {
  let lk: Lambkin;
  let tmp: string;

  before(async () => {
    lk = await startLambkin();
    tmp = mkdtempSync(path.join(tmpdir(), 'lambkin-ctl-clients-'));
  });
  after(async () => {
    await lk?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('boto3: every operation, waiters, paginators and errors in one batch', async () => {
    const out = await py<any>(
      lk.url,
      `${PY_HELPERS}
import io, zipfile, hashlib, urllib.request, re
def mkzip(tag):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w') as z:
        z.writestr('lambda_function.py', '# %s\\ndef lambda_handler(e, c):\\n    return 1\\n' % tag)
    return b.getvalue()
zip1, zip2 = mkzip('b1'), mkzip('b2')
r = {}
c = lambda_client.create_function(FunctionName='bfn', Runtime='python3.13', Handler='lambda_function.lambda_handler',
        Role=ROLE, Code={'ZipFile': zip1}, Description='from boto3', Tags={'k': 'v'})
r['create_status'] = c['ResponseMetadata']['HTTPStatusCode']
r['create_request_id'] = c['ResponseMetadata']['RequestId']
r['create_state'] = [c['State'], c.get('StateReasonCode'), 'LastUpdateStatus' in c]
r['create_sha_ok'] = c['CodeSha256'] == base64.b64encode(hashlib.sha256(zip1).digest()).decode()
r['create_size'] = c['CodeSize'] == len(zip1)
r['last_modified'] = c['LastModified']

lambda_client.get_waiter('function_exists').wait(FunctionName='bfn')
lambda_client.get_waiter('function_active_v2').wait(FunctionName='bfn', WaiterConfig={'Delay': 1, 'MaxAttempts': 5})
lambda_client.get_waiter('function_active').wait(FunctionName='bfn', WaiterConfig={'Delay': 1, 'MaxAttempts': 5})
g = lambda_client.get_function(FunctionName='bfn')
r['get_state'] = [g['Configuration']['State'], g['Configuration']['LastUpdateStatus']]
r['get_tags'] = g['Tags']
r['download_equal'] = urllib.request.urlopen(g['Code']['Location']).read() == zip1
r['repo_type'] = g['Code']['RepositoryType']

u = lambda_client.update_function_code(FunctionName='bfn', ZipFile=zip2, RevisionId=g['Configuration']['RevisionId'])
r['update_code'] = [u['LastUpdateStatus'], u['CodeSha256'] == base64.b64encode(hashlib.sha256(zip2).digest()).decode()]
lambda_client.get_waiter('function_updated_v2').wait(FunctionName='bfn', WaiterConfig={'Delay': 1, 'MaxAttempts': 5})
lambda_client.get_waiter('function_updated').wait(FunctionName='bfn', WaiterConfig={'Delay': 1, 'MaxAttempts': 5})
uc = lambda_client.update_function_configuration(FunctionName='bfn', Environment={'Variables': {'MODE': 'test'}}, MemorySize=512)
r['update_cfg'] = [uc['LastUpdateStatus'], uc['Environment'], uc['MemorySize'], uc['Description']]
lambda_client.get_waiter('function_updated_v2').wait(FunctionName='bfn', WaiterConfig={'Delay': 1, 'MaxAttempts': 5})
gc = lambda_client.get_function_configuration(FunctionName=uc['FunctionArn'])
r['after_updates'] = [gc['LastUpdateStatus'], gc['Environment'], gc['MemorySize']]

r['stale_revision'] = err(lambda: lambda_client.update_function_configuration(FunctionName='bfn', Timeout=5, RevisionId=g['Configuration']['RevisionId']))
r['dry_run'] = lambda_client.update_function_code(FunctionName='bfn', ZipFile=zip1, DryRun=True)['ResponseMetadata']['HTTPStatusCode']
r['after_dry_run_sha_is_zip2'] = lambda_client.get_function(FunctionName='bfn')['Configuration']['CodeSha256'] == base64.b64encode(hashlib.sha256(zip2).digest()).decode()

p = lambda_client.publish_version(FunctionName='bfn', Description='v1')
r['publish'] = [p['ResponseMetadata']['HTTPStatusCode'], p['Version'], p['FunctionArn']]
lambda_client.get_waiter('published_version_active').wait(FunctionName='bfn', Qualifier='1', WaiterConfig={'Delay': 1, 'MaxAttempts': 5})
a = lambda_client.create_alias(FunctionName='bfn', Name='prod', FunctionVersion='1')
r['alias'] = [a['ResponseMetadata']['HTTPStatusCode'], a['AliasArn'], a['FunctionVersion']]
r['versions'] = [v['Version'] for v in lambda_client.list_versions_by_function(FunctionName='bfn')['Versions']]
r['aliases'] = [x['Name'] for x in lambda_client.list_aliases(FunctionName='bfn')['Aliases']]
r['get_alias_cfg'] = [lambda_client.get_function_configuration(FunctionName='bfn', Qualifier='prod')[k] for k in ('FunctionArn', 'Version')]

arn = g['Configuration']['FunctionArn']
lambda_client.tag_resource(Resource=arn, Tags={'team': 'core'})
lambda_client.untag_resource(Resource=arn, TagKeys=['k'])
r['tags'] = lambda_client.list_tags(Resource=arn)['Tags']
r['tag_qualified'] = err(lambda: lambda_client.tag_resource(Resource=arn + ':prod', Tags={'a': 'b'}))
r['tag_empty'] = err(lambda: lambda_client.tag_resource(Resource=arn, Tags={}))

for i in range(53):
    lambda_client.create_function(FunctionName='page-%02d' % i, Runtime='python3.12', Handler='lambda_function.lambda_handler', Role=ROLE, Code={'ZipFile': zip1})
names = []
pages = 0
for page in lambda_client.get_paginator('list_functions').paginate():
    pages += 1
    names += [f['FunctionName'] for f in page['Functions']]
r['paginated'] = [pages, len(names), len(set(names)), names == sorted(names)]
small = []
for page in lambda_client.get_paginator('list_functions').paginate(PaginationConfig={'PageSize': 10}):
    small += [f['FunctionName'] for f in page['Functions']]
r['small_pages_same'] = small == names
allv = []
for page in lambda_client.get_paginator('list_functions').paginate(FunctionVersion='ALL'):
    allv += [f['FunctionArn'] for f in page['Functions'] if f['FunctionName'] == 'bfn']
r['all_versions'] = allv

s = lambda_client.get_account_settings()
r['account'] = [s['AccountLimit']['CodeSizeZipped'], s['AccountUsage']['FunctionCount']]

r['missing'] = err(lambda: lambda_client.get_function(FunctionName='nope'))
r['duplicate'] = err(lambda: lambda_client.create_function(FunctionName='bfn', Runtime='python3.12', Handler='h.h', Role=ROLE, Code={'ZipFile': zip1}))
r['not_zip'] = err(lambda: lambda_client.create_function(FunctionName='bad-zip', Runtime='python3.12', Handler='h.h', Role=ROLE, Code={'ZipFile': b'not a zip'}))
r['env_reserved'] = err(lambda: lambda_client.update_function_configuration(FunctionName='bfn', Environment={'Variables': {'AWS_REGION': 'x'}}))
r['timeout_high'] = err(lambda: lambda_client.update_function_configuration(FunctionName='bfn', Timeout=901))
r['long_name'] = err(lambda: lambda_client.create_function(FunctionName='x' * 65, Runtime='python3.12', Handler='h.h', Role=ROLE, Code={'ZipFile': zip1}))
r['other_region'] = err(lambda: lambda_client.get_function(FunctionName='arn:aws:lambda:eu-central-1:000000000000:function:bfn'))
r['other_account'] = err(lambda: lambda_client.get_function(FunctionName='arn:aws:lambda:us-east-1:111111111111:function:bfn'))

d = lambda_client.delete_function(FunctionName='bfn')
r['delete_status'] = d['ResponseMetadata']['HTTPStatusCode']
r['after_delete'] = err(lambda: lambda_client.get_function_configuration(FunctionName='bfn'))
print(json.dumps(r))
`,
    );
    const arn = arnOf('bfn');
    assert.equal(out.create_status, 201);
    assert.match(out.create_request_id, UUID_RE);
    assert.deepEqual(out.create_state, ['Pending', 'Creating', false]);
    assert.equal(out.create_sha_ok, true);
    assert.equal(out.create_size, true);
    assert.match(out.last_modified, TIMESTAMP_RE);
    assert.deepEqual(out.get_state, ['Active', 'Successful']);
    assert.deepEqual(out.get_tags, { k: 'v' });
    assert.equal(out.download_equal, true);
    assert.equal(out.repo_type, 'S3');
    assert.deepEqual(out.update_code, ['InProgress', true]);
    assert.deepEqual(out.update_cfg, ['InProgress', { Variables: { MODE: 'test' } }, 512, 'from boto3']);
    assert.deepEqual(out.after_updates, ['Successful', { Variables: { MODE: 'test' } }, 512]);
    assert.deepEqual(out.stale_revision, [
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      412,
    ]);
    assert.equal(out.dry_run, 200);
    assert.equal(out.after_dry_run_sha_is_zip2, true);
    assert.deepEqual(out.publish, [201, '1', arnOf('bfn', 'us-east-1', '1')]);
    assert.deepEqual(out.alias, [201, arnOf('bfn', 'us-east-1', 'prod'), '1']);
    assert.deepEqual(out.versions, ['$LATEST', '1']);
    assert.deepEqual(out.aliases, ['prod']);
    assert.deepEqual(out.get_alias_cfg, [arnOf('bfn', 'us-east-1', 'prod'), '1']);
    assert.deepEqual(out.tags, { team: 'core' });
    assert.deepEqual(out.tag_qualified, ['InvalidParameterValueException', 'Tags on function aliases and versions are not supported. Please specify a function ARN.', 400]);
    assert.deepEqual(out.tag_empty, ['InvalidParameterValueException', 'An error occurred and the request cannot be processed.', 400]);
    assert.deepEqual(out.paginated, [2, 54, 54, true]);
    assert.equal(out.small_pages_same, true);
    assert.deepEqual(out.all_versions, [arnOf('bfn', 'us-east-1', '$LATEST'), arnOf('bfn', 'us-east-1', '1')]);
    assert.deepEqual(out.account, [52428800, 54]);
    assert.deepEqual(out.missing, ['ResourceNotFoundException', `Function not found: ${arnOf('nope')}`, 404]);
    assert.deepEqual(out.duplicate, ['ResourceConflictException', 'Function already exist: bfn', 409]);
    assert.deepEqual(out.not_zip, ['InvalidParameterValueException', 'Could not unzip uploaded file. Please check your file, then try to upload again.', 400]);
    assert.deepEqual(out.env_reserved, [
      'InvalidParameterValueException',
      'Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION',
      400,
    ]);
    assert.deepEqual(out.timeout_high, [
      'ValidationException',
      "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900",
      400,
    ]);
    assert.deepEqual(out.long_name, [
      'InvalidParameterValueException',
      `1 validation error detected: Value '${'x'.repeat(65)}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
      400,
    ]);
    assert.deepEqual(out.other_region, ['ResourceNotFoundException', "Functions from 'eu-central-1' are not reachable in this region ('us-east-1')", 404]);
    assert.equal(out.other_account[0], 'AccessDeniedException');
    assert.equal(out.other_account[2], 403);
    assert.equal(out.delete_status, 204);
    assert.deepEqual(out.after_delete, ['ResourceNotFoundException', `Function not found: ${arn}`, 404]);
  });

  it('aws CLI: create, wait, get, update, wait function-updated-v2, list, tag, errors, delete', async () => {
    const zip1 = await pyZip('cli-1');
    const zip2 = await pyZip('cli-2');
    const z1 = path.join(tmp, 'one.zip');
    const z2 = path.join(tmp, 'two.zip');
    writeFileSync(z1, zip1);
    writeFileSync(z2, zip2);
    const cli = async (args: string[], region?: string) => {
      const r = await aws(lk.url, ['lambda', ...args], { region });
      return r;
    };
    const ok = async (args: string[], region?: string) => {
      const r = await cli(args, region);
      assert.equal(r.code, 0, `aws lambda ${args.join(' ')}\n${r.stderr}`);
      return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
    };

    const c = await ok([
      'create-function', '--function-name', 'clifn', '--runtime', 'nodejs20.x', '--handler', 'index.handler',
      '--role', ROLE, '--zip-file', `fileb://${z1}`, '--timeout', '15', '--environment', 'Variables={STAGE=dev,LEVEL=1}',
      '--tags', 'owner=cli',
    ]);
    assert.equal(c.FunctionArn, arnOf('clifn'));
    assert.equal(c.State, 'Pending');
    assert.equal(c.CodeSha256, sha256(zip1).b64);
    assert.equal(c.Timeout, 15);
    assert.deepEqual(c.Environment, { Variables: { STAGE: 'dev', LEVEL: '1' } });
    await ok(['wait', 'function-active-v2', '--function-name', 'clifn']);

    const g = await ok(['get-function', '--function-name', `${ACCOUNT}:function:clifn`]);
    assert.equal(g.Configuration.State, 'Active');
    assert.deepEqual(g.Tags, { owner: 'cli' });
    assert.deepEqual(Buffer.from(await (await fetch(g.Code.Location)).arrayBuffer()), zip1);

    const u = await ok(['update-function-code', '--function-name', 'clifn', '--zip-file', `fileb://${z2}`, '--revision-id', g.Configuration.RevisionId]);
    assert.equal(u.LastUpdateStatus, 'InProgress');
    assert.equal(u.CodeSha256, sha256(zip2).b64);
    await ok(['wait', 'function-updated-v2', '--function-name', 'clifn']);
    const uc = await ok(['update-function-configuration', '--function-name', arnOf('clifn'), '--environment', 'Variables={ONLY=1}', '--description', 'cli']);
    assert.deepEqual(uc.Environment, { Variables: { ONLY: '1' } });
    assert.equal(uc.Timeout, 15);
    await ok(['wait', 'function-updated-v2', '--function-name', 'clifn']);
    const cfg = await ok(['get-function-configuration', '--function-name', 'clifn']);
    assert.equal(cfg.LastUpdateStatus, 'Successful');
    assert.equal(cfg.Description, 'cli');

    await ok(['tag-resource', '--resource', arnOf('clifn'), '--tags', 'team=a,env=b']);
    assert.deepEqual((await ok(['list-tags', '--resource', arnOf('clifn')])).Tags, { owner: 'cli', team: 'a', env: 'b' });

    // The CLI pages through ListFunctions itself (54 functions: clifn and the boto3 test's 53
    // page-NN); a function in another region stays there.
    await ok(['create-function', '--function-name', 'cli-west', '--runtime', 'python3.12', '--handler', 'h.h', '--role', ROLE, '--zip-file', `fileb://${z1}`], 'eu-west-1');
    const east = await ok(['list-functions']);
    const eastNames = east.Functions.map((f: { FunctionName: string }) => f.FunctionName);
    assert.deepEqual(eastNames, ['clifn', ...Array.from({ length: 53 }, (_, i) => `page-${String(i).padStart(2, '0')}`)]);
    assert.equal(east.NextMarker, undefined);
    const firstSeven = await ok(['list-functions', '--max-items', '7']);
    assert.equal(firstSeven.Functions.length, 7);
    assert.equal(typeof firstSeven.NextToken, 'string');
    const west = await ok(['list-functions'], 'eu-west-1');
    assert.deepEqual(west.Functions.map((f: { FunctionArn: string }) => f.FunctionArn), [`arn:aws:lambda:eu-west-1:${ACCOUNT}:function:cli-west`]);

    const missing = await cli(['get-function', '--function-name', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.equal(
      missing.stderr.trim(),
      `An error occurred (ResourceNotFoundException) when calling the GetFunction operation: Function not found: ${arnOf('nope')}`,
    );
    const stale = await cli(['update-function-configuration', '--function-name', 'clifn', '--timeout', '9', '--revision-id', g.Configuration.RevisionId]);
    assert.notEqual(stale.code, 0);
    assert.equal(
      stale.stderr.trim(),
      'An error occurred (PreconditionFailedException) when calling the UpdateFunctionConfiguration operation: The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );

    const del = await cli(['delete-function', '--function-name', 'clifn']);
    assert.equal(del.code, 0, del.stderr);
    // The 2025 model binds DeleteFunctionResponse.StatusCode to the HTTP status (AWS sends 204).
    assert.deepEqual(JSON.parse(del.stdout), { StatusCode: 204 });
    const gone = await cli(['get-function', '--function-name', 'clifn']);
    assert.match(gone.stderr, /\(ResourceNotFoundException\) when calling the GetFunction operation: Function not found: /);
  });
});
