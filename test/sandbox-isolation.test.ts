/**
 * The sandbox as a hostile function sees it: what it can read, write, signal, fork, allocate and
 * reach; and that every resource an environment took is given back. Needs root and the sandbox
 * prerequisites (the server must come up in bwrap mode; the test fails otherwise).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { sdk } from './helpers/clients.js';
import { bashRuntime, createFunction, invoke } from './helpers/functions.js';
import type { LambdaClient } from '@aws-sdk/client-lambda';

/** A function that runs the shell command it is sent (base64 in a JSON string) and returns its output. */
const SHELL = bashRuntime(`
  CMD=$(printf '%s' "\${EVENT//\\"/}" | base64 -d)
  bash -c "$CMD" 2>&1
  echo "rc=$?"
`);

let server: Lambkin;
let client: LambdaClient;

async function sh(fn: string, command: string) {
  return invoke(client, fn, Buffer.from(command).toString('base64'));
}

describe('sandbox isolation', { concurrency: false }, () => {
  before(async () => {
    server = await startLambkin();
    assert.match(server.output(), /sandbox: bubblewrap/, `server is not sandboxed:\n${server.output()}`);
    client = sdk(server.url);
    const zip = await SHELL;
    await createFunction(client, 'probe', zip, { MemorySize: 1769, Timeout: 20 });
    await createFunction(client, 'small', zip, { MemorySize: 128, Timeout: 60 });
    await createFunction(client, 'other', zip, { MemorySize: 1769, Timeout: 20 });
    await createFunction(client, 'cpu', zip, { MemorySize: 512, Timeout: 20 });
    await createFunction(client, 'bomb', zip, { MemorySize: 1769, Timeout: 120 });
    await createFunction(client, 'bomb-left', zip, { MemorySize: 1769, Timeout: 10 });
  });

  after(async () => {
    client?.destroy();
    await server?.stop();
  });

  it('sees only its own filesystem: no host secrets, no data dir, read-only code and system', async () => {
    const r = await sh('probe', [
      'cat /etc/shadow',
      `ls ${server.dataDir}`,
      'ls /root',
      'ls /var/task',
      'touch /var/task/x',
      'touch /usr/x',
      'touch /etc/x',
      'touch /tmp/ok && echo tmp-writable',
      'id -u',
      'echo "nofile=$(ulimit -n)"',
      'ls /',
    ].join('; '));
    assert.equal(r.functionError, undefined);
    assert.match(r.text, /cat: \/etc\/shadow: No such file or directory/);
    assert.match(r.text, new RegExp(`ls: cannot access '${server.dataDir}': No such file or directory`));
    assert.match(r.text, /ls: cannot access '\/root': No such file or directory/);
    assert.match(r.text, /\nbootstrap\n/);
    assert.match(r.text, /touch: cannot touch '\/var\/task\/x': Read-only file system/);
    assert.match(r.text, /touch: cannot touch '\/usr\/x': Read-only file system/);
    assert.match(r.text, /touch: cannot touch '\/etc\/x': Read-only file system/);
    assert.match(r.text, /tmp-writable/);
    assert.match(r.text, /\n993\n/);
    assert.match(r.text, /nofile=1024\n/);
    assert.doesNotMatch(r.text, /\nhome\n|\nroot\n|\nwork\n/);
  });

  it('sees no host environment variables', async () => {
    const r = await sh('probe', 'env');
    assert.doesNotMatch(r.text, /NODE_EXTRA_CA_CERTS|PYENV|HOSTNAME=vm|SSH_|LAMBKIN_/);
    assert.match(r.text, /AWS_LAMBDA_FUNCTION_NAME=probe/);
  });

  it('sees only its own processes and cannot signal the host', async () => {
    const r = await sh('probe', `ls /proc | grep -c '^[0-9]'; kill -0 ${server.proc.pid}; echo kill=$?`);
    const visible = Number(/^(\d+)/.exec(r.text)?.[1]);
    assert.ok(visible > 0 && visible <= 8, `visible pids: ${visible}\n${r.text}`);
    assert.match(r.text, /No such process/);
    assert.match(r.text, /kill=1/);
  });

  it('bounds a fork bomb at pids.max and leaves the host unaffected', async () => {
    // Forks until pids.max stops it, then (so that the runtime can post its answer) kills what it forked.
    const bomb = `python3 -c '
import os, signal, time
kids = []
while True:
    try:
        pid = os.fork()
    except OSError as e:
        print("fork failed after", len(kids), type(e).__name__)
        break
    if pid == 0:
        os.closerange(0, 3)
        time.sleep(600)
        os._exit(0)
    kids.append(pid)
for pid in kids:
    os.kill(pid, signal.SIGKILL)
for pid in kids:
    os.waitpid(pid, 0)
'`;
    const r = await sh('bomb', bomb);
    const m = /fork failed after (\d+) BlockingIOError/.exec(r.text);
    assert.ok(m, r.text);
    assert.ok(Number(m[1]) > 900 && Number(m[1]) < 1024, r.text);
    // A bomb that leaves its children behind exhausts the environment: it can't fork its runtime's next
    // curl, so that invocation may time out; the environment is then replaced, and the host (and this
    // server) never notice.
    const left = await sh('bomb-left', bomb.replace(/for pid in kids:[\s\S]*'$/, "'"));
    if (left.functionError) assert.equal(JSON.parse(left.text).errorType, 'Sandbox.Timedout', left.text);
    const next = await sh('bomb-left', 'echo alive');
    if (next.functionError) assert.equal(JSON.parse(next.text).errorType, 'Sandbox.Timedout', next.text);
    const again = await sh('bomb-left', 'echo alive');
    assert.equal(again.functionError, undefined, again.text);
    assert.match(again.text, /alive/);
  });

  it('gives /tmp exactly its EphemeralStorage size (ENOSPC), not charged as memory', async () => {
    const r = await sh('small', 'dd if=/dev/zero of=/tmp/fill bs=1M count=700 2>&1 | grep -v records; stat -c size=%s /tmp/fill; rm -f /tmp/fill');
    assert.equal(r.functionError, undefined, r.text);
    assert.match(r.text, /No space left on device/);
    const size = Number(/size=(\d+)/.exec(r.text)?.[1]);
    const quota = 512 * 1024 * 1024;
    assert.ok(size > quota * 0.95 && size < quota * 1.05, `wrote ${size} bytes`);
  });

  it('kills an environment that goes over MemorySize with Runtime.OutOfMemory; the next invocation works', async () => {
    const r = await sh('small', `python3 -c 'b = bytearray(300 * 1024 * 1024); print(len(b))'`);
    assert.equal(r.functionError, 'Unhandled', r.text);
    assert.equal(JSON.parse(r.text).errorType, 'Runtime.OutOfMemory');
    assert.match(r.log, /Status: error\tError Type: Runtime\.OutOfMemory/);
    assert.match(r.log, /Max Memory Used: 12[0-9] MB|Max Memory Used: 128 MB/);
    const next = await sh('small', 'echo recovered');
    assert.equal(next.functionError, undefined);
    assert.match(next.text, /recovered/);
  });

  it('gives CPU in proportion to memory (512 MB ≈ 29% of a vCPU)', async () => {
    const r = await sh('cpu', `python3 -c '
import time
t, c = time.time(), time.process_time()
while time.time() - t < 2:
    pass
print("share=%.3f" % ((time.process_time() - c) / (time.time() - t)))
'`);
    const share = Number(/share=([\d.]+)/.exec(r.text)?.[1]);
    const expected = 512 / 1769;
    // The ceiling holds whatever else the machine does (a busy host can only push the share lower)…
    assert.ok(share > 0 && share <= expected * 1.2, `CPU share ${share}, expected at most ${expected.toFixed(3)} +20%`);
    // …and it is the cgroup quota that holds it there: the environment's group has that quota and was throttled.
    const key = createHash('sha256').update(server.dataDir).digest('hex').slice(0, 10);
    const groups = readdirSync(`/sys/fs/cgroup/cpu/lambkin/${key}`, { withFileTypes: true }).filter((e) => e.isDirectory());
    const quotas = groups.map((g) => {
      const dir = `/sys/fs/cgroup/cpu/lambkin/${key}/${g.name}`;
      const throttled = Number(/nr_throttled (\d+)/.exec(readFileSync(`${dir}/cpu.stat`, 'utf8'))?.[1]);
      return { quota: Number(readFileSync(`${dir}/cpu.cfs_quota_us`, 'utf8')), throttled };
    });
    const cpuEnv = quotas.find((q) => q.quota === Math.round((100_000 * 512) / 1769));
    assert.ok(cpuEnv && cpuEnv.throttled > 0, `no throttled environment with the 512 MB quota: ${JSON.stringify(quotas)}`);
  });

  it("cannot reach another environment's Runtime API, nor the host's loopback; reaches Lambkin through its own endpoint", async () => {
    const other = await sh('other', 'echo "api=$AWS_LAMBDA_RUNTIME_API"');
    const addr = /api=(\S+)/.exec(other.text)?.[1];
    assert.ok(addr, other.text);
    const r = await sh('probe', [
      `echo "mine=$AWS_LAMBDA_RUNTIME_API"`,
      `curl -sS -m 3 http://${addr}/2018-06-01/runtime/invocation/next; echo "other=$?"`,
      `curl -sS -m 3 http://127.0.0.1:${server.port}/2015-03-31/functions; echo "loopback=$?"`,
      `curl -sS -m 3 "$AWS_ENDPOINT_URL/2015-03-31/functions/probe/configuration" | grep -o '"FunctionName":"probe"'; echo "endpoint=$?"`,
    ].join('; '));
    assert.notEqual(/mine=(\S+)/.exec(r.text)?.[1], addr);
    assert.match(r.text, /other=(52|56|7)\b/, r.text);
    assert.match(r.text, /loopback=7\b/, r.text);
    assert.match(r.text, /"FunctionName":"probe"\nendpoint=0/, r.text);
  });

  it('freezes idle environments: a background loop does not run between invocations', async () => {
    await sh('probe', 'rm -f /tmp/ticks; (while true; do date +%s%N >> /tmp/ticks; sleep 0.05; done) >/dev/null 2>&1 & echo started');
    // Margins for a busy machine (the freeze follows the answer within milliseconds on a quiet one).
    const idleFrom = Date.now() + 1000;
    await new Promise((r) => setTimeout(r, 4000));
    const idleTo = Date.now() - 500;
    const r = await sh('probe', 'cat /tmp/ticks');
    const ticks = r.text.split('\n').filter((l) => /^\d{19}$/.test(l)).map((l) => Number(BigInt(l) / 1_000_000n));
    assert.ok(ticks.length > 0, r.text);
    const duringIdle = ticks.filter((t) => t > idleFrom && t < idleTo);
    assert.equal(duringIdle.length, 0, `${duringIdle.length} ticks while idle`);
  });

  it('leaves no process, cgroup, mount, loop device or network namespace behind', async () => {
    const key = createHash('sha256').update(server.dataDir).digest('hex').slice(0, 10);
    const locks = existsSync('/run/lambkin') ? readdirSync('/run/lambkin') : [];
    const block = locks
      .filter((f) => /^net-\d+\.lock$/.test(f))
      .find((f) => readFileSync(`/run/lambkin/${f}`, 'utf8').trim() === String(server.proc.pid))
      ?.match(/net-(\d+)/)?.[1];
    assert.ok(block !== undefined, 'server holds a network block');
    await server.stop({ keepData: true });
    for (const c of ['memory', 'cpu', 'cpuacct', 'pids', 'freezer']) {
      assert.equal(existsSync(`/sys/fs/cgroup/${c}/lambkin/${key}`), false, `${c} cgroup left`);
    }
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(server.dataDir) || l.includes(`/run/lambkin/${key}`));
    assert.deepEqual(mounts, []);
    assert.equal(existsSync(`/run/lambkin/${key}`), false, 'staging dir left');
    const { execFileSync } = await import('node:child_process');
    assert.equal(execFileSync('losetup', ['-a'], { encoding: 'utf8' }).includes(server.dataDir), false);
    const prefix = `lk${Number(block).toString(16)}-`;
    const netns = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(prefix)) : [];
    assert.deepEqual(netns, []);
    assert.equal(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(server.dataDir), false, 'a process still refers to the data dir');
    const { rmSync } = await import('node:fs');
    rmSync(server.dataDir, { recursive: true, force: true });
  });
});

