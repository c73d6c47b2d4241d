/**
 * `lambkin lambda <op>` against a real server: each op as the AWS docs invoke it, checked with the
 * JS SDK; output compared with the aws CLI (v1) where the format is the point.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetAliasCommand, GetFunctionCommand, ListTagsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { startLambkin, REPO_ROOT, type Lambkin } from './helpers/server.js';
import { aws, run, sdk, ROLE } from './helpers/clients.js';
import { makeZip } from './helpers/zip.js';

const BIN = path.join(REPO_ROOT, 'bin/lambkin.js');
const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/cli');
let server: Lambkin;
let client: LambdaClient;
let dir: string;
let zipPath: string;
let zip2Path: string;

const lk = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [BIN, 'lambda', ...args], { env: { LAMBKIN_ENDPOINT: server.url, ...env } });
const json = async (args: string[]) => {
  const r = await lk(args);
  assert.equal(r.code, 0, `lambkin lambda ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, any>;
};
const create = (name: string, extra: string[] = []) =>
  json(['create-function', '--function-name', name, '--runtime', 'nodejs20.x', '--role', ROLE, '--handler', 'index.handler', '--zip-file', `fileb://${zipPath}`, ...extra]);
const arn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const sha = (file: Buffer) => createHash('sha256').update(file).digest('base64');
let zip1: Buffer;
let zip2: Buffer;

before(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  server = await startLambkin();
  client = sdk(server.url);
  dir = mkdtempSync(path.join(tmpdir(), 'lambkin-cli-lambda-'));
  zip1 = await makeZip({ 'index.mjs': 'export const handler = async (e) => e;\n' });
  zip2 = await makeZip({ 'index.mjs': 'export const handler = async () => 2;\n' });
  zipPath = path.join(dir, 'fn.zip');
  zip2Path = path.join(dir, 'fn2.zip');
  writeFileSync(zipPath, zip1);
  writeFileSync(zip2Path, zip2);
});

after(async () => {
  client?.destroy();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('create-function with shorthand --environment/--tags/--tracing-config, as the docs write it', async () => {
  const out = await create('short', ['--environment', 'Variables={KEY1=one,KEY2=two}', '--tags', 'team=a,stage=dev', '--tracing-config', 'Mode=Active', '--memory-size', '256', '--timeout', '10', '--architectures', 'arm64']);
  assert.equal(out.FunctionName, 'short');
  assert.equal(out.CodeSha256, sha(zip1));
  assert.equal(out.$metadata, undefined);
  const got = await client.send(new GetFunctionCommand({ FunctionName: 'short' }));
  assert.deepEqual(got.Configuration?.Environment?.Variables, { KEY1: 'one', KEY2: 'two' });
  assert.deepEqual(got.Tags, { team: 'a', stage: 'dev' });
  assert.equal(got.Configuration?.TracingConfig?.Mode, 'Active');
  assert.equal(got.Configuration?.MemorySize, 256);
  assert.equal(got.Configuration?.Timeout, 10);
  assert.deepEqual(got.Configuration?.Architectures, ['arm64']);
});

test('create-function with JSON --environment/--tags and --publish', async () => {
  const out = await create('jsonform', ['--environment', '{"Variables":{"JSON_VAR":"a b,c"}}', '--tags', '{"k":"v=1"}', '--publish', '--description', 'from json']);
  assert.equal(out.Version, '1');
  const got = await client.send(new GetFunctionCommand({ FunctionName: 'jsonform' }));
  assert.deepEqual(got.Configuration?.Environment?.Variables, { JSON_VAR: 'a b,c' });
  assert.deepEqual(got.Tags, { k: 'v=1' });
  assert.equal(got.Configuration?.Description, 'from json');
});

test('--cli-input-json (inline and file://) with explicit flags taking precedence', async () => {
  const out = await json(['create-function', '--cli-input-json', `file://${FIXTURES}/create-function.json`, '--zip-file', `fileb://${zipPath}`, '--timeout', '7']);
  assert.equal(out.FunctionName, 'from-input-json');
  assert.equal(out.Timeout, 7, 'the flag wins over the JSON value (5)');
  assert.equal(out.MemorySize, 192);
  assert.deepEqual(out.Environment, { Variables: { FROM_JSON: 'yes' } });
  const upd = await json(['update-function-configuration', '--cli-input-json', '{"FunctionName":"from-input-json","Description":"inline"}']);
  assert.equal(upd.Description, 'inline');
});

test('--generate-cli-skeleton prints the input skeleton without calling the server', async () => {
  const r = await run(process.execPath, [BIN, 'lambda', 'create-alias', '--generate-cli-skeleton'], { env: { LAMBKIN_ENDPOINT: 'http://127.0.0.1:1' } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    FunctionName: '',
    Name: '',
    FunctionVersion: '',
    Description: '',
    RoutingConfig: { AdditionalVersionWeights: { KeyName: 0 } },
  });
  assert.match(r.stdout, /"KeyName": 0\.0/);
  const c = await run(process.execPath, [BIN, 'lambda', 'create-function', '--generate-cli-skeleton', 'input']);
  const skel = JSON.parse(c.stdout);
  assert.equal(skel.Code.ZipFile, null);
  assert.deepEqual(skel.Environment, { Variables: { KeyName: '' } });
  assert.equal(skel.Publish, true);
});

test('get-function / get-function-configuration / list-functions print what the aws CLI prints', async () => {
  await create('cmp');
  const mask = (s: string) => s.replace(/("Location": ")[^"]*"/, '$1…"');
  const [ours, theirs] = await Promise.all([lk(['get-function', '--function-name', 'cmp']), aws(server.url, ['lambda', 'get-function', '--function-name', 'cmp'])]);
  assert.equal(ours.code, 0, ours.stderr);
  assert.equal(theirs.code, 0, theirs.stderr);
  assert.equal(mask(ours.stdout), mask(theirs.stdout));
  const conf = await json(['get-function-configuration', '--function-name', 'cmp', '--qualifier', '$LATEST']);
  assert.equal(conf.FunctionArn, `${arn('cmp')}:$LATEST`);
  const list = await json(['list-functions']);
  assert.ok(list.Functions.some((f: { FunctionName: string }) => f.FunctionName === 'cmp'));
  assert.equal(list.NextMarker, undefined);
});

test('list-functions paginates like the aws CLI: --max-items, NextToken, --starting-token, --page-size', async () => {
  await Promise.all(['page-a', 'page-b', 'page-c'].map((n) => create(n)));
  const all = (await json(['list-functions', '--page-size', '2', '--query', 'Functions[].FunctionName'])) as unknown as string[];
  assert.ok(all.length >= 3);
  const first = await json(['list-functions', '--max-items', '2']);
  assert.equal(first.Functions.length, 2);
  assert.equal(typeof first.NextToken, 'string');
  const rest = await json(['list-functions', '--starting-token', first.NextToken]);
  const names = [...first.Functions, ...rest.Functions].map((f: { FunctionName: string }) => f.FunctionName);
  assert.deepEqual(names, all);
  assert.equal(rest.NextToken, undefined);
  const theirs = await aws(server.url, ['lambda', 'list-functions', '--starting-token', first.NextToken, '--query', 'Functions[].FunctionName']);
  assert.deepEqual(JSON.parse(theirs.stdout), rest.Functions.map((f: { FunctionName: string }) => f.FunctionName), 'our NextToken is botocore\'s');
});

test('update-function-code with fileb://, --publish and --revision-id; a stale revision is refused', async () => {
  await create('code');
  // The revision create-function returned is gone once the function turns Active: ask for the current one.
  const current = await json(['get-function-configuration', '--function-name', 'code', '--query', '{r: RevisionId}']);
  const out = await json(['update-function-code', '--function-name', 'code', '--zip-file', `fileb://${zip2Path}`, '--revision-id', current.r, '--publish']);
  assert.equal(out.CodeSha256, sha(zip2));
  assert.equal(out.Version, '1');
  const stale = await lk(['update-function-code', '--function-name', 'code', '--zip-file', `fileb://${zipPath}`, '--revision-id', current.r]);
  assert.equal(stale.code, 254);
  assert.equal(stale.stdout, '');
  assert.match(stale.stderr, /^\nAn error occurred \(PreconditionFailedException\) when calling the UpdateFunctionCode operation: The Revision Id provided does not match/);
  const notZip = await lk(['update-function-code', '--function-name', 'code', '--zip-file', `fileb://${FIXTURES}/create-function.json`]);
  assert.equal(notZip.code, 252);
  assert.match(notZip.stderr, /--zip-file must be a zip file with the fileb:\/\/ prefix/);
});

test('update-function-configuration replaces the environment; --no-publish style booleans parse', async () => {
  await create('conf', ['--environment', 'Variables={OLD=1}']);
  const out = await json(['update-function-configuration', '--function-name', 'conf', '--environment', 'Variables={NEW=2}', '--memory-size', '512', '--ephemeral-storage', 'Size=1024']);
  assert.deepEqual(out.Environment, { Variables: { NEW: '2' } });
  assert.equal(out.MemorySize, 512);
  assert.deepEqual(out.EphemeralStorage, { Size: 1024 });
  const dry = await json(['update-function-code', '--function-name', 'conf', '--zip-file', `fileb://${zip2Path}`, '--no-publish', '--dry-run']);
  assert.equal(dry.CodeSha256, sha(zip2));
});

test('tag-resource / untag-resource (both list forms) / list-tags', async () => {
  await create('tags');
  const tagged = await lk(['tag-resource', '--resource', arn('tags'), '--tags', 'a=1,b=2,c=3,d=4']);
  assert.equal(tagged.code, 0, tagged.stderr);
  assert.equal(tagged.stdout, '', 'an empty response prints nothing');
  assert.equal((await lk(['untag-resource', '--resource', arn('tags'), '--tag-keys', 'a', 'b'])).code, 0);
  assert.equal((await lk(['untag-resource', '--resource', arn('tags'), '--tag-keys', 'c,d'])).code, 0);
  assert.deepEqual((await client.send(new ListTagsCommand({ Resource: arn('tags') }))).Tags, {});
  await lk(['tag-resource', '--resource', arn('tags'), '--tags', '{"json":"yes"}']);
  assert.deepEqual(await json(['list-tags', '--resource', arn('tags')]), { Tags: { json: 'yes' } });
});

test('get-account-settings', async () => {
  const out = await json(['get-account-settings']);
  assert.equal(out.AccountLimit.ConcurrentExecutions, 1000);
  assert.equal(typeof out.AccountUsage.FunctionCount, 'number');
});

test('publish-version, list-versions-by-function, aliases with --routing-config in every syntax', async () => {
  await create('ver');
  assert.equal((await json(['publish-version', '--function-name', 'ver', '--description', 'first'])).Version, '1');
  await json(['update-function-code', '--function-name', 'ver', '--zip-file', `fileb://${zip2Path}`]);
  const v2 = await json(['publish-version', '--function-name', 'ver', '--code-sha256', sha(zip2)]);
  assert.equal(v2.Version, '2');
  const versions = await json(['list-versions-by-function', '--function-name', 'ver', '--query', 'Versions[].Version']);
  assert.deepEqual(versions, ['$LATEST', '1', '2']);

  for (const [name, routing] of [
    ['quoted', 'AdditionalVersionWeights={"1"=0.1}'],
    ['bare', 'AdditionalVersionWeights={1=0.2}'],
    ['json', '{"AdditionalVersionWeights":{"1":0.3}}'],
  ]) {
    const a = await json(['create-alias', '--function-name', 'ver', '--name', name, '--function-version', '2', '--routing-config', routing]);
    assert.equal(a.AliasArn, `${arn('ver')}:${name}`);
  }
  const weights = await Promise.all(['quoted', 'bare', 'json'].map(async (n) => (await client.send(new GetAliasCommand({ FunctionName: 'ver', Name: n }))).RoutingConfig?.AdditionalVersionWeights));
  assert.deepEqual(weights, [{ '1': 0.1 }, { '1': 0.2 }, { '1': 0.3 }]);

  const got = await json(['get-alias', '--function-name', 'ver', '--name', 'json']);
  const upd = await json(['update-alias', '--function-name', 'ver', '--name', 'json', '--function-version', '1', '--routing-config', 'AdditionalVersionWeights={}', '--revision-id', got.RevisionId, '--description', 'back']);
  assert.equal(upd.FunctionVersion, '1');
  assert.equal(upd.Description, 'back');
  const full = await lk(['update-alias', '--function-name', 'ver', '--name', 'bare', '--routing-config', 'AdditionalVersionWeights={1=1}']);
  assert.match(full.stdout, /"1": 1\.0/, 'doubles print like Python');

  const [ours, theirs] = await Promise.all([
    lk(['list-aliases', '--function-name', 'ver', '--output', 'text']),
    aws(server.url, ['lambda', 'list-aliases', '--function-name', 'ver', '--output', 'text']),
  ]);
  assert.equal(ours.stdout, theirs.stdout);
  assert.deepEqual(await json(['list-aliases', '--function-name', 'ver', '--function-version', '1', '--query', 'Aliases[].Name']), ['json']);

  const del = await lk(['delete-alias', '--function-name', 'ver', '--name', 'quoted']);
  assert.equal(del.code, 0, del.stderr);
  assert.equal(del.stdout, '');
  const gone = await lk(['get-alias', '--function-name', 'ver', '--name', 'quoted']);
  assert.equal(gone.code, 254);
  assert.match(gone.stderr, /ResourceNotFoundException\) when calling the GetAlias operation/);
});

test('delete-function prints the StatusCode as the aws CLI does, then the function is gone', async () => {
  await create('doomed');
  const del = await lk(['delete-function', '--function-name', 'doomed']);
  assert.equal(del.code, 0, del.stderr);
  assert.deepEqual(JSON.parse(del.stdout), { StatusCode: 204 });
  const again = await lk(['get-function', '--function-name', 'doomed']);
  const theirs = await aws(server.url, ['lambda', 'get-function', '--function-name', 'doomed']);
  assert.equal(again.code, 254);
  assert.equal(again.stderr, `\nAn error occurred (ResourceNotFoundException) when calling the GetFunction operation: Function not found: ${arn('doomed')}\n`);
  assert.equal(again.stderr, theirs.stderr, 'same text as the aws CLI');
});

test('usage and parameter errors exit 252 with a clear message; unreachable endpoint 255', async () => {
  const cases: [string[], RegExp][] = [
    [['create-function', '--function-name', 'x'], /the following arguments are required: --role/],
    [['get-function', '--function-name', 'x', '--bogus'], /Unknown options: --bogus/],
    [['no-such-op'], /Invalid choice 'no-such-op'/],
    [['update-function-configuration', '--function-name', 'x', '--environment', 'Variables={A=1'], /Error parsing parameter '--environment': Expected: ','/],
    [['update-function-configuration', '--function-name', 'x', '--memory-size', 'big'], /Error parsing parameter '--memory-size'/],
    [['create-function', '--cli-input-json', '{"FunctionName":"x","Role":"r","Code":{},"Timeout":"3"}'], /Invalid type for parameter Timeout/],
    [['create-function', '--cli-input-json', '{"FunctionName":"x","Role":"r"}'], /Missing required parameter in input: "Code"/],
    [['get-function', '--function-name', 'x', '--output', 'yaml'], /--output/],
  ];
  const results = await Promise.all(cases.map(([args]) => lk(args)));
  results.forEach((r, i) => {
    assert.equal(r.code, 252, `${cases[i][0].join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, cases[i][1]);
    assert.equal(r.stdout, '');
  });
  const down = await lk(['get-function', '--function-name', 'x'], { LAMBKIN_ENDPOINT: 'http://127.0.0.1:1' });
  assert.equal(down.code, 255);
  assert.equal(down.stderr, '\nCould not connect to the endpoint URL: "http://127.0.0.1:1/2015-03-31/functions/x"\n');
  const flag = await lk(['get-function', '--function-name', 'x', '--endpoint-url', 'http://127.0.0.1:1', '--no-cli-pager', '--cli-read-timeout', '5', '--profile', 'p', '--no-verify-ssl']);
  assert.equal(flag.code, 255, '--endpoint-url wins over LAMBKIN_ENDPOINT; ignored flags are accepted');
});

test('--region reaches the server (functions are per region)', async () => {
  await create('regional', ['--region', 'eu-west-1']);
  const there = await json(['get-function-configuration', '--function-name', 'regional', '--region', 'eu-west-1']);
  assert.equal(there.FunctionArn, 'arn:aws:lambda:eu-west-1:000000000000:function:regional');
  const here = await lk(['get-function-configuration', '--function-name', 'regional'], { AWS_DEFAULT_REGION: 'us-east-1', AWS_REGION: '' });
  assert.equal(here.code, 254);
});
