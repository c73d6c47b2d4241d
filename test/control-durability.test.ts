/**
 * Durability of the control plane: functions survive a restart; a server SIGKILLed in the middle
 * of a CreateFunction / UpdateFunctionCode with a large package comes back with the old state or
 * the new one, never a mix; start-up removes orphaned temp files and unreferenced packages.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { sdk } from './helpers/clients.js';
import { makeZip } from './helpers/zip.js';
import { arnOf, codeListing, createInput, pyZip, sha256, sleep } from './helpers/control.js';

/** A package the server needs a second or two to extract. */
async function bigPackage(tag: string, files = 2000): Promise<{ zip: Buffer; names: string[] }> {
  const spec: Record<string, string> = { 'lambda_function.py': `# ${tag}\ndef lambda_handler(e, c):\n    return ${JSON.stringify(tag)}\n` };
  for (let i = 0; i < files; i++) spec[`vendor/p${i % 30}/mod_${i}.py`] = `NAME = '${tag}-${i}'\n${'#'.repeat(200)}\n`;
  return { zip: await makeZip(spec), names: Object.keys(spec).sort() };
}

/** Every regular file and symlink under dir, relative, sorted. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** SIGKILLs the server as soon as `when(listing)` holds for <dataDir>/code (polled every 2 ms). */
async function killWhen(lk: Lambkin, when: (names: string[]) => boolean, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (when(codeListing(lk.dataDir))) {
      await lk.kill('SIGKILL');
      return true;
    }
    if (lk.proc.exitCode !== null) return false;
    await sleep(2);
  }
  await lk.kill('SIGKILL');
  return false;
}

