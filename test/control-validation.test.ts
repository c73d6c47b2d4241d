/**
 * Request validation with AWS's codes and texts (spec §3), and the HTTP edges: unknown routes,
 * wrong methods, malformed JSON, oversized bodies, clients that hang up mid-body. Out-of-range
 * numbers go through the JS SDK or raw HTTP: boto3 and the aws CLI refuse some of them client-side.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  ListFunctionsCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { run, sdk } from './helpers/clients.js';
import { PY_HELPERS, ROLE, arnOf, addedSince, assertAwsError, codeListing, createInput, expectSdkError, py, pyZip, raw, type RawResponse } from './helpers/control.js';

const ROLE_PATTERN = 'arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+';
const CURRENT_RUNTIMES = [
  'nodejs16.x', 'nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x',
  'python3.8', 'python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14',
  'java8.al2', 'java11', 'java17', 'java21', 'java25',
  'dotnet6', 'dotnet8', 'dotnet10',
  'ruby3.2', 'ruby3.3', 'ruby3.4',
  'provided.al2', 'provided.al2023',
];
const DEPRECATED = ['nodejs', 'nodejs4.3', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'python2.7', 'python3.6', 'python3.7', 'java8', 'dotnetcore3.1', 'dotnetcore1.0', 'go1.x', 'ruby2.7', 'provided', 'nodejs4.3-edge'];

const ve = (...items: string[]) => `${items.length} validation error${items.length === 1 ? '' : 's'} detected: ${items.join('; ')}`;
const item = (value: string | null, path: string, constraint: string) =>
  `Value ${value === null ? 'null' : `'${value}'`} at '${path}' failed to satisfy constraint: ${constraint}`;

describe('control plane: validation and HTTP edges', () => {
  let lk: Lambkin;
  let client: LambdaClient;
  let zipB64: string;
  let n = 0;

  before(async () => {
    lk = await startLambkin();
    client = sdk(lk.url);
    zipB64 = (await pyZip('validation')).toString('base64');
    await client.send(new CreateFunctionCommand(createInput('target', await pyZip('target'))));
  });
  after(async () => {
    client?.destroy();
    await lk?.stop();
  });

  /** A raw CreateFunction with sane defaults overridden by `fields`. */
  const create = (fields: Record<string, unknown>) =>
    raw(lk.url, 'POST', '/2015-03-31/functions', {
      body: { FunctionName: `v-${n++}`, Runtime: 'python3.12', Handler: 'lambda_function.lambda_handler', Role: ROLE, Code: { ZipFile: zipB64 }, ...fields },
    });
  const update = (fields: Record<string, unknown>) => raw(lk.url, 'PUT', '/2015-03-31/functions/target/configuration', { body: fields });
  const VE = (message: string) => ({ status: 400, code: 'ValidationException', message, type: null }) as const;
  const IPV = (message: string | RegExp) => ({ status: 400, code: 'InvalidParameterValueException', message }) as const;
  const created = (r: RawResponse) => {
    assert.equal(r.status, 201, r.text);
    return r.json;
  };

  it('every current runtime id is accepted (boto3)', async () => {
    const out = await py<Record<string, string>>(
      lk.url,
      `${PY_HELPERS}
import io, zipfile
b = io.BytesIO()
with zipfile.ZipFile(b, 'w') as z: z.writestr('index.py', 'def handler(e, c): return 1\\n')
res = {}
for rt in ${JSON.stringify(CURRENT_RUNTIMES)}:
    name = 'rt-' + rt.replace('.', '-')
    r = lambda_client.create_function(FunctionName=name, Runtime=rt, Handler='index.handler', Role=ROLE, Code={'ZipFile': b.getvalue()})
    res[rt] = r['Runtime'] + '|' + lambda_client.get_function_configuration(FunctionName=name)['Runtime']
print(json.dumps(res))
`,
    );
    assert.deepEqual(out, Object.fromEntries(CURRENT_RUNTIMES.map((r) => [r, `${r}|${r}`])));
  });

  it('an unknown runtime: IPV listing the enum value set (the botocore model\'s list)', async () => {
    const model = await run('python3', ['-c', "import botocore.session, json; print(json.dumps(botocore.session.get_session().get_service_model('lambda').shape_for('Runtime').enum))"]);
    const enumList = JSON.parse(model.stdout) as string[];
    assert.ok(enumList.length > 40);
    const msg = (rt: string) => `Value ${rt} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${enumList.join(', ')}] or be a valid ARN`;
    assertAwsError(await create({ Runtime: 'python4.0' }), IPV(msg('python4.0')));
    assertAwsError(await update({ Runtime: 'cobol85' }), IPV(msg('cobol85')));
    await expectSdkError(client.send(new CreateFunctionCommand(createInput('rt-bad', await pyZip(), { Runtime: 'nodejs99.x' }))), 'InvalidParameterValueException', 400, msg('nodejs99.x'));
  });

  it('a deprecated runtime: IPV "no longer supported", on create and on update', async () => {
    const msg = (rt: string) =>
      `The runtime parameter of ${rt} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`;
    for (const rt of DEPRECATED) assertAwsError(await create({ Runtime: rt }), IPV(msg(rt)), rt);
    assertAwsError(await update({ Runtime: 'python3.7' }), IPV(msg('python3.7')));
    const r = (await client.send(new GetFunctionCommand({ FunctionName: 'target' }))).Configuration!;
    assert.equal(r.Runtime, 'python3.12');
  });

  it('required members, handler and role', async () => {
    const noBody = await raw(lk.url, 'POST', '/2015-03-31/functions', { body: {} });
    assertAwsError(noBody, VE(ve(item(null, 'functionName', 'Member must not be null'), item(null, 'role', 'Member must not be null'), item(null, 'code', 'Member must not be null'))));
    assertAwsError(await create({ Role: undefined }), VE(ve(item(null, 'role', 'Member must not be null'))));
    assertAwsError(await create({ Runtime: undefined }), IPV('Runtime and Handler are mandatory parameters for functions created with deployment packages.'));
    assertAwsError(await create({ Handler: undefined }), IPV('Runtime and Handler are mandatory parameters for functions created with deployment packages.'));
    assertAwsError(await create({ Code: {} }), IPV('Please provide a source for function code.'));
    assertAwsError(await create({ Role: 'r1' }), VE(ve(item('r1', 'role', `Member must satisfy regular expression pattern: ${ROLE_PATTERN}`))));
    assertAwsError(await create({ Role: 'arn:aws:iam::123:role/x' }), VE(ve(item('arn:aws:iam::123:role/x', 'role', `Member must satisfy regular expression pattern: ${ROLE_PATTERN}`))));
    assertAwsError(await update({ Role: 'arn:aws:iam::000000000000:user/x' }), VE(ve(item('arn:aws:iam::000000000000:user/x', 'role', `Member must satisfy regular expression pattern: ${ROLE_PATTERN}`))));
    created(await create({ Role: 'arn:aws-cn:iam::123456789012:role/path/to/my.role+x=y,z@w-1_2' }));
    const h129 = `h.${'x'.repeat(127)}`;
    assertAwsError(await create({ Handler: h129 }), VE(ve(item(h129, 'handler', 'Member must have length less than or equal to 128'))));
    assertAwsError(await create({ Handler: 'index handler' }), VE(ve(item('index handler', 'handler', 'Member must satisfy regular expression pattern: [^\\s]+'))));
    created(await create({ Handler: `h.${'x'.repeat(126)}` }));
  });

  it('MemorySize 128–10240, Timeout 1–900, EphemeralStorage 512–10240, Description ≤ 256', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ MemorySize: 127 }, item('127', 'memorySize', 'Member must have value greater than or equal to 128')],
      [{ MemorySize: 10241 }, item('10241', 'memorySize', 'Member must have value less than or equal to 10240')],
      [{ Timeout: 0 }, item('0', 'timeout', 'Member must have value greater than or equal to 1')],
      [{ Timeout: 901 }, item('901', 'timeout', 'Member must have value less than or equal to 900')],
      [{ EphemeralStorage: { Size: 511 } }, item('511', 'ephemeralStorage.size', 'Member must have value greater than or equal to 512')],
      [{ EphemeralStorage: { Size: 10241 } }, item('10241', 'ephemeralStorage.size', 'Member must have value less than or equal to 10240')],
      [{ EphemeralStorage: {} }, item(null, 'ephemeralStorage.size', 'Member must not be null')],
      [{ Description: 'd'.repeat(257) }, item('d'.repeat(257), 'description', 'Member must have length less than or equal to 256')],
    ];
    for (const [fields, text] of cases) {
      assertAwsError(await create(fields), VE(ve(text)), JSON.stringify(fields).slice(0, 80));
      assertAwsError(await update(fields), VE(ve(text)), JSON.stringify(fields).slice(0, 80));
    }
    // Several at once, in one message.
    assertAwsError(
      await create({ Timeout: 0, MemorySize: 99999 }),
      VE(ve(item('0', 'timeout', 'Member must have value greater than or equal to 1'), item('99999', 'memorySize', 'Member must have value less than or equal to 10240'))),
    );
    // The bounds themselves are fine.
    const lo = created(await create({ MemorySize: 128, Timeout: 1, EphemeralStorage: { Size: 512 }, Description: '' }));
    assert.deepEqual([lo.MemorySize, lo.Timeout, lo.EphemeralStorage, lo.Description], [128, 1, { Size: 512 }, '']);
    const hi = created(await create({ MemorySize: 10240, Timeout: 900, EphemeralStorage: { Size: 10240 }, Description: 'd'.repeat(256) }));
    assert.deepEqual([hi.MemorySize, hi.Timeout, hi.EphemeralStorage, hi.Description], [10240, 900, { Size: 10240 }, 'd'.repeat(256)]);
    // Through the JS SDK (no client-side range checks there).
    await expectSdkError(
      client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'target', MemorySize: 64 })),
      'ValidationException',
      400,
      ve(item('64', 'memorySize', 'Member must have value greater than or equal to 128')),
    );
    assert.equal((await client.send(new GetFunctionCommand({ FunctionName: 'target' }))).Configuration!.MemorySize, 128);
  });

  it('Environment: 4 KB measured as compact JSON (4096 ok, 4097 not), UTF-8 bytes, reserved keys, key pattern', async () => {
    // {"K1":"<v>"} is 9 bytes of JSON around the value.
    const ok = { K1: 'v'.repeat(4096 - 9) };
    assert.equal(Buffer.byteLength(JSON.stringify(ok)), 4096);
    const r = created(await create({ Environment: { Variables: ok } }));
    assert.deepEqual(r.Environment, { Variables: ok });
    const tooBig = { K1: 'v'.repeat(4097 - 9) };
    const tooBigMsg = `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${JSON.stringify(tooBig)}`;
    assertAwsError(await create({ Environment: { Variables: tooBig } }), IPV(tooBigMsg));
    assertAwsError(await update({ Environment: { Variables: tooBig } }), IPV(tooBigMsg));
    // Bytes, not characters: 2043 two-byte characters plus one ASCII fill 4096 bytes exactly.
    const utf = { K1: `${'é'.repeat(2043)}x` };
    assert.equal(Buffer.byteLength(JSON.stringify(utf)), 4096);
    created(await create({ Environment: { Variables: utf } }));
    const utf1 = { K1: `${'é'.repeat(2043)}xy` };
    assertAwsError(await create({ Environment: { Variables: utf1 } }), IPV(`Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${JSON.stringify(utf1)}`));
    // Many variables add up the same way.
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`VAR_${String(i).padStart(3, '0')}`, 'x'.repeat(30)]));
    assert.ok(Buffer.byteLength(JSON.stringify(many)) > 4096);
    assertAwsError(await update({ Environment: { Variables: many } }), IPV(/^Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit\. String measured: \{"VAR_000":/));

    assertAwsError(
      await create({ Environment: { Variables: { AWS_REGION: 'x', MINE: 'y', AWS_ACCESS_KEY_ID: 'z' } } }),
      IPV('Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION, AWS_ACCESS_KEY_ID'),
    );
    assertAwsError(
      await update({ Environment: { Variables: { AWS_LAMBDA_FUNCTION_NAME: 'x' } } }),
      IPV('Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_LAMBDA_FUNCTION_NAME'),
    );
    // _HANDLER is reserved too, but a key starting with '_' already fails the name pattern.
    assertAwsError(
      await update({ Environment: { Variables: { _HANDLER: 'x' } } }),
      VE(ve(item('{_HANDLER=x}', 'environment.variables', 'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]'))),
    );
    assertAwsError(
      await create({ Environment: { Variables: { '1BAD': 'x' } } }),
      VE(ve(item('{1BAD=x}', 'environment.variables', 'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]'))),
    );
    // The failed updates changed nothing.
    assert.equal((await client.send(new GetFunctionCommand({ FunctionName: 'target' }))).Configuration!.Environment, undefined);
  });

  it('architectures, tracing, logging, layers, tags', async () => {
    assertAwsError(await create({ Architectures: ['x86_64', 'arm64'] }), VE(ve(item('[x86_64, arm64]', 'architectures', 'Member must have length less than or equal to 1'))));
    assertAwsError(await create({ Architectures: [] }), VE(ve(item('[]', 'architectures', 'Member must have length greater than or equal to 1'))));
    assertAwsError(await create({ Architectures: ['sparc'] }), VE(ve(item('[sparc]', 'architectures', 'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]'))));
    assert.deepEqual(created(await create({ Architectures: ['arm64'] })).Architectures, ['arm64']);
    assertAwsError(await create({ TracingConfig: { Mode: 'Sometimes' } }), VE(ve(item('Sometimes', 'tracingConfig.mode', 'Member must satisfy enum value set: [Active, PassThrough]'))));
    assertAwsError(await create({ LoggingConfig: { LogFormat: 'XML' } }), VE(ve(item('XML', 'loggingConfig.logFormat', 'Member must satisfy enum value set: [JSON, Text]'))));
    assertAwsError(
      await create({ LoggingConfig: { LogFormat: 'Text', ApplicationLogLevel: 'DEBUG' } }),
      IPV('Application and system log levels are only supported when LogFormat is JSON. To set log levels, change the LogFormat to JSON.'),
    );
    const lg = created(await create({ LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG', LogGroup: '/custom/group' } }));
    assert.deepEqual(lg.LoggingConfig, { LogFormat: 'JSON', LogGroup: '/custom/group', ApplicationLogLevel: 'DEBUG', SystemLogLevel: 'INFO' });
    assertAwsError(await create({ Layers: Array.from({ length: 6 }, (_, i) => `arn:aws:lambda:us-east-1:000000000000:layer:l${i}:1`) }), IPV('Cannot reference more than 5 layers.'));
    assertAwsError(await create({ Tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'v'])) }), IPV('Number of tags exceeds resource tag limit.'));
    // An empty Tags map on create is no tags (TagResource refuses it; see control-operations).
    const t = created(await create({ Tags: {} }));
    assert.deepEqual((await raw(lk.url, 'GET', `/2017-03-31/tags/${encodeURIComponent(t.FunctionArn)}`)).json, { Tags: {} });
  });

  it('nothing a rejected CreateFunction sent is stored', async () => {
    const before = codeListing(lk.dataDir);
    const names = (await client.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionName).sort();
    for (const fields of [{ Runtime: 'python2.7' }, { MemorySize: 1 }, { Environment: { Variables: { AWS_REGION: 'x' } } }, { Role: 'nope' }, { FunctionName: 'target' }]) {
      const r = await create({ ...fields, Code: { ZipFile: (await pyZip(`rejected-${n}`)).toString('base64') } });
      assert.ok(r.status >= 400, r.text);
    }
    assert.deepEqual(addedSince(lk.dataDir, before), []);
    assert.deepEqual((await client.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionName).sort(), names);
  });

  it('unknown routes and wrong methods: AWS-shaped 404s', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/2015-03-31/nothing-here'],
      ['GET', '/2099-01-01/functions'],
      ['PATCH', '/2015-03-31/functions'],
      ['POST', '/2015-03-31/functions/target/configuration'],
      ['DELETE', '/2016-08-19/account-settings'],
    ]) {
      const res = await raw(lk.url, method, path, method === 'GET' || method === 'DELETE' ? {} : { body: {} });
      assertAwsError(res, { status: 404, code: 'UnknownOperationException', message: `Unknown operation: ${method} ${path}`, type: null }, `${method} ${path}`);
    }
  });

  it('malformed JSON, non-object JSON and wrongly typed members: 400 InvalidRequestContentException', async () => {
    const bodies = ['{"FunctionName": ', 'not json at all', '[1, 2, 3]', '"a string"', 'null'];
    for (const body of bodies) {
      const res = await raw(lk.url, 'POST', '/2015-03-31/functions', { body, headers: { 'content-type': 'application/json' } });
      assertAwsError(res, { status: 400, code: 'InvalidRequestContentException', message: /^Could not parse request body into json: / }, body);
    }
    const put = await raw(lk.url, 'PUT', '/2015-03-31/functions/target/configuration', { body: '{"Timeout": 5,,}', headers: { 'content-type': 'application/json' } });
    assertAwsError(put, { status: 400, code: 'InvalidRequestContentException', message: /^Could not parse request body into json: / });
    for (const fields of [{ Timeout: 'five' }, { MemorySize: 1.5 }, { Environment: { Variables: { A1: 5 } } }, { Description: 7 }, { Code: { ZipFile: 12 } }]) {
      const res = await create(fields);
      assertAwsError(res, { status: 400, code: 'InvalidRequestContentException', message: /^Could not parse request body into json: / }, JSON.stringify(fields));
    }
  });

  it('oversized bodies: 413 RequestEntityTooLargeException naming the operation; the server stays up', async () => {
    const big = Buffer.alloc(70_167_212, 0x20); // whitespace: valid JSON padding, one byte over
    const c = await raw(lk.url, 'POST', '/2015-03-31/functions', { body: big, headers: { 'content-type': 'application/json' } });
    assertAwsError(c, { status: 413, code: 'RequestEntityTooLargeException', message: 'Request must be smaller than 70167211 bytes for the CreateFunction operation', key: 'Message', type: null });
    const u = await raw(lk.url, 'PUT', '/2015-03-31/functions/target/code', { body: big, headers: { 'content-type': 'application/json' } });
    assertAwsError(u, { status: 413, code: 'RequestEntityTooLargeException', message: 'Request must be smaller than 70167211 bytes for the UpdateFunctionCode operation', key: 'Message', type: null });
    const cfg = await raw(lk.url, 'PUT', '/2015-03-31/functions/target/configuration', { body: Buffer.alloc(6_291_457, 0x20), headers: { 'content-type': 'application/json' } });
    assertAwsError(cfg, { status: 413, code: 'RequestEntityTooLargeException', message: 'Request must be smaller than 6291456 bytes for the UpdateFunctionConfiguration operation', key: 'Message', type: null });
    // At the limit it is read and parsed (here: not a valid request, but not "too large").
    const atLimit = Buffer.concat([Buffer.from('{"FunctionName":"at-limit"'), Buffer.alloc(70_167_211 - 27, 0x20), Buffer.from('}')]);
    assert.equal(atLimit.length, 70_167_211);
    const l = await raw(lk.url, 'POST', '/2015-03-31/functions', { body: atLimit, headers: { 'content-type': 'application/json' } });
    assert.equal(l.status, 400, l.text);
    assert.equal(l.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.equal((await client.send(new GetFunctionCommand({ FunctionName: 'target' }))).Configuration!.FunctionName, 'target');
  });

  it('clients that hang up mid-body or send garbage do not hurt the server', async () => {
    await new Promise<void>((resolve) => {
      const s = net.connect(lk.port, '127.0.0.1', () => {
        s.write('POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"FunctionName":');
        setTimeout(() => s.destroy(), 50);
      });
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    const garbage = await new Promise<string>((resolve) => {
      const s = net.connect(lk.port, '127.0.0.1', () => s.write('THIS IS NOT HTTP\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
    });
    assert.match(garbage, /^HTTP\/1\.1 400/);
    const r = await client.send(new GetFunctionCommand({ FunctionName: 'target' }));
    assert.equal(r.Configuration!.FunctionArn, arnOf('target'));
    assert.doesNotMatch(lk.output(), /internal error/, lk.output());
  });
});
