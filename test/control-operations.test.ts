/**
 * Every control-plane operation through @aws-sdk/client-lambda (and raw HTTP where status codes and
 * headers matter): the FunctionConfiguration AWS computes, the lifecycle, paging, preconditions,
 * tags, account settings, and a smoke test of versions and aliases.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAccountSettingsCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  paginateListFunctions,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { sdk } from './helpers/clients.js';
import {
  ACCOUNT,
  ROLE,
  TIMESTAMP_RE,
  UUID_RE,
  arnOf,
  assertAwsError,
  addedSince,
  codeListing,
  createInput,
  expectSdkError,
  pyZip,
  raw,
  sha256,
} from './helpers/control.js';

const REVISION_MISMATCH =
  'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id';

/** The members of a FunctionConfiguration as AWS returns it from Create/Get for a new Zip function. */
const CONFIG_KEYS = [
  'Architectures', 'CodeSha256', 'CodeSize', 'Description', 'EphemeralStorage', 'FunctionArn', 'FunctionName', 'Handler',
  'LastModified', 'LoggingConfig', 'MemorySize', 'PackageType', 'RevisionId', 'Role', 'Runtime', 'RuntimeVersionConfig',
  'SnapStart', 'State', 'Timeout', 'TracingConfig', 'Version',
];

function lastModifiedMs(s: string): number {
  assert.match(s, TIMESTAMP_RE);
  return Date.parse(s.replace('+0000', 'Z'));
}

