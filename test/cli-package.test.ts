/** `lambkin package`: modes, symlinks, determinism, self-exclusion, and the zip deploys as printed. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yauzl from 'yauzl';
import { startLambkin, REPO_ROOT, type Lambkin } from './helpers/server.js';
import { run, ROLE } from './helpers/clients.js';

const BIN = path.join(REPO_ROOT, 'bin/lambkin.js');
let work: string;
let src: string;

interface ZipEntryInfo {
  name: string;
  mode: number;
  content: string;
  dosDate: number;
  dosTime: number;
  extraLength: number;
}

function readZip(file: string): Promise<ZipEntryInfo[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: ZipEntryInfo[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        const info = { name: e.fileName, mode: e.externalFileAttributes >>> 16, dosDate: e.lastModFileDate, dosTime: e.lastModFileTime, extraLength: e.extraFields.length };
        if (e.fileName.endsWith('/')) {
          out.push({ ...info, content: '' });
          return zip.readEntry();
        }
        zip.openReadStream(e, (err2, stream) => {
          if (err2 || !stream) return reject(err2);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.push({ ...info, content: Buffer.concat(chunks).toString() });
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const pkg = (args: string[], env: Record<string, string> = {}) => run(process.execPath, [BIN, 'package', ...args], { env });
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('base64');

before(() => {
  work = mkdtempSync(path.join(tmpdir(), 'lambkin-cli-package-'));
  src = path.join(work, 'src');
  mkdirSync(path.join(src, 'lib/deep'), { recursive: true });
  mkdirSync(path.join(src, 'bin'));
  mkdirSync(path.join(src, 'empty'));
  writeFileSync(path.join(src, 'index.mjs'), 'export const handler = async () => "packaged";\n');
  writeFileSync(path.join(src, 'lib/deep/data.txt'), 'data\n');
  writeFileSync(path.join(src, 'bin/tool'), '#!/bin/sh\necho tool\n');
  chmodSync(path.join(src, 'bin/tool'), 0o700);
  writeFileSync(path.join(src, 'private.txt'), 'secret-ish\n');
  chmodSync(path.join(src, 'private.txt'), 0o600);
  symlinkSync('../lib/deep/data.txt', path.join(src, 'bin/data-link'));
  symlinkSync('lib', path.join(src, 'lib-alias'));
});

after(() => rmSync(work, { recursive: true, force: true }));

test('package: sorted entries, 0644/0755 files, 0755 dirs, symlinks kept, fixed timestamp; prints path, size, CodeSha256', async () => {
  const out = path.join(work, 'fn.zip');
  const r = await pkg([src, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const size = readFileSync(out).length;
  assert.equal(r.stdout, `${out}\t${size} bytes\tCodeSha256 ${sha(out)}\n`);
  const entries = await readZip(out);
  assert.deepEqual(
    entries.map((e) => [e.name, e.mode.toString(8)]),
    [
      ['bin/', '40755'],
      ['bin/data-link', '120777'],
      ['bin/tool', '100755'],
      ['empty/', '40755'],
      ['index.mjs', '100644'],
      ['lib-alias', '120777'],
      ['lib/', '40755'],
      ['lib/deep/', '40755'],
      ['lib/deep/data.txt', '100644'],
      ['private.txt', '100644'],
    ],
  );
  const byName = new Map(entries.map((e) => [e.name, e]));
  assert.equal(byName.get('bin/data-link')?.content, '../lib/deep/data.txt');
  assert.equal(byName.get('lib-alias')?.content, 'lib');
  assert.equal(byName.get('index.mjs')?.content, 'export const handler = async () => "packaged";\n');
  for (const e of entries) {
    assert.equal(e.dosDate, (0 << 9) | (1 << 5) | 1, `${e.name}: 1980-01-01`);
    assert.equal(e.dosTime, 0);
    assert.equal(e.extraLength, 0, `${e.name}: no time extra field`);
  }
});

test('package: the same tree gives the same bytes, whatever the mtimes and the time zone', async () => {
  const a = path.join(work, 'a.zip');
  const b = path.join(work, 'b.zip');
  assert.equal((await pkg([src, '-o', a], { TZ: 'UTC' })).code, 0);
  utimesSync(path.join(src, 'index.mjs'), new Date('2031-05-05T10:00:00Z'), new Date('2031-05-05T10:00:00Z'));
  assert.equal((await pkg([src, '-o', b], { TZ: 'Pacific/Kiritimati' })).code, 0);
  assert.ok(readFileSync(a).equals(readFileSync(b)));
  writeFileSync(path.join(src, 'lib/deep/data.txt'), 'changed\n');
  const c = path.join(work, 'c.zip');
  assert.equal((await pkg([src, '-o', c])).code, 0);
  assert.notEqual(sha(c), sha(a), 'content changes change the hash');
  writeFileSync(path.join(src, 'lib/deep/data.txt'), 'data\n');
});

test('package: never packs its own output, even inside the directory or by default name', async () => {
  const inside = path.join(src, 'self.zip');
  try {
    assert.equal((await pkg([src, '-o', inside])).code, 0);
    assert.equal((await pkg([src, '-o', inside])).code, 0, 'again, now that self.zip exists');
    const names = (await readZip(inside)).map((e) => e.name);
    assert.ok(!names.includes('self.zip'), names.join(','));
    const r = await run(process.execPath, [BIN, 'package', '.'], { cwd: src });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('src.zip\t'), r.stdout);
    const again = await run(process.execPath, [BIN, 'package', '.'], { cwd: src });
    assert.equal(again.stdout, r.stdout, 'the default src.zip inside src is not packed either');
  } finally {
    rmSync(inside, { force: true });
    rmSync(path.join(src, 'src.zip'), { force: true });
  }
});

test('package: symlinks leaving the tree, or absolute ones, are refused with a clear error and no zip', async () => {
  for (const [target, why] of [
    ['../../outside.txt', /symlink escape -> \.\.\/\.\.\/outside\.txt points outside/],
    ['/etc/hostname', /symlink escape -> \/etc\/hostname is absolute/],
  ] as const) {
    const link = path.join(src, 'escape');
    symlinkSync(target, link);
    const out = path.join(work, 'refused.zip');
    try {
      const r = await pkg([src, '-o', out]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, why);
      assert.ok(!existsSync(out));
    } finally {
      rmSync(link);
    }
  }
  const missing = await pkg([path.join(work, 'nope'), '-o', path.join(work, 'x.zip')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /is not a directory/);
});

test('package: the zip deploys, and get-function reports the CodeSha256 package printed', async () => {
  let server: Lambkin | undefined;
  try {
    server = await startLambkin();
    const out = path.join(work, 'deploy.zip');
    const printed = /CodeSha256 (\S+)/.exec((await pkg([src, '-o', out])).stdout)?.[1];
    assert.ok(printed);
    const env = { LAMBKIN_ENDPOINT: server.url };
    const created = await run(process.execPath, [BIN, 'lambda', 'create-function', '--function-name', 'pkg', '--runtime', 'nodejs20.x', '--role', ROLE, '--handler', 'index.handler', '--zip-file', `fileb://${out}`], { env });
    assert.equal(created.code, 0, created.stderr);
    const got = await run(process.execPath, [BIN, 'lambda', 'get-function', '--function-name', 'pkg', '--query', 'Configuration.[CodeSha256, CodeSize]'], { env });
    assert.deepEqual(JSON.parse(got.stdout), [printed, readFileSync(out).length]);
  } finally {
    await server?.stop();
  }
});
