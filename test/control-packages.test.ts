/**
 * Deployment packages through CreateFunction / UpdateFunctionCode: AWS's size limits and texts,
 * hostile archives (zip bombs, lying headers, path traversal, escaping symlinks, conflicting
 * entries), permission normalisation on disk, content addressing, and that nothing a rejected
 * upload sent is left behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  UpdateFunctionCodeCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { sdk } from './helpers/clients.js';
import { makeZip } from './helpers/zip.js';
import { overlappingZip, rawZip } from './helpers/raw-zip.js';
import {
  UNZIP_FAILED,
  arnOf,
  assertAwsError,
  addedSince,
  codeListing,
  createInput,
  expectSdkError,
  pyZip,
  raw,
  sha256,
  sleep,
} from './helpers/control.js';

const UNZIPPED_TOO_LARGE = 'Unzipped size must be smaller than 262144000 bytes';

describe('control plane: deployment packages', () => {
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

  const exists = async (name: string) =>
    client.send(new GetFunctionCommand({ FunctionName: name })).then(
      () => true,
      (e: Error) => (e.name === 'ResourceNotFoundException' ? false : Promise.reject(e)),
    );

  /** A CreateFunction that must fail with IPV `message`, leaving no function and nothing in the code store. */
  async function rejectedCreate(name: string, zip: Buffer, message: string | RegExp, code = 'InvalidParameterValueException', status = 400) {
    const before = codeListing(lk.dataDir);
    await expectSdkError(client.send(new CreateFunctionCommand(createInput(name, zip))), code, status, message);
    assert.equal(await exists(name), false, `${name} must not exist`);
    assert.deepEqual(addedSince(lk.dataDir, before), [], `${name}: something was stored`);
  }

  it('a zip over 50 MB is RequestEntityTooLargeException (413, no Type) on create and update; nothing stored', async () => {
    const zip = rawZip([{ name: 'blob.bin', data: randomBytes(52_428_800 - 100), deflate: false }]);
    assert.ok(zip.length > 52_428_800 && zip.length < 52_428_900, String(zip.length));
    const before = codeListing(lk.dataDir);
    const res = await raw(lk.url, 'POST', '/2015-03-31/functions', { body: createInput('too-big', zip as never, { Code: { ZipFile: zip.toString('base64') } }) });
    assertAwsError(res, { status: 413, code: 'RequestEntityTooLargeException', message: 'Zipped size must be smaller than 52428800 bytes', key: 'Message', type: null });
    assert.equal(await exists('too-big'), false);

    await client.send(new CreateFunctionCommand(createInput('small', await pyZip('small'))));
    const cfg = (await client.send(new GetFunctionCommand({ FunctionName: 'small' }))).Configuration!;
    await expectSdkError(
      client.send(new UpdateFunctionCodeCommand({ FunctionName: 'small', ZipFile: zip })),
      'RequestEntityTooLargeException',
      413,
      'Zipped size must be smaller than 52428800 bytes',
    );
    const after = (await client.send(new GetFunctionCommand({ FunctionName: 'small' }))).Configuration!;
    assert.equal(after.CodeSha256, cfg.CodeSha256);
    assert.equal(after.RevisionId, cfg.RevisionId);
    assert.deepEqual(codeListing(lk.dataDir).filter((n) => !before.includes(n)).length, 2, 'only the small package was added');
  });

  it('exactly 50 MB zipped is accepted', async () => {
    // A stored entry whose archive is exactly 52428800 bytes (the limit is inclusive per the spec).
    const overhead = rawZip([{ name: 'blob.bin', data: Buffer.alloc(0), deflate: false }]).length;
    const zip = rawZip([{ name: 'blob.bin', data: randomBytes(52_428_800 - overhead), deflate: false }]);
    assert.equal(zip.length, 52_428_800);
    const r = await client.send(new CreateFunctionCommand(createInput('exactly-50mb', zip)));
    assert.equal(r.CodeSize, 52_428_800);
    assert.equal(r.CodeSha256, sha256(zip).b64);
    await client.send(new DeleteFunctionCommand({ FunctionName: 'exactly-50mb' }));
  });

  it('bytes that are not a zip: Could not unzip uploaded file', async () => {
    await rejectedCreate('not-zip-text', Buffer.from('def handler(e, c): pass\n'), UNZIP_FAILED);
    await rejectedCreate('not-zip-random', randomBytes(4096), UNZIP_FAILED);
    await rejectedCreate('not-zip-empty-archive-header', Buffer.from('PK\x03\x04garbage'), UNZIP_FAILED);
    // A truncated archive: a valid zip with its central directory cut off.
    const good = await pyZip('truncated');
    await rejectedCreate('not-zip-truncated', good.subarray(0, good.length - 30), UNZIP_FAILED);
  });

  it('more than 250 MB unzipped (declared sizes) is refused before anything is extracted', async () => {
    const zeros = Buffer.alloc(262_144_000);
    await rejectedCreate('unzipped-one-entry', rawZip([{ name: 'big.bin', data: zeros }]), UNZIPPED_TOO_LARGE);
    const half = Buffer.alloc(131_072_000);
    await rejectedCreate(
      'unzipped-sum',
      rawZip([
        { name: 'a.bin', data: half },
        { name: 'b.bin', data: half },
      ]),
      UNZIPPED_TOO_LARGE,
    );
    // Just under the limit is fine.
    const under = rawZip([
      { name: 'lambda_function.py', data: Buffer.from('def lambda_handler(e, c):\n    return 1\n') },
      { name: 'a.bin', data: half },
      { name: 'b.bin', data: Buffer.alloc(131_072_000 - 1 - 39) },
    ]);
    const r = await client.send(new CreateFunctionCommand(createInput('unzipped-just-under', under)));
    assert.equal(r.CodeSize, under.length);
    await client.send(new DeleteFunctionCommand({ FunctionName: 'unzipped-just-under' }));
  });

  it('a lying size header (inflates to more than declared) is refused, also past 250 MB', async () => {
    const huge = Buffer.alloc(300 * 1024 * 1024);
    await rejectedCreate('liar-huge', rawZip([{ name: 'lambda_function.py', data: huge, declaredSize: 1000 }]), new RegExp(`^${escape(UNZIP_FAILED)}`));
    await rejectedCreate(
      'liar-small',
      rawZip([
        { name: 'lambda_function.py', data: Buffer.from('x = 1\n') },
        { name: 'data.bin', data: Buffer.alloc(10 * 1024 * 1024), declaredSize: 1024 },
      ]),
      new RegExp(`^${escape(UNZIP_FAILED)}`),
    );
  });

  it('overlapping entries (the non-recursive zip bomb) are refused', async () => {
    // Claims 10 × 1 MB, far under the limit: refused for the overlap itself.
    await rejectedCreate('bomb-small', overlappingZip(10, 1024 * 1024), new RegExp(`^${escape(UNZIP_FAILED)}`));
    // Claims 400 × 1 MB from a 1 KB kernel: refused by size.
    const bomb = overlappingZip(400, 1024 * 1024);
    assert.ok(bomb.length < 64 * 1024);
    await rejectedCreate('bomb-big', bomb, UNZIPPED_TOO_LARGE);
  });

  it('entry names with ../ or absolute paths are refused and nothing is written outside', async () => {
    const cases: Record<string, string> = {
      'dotdot-top': '../evil.py',
      'dotdot-nested': 'pkg/../../evil.py',
      'dotdot-deep': 'a/b/../../../../evil.py',
      absolute: '/tmp/lambkin-evil.py',
      'backslash-dotdot': '..\\evil.py',
    };
    for (const [name, entry] of Object.entries(cases)) {
      const zip = rawZip([
        { name: 'lambda_function.py', data: Buffer.from('x = 1\n') },
        { name: entry, data: Buffer.from('print("pwned")\n') },
      ]);
      await rejectedCreate(`path-${name}`, zip, new RegExp(`^${escape(UNZIP_FAILED)}`));
    }
    assert.equal(existsSync(path.join(lk.dataDir, 'evil.py')), false);
    assert.equal(existsSync(path.join(lk.dataDir, 'code', 'evil.py')), false);
    assert.equal(existsSync('/tmp/lambkin-evil.py'), false);
  });

  it('symlinks pointing outside the package are refused, relative ones inside are kept', async () => {
    const L = 0o120777;
    const outside: Record<string, Record<string, { content: string; mode?: number }>> = {
      'link-dotdot': { 'lambda_function.py': { content: 'x=1' }, 'etc': { content: '../../../../etc', mode: L } },
      'link-absolute': { 'lambda_function.py': { content: 'x=1' }, 'passwd': { content: '/etc/passwd', mode: L } },
      'link-nested-dotdot': { 'lambda_function.py': { content: 'x=1' }, 'a/b/up': { content: '../../..', mode: L } },
      // Each target looks inside when read alone; through the first link, the second escapes.
      'link-chain': { 'lambda_function.py': { content: 'x=1' }, 'self': { content: '.', mode: L }, 'up': { content: 'self/..', mode: L } },
      'link-chain-deep': {
        'lambda_function.py': { content: 'x=1' },
        'sub/here': { content: '..', mode: L },
        'sub/out': { content: 'here/..', mode: L },
      },
    };
    for (const [name, files] of Object.entries(outside)) {
      await rejectedCreate(name, await makeZip(files), new RegExp(`^${escape(UNZIP_FAILED)}`));
    }

    const zip = await makeZip({
      'lambda_function.py': 'def lambda_handler(e, c):\n    return 1\n',
      'lib/util.py': 'X = 1\n',
      'handler.py': { content: 'lambda_function.py', mode: L },
      'lib/up.py': { content: '../lambda_function.py', mode: L },
      'libdir': { content: 'lib', mode: L },
    });
    const r = await client.send(new CreateFunctionCommand(createInput('links-ok', zip)));
    const dir = path.join(lk.dataDir, 'code', sha256(zip).hex);
    assert.equal(r.CodeSha256, sha256(zip).b64);
    assert.equal(readlinkSync(path.join(dir, 'handler.py')), 'lambda_function.py');
    assert.equal(readlinkSync(path.join(dir, 'lib/up.py')), '../lambda_function.py');
    assert.equal(readFileSync(path.join(dir, 'libdir/util.py'), 'utf8'), 'X = 1\n');
    assert.equal(readFileSync(path.join(dir, 'handler.py'), 'utf8'), 'def lambda_handler(e, c):\n    return 1\n');
  });

  it('entries that conflict on disk are a bad zip (400), not a server error', async () => {
    const L = 0o120777;
    // A file and a directory of the same name.
    await rejectedCreate('conflict-file-dir', rawZip([
      { name: 'a', data: Buffer.from('1') },
      { name: 'a/b.py', data: Buffer.from('2') },
    ]), new RegExp(`^${escape(UNZIP_FAILED)}`));
    await rejectedCreate('conflict-file-direntry', rawZip([
      { name: 'a', data: Buffer.from('1') },
      { name: 'a/', data: Buffer.alloc(0), mode: 0o040755, deflate: false },
    ]), new RegExp(`^${escape(UNZIP_FAILED)}`));
    // A symlink over a directory that files went into.
    await rejectedCreate('conflict-link-dir', await makeZip({ 'a/x.py': 'x', 'a': { content: 'b', mode: L } }), new RegExp(`^${escape(UNZIP_FAILED)}`));
    // The server is still fine.
    const r = await client.send(new CreateFunctionCommand(createInput('after-conflicts', await pyZip('after-conflicts'))));
    assert.equal(r.State, 'Pending');
  });

  it('a rejected UpdateFunctionCode changes nothing', async () => {
    await client.send(new CreateFunctionCommand(createInput('upd-reject', await pyZip('upd-reject'))));
    const before = (await client.send(new GetFunctionCommand({ FunctionName: 'upd-reject' }))).Configuration!;
    const listing = codeListing(lk.dataDir);
    const bad = [
      randomBytes(100),
      overlappingZip(10, 1024 * 1024),
      rawZip([{ name: '../x.py', data: Buffer.from('x') }]),
      await makeZip({ 'x': { content: '/etc', mode: 0o120777 } }),
    ];
    for (const zip of bad) {
      for (const DryRun of [false, true]) {
        await expectSdkError(client.send(new UpdateFunctionCodeCommand({ FunctionName: 'upd-reject', ZipFile: zip, DryRun })), 'InvalidParameterValueException', 400, new RegExp(`^${escape(UNZIP_FAILED)}`));
      }
    }
    const after = (await client.send(new GetFunctionCommand({ FunctionName: 'upd-reject' }))).Configuration!;
    assert.deepEqual(after, before);
    assert.deepEqual(addedSince(lk.dataDir, listing), []);
  });

  it('permissions are normalised: mode 0o000 becomes readable, executables keep their run bit', async () => {
    const zip = await makeZip({
      'lambda_function.py': { content: 'def lambda_handler(e, c):\n    return "ok"\n', mode: 0o100000 },
      'bin/tool': { content: '#!/bin/sh\necho hi\n', mode: 0o100755 },
      'bin/owner-only-exec': { content: '#!/bin/sh\n', mode: 0o100700 },
      'secret.txt': { content: 'private', mode: 0o100600 },
      'writable.txt': { content: 'w', mode: 0o100666 },
      'locked/inner.py': { content: 'Y = 2\n', mode: 0o100000 },
    });
    const r = await client.send(new CreateFunctionCommand(createInput('perms', zip)));
    const hex = sha256(zip).hex;
    assert.equal(r.CodeSha256, sha256(zip).b64);
    const dir = path.join(lk.dataDir, 'code', hex);
    const mode = (p: string) => statSync(path.join(dir, p)).mode & 0o7777;
    assert.equal(mode('lambda_function.py'), 0o444, 'the [Errno 13] trap: 0o000 must become readable');
    assert.equal(mode('secret.txt'), 0o444);
    assert.equal(mode('writable.txt'), 0o444, 'nothing in a package is writable');
    assert.equal(mode('locked/inner.py'), 0o444);
    assert.equal(mode('bin/tool'), 0o555);
    assert.equal(mode('bin/owner-only-exec'), 0o555);
    for (const d of ['.', 'bin', 'locked']) assert.equal(mode(d), 0o555, `dir ${d}`);
    assert.equal(readFileSync(path.join(dir, 'lambda_function.py'), 'utf8'), 'def lambda_handler(e, c):\n    return "ok"\n');
    assert.deepEqual(readdirSync(dir).sort(), ['bin', 'lambda_function.py', 'locked', 'secret.txt', 'writable.txt']);
    // The uploaded zip is kept byte for byte next to the extracted tree.
    assert.deepEqual(readFileSync(path.join(lk.dataDir, 'code', `${hex}.zip`)), zip);
  });

  it('content addressing: the same zip is stored once, and collected once nothing uses it', async () => {
    const zip = await pyZip('shared-package');
    const { hex, b64 } = sha256(zip);
    const before = codeListing(lk.dataDir);
    const a = await client.send(new CreateFunctionCommand(createInput('shared-a', zip)));
    const b = await client.send(new CreateFunctionCommand(createInput('shared-b', zip)));
    await client.send(new CreateFunctionCommand(createInput('shared-c', await pyZip('other'))));
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'shared-c', ZipFile: zip }));
    assert.equal(a.CodeSha256, b64);
    assert.equal(b.CodeSha256, b64);
    const added = codeListing(lk.dataDir).filter((n) => !before.includes(n));
    assert.ok(added.includes(hex) && added.includes(`${hex}.zip`), added.join());
    assert.equal(added.filter((n) => n.startsWith(hex)).length, 2, added.join());

    await client.send(new DeleteFunctionCommand({ FunctionName: 'shared-a' }));
    await client.send(new DeleteFunctionCommand({ FunctionName: 'shared-b' }));
    await sleep(1500);
    assert.ok(codeListing(lk.dataDir).includes(hex), 'still used by shared-c');
    await client.send(new DeleteFunctionCommand({ FunctionName: 'shared-c' }));
    const deadline = Date.now() + 10_000;
    while (codeListing(lk.dataDir).some((n) => n.startsWith(hex)) && Date.now() < deadline) await sleep(100);
    assert.deepEqual(codeListing(lk.dataDir).filter((n) => n.startsWith(hex)), []);
  });

  it('concurrent uploads of the same package all succeed and share one copy', async () => {
    const files: Record<string, string> = { 'lambda_function.py': 'def lambda_handler(e, c):\n    return 3\n' };
    for (let i = 0; i < 200; i++) files[`m/x${i}.py`] = `X = ${i}\n`;
    const zip = await makeZip(files);
    const before = codeListing(lk.dataDir);
    await client.send(new CreateFunctionCommand(createInput('same-upd', await pyZip('same-upd'))));
    const results = await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => sdkErrorOrResult(client.send(new CreateFunctionCommand(createInput(`same-${i}`, zip))))),
      sdkErrorOrResult(client.send(new UpdateFunctionCodeCommand({ FunctionName: 'same-upd', ZipFile: zip }))),
    ]);
    assert.deepEqual(results, Array(9).fill('ok'));
    const { hex, b64 } = sha256(zip);
    assert.deepEqual(addedSince(lk.dataDir, before).filter((n) => n.startsWith(hex)), [hex, `${hex}.zip`]);
    assert.equal(readdirSync(path.join(lk.dataDir, 'code', hex, 'm')).length, 200);
    for (let i = 0; i < 8; i++) assert.equal((await client.send(new GetFunctionCommand({ FunctionName: `same-${i}` }))).Configuration!.CodeSha256, b64);
  });

  it('a code clean-up triggered by another change does not destroy an upload in progress', async () => {
    // ~4000 files take the server well over a second to extract; the clean-up after the
    // delete below runs while that extraction is in its temp dir.
    const files: Record<string, string> = { 'lambda_function.py': 'def lambda_handler(e, c):\n    return 1\n' };
    for (let i = 0; i < 4000; i++) files[`pkg/d${i % 40}/m${i}.py`] = `V = ${i}\n`;
    const zip = await makeZip(files);
    await client.send(new CreateFunctionCommand(createInput('gc-trigger', await pyZip('gc-trigger'))));
    await client.send(new DeleteFunctionCommand({ FunctionName: 'gc-trigger' }));
    const r = await client.send(new CreateFunctionCommand(createInput('gc-victim', zip)));
    assert.equal(r.CodeSha256, sha256(zip).b64);
    await sleep(1500);
    const dir = path.join(lk.dataDir, 'code', sha256(zip).hex);
    assert.equal(readdirSync(path.join(dir, 'pkg')).length, 40);
    assert.equal(readFileSync(path.join(dir, 'pkg/d7/m3207.py'), 'utf8'), 'V = 3207\n');
    const loc = (await client.send(new GetFunctionCommand({ FunctionName: 'gc-victim' }))).Code!.Location!;
    assert.deepEqual(Buffer.from(await (await fetch(loc)).arrayBuffer()), zip);
    assert.equal(lstatSync(dir).isDirectory(), true);
  });

  it('a function deleted while its new code is being extracted: the update is 404, not a 500', async () => {
    const files: Record<string, string> = { 'lambda_function.py': 'def lambda_handler(e, c):\n    return 2\n' };
    for (let i = 0; i < 3000; i++) files[`lib/d${i % 30}/x${i}.py`] = `X = ${i}\n`;
    const zip = await makeZip(files);
    await client.send(new CreateFunctionCommand(createInput('deleted-midway', await pyZip('deleted-midway'))));
    const update = sdkErrorOrResult(client.send(new UpdateFunctionCodeCommand({ FunctionName: 'deleted-midway', ZipFile: zip })));
    const tmp = `${sha256(zip).hex}.tmp-`;
    const deadline = Date.now() + 10_000;
    while (!codeListing(lk.dataDir).some((n) => n.startsWith(tmp)) && Date.now() < deadline) await sleep(5);
    await client.send(new DeleteFunctionCommand({ FunctionName: 'deleted-midway' }));
    const r = await update;
    assert.equal(r, `ResourceNotFoundException 404 Function not found: ${arnOf('deleted-midway')}`);
    assert.equal(await exists('deleted-midway'), false);
  });

  it('the server survived all of it', async () => {
    const res = await raw(lk.url, 'GET', `/2015-03-31/functions/${encodeURIComponent(arnOf('links-ok'))}`);
    assert.equal(res.status, 200);
    assert.doesNotMatch(lk.output(), /internal error/, lk.output());
  });
});

/** 'ok', or 'Name status message' of the SDK error. */
async function sdkErrorOrResult(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return `${e.name} ${e.$metadata?.httpStatusCode} ${e.message}`;
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