describe('control plane: operations (JS SDK)', () => {
  let lk: Lambkin;
  let client: LambdaClient;

  before(async () => {
    lk = await startLambkin();
    client = sdk(lk.url);
  });
  after(async () => {
    client?.destroy();
    await lk?.stop();
  });

  const getConfig = async (name: string, Qualifier?: string) =>
    (await client.send(new GetFunctionCommand({ FunctionName: name, Qualifier }))).Configuration!;

  it('CreateFunction: 201 with the FunctionConfiguration AWS computes, State Pending', async () => {
    const zip = await pyZip('create');
    const t0 = Date.now();
    const res = await raw(lk.url, 'POST', '/2015-03-31/functions', {
      body: createInput('fn-create', zip, { Code: { ZipFile: zip.toString('base64') } }),
    });
    assert.equal(res.status, 201, res.text);
    assert.match(res.headers.get('x-amzn-requestid') ?? '', UUID_RE);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const c = res.json;
    assert.deepEqual(Object.keys(c).sort(), [...CONFIG_KEYS, 'StateReason', 'StateReasonCode'].sort());
    const { b64 } = sha256(zip);
    assert.deepEqual(
      { ...c, LastModified: '*', RevisionId: '*', RuntimeVersionConfig: '*' },
      {
        FunctionName: 'fn-create',
        FunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:fn-create`,
        Runtime: 'python3.12',
        Role: ROLE,
        Handler: 'lambda_function.lambda_handler',
        CodeSize: zip.length,
        Description: '',
        Timeout: 3,
        MemorySize: 128,
        LastModified: '*',
        CodeSha256: b64,
        Version: '$LATEST',
        TracingConfig: { Mode: 'PassThrough' },
        RevisionId: '*',
        State: 'Pending',
        StateReason: 'The function is being created.',
        StateReasonCode: 'Creating',
        PackageType: 'Zip',
        Architectures: ['x86_64'],
        EphemeralStorage: { Size: 512 },
        SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
        RuntimeVersionConfig: '*',
        LoggingConfig: { LogFormat: 'Text', LogGroup: '/aws/lambda/fn-create' },
      },
    );
    assert.equal(b64.length, 44);
    assert.match(c.RevisionId, UUID_RE);
    assert.match(c.RuntimeVersionConfig.RuntimeVersionArn, /^arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$/);
    const lm = lastModifiedMs(c.LastModified);
    assert.ok(lm >= t0 - 1000 && lm <= Date.now() + 1000, c.LastModified);
  });

  it('GetFunction: State Active / LastUpdateStatus Successful, a new RevisionId, Code.Location serves the exact zip', async () => {
    const zip = await pyZip('get');
    const created = await client.send(new CreateFunctionCommand(createInput('fn-get', zip, { Tags: { team: 'x' } })));
    const res = await raw(lk.url, 'GET', '/2015-03-31/functions/fn-get');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-amzn-requestid') ?? '', UUID_RE);
    const body = res.json;
    assert.deepEqual(Object.keys(body).sort(), ['Code', 'Configuration', 'Tags']);
    assert.deepEqual(body.Tags, { team: 'x' });
    const c = body.Configuration;
    assert.deepEqual(Object.keys(c).sort(), [...CONFIG_KEYS, 'LastUpdateStatus'].sort());
    assert.equal(c.State, 'Active');
    assert.equal(c.LastUpdateStatus, 'Successful');
    assert.notEqual(c.RevisionId, created.RevisionId, 'Pending → Active is a mutation');
    assert.match(c.RevisionId, UUID_RE);
    assert.equal(c.LastModified, created.LastModified);
    assert.equal(c.CodeSha256, created.CodeSha256);

    assert.equal(body.Code.RepositoryType, 'S3');
    const loc = new URL(body.Code.Location);
    assert.equal(loc.origin, lk.url, 'Location points at this server');
    const dl = await fetch(loc);
    assert.equal(dl.status, 200);
    const bytes = Buffer.from(await dl.arrayBuffer());
    assert.deepEqual(bytes, zip);
    assert.equal(sha256(bytes).b64, c.CodeSha256);
    // The link is signed: tampering with it is refused.
    const forged = new URL(loc);
    forged.searchParams.set('X-Lambkin-Signature', '0'.repeat(64));
    assert.equal((await fetch(forged)).status, 403);

    // GetFunctionConfiguration is the same document.
    const cfg = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn-get' }));
    const { $metadata, ...rest } = cfg;
    void $metadata;
    assert.deepEqual(rest, c);
    // Without tags, GetFunction has no Tags member.
    await client.send(new CreateFunctionCommand(createInput('fn-get-untagged', zip)));
    assert.deepEqual(Object.keys((await raw(lk.url, 'GET', '/2015-03-31/functions/fn-get-untagged')).json).sort(), ['Code', 'Configuration']);
  });

  it('ListFunctions: 50 per page, Marker/MaxItems paging over 60 functions, list entries omit state', async () => {
    const zip = await pyZip('list');
    const names = Array.from({ length: 60 }, (_, i) => `list-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(names.slice(i, i + 10).map((n) => client.send(new CreateFunctionCommand(createInput(n, zip)))));
    }
    const all: FunctionConfiguration[] = [];
    for await (const page of paginateListFunctions({ client }, {})) all.push(...(page.Functions ?? []));
    const listed = all.map((f) => f.FunctionName!).filter((n) => n.startsWith('list-'));
    assert.deepEqual(listed, names, 'every function once, ordered by name');

    const first = await client.send(new ListFunctionsCommand({}));
    assert.equal(first.Functions!.length, 50);
    assert.ok(first.NextMarker);
    const rest = await client.send(new ListFunctionsCommand({ Marker: first.NextMarker }));
    assert.equal(first.Functions!.length + rest.Functions!.length, all.length);
    assert.equal(rest.NextMarker, undefined, 'no NextMarker on the last page');

    const capped = await client.send(new ListFunctionsCommand({ MaxItems: 1000 }));
    assert.equal(capped.Functions!.length, 50, 'at most 50 per page whatever MaxItems says');

    let marker: string | undefined;
    const paged: string[] = [];
    let pages = 0;
    do {
      const p = await client.send(new ListFunctionsCommand({ MaxItems: 7, Marker: marker }));
      assert.ok(p.Functions!.length <= 7);
      paged.push(...p.Functions!.map((f) => f.FunctionName!));
      marker = p.NextMarker;
      pages++;
    } while (marker);
    assert.deepEqual(paged, all.map((f) => f.FunctionName));
    assert.equal(pages, Math.ceil(all.length / 7));

    const entry = all.find((f) => f.FunctionName === 'list-007')!;
    assert.equal(entry.FunctionArn, arnOf('list-007'));
    assert.equal(entry.Version, '$LATEST');
    for (const k of ['State', 'StateReason', 'StateReasonCode', 'LastUpdateStatus', 'RuntimeVersionConfig']) {
      assert.equal(k in entry, false, `list entries omit ${k}`);
    }
    assert.equal(entry.CodeSha256, sha256(zip).b64);

    // Raw: the query members as the wire has them.
    const r = await raw(lk.url, 'GET', '/2015-03-31/functions?MaxItems=2');
    assert.equal(r.status, 200);
    assert.equal(r.json.Functions.length, 2);
    assert.equal(typeof r.json.NextMarker, 'string');
  });

  it('ListFunctions FunctionVersion=ALL: every version, qualified ARNs', async () => {
    await client.send(new CreateFunctionCommand(createInput('zz-versions', await pyZip('all-1'))));
    await client.send(new PublishVersionCommand({ FunctionName: 'zz-versions' }));
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'zz-versions', ZipFile: await pyZip('all-2'), Publish: true }));
    const entries: FunctionConfiguration[] = [];
    for await (const page of paginateListFunctions({ client }, { FunctionVersion: 'ALL' })) entries.push(...(page.Functions ?? []));
    const mine = entries.filter((f) => f.FunctionName === 'zz-versions');
    assert.deepEqual(
      mine.map((f) => [f.Version, f.FunctionArn]),
      [
        ['$LATEST', arnOf('zz-versions', 'us-east-1', '$LATEST')],
        ['1', arnOf('zz-versions', 'us-east-1', '1')],
        ['2', arnOf('zz-versions', 'us-east-1', '2')],
      ],
    );
    const latestOnly = (await client.send(new ListFunctionsCommand({ MaxItems: 50 }))).Functions!;
    assert.equal(latestOnly.filter((f) => f.FunctionName === 'zz-versions').length <= 1, true);
    // Paging across versions with a small page.
    const small: string[] = [];
    let marker: string | undefined;
    do {
      const p = await client.send(new ListFunctionsCommand({ FunctionVersion: 'ALL', MaxItems: 2, Marker: marker }));
      small.push(...p.Functions!.map((f) => f.FunctionArn!));
      marker = p.NextMarker;
    } while (marker);
    assert.deepEqual(small, entries.map((f) => f.FunctionArn));
    await expectSdkError(
      client.send(new ListFunctionsCommand({ FunctionVersion: 'LATEST' as never })),
      'ValidationException',
      400,
      "1 validation error detected: Value 'LATEST' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]",
    );
  });

  it('UpdateFunctionCode: new code, InProgress then Successful, DryRun changes nothing, RevisionId precondition', async () => {
    const zip1 = await pyZip('code-1');
    const zip2 = await pyZip('code-2');
    const created = await client.send(new CreateFunctionCommand(createInput('fn-code', zip1)));
    const before = await getConfig('fn-code');
    const listing = codeListing(lk.dataDir);

    // DryRun: validates, answers, stores nothing.
    const dry = await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn-code', ZipFile: zip2, DryRun: true }));
    assert.equal(dry.FunctionName, 'fn-code');
    assert.deepEqual(await getConfig('fn-code'), before);
    assert.deepEqual(addedSince(lk.dataDir, listing), []);
    const loc1 = (await client.send(new GetFunctionCommand({ FunctionName: 'fn-code' }))).Code!.Location!;
    assert.deepEqual(Buffer.from(await (await fetch(loc1)).arrayBuffer()), zip1);

    // Wrong RevisionId: 412, nothing changes.
    const pf = await raw(lk.url, 'PUT', '/2015-03-31/functions/fn-code/code', {
      body: { ZipFile: zip2.toString('base64'), RevisionId: created.RevisionId },
    });
    assertAwsError(pf, { status: 412, code: 'PreconditionFailedException', message: REVISION_MISMATCH });
    await expectSdkError(
      client.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn-code', ZipFile: zip2, RevisionId: '00000000-0000-0000-0000-000000000000' })),
      'PreconditionFailedException',
      412,
      REVISION_MISMATCH,
    );
    assert.deepEqual(await getConfig('fn-code'), before);

    // The right RevisionId: accepted.
    const upd = await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn-code', ZipFile: zip2, RevisionId: before.RevisionId }));
    assert.equal(upd.CodeSha256, sha256(zip2).b64);
    assert.equal(upd.CodeSize, zip2.length);
    assert.equal(upd.State, 'Active');
    assert.equal(upd.LastUpdateStatus, 'InProgress');
    assert.equal(upd.LastUpdateStatusReason, 'The function is being created.');
    assert.equal(upd.LastUpdateStatusReasonCode, 'Creating');
    assert.equal(upd.FunctionArn, arnOf('fn-code'));
    assert.equal(upd.Version, '$LATEST');
    assert.notEqual(upd.RevisionId, before.RevisionId);
    assert.ok(lastModifiedMs(upd.LastModified!) >= lastModifiedMs(before.LastModified!));

    const afterUpd = await getConfig('fn-code');
    assert.equal(afterUpd.LastUpdateStatus, 'Successful');
    assert.equal(afterUpd.LastUpdateStatusReason, undefined);
    assert.equal(afterUpd.LastUpdateStatusReasonCode, undefined);
    assert.notEqual(afterUpd.RevisionId, upd.RevisionId, 'InProgress → Successful is a mutation');
    assert.equal(afterUpd.CodeSha256, sha256(zip2).b64);
    assert.equal(afterUpd.LastModified, upd.LastModified);
    const loc2 = (await client.send(new GetFunctionCommand({ FunctionName: 'fn-code' }))).Code!.Location!;
    assert.deepEqual(Buffer.from(await (await fetch(loc2)).arrayBuffer()), zip2);

    // Missing function.
    await expectSdkError(
      client.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn-nope', ZipFile: zip2 })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${arnOf('fn-nope')}`,
    );
  });

  it('UpdateFunctionConfiguration: absent members unchanged, Environment replaced wholesale, RevisionId precondition', async () => {
    await client.send(new CreateFunctionCommand(createInput('fn-cfg', await pyZip('cfg'))));
    const v0 = await getConfig('fn-cfg');
    const u1 = await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'fn-cfg',
        Description: 'first',
        Timeout: 30,
        MemorySize: 256,
        Environment: { Variables: { KEEP_ME: 'no', OTHER: 'x' } },
        RevisionId: v0.RevisionId,
      }),
    );
    assert.equal(u1.LastUpdateStatus, 'InProgress');
    assert.equal(u1.State, 'Active');
    assert.deepEqual([u1.Description, u1.Timeout, u1.MemorySize], ['first', 30, 256]);
    assert.deepEqual(u1.Environment, { Variables: { KEEP_ME: 'no', OTHER: 'x' } });
    assert.equal(u1.CodeSha256, v0.CodeSha256);
    assert.equal(u1.Handler, v0.Handler);

    const v1 = await getConfig('fn-cfg');
    const u2 = await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-cfg', Environment: { Variables: { ONLY: '1' } } }));
    assert.deepEqual(u2.Environment, { Variables: { ONLY: '1' } }, 'Environment is replaced, not merged');
    const v2 = await getConfig('fn-cfg');
    for (const k of ['Description', 'Timeout', 'MemorySize', 'Handler', 'Runtime', 'Role', 'CodeSha256', 'CodeSize', 'TracingConfig', 'EphemeralStorage', 'LoggingConfig', 'Architectures'] as const) {
      assert.deepEqual(v2[k], v1[k], `${k} unchanged`);
    }
    assert.deepEqual(v2.Environment, { Variables: { ONLY: '1' } });
    assert.ok(lastModifiedMs(v2.LastModified!) >= lastModifiedMs(v1.LastModified!));

    // An empty Variables map stays present.
    const u3 = await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-cfg', Environment: { Variables: {} } }));
    assert.deepEqual(u3.Environment, { Variables: {} });

    // Runtime, handler, tracing, logging, storage.
    const u4 = await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'fn-cfg',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON' },
        EphemeralStorage: { Size: 1024 },
      }),
    );
    assert.equal(u4.Runtime, 'nodejs20.x');
    assert.equal(u4.Handler, 'index.handler');
    assert.deepEqual(u4.TracingConfig, { Mode: 'Active' });
    assert.deepEqual(u4.LoggingConfig, { LogFormat: 'JSON', LogGroup: '/aws/lambda/fn-cfg', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO' });
    assert.deepEqual(u4.EphemeralStorage, { Size: 1024 });
    assert.notEqual(u4.RuntimeVersionConfig!.RuntimeVersionArn, v2.RuntimeVersionConfig!.RuntimeVersionArn);
    assert.equal(u4.Description, 'first');

    // Stale RevisionId: 412 with the model's lower-case message member, nothing changes.
    const stale = await raw(lk.url, 'PUT', '/2015-03-31/functions/fn-cfg/configuration', { body: { Timeout: 5, RevisionId: v0.RevisionId } });
    assertAwsError(stale, { status: 412, code: 'PreconditionFailedException', message: REVISION_MISMATCH });
    assert.equal((await getConfig('fn-cfg')).Timeout, 30);
    await expectSdkError(
      client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-nope', Timeout: 5 })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${arnOf('fn-nope')}`,
    );
  });

  it('every mutation yields a new RevisionId', async () => {
    const seen = new Set<string>();
    const add = (r: string | undefined) => {
      assert.match(r ?? '', UUID_RE);
      assert.equal(seen.has(r!), false, `RevisionId ${r} repeated`);
      seen.add(r!);
    };
    add((await client.send(new CreateFunctionCommand(createInput('fn-rev', await pyZip('rev-1'))))).RevisionId);
    add((await getConfig('fn-rev')).RevisionId);
    add((await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-rev', Timeout: 9 }))).RevisionId);
    add((await getConfig('fn-rev')).RevisionId);
    add((await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn-rev', ZipFile: await pyZip('rev-2') }))).RevisionId);
    add((await getConfig('fn-rev')).RevisionId);
    const published = await client.send(new PublishVersionCommand({ FunctionName: 'fn-rev' }));
    add(published.RevisionId);
    add((await getConfig('fn-rev')).RevisionId); // publishing bumps $LATEST's
    // Reads do not change it.
    const a = (await getConfig('fn-rev')).RevisionId;
    assert.equal((await getConfig('fn-rev')).RevisionId, a);
  });

  it('DeleteFunction: 204 with no body, then 404; deleting again is 404', async () => {
    await client.send(new CreateFunctionCommand(createInput('fn-del', await pyZip('del'), { Tags: { a: 'b' } })));
    const del = await raw(lk.url, 'DELETE', '/2015-03-31/functions/fn-del');
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assert.match(del.headers.get('x-amzn-requestid') ?? '', UUID_RE);
    const get = await raw(lk.url, 'GET', '/2015-03-31/functions/fn-del');
    assertAwsError(get, { status: 404, code: 'ResourceNotFoundException', message: `Function not found: ${arnOf('fn-del')}`, key: 'Message' });
    await expectSdkError(client.send(new DeleteFunctionCommand({ FunctionName: 'fn-del' })), 'ResourceNotFoundException', 404, `Function not found: ${arnOf('fn-del')}`);
    await expectSdkError(client.send(new ListTagsCommand({ Resource: arnOf('fn-del') })), 'ResourceNotFoundException', 404, `Function not found: ${arnOf('fn-del')}`);
    // The name can be used again, and starts from scratch.
    const again = await client.send(new CreateFunctionCommand(createInput('fn-del', await pyZip('del-2'))));
    assert.equal(again.State, 'Pending');
    assert.deepEqual((await client.send(new ListTagsCommand({ Resource: arnOf('fn-del') }))).Tags, {});
    const versions = await client.send(new ListVersionsByFunctionCommand({ FunctionName: 'fn-del' }));
    assert.deepEqual(versions.Versions!.map((v) => v.Version), ['$LATEST']);
  });

  it('CreateFunction on an existing name: 409 ResourceConflictException, nothing changes', async () => {
    await client.send(new CreateFunctionCommand(createInput('fn-dup', await pyZip('dup-1'))));
    const before = await getConfig('fn-dup');
    const listing = codeListing(lk.dataDir);
    const res = await raw(lk.url, 'POST', '/2015-03-31/functions', {
      body: createInput('fn-dup', Buffer.alloc(0), { Code: { ZipFile: (await pyZip('dup-2')).toString('base64') } }),
    });
    assertAwsError(res, { status: 409, code: 'ResourceConflictException', message: 'Function already exist: fn-dup' });
    assert.deepEqual(await getConfig('fn-dup'), before);
    assert.deepEqual(addedSince(lk.dataDir, listing), []);
  });

  it('tags: TagResource / UntagResource / ListTags and their errors', async () => {
    await client.send(new CreateFunctionCommand(createInput('fn-tags', await pyZip('tags'), { Tags: { a: '1' } })));
    const arn = arnOf('fn-tags');
    const enc = encodeURIComponent(arn);
    assert.deepEqual((await client.send(new ListTagsCommand({ Resource: arn }))).Tags, { a: '1' });

    const tag = await raw(lk.url, 'POST', `/2017-03-31/tags/${enc}`, { body: { Tags: { b: '2', c: '' } } });
    assert.equal(tag.status, 204);
    assert.equal(tag.text, '');
    assert.deepEqual((await client.send(new ListTagsCommand({ Resource: arn }))).Tags, { a: '1', b: '2', c: '' });
    await client.send(new TagResourceCommand({ Resource: arn, Tags: { a: 'overwritten' } }));
    const untag = await raw(lk.url, 'DELETE', `/2017-03-31/tags/${enc}?tagKeys=b&tagKeys=c&tagKeys=not-there`);
    assert.equal(untag.status, 204);
    assert.deepEqual((await client.send(new ListTagsCommand({ Resource: arn }))).Tags, { a: 'overwritten' });
    assert.deepEqual((await client.send(new GetFunctionCommand({ FunctionName: 'fn-tags' }))).Tags, { a: 'overwritten' });
    await client.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['a'] }));
    const list = await raw(lk.url, 'GET', `/2017-03-31/tags/${enc}`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.json, { Tags: {} });

    // Qualified ARNs: tags belong to the function.
    await client.send(new PublishVersionCommand({ FunctionName: 'fn-tags' }));
    const QUALIFIED = 'Tags on function aliases and versions are not supported. Please specify a function ARN.';
    for (const q of ['$LATEST', '1', 'live']) {
      const qarn = arnOf('fn-tags', 'us-east-1', q);
      await expectSdkError(client.send(new TagResourceCommand({ Resource: qarn, Tags: { x: 'y' } })), 'InvalidParameterValueException', 400, QUALIFIED);
      await expectSdkError(client.send(new UntagResourceCommand({ Resource: qarn, TagKeys: ['x'] })), 'InvalidParameterValueException', 400, QUALIFIED);
      await expectSdkError(client.send(new ListTagsCommand({ Resource: qarn })), 'InvalidParameterValueException', 400, QUALIFIED);
    }
    const qraw = await raw(lk.url, 'POST', `/2017-03-31/tags/${encodeURIComponent(arnOf('fn-tags', 'us-east-1', '1'))}`, { body: { Tags: { x: 'y' } } });
    assertAwsError(qraw, { status: 400, code: 'InvalidParameterValueException', message: QUALIFIED });

    // An empty map.
    const empty = await raw(lk.url, 'POST', `/2017-03-31/tags/${enc}`, { body: { Tags: {} } });
    assertAwsError(empty, { status: 400, code: 'InvalidParameterValueException', message: 'An error occurred and the request cannot be processed.' });

    // More than 50: at once, and in total.
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    await expectSdkError(client.send(new TagResourceCommand({ Resource: arn, Tags: many })), 'InvalidParameterValueException', 400, 'Number of tags exceeds resource tag limit.');
    await client.send(new TagResourceCommand({ Resource: arn, Tags: Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`k${i}`, 'v'])) }));
    await expectSdkError(
      client.send(new TagResourceCommand({ Resource: arn, Tags: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`n${i}`, 'v'])) })),
      'InvalidParameterValueException',
      400,
      'Number of tags exceeds resource tag limit.',
    );
    assert.equal(Object.keys((await client.send(new ListTagsCommand({ Resource: arn }))).Tags!).length, 45);
    await client.send(new TagResourceCommand({ Resource: arn, Tags: { n0: 'v', n1: 'v', n2: 'v', n3: 'v', n4: 'v' } }));
    assert.equal(Object.keys((await client.send(new ListTagsCommand({ Resource: arn }))).Tags!).length, 50);
    await expectSdkError(
      client.send(new CreateFunctionCommand(createInput('fn-tags-51', await pyZip('t51'), { Tags: many }))),
      'InvalidParameterValueException',
      400,
      'Number of tags exceeds resource tag limit.',
    );

    // A function that does not exist.
    await expectSdkError(
      client.send(new TagResourceCommand({ Resource: arnOf('fn-no-such'), Tags: { a: 'b' } })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${arnOf('fn-no-such')}`,
    );
  });

  it('GetAccountSettings: AWS limits and this region\'s usage', async () => {
    const res = await raw(lk.url, 'GET', '/2016-08-19/account-settings');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-amzn-requestid') ?? '', UUID_RE);
    const all: FunctionConfiguration[] = [];
    for await (const page of paginateListFunctions({ client }, { FunctionVersion: 'ALL' })) all.push(...(page.Functions ?? []));
    const count = new Set(all.map((f) => f.FunctionName)).size;
    const total = all.reduce((n, f) => n + f.CodeSize!, 0);
    assert.deepEqual(res.json, {
      AccountLimit: {
        TotalCodeSize: 80530636800,
        CodeSizeUnzipped: 262144000,
        CodeSizeZipped: 52428800,
        ConcurrentExecutions: 1000,
        UnreservedConcurrentExecutions: 1000,
      },
      AccountUsage: { TotalCodeSize: total, FunctionCount: count },
    });
    const s = await client.send(new GetAccountSettingsCommand({}));
    assert.equal(s.AccountUsage!.FunctionCount, count);
    assert.equal(s.AccountLimit!.CodeSizeZipped, 52428800);
    // Another region is empty.
    const other = await raw(lk.url, 'GET', '/2016-08-19/account-settings', { region: 'ap-southeast-2' });
    assert.deepEqual(other.json.AccountUsage, { TotalCodeSize: 0, FunctionCount: 0 });
  });

  it('smoke: PublishVersion, ListVersionsByFunction, aliases, qualified reads and deletes', async () => {
    const zip = await pyZip('smoke');
    await client.send(new CreateFunctionCommand(createInput('fn-smoke', zip, { Description: 'd0' })));
    const pub = await raw(lk.url, 'POST', '/2015-03-31/functions/fn-smoke/versions', { body: {} });
    assert.equal(pub.status, 201);
    assert.equal(pub.json.Version, '1');
    assert.equal(pub.json.FunctionArn, arnOf('fn-smoke', 'us-east-1', '1'));
    assert.equal(pub.json.State, 'Active');
    assert.equal(pub.json.LastUpdateStatus, 'Successful');
    assert.equal(pub.json.Description, 'd0');
    // Unchanged since the last publish: the same version again.
    const again = await client.send(new PublishVersionCommand({ FunctionName: 'fn-smoke' }));
    assert.equal(again.Version, '1');
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-smoke', Timeout: 10 }));
    const v2 = await client.send(new PublishVersionCommand({ FunctionName: 'fn-smoke', Description: 'second' }));
    assert.equal(v2.Version, '2');
    assert.equal(v2.Description, 'second');
    assert.equal(v2.Timeout, 10);

    // PublishVersion's preconditions.
    const latest = await getConfig('fn-smoke');
    await expectSdkError(
      client.send(new PublishVersionCommand({ FunctionName: 'fn-smoke', RevisionId: '11111111-1111-1111-1111-111111111111' })),
      'PreconditionFailedException',
      412,
      REVISION_MISMATCH,
    );
    await expectSdkError(
      client.send(new PublishVersionCommand({ FunctionName: 'fn-smoke', CodeSha256: 'AAAA' })),
      'InvalidParameterValueException',
      400,
      `CodeSHA256 (AAAA) is different from current CodeSHA256 in $LATEST (${latest.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
    );
    assert.deepEqual(await getConfig('fn-smoke'), latest);

    const versions = await client.send(new ListVersionsByFunctionCommand({ FunctionName: 'fn-smoke' }));
    assert.deepEqual(
      versions.Versions!.map((v) => [v.Version, v.FunctionArn]),
      [
        ['$LATEST', arnOf('fn-smoke', 'us-east-1', '$LATEST')],
        ['1', arnOf('fn-smoke', 'us-east-1', '1')],
        ['2', arnOf('fn-smoke', 'us-east-1', '2')],
      ],
    );
    const v1cfg = await getConfig('fn-smoke', '1');
    assert.equal(v1cfg.Timeout, 3);
    assert.equal(v1cfg.FunctionArn, arnOf('fn-smoke', 'us-east-1', '1'));
    assert.equal((await getConfig('fn-smoke', '$LATEST')).FunctionArn, arnOf('fn-smoke', 'us-east-1', '$LATEST'));

    const alias = await raw(lk.url, 'POST', '/2015-03-31/functions/fn-smoke/aliases', { body: { Name: 'live', FunctionVersion: '1' } });
    assert.equal(alias.status, 201);
    assert.deepEqual({ ...alias.json, RevisionId: '*' }, {
      AliasArn: arnOf('fn-smoke', 'us-east-1', 'live'),
      Name: 'live',
      FunctionVersion: '1',
      Description: '',
      RevisionId: '*',
    });
    assert.match(alias.json.RevisionId, UUID_RE);
    const viaAlias = await getConfig('fn-smoke', 'live');
    assert.equal(viaAlias.FunctionArn, arnOf('fn-smoke', 'us-east-1', 'live'));
    assert.equal(viaAlias.Version, '1');
    assert.equal((await client.send(new GetAliasCommand({ FunctionName: 'fn-smoke', Name: 'live' }))).FunctionVersion, '1');
    const moved = await client.send(new UpdateAliasCommand({ FunctionName: 'fn-smoke', Name: 'live', FunctionVersion: '2' }));
    assert.equal(moved.FunctionVersion, '2');
    assert.deepEqual((await client.send(new ListAliasesCommand({ FunctionName: 'fn-smoke' }))).Aliases!.map((a) => a.Name), ['live']);
    await expectSdkError(
      client.send(new CreateAliasCommand({ FunctionName: 'fn-smoke', Name: 'live', FunctionVersion: '1' })),
      'ResourceConflictException',
      409,
      `Alias already exists: ${arnOf('fn-smoke', 'us-east-1', 'live')}`,
    );
    await expectSdkError(
      client.send(new GetFunctionCommand({ FunctionName: 'fn-smoke', Qualifier: '9' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${arnOf('fn-smoke', 'us-east-1', '9')}`,
    );

    const delAlias = await raw(lk.url, 'DELETE', '/2015-03-31/functions/fn-smoke/aliases/live');
    assert.equal(delAlias.status, 204);
    await client.send(new DeleteAliasCommand({ FunctionName: 'fn-smoke', Name: 'live' }));
    await expectSdkError(
      client.send(new DeleteFunctionCommand({ FunctionName: 'fn-smoke', Qualifier: '$LATEST' })),
      'InvalidParameterValueException',
      400,
      '$LATEST version cannot be deleted without deleting the function.',
    );
    const delV1 = await raw(lk.url, 'DELETE', '/2015-03-31/functions/fn-smoke?Qualifier=1');
    assert.equal(delV1.status, 204);
    assert.deepEqual(
      (await client.send(new ListVersionsByFunctionCommand({ FunctionName: 'fn-smoke' }))).Versions!.map((v) => v.Version),
      ['$LATEST', '2'],
    );
    // Version numbers are never reused.
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-smoke', Timeout: 11 }));
    assert.equal((await client.send(new PublishVersionCommand({ FunctionName: 'fn-smoke' }))).Version, '3');
    // Deleting the function takes its versions with it.
    await client.send(new DeleteFunctionCommand({ FunctionName: 'fn-smoke' }));
    await expectSdkError(
      client.send(new GetFunctionCommand({ FunctionName: 'fn-smoke', Qualifier: '2' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${arnOf('fn-smoke', 'us-east-1', '2')}`,
    );
  });
});