describe('sandbox recovery', () => {
  it('a restarted server removes what a SIGKILLed one left: processes, cgroups, mounts, namespaces', async () => {
    const first = await startLambkin();
    const dataDir = first.dataDir;
    const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 10);
    const c = sdk(first.url);
    await createFunction(c, 'left', await SHELL, { MemorySize: 256 });
    // One environment frozen while idle (frozen tasks survive their parent's death until thawed).
    // A sleeper no other test (nor another run on this host) starts: its argv is unique.
    const sleeper = `sleep 300.${process.pid}${Date.now() % 100000}`;
    await sh2(c, 'left', `${sleeper} & echo started`);
    await new Promise((r) => setTimeout(r, 100));
    c.destroy();
    await first.kill('SIGKILL');
    const groupsOf = () =>
      existsSync(`/sys/fs/cgroup/memory/lambkin/${key}`)
        ? readdirSync(`/sys/fs/cgroup/memory/lambkin/${key}`, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)
        : [];
    const left = groupsOf();
    assert.ok(left.length > 0, 'the crash left cgroups behind');
    const second = await startLambkin({ dataDir });
    try {
      assert.match(second.output(), /cleaned up after an earlier run/);
      const stale = groupsOf().filter((g) => left.includes(g));
      assert.deepEqual(stale, [], 'stale environment cgroups removed');
      const c2 = sdk(second.url);
      const r = await sh2(c2, 'left', 'echo fresh');
      assert.match(r.text, /fresh/);
      c2.destroy();
    } finally {
      await second.stop();
    }
    const { execFileSync } = await import('node:child_process');
    assert.equal(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(sleeper), false, 'the frozen sleeper was killed');
    const { rmSync } = await import('node:fs');
    rmSync(dataDir, { recursive: true, force: true });
  });
});

