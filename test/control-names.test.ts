/**
 * Function identifiers in every form the API accepts, URL-encoded or not; the region taken from the
 * SigV4 credential scope; other accounts; and the name-length rules (64 / 140 / 256).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { sdk } from './helpers/clients.js';
import { ACCOUNT, arnOf, assertAwsError, createInput, expectSdkError, pyZip, raw } from './helpers/control.js';

const NAME_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';
const READ_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?';

describe('control plane: function names, regions, accounts', () => {
  let lk: Lambkin;
  let east: LambdaClient;
  let west: LambdaClient;

  before(async () => {
    lk = await startLambkin();
    east = sdk(lk.url, 'us-east-1');
    west = sdk(lk.url, 'eu-west-1');
    await east.send(new CreateFunctionCommand(createInput('named', await pyZip('named'))));
    await east.send(new PublishVersionCommand({ FunctionName: 'named' }));
    await east.send(new CreateAliasCommand({ FunctionName: 'named', Name: 'live', FunctionVersion: '1' }));
    await east.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'named', Description: 'latest' }));
  });
  after(async () => {
    east?.destroy();
    west?.destroy();
    await lk?.stop();
  });

  it('every identifier form reaches the same function, with the qualifier it names', async () => {
    const forms: [string, string, string][] = [
      // [identifier, expected FunctionArn, expected Version]
      ['named', arnOf('named'), '$LATEST'],
      ['named:$LATEST', arnOf('named', 'us-east-1', '$LATEST'), '$LATEST'],
      ['named:1', arnOf('named', 'us-east-1', '1'), '1'],
      ['named:live', arnOf('named', 'us-east-1', 'live'), '1'],
      [`${ACCOUNT}:function:named`, arnOf('named'), '$LATEST'],
      [`${ACCOUNT}:function:named:1`, arnOf('named', 'us-east-1', '1'), '1'],
      [arnOf('named'), arnOf('named'), '$LATEST'],
      [arnOf('named', 'us-east-1', '$LATEST'), arnOf('named', 'us-east-1', '$LATEST'), '$LATEST'],
      [arnOf('named', 'us-east-1', 'live'), arnOf('named', 'us-east-1', 'live'), '1'],
    ];
    for (const [id, arn, version] of forms) {
      const viaSdk = await east.send(new GetFunctionConfigurationCommand({ FunctionName: id }));
      assert.deepEqual([viaSdk.FunctionName, viaSdk.FunctionArn, viaSdk.Version], ['named', arn, version], id);
      assert.equal(viaSdk.Description, version === '$LATEST' ? 'latest' : '', id);
      // The same through raw HTTP: percent-encoded (as SDKs send it) and with ':' and '$' left bare.
      for (const path of [encodeURIComponent(id), id]) {
        const res = await raw(lk.url, 'GET', `/2015-03-31/functions/${path}/configuration`);
        assert.equal(res.status, 200, `${path}: ${res.text}`);
        assert.equal(res.json.FunctionArn, arn, path);
      }
    }
    // Fully percent-encoded, letters included.
    const allEncoded = [...'named'].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('');
    assert.equal((await raw(lk.url, 'GET', `/2015-03-31/functions/${allEncoded}`)).json.Configuration.FunctionArn, arnOf('named'));
  });

  it('name:qualifier and a Qualifier parameter must agree', async () => {
    const ok = await east.send(new GetFunctionCommand({ FunctionName: 'named:1', Qualifier: '1' }));
    assert.equal(ok.Configuration!.Version, '1');
    await expectSdkError(
      east.send(new GetFunctionCommand({ FunctionName: 'named:1', Qualifier: 'live' })),
      'InvalidParameterValueException',
      400,
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
    const res = await raw(lk.url, 'GET', `/2015-03-31/functions/${encodeURIComponent(arnOf('named', 'us-east-1', '$LATEST'))}?Qualifier=1`);
    assertAwsError(res, { status: 400, code: 'InvalidParameterValueException', message: 'The derived qualifier from the function name does not match the specified qualifier.' });
    // A qualifier of a missing version or alias.
    await expectSdkError(
      east.send(new GetFunctionCommand({ FunctionName: 'named', Qualifier: 'nope' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${arnOf('named', 'us-east-1', 'nope')}`,
    );
  });

  it('mutations by ARN and partial ARN; qualified names are refused where AWS refuses them', async () => {
    await east.send(new CreateFunctionCommand(createInput(arnOf('by-arn'), await pyZip('by-arn'))));
    await east.send(new CreateFunctionCommand(createInput(`${ACCOUNT}:function:by-partial`, await pyZip('by-partial'))));
    const a = await east.send(new GetFunctionCommand({ FunctionName: 'by-arn' }));
    assert.equal(a.Configuration!.FunctionName, 'by-arn');
    assert.equal(a.Configuration!.LoggingConfig!.LogGroup, '/aws/lambda/by-arn');
    const u = await east.send(new UpdateFunctionConfigurationCommand({ FunctionName: `${ACCOUNT}:function:by-partial`, Timeout: 7 }));
    assert.equal(u.FunctionArn, arnOf('by-partial'));
    assert.equal(u.Timeout, 7);
    await expectSdkError(
      east.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'by-partial:1', Timeout: 7 })),
      'InvalidParameterValueException',
      400,
      /^Updating the configuration of a function version or alias is not supported/,
    );
    await expectSdkError(
      east.send(new CreateFunctionCommand(createInput('with-qualifier:1', await pyZip('q')))),
      'InvalidParameterValueException',
      400,
      /qualifier/,
    );
    await east.send(new DeleteFunctionCommand({ FunctionName: arnOf('by-arn') }));
    await east.send(new DeleteFunctionCommand({ FunctionName: `${ACCOUNT}:function:by-partial` }));
    await expectSdkError(east.send(new GetFunctionCommand({ FunctionName: 'by-arn' })), 'ResourceNotFoundException', 404, `Function not found: ${arnOf('by-arn')}`);
  });

  it('the region comes from the SigV4 credential scope', async () => {
    const created = await west.send(new CreateFunctionCommand(createInput('regional', await pyZip('west'), { Timeout: 44 })));
    assert.equal(created.FunctionArn, `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:regional`);
    assert.match(created.RuntimeVersionConfig!.RuntimeVersionArn!, /^arn:aws:lambda:eu-west-1::runtime:/);
    // Not visible from us-east-1, by name or in lists.
    await expectSdkError(
      east.send(new GetFunctionCommand({ FunctionName: 'regional' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${arnOf('regional')}`,
    );
    const eastList = (await east.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionName);
    assert.equal(eastList.includes('regional'), false);
    assert.deepEqual((await west.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionArn), [created.FunctionArn]);
    // The same name in another region is another function.
    const eastOne = await east.send(new CreateFunctionCommand(createInput('regional', await pyZip('east'))));
    assert.equal(eastOne.Timeout, 3);
    assert.equal((await west.send(new GetFunctionCommand({ FunctionName: 'regional' }))).Configuration!.Timeout, 44);
    // Raw requests pick the region from the Authorization header alone.
    const rawWest = await raw(lk.url, 'GET', '/2015-03-31/functions/regional', { region: 'eu-west-1' });
    assert.equal(rawWest.json.Configuration.FunctionArn, created.FunctionArn);
    // An ARN naming another region.
    const OTHER = "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')";
    const westArn = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:regional`;
    await expectSdkError(east.send(new GetFunctionCommand({ FunctionName: westArn })), 'ResourceNotFoundException', 404, OTHER);
    await expectSdkError(east.send(new UpdateFunctionConfigurationCommand({ FunctionName: westArn, Timeout: 5 })), 'ResourceNotFoundException', 404, OTHER);
    await expectSdkError(east.send(new DeleteFunctionCommand({ FunctionName: westArn })), 'ResourceNotFoundException', 404, OTHER);
    await expectSdkError(east.send(new ListTagsCommand({ Resource: westArn })), 'ResourceNotFoundException', 404, OTHER);
    const res = await raw(lk.url, 'GET', `/2015-03-31/functions/${encodeURIComponent(westArn)}`, { region: 'us-east-1' });
    assertAwsError(res, { status: 404, code: 'ResourceNotFoundException', message: OTHER, key: 'Message' });
    // Nothing was touched in eu-west-1.
    assert.equal((await west.send(new GetFunctionCommand({ FunctionName: 'regional' }))).Configuration!.Timeout, 44);
    // Tags are per region too.
    await west.send(new TagResourceCommand({ Resource: westArn, Tags: { r: 'west' } }));
    assert.deepEqual((await east.send(new ListTagsCommand({ Resource: arnOf('regional') }))).Tags, {});
  });

  it('another account id: 403 AccessDeniedException without a Type', async () => {
    const foreign = 'arn:aws:lambda:us-east-1:111111111111:function:named';
    for (const path of [
      `/2015-03-31/functions/${encodeURIComponent(foreign)}`,
      `/2015-03-31/functions/${encodeURIComponent('111111111111:function:named')}/configuration`,
      `/2017-03-31/tags/${encodeURIComponent(foreign)}`,
    ]) {
      const res = await raw(lk.url, 'GET', path);
      assertAwsError(res, { status: 403, code: 'AccessDeniedException', message: /not authorized.*111111111111/, type: null }, path);
    }
    await expectSdkError(east.send(new GetFunctionCommand({ FunctionName: foreign })), 'AccessDeniedException', 403, /111111111111/);
    await expectSdkError(east.send(new DeleteFunctionCommand({ FunctionName: foreign })), 'AccessDeniedException', 403, /111111111111/);
    // Still there.
    assert.equal((await east.send(new GetFunctionCommand({ FunctionName: 'named' }))).Configuration!.FunctionName, 'named');
  });

  it('name lengths: 64 plain (CreateFunction reports it as IPV), 140 for ARNs on writes, 256 on reads', async () => {
    const n64 = 'a'.repeat(64);
    const n65 = 'b'.repeat(65);
    const created = await east.send(new CreateFunctionCommand(createInput(n64, await pyZip('64'))));
    assert.equal(created.FunctionName, n64);
    assert.equal((await east.send(new GetFunctionCommand({ FunctionName: n64 }))).Configuration!.FunctionArn, arnOf(n64));

    const len64 = (v: string) => `1 validation error detected: Value '${v}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64`;
    // The CreateFunction quirk: InvalidParameterValueException (with Type) carrying the validator's text.
    const create65 = await raw(lk.url, 'POST', '/2015-03-31/functions', {
      body: createInput(n65, Buffer.alloc(0), { Code: { ZipFile: (await pyZip('65')).toString('base64') } }),
    });
    assertAwsError(create65, { status: 400, code: 'InvalidParameterValueException', message: len64(n65) });
    // Other operations: ValidationException, no Type.
    const update65 = await raw(lk.url, 'PUT', `/2015-03-31/functions/${n65}/configuration`, { body: { Timeout: 5 } });
    assertAwsError(update65, { status: 400, code: 'ValidationException', message: len64(n65), type: null });
    await expectSdkError(east.send(new GetFunctionCommand({ FunctionName: n65 })), 'ValidationException', 400, len64(n65));

    // A name component over 64 inside an ARN cannot be created either (it could never be read by name).
    const longInArn = arnOf('c'.repeat(70));
    assert.ok(longInArn.length <= 140);
    const e = await expectSdkError(east.send(new CreateFunctionCommand(createInput(longInArn, await pyZip('70')))), 'ValidationException', 400, len64(longInArn));
    assert.equal(e.Type, undefined);
    await expectSdkError(east.send(new GetFunctionCommand({ FunctionName: 'c'.repeat(70) })), 'ValidationException', 400, len64('c'.repeat(70)));

    // ARN forms: 140 on writes.
    const arn141 = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${'d'.repeat(141 - 47)}`;
    assert.equal(arn141.length, 141);
    const len140 = `1 validation error detected: Value '${arn141}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 140`;
    const w = await raw(lk.url, 'PUT', `/2015-03-31/functions/${encodeURIComponent(arn141)}/configuration`, { body: { Timeout: 5 } });
    assertAwsError(w, { status: 400, code: 'ValidationException', message: len140, type: null });
    const c141 = await raw(lk.url, 'POST', '/2015-03-31/functions', {
      body: createInput(arn141, Buffer.alloc(0), { Code: { ZipFile: (await pyZip('141')).toString('base64') } }),
    });
    assertAwsError(c141, { status: 400, code: 'ValidationException', message: len140, type: null });
    // Reads accept up to 256 (and say "not found"), then refuse.
    const r = await raw(lk.url, 'GET', `/2015-03-31/functions/${encodeURIComponent(arn141)}`);
    assert.equal(r.status, 404, r.text);
    const arn257 = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${'e'.repeat(257 - 47)}`;
    const r257 = await raw(lk.url, 'GET', `/2015-03-31/functions/${encodeURIComponent(arn257)}`);
    assertAwsError(r257, {
      status: 400,
      code: 'ValidationException',
      message: `1 validation error detected: Value '${arn257}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 256`,
      type: null,
    });
  });

  it('name patterns: bad characters per operation kind', async () => {
    const bad = 'has space';
    const createRes = await raw(lk.url, 'POST', '/2015-03-31/functions', {
      body: createInput(bad, Buffer.alloc(0), { Code: { ZipFile: (await pyZip('bad')).toString('base64') } }),
    });
    assertAwsError(createRes, {
      status: 400,
      code: 'InvalidParameterValueException',
      message: `1 validation error detected: Value '${bad}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}`,
    });
    const upd = await raw(lk.url, 'PUT', `/2015-03-31/functions/${encodeURIComponent('bad.name')}/configuration`, { body: { Timeout: 5 } });
    assertAwsError(upd, {
      status: 400,
      code: 'ValidationException',
      message: `1 validation error detected: Value 'bad.name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}`,
      type: null,
    });
    // Reads allow dots ("not found"), but not spaces.
    const dotted = await raw(lk.url, 'GET', `/2015-03-31/functions/${encodeURIComponent('bad.name')}`);
    assertAwsError(dotted, { status: 404, code: 'ResourceNotFoundException', message: `Function not found: ${arnOf('bad.name')}`, key: 'Message' });
    const spaced = await raw(lk.url, 'GET', `/2015-03-31/functions/${encodeURIComponent(bad)}`);
    assertAwsError(spaced, {
      status: 400,
      code: 'ValidationException',
      message: `1 validation error detected: Value '${bad}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${READ_PATTERN}`,
      type: null,
    });
    // A path that cannot be percent-decoded.
    const undecodable = await raw(lk.url, 'GET', '/2015-03-31/functions/%E0%A4%A');
    assert.equal(undecodable.status, 400);
    assert.equal(undecodable.headers.get('x-amzn-errortype'), 'ValidationException');
  });
});
