/**
 * `lambkin deploy` end to end against a real server: deploy v1 (creates the function, version 1 and
 * alias live), deploy v2 as a 10% canary (alias stays on 1, routes 10% to 2: checked in the alias and
 * in invocations), redeploy unchanged (no new version), promote, deploy v3 straight through; plain
 * progress lines when not on a TTY; errors. Plus the packer (deterministic, modes) and --canary parsing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yauzl from 'yauzl';
import { startLambkin, REPO_ROOT, type Lambkin } from './helpers/server.js';
import { run } from './helpers/clients.js';
import { FIXTURES, arn, awsOk, py } from './fixtures/versions/helpers.js';
import { packDirectory, parseCanary } from '../src/cli/deploy.js';

const BIN = path.join(REPO_ROOT, 'bin/lambkin.js');
const F = 'vdeploy';
const STEP_LINE = /^(\w+)\s+(.*?)(?: \((\d+ ms|\d+\.\d s)\))?$/;

function zipEntries(zip: Buffer): Promise<{ name: string; mode: number }[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, z) => {
      if (err || !z) return reject(err);
      const out: { name: string; mode: number }[] = [];
      z.on('entry', (e: yauzl.Entry) => {
        out.push({ name: e.fileName, mode: (e.externalFileAttributes >>> 16) & 0o177777 });
        z.readEntry();
      });
      z.on('end', () => resolve(out));
      z.on('error', reject);
      z.readEntry();
    });
  });
}

describe('lambkin deploy', () => {
  let lk: Lambkin;
  let work: string;
  let app: string;

  const deploy = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, [BIN, 'deploy', ...args], { env: { LAMBKIN_ENDPOINT: lk.url, ...env } });
  const setMarker = (text: string) => writeFileSync(path.join(app, 'marker.txt'), text);

  before(async () => {
    lk = await startLambkin();
    work = mkdtempSync(path.join(tmpdir(), 'lambkin-deploy-'));
    app = path.join(work, 'app');
    mkdirSync(path.join(app, 'lib'), { recursive: true });
    copyFileSync(path.join(FIXTURES, 'echo/bootstrap'), path.join(app, 'bootstrap'));
    chmodSync(path.join(app, 'bootstrap'), 0o755);
    writeFileSync(path.join(app, 'lib/data.json'), '{"x":1}');
    chmodSync(path.join(app, 'lib/data.json'), 0o600);
    symlinkSync('lib/data.json', path.join(app, 'data.json'));
  });
  after(async () => {
    await lk?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs deterministically: sorted entries, files 0644/0755, directories 0755, in-tree symlinks kept', async () => {
    setMarker('v1');
    const a = await packDirectory(app);
    const b = await packDirectory(app);
    assert.ok(a.zip.equals(b.zip), 'same tree, same bytes');
    assert.equal(a.files, 4);
    assert.deepEqual(await zipEntries(a.zip), [
      { name: 'bootstrap', mode: 0o100755 },
      { name: 'data.json', mode: 0o120777 },
      { name: 'lib/', mode: 0o40755 },
      { name: 'lib/data.json', mode: 0o100644 },
      { name: 'marker.txt', mode: 0o100644 },
    ]);
    const outside = path.join(work, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'f'), 'x');
    symlinkSync('../app/bootstrap', path.join(outside, 'escape'));
    await assert.rejects(packDirectory(outside), /points outside|is absolute/);
    await assert.rejects(packDirectory(path.join(work, 'nope')), /is not a directory/);
  });

  it('parses --canary percentages', () => {
    assert.equal(parseCanary('10%'), 0.1);
    assert.equal(parseCanary('10'), 0.1);
    assert.equal(parseCanary('2.5%'), 0.025);
    assert.equal(parseCanary(' 33 % '), 0.33);
    for (const bad of ['0', '0%', '100%', '150', '-5', 'ten', '', '10%%']) assert.throws(() => parseCanary(bad), /--canary/, bad);
  });

  it('first deploy creates the function, publishes version 1 and creates the alias; progress is plain lines with timings', async () => {
    setMarker('v1');
    const r = await deploy([app, '--function-name', F, '--runtime', 'provided.al2023', '--handler', 'x']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `deployed ${F} version 1; alias live \u2192 1`);
    assert.doesNotMatch(r.stderr, /\x1b\[|\r/, 'no terminal control sequences when stderr is not a TTY');
    assert.doesNotMatch(r.stderr, /Warning/);
    const lines = r.stderr.trim().split('\n');
    assert.deepEqual(lines.map((l) => STEP_LINE.exec(l)?.[1]), ['package', 'lookup', 'create', 'wait', 'publish', 'alias']);
    for (const l of lines) assert.match(l, /\((\d+ ms|\d+\.\d s)\)$/, l);

    const cfg = await awsOk(lk.url, ['lambda', 'get-function-configuration', '--function-name', F]);
    const packed = await packDirectory(app);
    assert.equal(cfg.CodeSha256, packed.codeSha256, 'the server received exactly the packed bytes');
    const alias = await awsOk(lk.url, ['lambda', 'get-alias', '--function-name', F, '--name', 'live']);
    assert.equal(alias.FunctionVersion, '1');
    assert.equal(alias.RoutingConfig, undefined);
    const out = await py(lk.url, `print(json.dumps(invoke(FunctionName=${JSON.stringify(F)}, Qualifier='live')))`);
    assert.equal(out.version, '1');
    assert.equal(out.payload.file, 'v1');
  });

  it('deploy --canary 10% keeps the alias on version 1 and routes 10% to version 2', async () => {
    setMarker('v2');
    const r = await deploy([app, '-f', F, '--canary', '10%', '--json', '--endpoint-url', lk.url], { LAMBKIN_ENDPOINT: 'http://127.0.0.1:1' });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.version, '2');
    assert.equal(result.codeUpdated, true);
    assert.equal(result.created, false);
    assert.deepEqual(result.alias, { name: 'live', aliasArn: arn(F, 'live'), functionVersion: '1', additionalVersionWeights: { '2': 0.1 } });
    assert.match(r.stderr, /^code\s+updated/m);

    const alias = await awsOk(lk.url, ['lambda', 'get-alias', '--function-name', F, '--name', 'live']);
    assert.equal(alias.FunctionVersion, '1');
    assert.deepEqual(alias.RoutingConfig, { AdditionalVersionWeights: { '2': 0.1 } });

    const counts = await py(lk.url, `
c = {}
for i in range(300):
    out = invoke(FunctionName=${JSON.stringify(F)}, Qualifier='live')
    key = out['version'] + ':' + out['payload']['file']
    c[key] = c.get(key, 0) + 1
print(json.dumps(c))
`);
    assert.deepEqual(Object.keys(counts).sort(), ['1:v1', '2:v2']);
    assert.ok(counts['2:v2'] >= 10 && counts['2:v2'] <= 60, `version 2 ran ${counts['2:v2']} of 300 times`);
  });

  it('redeploying unchanged code publishes nothing new', async () => {
    const r = await deploy([app, '-f', F, '--canary', '10%', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.version, '2');
    assert.equal(result.codeUpdated, false);
    assert.match(r.stderr, /^code\s+unchanged$/m);
    const versions = await awsOk(lk.url, ['lambda', 'list-versions-by-function', '--function-name', F]);
    assert.deepEqual(versions.Versions.map((v: any) => v.Version), ['$LATEST', '1', '2']);
  });

  it('deploy --promote moves the alias fully to the canary version', async () => {
    const r = await deploy(['-f', F, '--promote']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `deployed ${F} version 2; alias live \u2192 2`);
    const alias = await awsOk(lk.url, ['lambda', 'get-alias', '--function-name', F, '--name', 'live']);
    assert.equal(alias.FunctionVersion, '2');
    assert.equal(alias.RoutingConfig, undefined);
    const seen = await py(lk.url, `print(json.dumps(sorted(set(invoke(FunctionName=${JSON.stringify(F)} + ':live')['version'] for i in range(30)))))`);
    assert.deepEqual(seen, ['2']);
  });

  it('a deploy without --canary moves the alias straight to the new version (and clears a canary)', async () => {
    setMarker('v3');
    const canary = await deploy([app, '-f', F, '--canary', '50']);
    assert.equal(canary.code, 0, canary.stderr);
    assert.equal(canary.stdout.trim(), `deployed ${F} version 3; alias live \u2192 2 + 3 at 50%`);
    setMarker('v4');
    const r = await deploy([app, '-f', F, '--description', 'fourth']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `deployed ${F} version 4; alias live \u2192 4`);
    const v4 = await awsOk(lk.url, ['lambda', 'get-function-configuration', '--function-name', F, '--qualifier', 'live']);
    assert.equal(v4.Version, '4');
    assert.equal(v4.Description, 'fourth');
    const alias = await awsOk(lk.url, ['lambda', 'get-alias', '--function-name', F, '--name', 'live']);
    assert.equal(alias.RoutingConfig, undefined);
  });

  it('reports errors and exits 1', async () => {
    const noRuntime = await deploy([app, '-f', 'vdeploy-new']);
    assert.equal(noRuntime.code, 1);
    assert.match(noRuntime.stderr, /vdeploy-new does not exist: --runtime and --handler are needed to create it/);
    const badCanary = await deploy([app, '-f', F, '--canary', '150%']);
    assert.equal(badCanary.code, 1);
    assert.match(badCanary.stderr, /--canary takes a percentage/);
    const noDir = await deploy(['-f', F]);
    assert.equal(noDir.code, 1);
    assert.match(noDir.stderr, /give the directory to deploy/);
    const down = await deploy([app, '-f', F], { LAMBKIN_ENDPOINT: 'http://127.0.0.1:1' });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^lookup\s+FAILED/m);
  });
});
