/** The CLI's pure parts: shorthand, flag names, value unpacking, --query, json/text output. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coerce, parseShorthand } from '../src/cli/lambda/shorthand.js';
import { kebab } from '../src/cli/lambda/shapes.js';
import * as shapes from '../src/cli/lambda/shapes.js';
import { unpack } from '../src/cli/lambda/params.js';
import { parseArgv, argTable } from '../src/cli/lambda/argv.js';
import { search } from '../src/cli/lambda/query.js';
import { toJson, toText } from '../src/cli/lambda/output.js';
import { findOp } from '../src/cli/lambda/ops.js';
import { ParamError, UsageError } from '../src/cli/lambda/errors.js';

test('shorthand: the forms the AWS docs use', () => {
  assert.deepEqual(parseShorthand('Variables={KEY1=1,KEY2=two}'), { Variables: { KEY1: '1', KEY2: 'two' } });
  assert.deepEqual(parseShorthand('Mode=Active'), { Mode: 'Active' });
  assert.deepEqual(parseShorthand('k=v,k2=v2'), { k: 'v', k2: 'v2' });
  assert.deepEqual(parseShorthand('SubnetIds=a,b,SecurityGroupIds=c'), { SubnetIds: ['a', 'b'], SecurityGroupIds: 'c' });
  assert.deepEqual(parseShorthand('SubnetIds=[a,b],SecurityGroupIds=[]'), { SubnetIds: ['a', 'b'], SecurityGroupIds: [] });
  assert.deepEqual(parseShorthand('AdditionalVersionWeights={2=0.1}'), { AdditionalVersionWeights: { '2': '0.1' } });
  assert.deepEqual(parseShorthand('AdditionalVersionWeights={"2"=0.1}'), { AdditionalVersionWeights: { '2': '0.1' } });
  assert.deepEqual(parseShorthand(`Variables={MSG='a,b=c',Q="x y"}`), { Variables: { MSG: 'a,b=c', Q: 'x y' } });
  assert.deepEqual(parseShorthand('k=a\\,b'), { k: 'a,b' });
  assert.deepEqual(parseShorthand('k='), { k: '' });
});

test('shorthand: errors point at the problem', () => {
  assert.throws(() => parseShorthand('Variables={A=1'), /Expected: ',', received: 'EOF' for input:\nVariables=\{A=1\n {14}\^/);
  assert.throws(() => parseShorthand('a=1,a=2'), /Second instance of key "a"/);
  assert.throws(() => parseShorthand('novalue'), /Expected: '=', received: 'EOF'/);
});

test('shorthand values are coerced per the model', () => {
  const routing = coerce(parseShorthand('AdditionalVersionWeights={2=0.25}'), shapes.RoutingConfig);
  assert.deepEqual(routing, { AdditionalVersionWeights: { '2': 0.25 } });
  const vpc = coerce(parseShorthand('SubnetIds=a,Ipv6AllowedForDualStack=true'), shapes.VpcConfig);
  assert.deepEqual(vpc, { SubnetIds: ['a'], Ipv6AllowedForDualStack: true });
  assert.deepEqual(coerce(parseShorthand('Size=1024'), shapes.EphemeralStorage), { Size: 1024 });
  assert.throws(() => coerce(parseShorthand('Size=big'), shapes.EphemeralStorage), /invalid literal for int\(\)/);
});

test('flag names are botocore kebab-case', () => {
  assert.equal(kebab('FunctionName'), 'function-name');
  assert.equal(kebab('KMSKeyArn'), 'kms-key-arn');
  assert.equal(kebab('CodeSha256'), 'code-sha256');
  assert.equal(kebab('SourceKMSKeyArn'), 'source-kms-key-arn');
  assert.equal(kebab('Ipv6AllowedForDualStack'), 'ipv6-allowed-for-dual-stack');
  const create = [...argTable(findOp('create-function')!).keys()];
  for (const flag of ['function-name', 'zip-file', 'code', 'environment', 'tracing-config', 'kms-key-arn', 'publish', 'cli-input-json']) {
    assert.ok(create.includes(flag), flag);
  }
  const list = [...argTable(findOp('list-functions')!).keys()];
  assert.deepEqual(list.filter((f) => /marker|items|page|token/.test(f)).sort(), ['max-items', 'page-size', 'starting-token']);
});

test('argv: lists, booleans, --x=y, globals anywhere, positional outfile', () => {
  const p = parseArgv(['--region', 'eu-west-1', 'invoke', '--function-name=f', 'out.json', '--log-type', 'Tail', '--no-cli-pager']);
  assert.equal(p.op?.name, 'invoke');
  assert.equal(p.globals.region, 'eu-west-1');
  assert.equal(p.values.get('function-name'), 'f');
  assert.deepEqual(p.positionals, ['out.json']);
  const u = parseArgv(['untag-resource', '--resource', 'r', '--tag-keys', 'a', 'b', '--debug']);
  assert.deepEqual(u.values.get('tag-keys'), ['a', 'b']);
  const b = parseArgv(['update-function-code', '--function-name', 'f', '--no-publish', '--dry-run']);
  assert.equal(b.values.get('publish'), false);
  assert.equal(b.values.get('dry-run'), true);
  assert.throws(() => parseArgv(['get-function', '--function-name', 'f', '--nope', 'x']), (e: unknown) => e instanceof UsageError && /Unknown options: --nope/.test(e.message));
  assert.throws(() => parseArgv(['get-functions']), UsageError);
  assert.throws(() => parseArgv(['get-function', '--function-name']), /expected one argument/);
});

test('unpack: lists as separate values or a,b; JSON; file:// and fileb://', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lambkin-cli-units-'));
  try {
    const tagKeys = { cli: 'tag-keys', shape: shapes.list(shapes.str) };
    assert.deepEqual(unpack(tagKeys, ['a', 'b']), ['a', 'b']);
    assert.deepEqual(unpack(tagKeys, ['a,b']), ['a', 'b']);
    assert.deepEqual(unpack(tagKeys, ['["x","y"]']), ['x', 'y']);
    const env = { cli: 'environment', shape: shapes.Environment };
    assert.deepEqual(unpack(env, '{"Variables":{"A1":"x"}}'), { Variables: { A1: 'x' } });
    writeFileSync(path.join(dir, 'env.json'), '{"Variables":{"FROM_FILE":"yes"}}');
    assert.deepEqual(unpack(env, `file://${dir}/env.json`), { Variables: { FROM_FILE: 'yes' } });
    assert.throws(() => unpack(env, '{"Variables":'), (e: unknown) => e instanceof ParamError && /Invalid JSON/.test(e.message));
    assert.throws(() => unpack(env, `file://${dir}/missing.json`), /Unable to load paramfile/);
    const payload = { cli: 'payload', shape: shapes.blob };
    assert.deepEqual(unpack(payload, '{"a":1}'), Buffer.from('{"a":1}'));
    assert.deepEqual(unpack(payload, 'eyJhIjoxfQ==', 'base64'), Buffer.from('{"a":1}'));
    writeFileSync(path.join(dir, 'bin'), Buffer.from([0, 255, 1]));
    assert.deepEqual(unpack(payload, `fileb://${dir}/bin`), Buffer.from([0, 255, 1]));
    assert.throws(() => unpack({ cli: 'memory-size', shape: shapes.int }, '12x'), /invalid literal for int/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--query: the JMESPath people use with the aws CLI', () => {
  const data = {
    Functions: [
      { FunctionName: 'a', MemorySize: 128, Environment: { Variables: { X: '1' } } },
      { FunctionName: 'b', MemorySize: 512 },
    ],
  };
  assert.deepEqual(search('Functions[].FunctionName', data), ['a', 'b']);
  assert.deepEqual(search('Functions[*].FunctionName', data), ['a', 'b']);
  assert.deepEqual(search('Functions[?MemorySize > `256`].FunctionName', data), ['b']);
  assert.deepEqual(search("Functions[?FunctionName=='a'] | [0].Environment.Variables.X", data), '1');
  assert.deepEqual(search('Functions[0].[FunctionName, MemorySize]', data), ['a', 128]);
  assert.deepEqual(search('Functions[-1].{n: FunctionName, m: MemorySize}', data), { n: 'b', m: 512 });
  assert.equal(search('length(Functions)', data), 2);
  assert.deepEqual(search('sort_by(Functions, &MemorySize)[-1].FunctionName', data), 'b');
  assert.deepEqual(search('Functions[:1].FunctionName', data), ['a']);
  assert.equal(search('Missing.Thing', data), null);
  assert.throws(() => search('Functions[', data), ParamError);
});

test('json output is Python json.dump(indent=4): doubles keep their point', () => {
  assert.equal(toJson({ A: 1, B: [], C: {}, D: 'é"\n' }), '{\n    "A": 1,\n    "B": [],\n    "C": {},\n    "D": "é\\"\\n"\n}');
  assert.equal(toJson({ RoutingConfig: { AdditionalVersionWeights: { '2': 1, '3': 0.25 } } }).replace(/\s+/g, ' '), '{ "RoutingConfig": { "AdditionalVersionWeights": { "2": 1.0, "3": 0.25 } } }');
});

test('text output follows awscli/text.py', () => {
  const text = toText({ Aliases: [{ Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } }] });
  assert.equal(text, 'ALIASES\t1\tlive\nADDITIONALVERSIONWEIGHTS\t0.5\n');
  assert.equal(toText({ Tags: { a: 'x', b: 'y' } }), 'TAGS\tx\ty\n');
  assert.equal(toText(['a', 'b']), 'a\tb\n');
  assert.equal(toText({ Flag: true, N: null }), 'True\tNone\n');
});
