/**
 * Publishing under concurrency, with the JS SDK and Promise.all: concurrent publishes of one change
 * share one new version; publishes racing with changes never give two different snapshots the same
 * number, and every number's content is what its publish reported; concurrent UpdateFunctionCode
 * with Publish=true each publish their own code.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { sdk } from './helpers/clients.js';
import { ROLE, echoZip } from './fixtures/versions/helpers.js';

const F = 'vconc';
// Lambkin targets Node 20; the SDK's notice about its future Node 22 requirement is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Retries an operation AWS may refuse while another update is in progress (409). */
async function retryConflict<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceConflictException' || attempt > 50) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function versions(client: LambdaClient): Promise<FunctionConfiguration[]> {
  const out: FunctionConfiguration[] = [];
  let Marker: string | undefined;
  do {
    const page = await client.send(new ListVersionsByFunctionCommand({ FunctionName: F, Marker }));
    out.push(...(page.Versions ?? []));
    Marker = page.NextMarker;
  } while (Marker);
  return out.filter((v) => v.Version !== '$LATEST');
}

describe('concurrent publishing (JS SDK)', () => {
  let lk: Lambkin;
  let client: LambdaClient;

  before(async () => {
    lk = await startLambkin();
    client = sdk(lk.url);
    await client.send(new CreateFunctionCommand({
      FunctionName: F, Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: { ZipFile: await echoZip('base') }, Publish: true,
    }));
  });
  after(async () => {
    client?.destroy();
    await lk?.stop();
  });

  it('concurrent publishes after one change all get the same new version', async () => {
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: F, Environment: { Variables: { MARKER: 'one-change' } } }));
    const results = await Promise.all(Array.from({ length: 10 }, () => client.send(new PublishVersionCommand({ FunctionName: F }))));
    assert.deepEqual([...new Set(results.map((r) => r.Version))], ['2']);
    assert.ok(results.every((r) => r.Environment?.Variables?.MARKER === 'one-change'));
    assert.deepEqual((await versions(client)).map((v) => v.Version), ['1', '2']);
  });

  it('publishes racing with changes: one number per snapshot, never one number for two snapshots', async () => {
    const published: FunctionConfiguration[] = [];
    await Promise.all(Array.from({ length: 8 }, async (_, worker) => {
      for (let round = 0; round < 5; round++) {
        const marker = `w${worker}-r${round}`;
        await retryConflict(() => client.send(new UpdateFunctionConfigurationCommand({ FunctionName: F, Environment: { Variables: { MARKER: marker } } })));
        published.push(await retryConflict(() => client.send(new PublishVersionCommand({ FunctionName: F }))));
      }
    }));
    const byNumber = new Map<string, string>();
    const byMarker = new Map<string, string>();
    for (const p of published) {
      const marker = p.Environment!.Variables!.MARKER;
      const v = p.Version!;
      if (byNumber.has(v)) assert.equal(byNumber.get(v), marker, `version ${v} was reported with two different snapshots`);
      if (byMarker.has(marker)) assert.equal(byMarker.get(marker), v, `snapshot ${marker} was published twice`);
      byNumber.set(v, marker);
      byMarker.set(marker, v);
    }
    const listed = await versions(client);
    const numbers = listed.map((v) => Number(v.Version));
    assert.deepEqual(numbers, Array.from({ length: numbers.length }, (_, i) => i + 1), 'numbers are contiguous, unique and ascending');
    assert.ok(numbers.length >= 3, `several versions were published (${numbers.length})`);
    // Each number holds exactly what its publish reported.
    for (const [v, marker] of byNumber) {
      const c = await client.send(new GetFunctionConfigurationCommand({ FunctionName: F, Qualifier: v }));
      assert.equal(c.Environment?.Variables?.MARKER, marker, `version ${v}`);
    }
  });

  it('concurrent UpdateFunctionCode with Publish=true: each request publishes its own code under its own number', async () => {
    const zips = await Promise.all(Array.from({ length: 6 }, (_, i) => echoZip(`code-${i}`)));
    const shaOf = (z: Buffer) => createHash('sha256').update(z).digest('base64');
    const settled = await Promise.allSettled(zips.map((z) =>
      client.send(new UpdateFunctionCodeCommand({ FunctionName: F, ZipFile: z, Publish: true }))));
    const ok: { sha: string; res: FunctionConfiguration }[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') ok.push({ sha: shaOf(zips[i]), res: s.value });
      else assert.equal((s.reason as Error).name, 'ResourceConflictException', String(s.reason));
    });
    assert.ok(ok.length >= 1);
    assert.equal(new Set(ok.map((o) => o.res.Version)).size, ok.length, 'distinct versions');
    for (const { sha, res } of ok) {
      assert.equal(res.CodeSha256, sha, `version ${res.Version} reports the code its request uploaded`);
      const stored = await client.send(new GetFunctionConfigurationCommand({ FunctionName: F, Qualifier: res.Version }));
      assert.equal(stored.CodeSha256, sha, `version ${res.Version} holds that code`);
    }
  });
});