describe('control plane: durability', () => {
  const dirs: string[] = [];
  const servers: Lambkin[] = [];
  const clients: LambdaClient[] = [];

  async function start(dataDir?: string): Promise<{ lk: Lambkin; client: LambdaClient }> {
    const lk = await startLambkin(dataDir ? { dataDir } : {});
    if (!dataDir) dirs.push(lk.dataDir);
    servers.push(lk);
    const client = sdk(lk.url);
    clients.push(client);
    return { lk, client };
  }

  after(async () => {
    for (const c of clients) c.destroy();
    for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) await s.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    // The SIGKILLed servers' host state (staged mounts): a server's start-up removes what dead ones left.
    const sweeper = await startLambkin();
    await sweeper.stop();
  });

  /** The invariant after any crash: what the store says is exactly what is on disk. */
  async function assertConsistent(client: LambdaClient, dataDir: string, name: string, candidates: { zip: Buffer; names: string[] }[]) {
    const fn = await client.send(new GetFunctionCommand({ FunctionName: name }));
    const c = fn.Configuration!;
    assert.equal(c.State, 'Active', `${name} must not be stuck in ${c.State}`);
    assert.equal(c.LastUpdateStatus, 'Successful', `${name} must not be stuck in ${c.LastUpdateStatus}`);
    const match = candidates.find((p) => sha256(p.zip).b64 === c.CodeSha256);
    assert.ok(match, `${name}: CodeSha256 ${c.CodeSha256} is neither the old nor the new package`);
    assert.equal(c.CodeSize, match.zip.length);
    const hex = sha256(match.zip).hex;
    assert.deepEqual(tree(path.join(dataDir, 'code', hex)), match.names, `${name}: extracted tree incomplete`);
    assert.deepEqual(readFileSync(path.join(dataDir, 'code', `${hex}.zip`)), match.zip);
    assert.deepEqual(Buffer.from(await (await fetch(fn.Code!.Location!)).arrayBuffer()), match.zip);
    return match;
  }

  it('functions, versions, aliases, tags and code survive a restart', async () => {
    const { lk, client } = await start();
    const zip = await pyZip('restart');
    await client.send(new CreateFunctionCommand(createInput('keep', zip, { Tags: { t: '1' }, Environment: { Variables: { A1: 'x' } }, MemorySize: 256 })));
    await client.send(new PublishVersionCommand({ FunctionName: 'keep' }));
    await client.send(new CreateAliasCommand({ FunctionName: 'keep', Name: 'live', FunctionVersion: '1' }));
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'keep', Timeout: 20 }));
    const west = sdk(lk.url, 'eu-west-1');
    clients.push(west);
    await west.send(new CreateFunctionCommand(createInput('keep-west', zip)));
    const before = await client.send(new GetFunctionCommand({ FunctionName: 'keep' }));
    const beforeV1 = await client.send(new GetFunctionCommand({ FunctionName: 'keep', Qualifier: '1' }));
    const beforeCode = codeListing(lk.dataDir);
    await lk.stop({ keepData: true });

    const again = await start(lk.dataDir);
    const after = await again.client.send(new GetFunctionCommand({ FunctionName: 'keep' }));
    assert.deepEqual(after.Configuration, before.Configuration, 'configuration incl. RevisionId and LastModified');
    assert.deepEqual(after.Tags, { t: '1' });
    assert.deepEqual((await again.client.send(new GetFunctionCommand({ FunctionName: 'keep', Qualifier: '1' }))).Configuration, beforeV1.Configuration);
    assert.equal((await again.client.send(new GetAliasCommand({ FunctionName: 'keep', Name: 'live' }))).FunctionVersion, '1');
    assert.deepEqual(
      (await again.client.send(new ListVersionsByFunctionCommand({ FunctionName: 'keep' }))).Versions!.map((v) => v.Version),
      ['$LATEST', '1'],
    );
    assert.deepEqual((await again.client.send(new ListTagsCommand({ Resource: arnOf('keep') }))).Tags, { t: '1' });
    const west2 = sdk(again.lk.url, 'eu-west-1');
    clients.push(west2);
    assert.deepEqual((await west2.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionName), ['keep-west']);
    assert.deepEqual(codeListing(again.lk.dataDir), beforeCode);
    // Code links are signed per server run: the new one serves the same bytes.
    assert.deepEqual(Buffer.from(await (await fetch(after.Code!.Location!)).arrayBuffer()), zip);
    // And it keeps working.
    const upd = await again.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'keep', Timeout: 21, RevisionId: before.Configuration!.RevisionId }));
    assert.equal(upd.Timeout, 21);
    await again.lk.stop();
  });

  it('start-up removes orphaned temp files and unreferenced packages, keeps referenced ones', async () => {
    const { lk, client } = await start();
    const zip = await pyZip('orphans');
    await client.send(new CreateFunctionCommand(createInput('referenced', zip)));
    await lk.stop({ keepData: true });
    const code = path.join(lk.dataDir, 'code');
    const hex = sha256(zip).hex;
    const fake = 'f'.repeat(64);
    mkdirSync(path.join(code, `${fake}.tmp-0123456789abcdef0123456789abcdef`, 'sub'), { recursive: true });
    writeFileSync(path.join(code, `${fake}.tmp-0123456789abcdef0123456789abcdef`, 'sub', 'x.py'), 'x');
    writeFileSync(path.join(code, `${hex}.zip.tmp-00000000000000000000000000000000`), 'partial');
    mkdirSync(path.join(code, 'e'.repeat(64)));
    writeFileSync(path.join(code, `${'e'.repeat(64)}.zip`), 'unreferenced');
    const again = await start(lk.dataDir);
    assert.deepEqual(codeListing(again.lk.dataDir), [hex, `${hex}.zip`].sort());
    assert.match(again.lk.output(), /removed \d+ orphaned code file/);
    assert.equal((await again.client.send(new GetFunctionCommand({ FunctionName: 'referenced' }))).Configuration!.CodeSha256, sha256(zip).b64);
    await again.lk.stop();
  });

  it('SIGKILL during CreateFunction: after restart the function is absent or complete, and no temp files remain', async (t) => {
    const { zip, names } = await bigPackage('create');
    const { hex } = sha256(zip);
    const triggers: [string, (n: string[]) => boolean][] = [
      ['extraction started', (n) => n.some((x) => x.startsWith(`${hex}.tmp-`))],
      ['zip being written or placed', (n) => n.some((x) => x.startsWith(`${hex}.zip`))],
      ['package in place', (n) => n.includes(hex)],
    ];
    let { lk, client } = await start();
    const small = await pyZip('bystander');
    await client.send(new CreateFunctionCommand(createInput('bystander', small)));
    const outcomes: string[] = [];
    for (const [label, when] of triggers) {
      const pending = client.send(new CreateFunctionCommand(createInput(`crash-create`, zip))).then(
        () => 'answered',
        () => 'failed',
      );
      const killed = await killWhen(lk, when);
      await pending;
      ({ lk, client } = await start(lk.dataDir));
      const listing = codeListing(lk.dataDir);
      assert.deepEqual(listing.filter((x) => x.includes('.tmp-')), [], `${label}: temp files left`);
      const exists = await client
        .send(new GetFunctionCommand({ FunctionName: 'crash-create' }))
        .then(() => true, (e: Error) => (e.name === 'ResourceNotFoundException' ? false : Promise.reject(e)));
      if (exists) {
        await assertConsistent(client, lk.dataDir, 'crash-create', [{ zip, names }]);
        outcomes.push(`${label}: created`);
        // Start the next round from "absent" again.
        await client.send(new DeleteFunctionCommand({ FunctionName: 'crash-create' }));
      } else {
        assert.deepEqual(listing.filter((x) => x.startsWith(hex)), [], `${label}: unreferenced package left behind`);
        outcomes.push(`${label}: absent${killed ? '' : ' (not killed)'}`);
      }
      await assertConsistent(client, lk.dataDir, 'bystander', [{ zip: small, names: ['lambda_function.py'] }]);
    }
    t.diagnostic(outcomes.join('; '));
    // At least the first trigger must have hit the window (extraction takes over a second).
    assert.equal(outcomes[0], 'extraction started: absent', outcomes.join('; '));
    await lk.kill('SIGKILL');
  });

  it('SIGKILL during UpdateFunctionCode: after restart the old code or the new, consistent on disk', async (t) => {
    const old = await bigPackage('old', 50);
    const fresh = await bigPackage('new');
    const { hex } = sha256(fresh.zip);
    let { lk, client } = await start();
    await client.send(new CreateFunctionCommand(createInput('crash-update', old.zip)));
    const triggers: [string, (n: string[]) => boolean][] = [
      ['extraction started', (n) => n.some((x) => x.startsWith(`${hex}.tmp-`))],
      ['zip being written or placed', (n) => n.some((x) => x.startsWith(`${hex}.zip`))],
      ['package in place', (n) => n.includes(hex)],
    ];
    const outcomes: string[] = [];
    for (const [label, when] of triggers) {
      const pending = client.send(new UpdateFunctionCodeCommand({ FunctionName: 'crash-update', ZipFile: fresh.zip })).then(
        () => 'answered',
        () => 'failed',
      );
      await killWhen(lk, when);
      await pending;
      ({ lk, client } = await start(lk.dataDir));
      assert.deepEqual(codeListing(lk.dataDir).filter((x) => x.includes('.tmp-')), [], `${label}: temp files left`);
      const got = await assertConsistent(client, lk.dataDir, 'crash-update', [old, fresh]);
      outcomes.push(`${label}: ${got === old ? 'old' : 'new'}`);
      if (got === old) {
        assert.deepEqual(codeListing(lk.dataDir).filter((x) => x.startsWith(hex)), [], `${label}: unreferenced new package left`);
      } else {
        // Back to the old code for the next round (the replaced package is collected later).
        await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'crash-update', ZipFile: old.zip }));
        await assertConsistent(client, lk.dataDir, 'crash-update', [old]);
      }
    }
    t.diagnostic(outcomes.join('; '));
    assert.equal(outcomes[0], 'extraction started: old', outcomes.join('; '));
    // Everything still works after the crashes.
    const ok = await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'crash-update', ZipFile: fresh.zip }));
    assert.equal(ok.CodeSha256, sha256(fresh.zip).b64);
    await assertConsistent(client, lk.dataDir, 'crash-update', [fresh]);
    assert.ok(statSync(path.join(lk.dataDir, 'code', hex)).isDirectory());
    await lk.stop();
  });
});