describe('sandbox recovery across data dirs', () => {
  it("any server cleans up after another data dir's server that was SIGKILLed", async () => {
    const a = await startLambkin();
    const keyA = createHash('sha256').update(a.dataDir).digest('hex').slice(0, 10);
    const c = sdk(a.url);
    await createFunction(c, 'orphan', await SHELL, { MemorySize: 256 });
    await sh2(c, 'orphan', 'echo frozen-soon');
    await new Promise((r) => setTimeout(r, 100));
    c.destroy();
    await a.kill('SIGKILL');
    assert.ok(existsSync(`/sys/fs/cgroup/freezer/lambkin/${keyA}`), 'A left its frozen environment behind');
    const b = await startLambkin();
    try {
      assert.match(b.output(), /cleaned up after \d+ Lambkin server\(s\) that died without shutting down/);
      assert.equal(existsSync(`/sys/fs/cgroup/freezer/lambkin/${keyA}`), false);
      assert.equal(existsSync(`/run/lambkin/${keyA}`), false);
      assert.equal(readFileSync('/proc/mounts', 'utf8').includes(`/run/lambkin/${keyA}`), false);
    } finally {
      await b.stop();
      const { rmSync } = await import('node:fs');
      rmSync(a.dataDir, { recursive: true, force: true });
    }
  });
});

async function sh2(c: LambdaClient, fn: string, command: string) {
  return invoke(c, fn, Buffer.from(command).toString('base64'));
}
