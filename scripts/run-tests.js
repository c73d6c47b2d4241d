#!/usr/bin/env node
// `npm test`: build, then run every compiled test file with node:test, in parallel.
// Extra arguments select test files by substring, e.g. `npm test -- control`.
// The whole run has a time limit (LAMBKIN_TEST_TIMEOUT_MIN, default 20): past it, the files still running
// are named and everything the run started (its process group: test files, their servers) is stopped.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

function find(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return find(p);
    return p.endsWith('.test.js') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = find(path.join(root, 'dist/test'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Sandboxed tests are CPU-bound: more files at once than cores only makes each of them slower.
const concurrency = process.env.LAMBKIN_TEST_CONCURRENCY ?? String(Math.max(2, availableParallelism() + 1));
const limitMin = Number(process.env.LAMBKIN_TEST_TIMEOUT_MIN ?? 20);
const progressDir = mkdtempSync(path.join(tmpdir(), 'lambkin-test-run-'));
const progressFile = path.join(progressDir, 'progress');

const child = spawn(
  process.execPath,
  [
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=tap',
    '--test-reporter-destination=stdout',
    `--test-reporter=${path.join(root, 'scripts/test-progress.mjs')}`,
    `--test-reporter-destination=${progressFile}`,
    ...files,
  ],
  // Its own process group, so an overrun can stop everything the run started.
  { stdio: 'inherit', detached: true, env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } },
);

/** Files started and not ended, with how long they have run. */
function stillRunning() {
  const started = new Map();
  const text = existsSync(progressFile) ? readFileSync(progressFile, 'utf8') : '';
  for (const line of text.split('\n')) {
    const m = /^(start|end) (\d+) (.+)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'start') started.set(m[3], Number(m[2]));
    else started.delete(m[3]);
  }
  return [...started].map(([file, at]) => `  ${path.relative(root, file)} (running for ${Math.round((Date.now() - at) / 1000)} s)`);
}

const signalGroup = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
};
let timedOut = false;
const timer = setTimeout(() => {
  timedOut = true;
  console.error(`\nnpm test: the run exceeded ${limitMin} min; still running:\n${stillRunning().join('\n') || '  (none recorded)'}`);
  signalGroup('SIGTERM');
  setTimeout(() => signalGroup('SIGKILL'), 15_000).unref();
}, limitMin * 60_000);
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => signalGroup(s));

child.on('exit', (code, signal) => {
  clearTimeout(timer);
  rmSync(progressDir, { recursive: true, force: true });
  process.exit(timedOut ? 1 : (code ?? (signal ? 1 : 0)));
});
