/**
 * Following logs: AWS CLI v2's `aws logs tail` (plain and --follow, which polls FilterLogEvents every
 * 5 s with startTime and dedups by eventId) and `lambkin logs` (grouped by request, --follow, --qualifier).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PublishVersionCommand } from '@aws-sdk/client-lambda';
import { REPO_ROOT, startLambkin, type Lambkin } from './helpers/server.js';
import { CREDS_ENV, run, sdk } from './helpers/clients.js';
import { createBashFunction, eventually, invoke } from './fixtures/logs/functions.js';

const AWS_V2 = '/usr/bin/aws';
const LAMBKIN = path.join(REPO_ROOT, 'bin/lambkin.js');
const FN = 'tail-fn';
const G = `/aws/lambda/${FN}`;
let lk: Lambkin;
const children = new Set<ChildProcess>();

before(async () => {
  lk = await startLambkin();
  await createBashFunction(lk.url, FN);
  await invoke(lk.url, FN, { first: 1 });
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await lk?.stop();
});

/** Starts a long-running command, collecting its output. */
function start(cmd: string, args: string[]): { child: ChildProcess; out: () => string; exited: Promise<void> } {
  const child = spawn(cmd, args, { env: { ...process.env, ...CREDS_ENV, NO_COLOR: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    children.delete(child);
    resolve();
  }));
  return { child, out: () => out, exited };
}

const lambkin = (args: string[]) => run(process.execPath, [LAMBKIN, ...args, '--endpoint-url', lk.url]);

test('aws CLI v2: logs tail prints the group (detailed format, no colour when piped)', async () => {
  const r = await run(AWS_V2, ['--endpoint-url', lk.url, '--region', 'us-east-1', 'logs', 'tail', G]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.doesNotMatch(r.stdout, /\x1b\[/);
  const line = /^(\S+) (\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}) (.*)$/;
  assert.ok(lines.every((l) => line.test(l)), r.stdout);
  const messages = lines.map((l) => line.exec(l)![3]);
  assert.match(messages[0], /^INIT_START /);
  assert.ok(messages.some((m) => /^START RequestId: \S+ Version: \$LATEST$/.test(m)));
  assert.ok(messages.includes('event: {"first":1}'));
  assert.match(messages[messages.length - 1], /^REPORT RequestId: /);

  const filtered = await run(AWS_V2, ['--endpoint-url', lk.url, '--region', 'us-east-1', 'logs', 'tail', G, '--since', '1h', '--filter-pattern', 'hello', '--format', 'short']);
  assert.equal(filtered.code, 0, filtered.stderr);
  assert.match(filtered.stdout.trim(), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2} hello from [0-9a-f-]{36}$/);
});

test('aws CLI v2: logs tail --follow shows a new invocation, each line once', { timeout: 180_000 }, async () => {
  const tail = start(AWS_V2, ['--endpoint-url', lk.url, '--region', 'us-east-1', 'logs', 'tail', G, '--follow']);
  try {
    await eventually(() => tail.out().includes('event: {"first":1}'), 15_000, 'the existing lines');
    const r = await invoke(lk.url, FN, { marker: 'follow-me' });
    const id = r.$metadata.requestId!;
    // The CLI polls every 5 s.
    await eventually(() => tail.out().includes(`REPORT RequestId: ${id}`), 20_000, `the new invocation in ${tail.out()}`);
    const out = tail.out();
    assert.equal(out.split(`START RequestId: ${id}`).length, 2, 'the new START is printed once');
    assert.equal(out.split('event: {"first":1}').length, 2, 'old lines are not repeated on the next poll');
    assert.ok(out.includes('event: {"marker":"follow-me"}'));
  } finally {
    tail.child.kill('SIGINT');
    await tail.exited;
  }
});

test('lambkin logs groups each request (START … REPORT) even when environments interleave', { timeout: 180_000 }, async () => {
  // Two overlapping invocations run in two environments, so their lines interleave in time.
  const [a, b] = await Promise.all([invoke(lk.url, FN, { sleep: 1, tag: 'A' }), invoke(lk.url, FN, { sleep: 1, tag: 'B' })]);
  const r = await lambkin(['logs', FN]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /\x1b\[/, 'plain when piped');
  const lines = r.stdout.trimEnd().split('\n');
  for (const id of [a.$metadata.requestId!, b.$metadata.requestId!]) {
    const short = id.slice(0, 8);
    const start = lines.findIndex((l) => l.includes(`START RequestId: ${id}`));
    const end = lines.findIndex((l) => l.includes(`REPORT RequestId: ${id}`));
    assert.ok(start >= 0 && end > start, `START and REPORT of ${id}`);
    const block = lines.slice(start, end + 1);
    assert.ok(block.every((l) => l.split(' ')[2] === short), `the block of ${id} is contiguous:\n${block.join('\n')}`);
    assert.ok(block.some((l) => l.endsWith(`hello from ${id}`)));
    assert.match(lines[start], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} /);
  }
  assert.ok(lines.some((l) => / [0-9a-f]{8} INIT_START /.test(l)), 'environment lines are tagged with the environment');

  const failed = await invoke(lk.url, FN, { fail: true });
  const colour = await lambkin(['logs', FN, '--color', 'on']);
  assert.match(colour.stdout, /\x1b\[1m\x1b\[36mREPORT RequestId: /, 'REPORT lines stand out');
  assert.match(colour.stdout, new RegExp(`\\x1b\\[1m\\x1b\\[31mREPORT RequestId: ${failed.$metadata.requestId}.*Status: error`), 'failed REPORTs are red');
  assert.match(colour.stdout, /\x1b\[31mERROR: failing on purpose\x1b\[39m/, 'error lines are red');

  const filtered = await lambkin(['logs', FN, '--filter', '"tag"']);
  assert.equal(filtered.code, 0, filtered.stderr);
  assert.equal(filtered.stdout.trimEnd().split('\n').length, 2);
});

test('lambkin logs --follow prints new requests; --qualifier picks a version', { timeout: 180_000 }, async () => {
  const follow = start(process.execPath, [LAMBKIN, 'logs', FN, '--follow', '--interval', '300', '--endpoint-url', lk.url]);
  try {
    await eventually(() => follow.out().includes('event: {"first":1}'), 10_000, 'existing lines');
    const r = await invoke(lk.url, FN, { marker: 'lambkin-follow' });
    const id = r.$metadata.requestId!;
    await eventually(() => follow.out().includes(`REPORT RequestId: ${id}`), 10_000, 'the new request');
    assert.equal(follow.out().split(`START RequestId: ${id}`).length, 2);
  } finally {
    follow.child.kill('SIGTERM');
    await follow.exited;
  }

  await sdk(lk.url).send(new PublishVersionCommand({ FunctionName: FN }));
  const v1 = await invoke(lk.url, `${FN}:1`, { on: 'v1' });
  const only = await lambkin(['logs', FN, '--qualifier', '1']);
  assert.equal(only.code, 0, only.stderr);
  assert.match(only.stdout, new RegExp(`START RequestId: ${v1.$metadata.requestId} Version: 1`));
  assert.doesNotMatch(only.stdout, /Version: \$LATEST/);

  const missing = await lambkin(['logs', 'never-ran']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /log group \/aws\/lambda\/never-ran does not exist/);
});
