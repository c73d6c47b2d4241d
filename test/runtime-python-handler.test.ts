/** Python bootstrap: handler resolution, sys.path, environment (spec §6, §8). */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, RUNTIME_DIR, within, withRuntime } from './fixtures/python/harness.js';


test('a plain module handler echoes the event', async () => {
  await withRuntime({ handler: 'app.echo' }, async (rt) => {
    const r = await within(rt.invoke({ hello: 'world', n: [1, 2.5, null, true] }), 'invoke');
    assert.equal(r.kind, 'response');
    assert.equal(r.post.contentType, 'application/json');
    // simplejson's default separators, as AWS returns them.
    assert.equal(r.post.body.toString(), '{"hello": "world", "n": [1, 2.5, null, true]}');
    const r2 = await within(rt.invoke('just a string'), 'second invoke');
    assert.equal(r2.post.body.toString(), '"just a string"');
  });
});

test('handlers in packages (relative imports) and in plain nested directories', async () => {
  await withRuntime({ handler: 'pkg.sub.mod.handler' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.deepEqual(r.json, { module: 'pkg.sub.mod', sibling: 'from sibling' });
  });
  await withRuntime({ handler: 'nested/deeper/leaf.handler' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.deepEqual(r.json, { module: 'nested.deeper.leaf' });
  });
});

test('sys.path is task root, layer site-packages, /opt/python, runtime dir, then the stdlib; *.pth files work', async () => {
  const opt = path.join(FIXTURES, 'opt');
  await withRuntime({ handler: 'app.sys_path', env: { _LAMBKIN_OPT_DIR: opt } }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.kind, 'response', r.post.body.toString());
    const p: string[] = r.json.path;
    const root = path.join(FIXTURES, 'app');
    assert.deepEqual(p.slice(0, 4), [root, `${opt}/python/lib/python3.12/site-packages`, `${opt}/python`, RUNTIME_DIR]);
    assert.ok(p.includes('/usr/lib/python3.11'), 'stdlib present');
    assert.ok(!p.some((e) => e.endsWith('dist-packages')), 'no host dist-packages');
    assert.ok(p.includes(path.join(root, 'vendor')), 'task.pth processed');
    assert.equal(r.json.layerlib, 'layer site-packages');
    assert.equal(r.json.pth_module, 'vendored via .pth');
    assert.equal(r.json.argv0, 'bootstrap.py');
  });
});

test('a user PYTHONPATH replaces the layer dirs, as in AWS bootstrap.py', async () => {
  const extra = path.join(FIXTURES, 'app/vendor');
  const opt = path.join(FIXTURES, 'opt');
  await withRuntime({ handler: 'app.just_path', env: { PYTHONPATH: extra, _LAMBKIN_OPT_DIR: opt } }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.deepEqual(r.json.slice(0, 3), [path.join(FIXTURES, 'app'), RUNTIME_DIR, extra]);
    assert.ok(!r.json.some((e: string) => e.startsWith(opt)), r.json.join(':'));
  });
  await withRuntime({ handler: 'app.environment', env: { PYTHONPATH: extra } }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.json.PYTHONPATH, extra);
  });
  await withRuntime({ handler: 'pkg.sub.mod.handler', env: { PYTHONPATH: extra } }, async (rt) => {
    await within(rt.invoke({}), 'invoke');
  });
});

test('the handler sees Lambda env vars, without _LAMBDA_TELEMETRY_LOG_FD; cwd is the task root', async () => {
  await withRuntime({ handler: 'app.environment', env: { MY_VAR: 'mine' } }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    const env = r.json;
    assert.equal(env.MY_VAR, 'mine');
    assert.equal(env._HANDLER, 'app.environment');
    assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, 'pyfn');
    assert.equal(env.PYTHONPATH, RUNTIME_DIR);
    assert.equal(env._LAMBDA_TELEMETRY_LOG_FD, undefined);
    assert.equal(env.LAMBKIN_PREWARM, undefined);
    assert.equal(env._X_AMZN_TRACE_ID, undefined);
  });
  await withRuntime({ handler: 'app.state' }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.json.cwd, path.join(FIXTURES, 'app'));
    assert.equal(r.json.tz, 'UTC');
    // Nothing imported `logging`: it is only loaded when used.
    assert.equal(r.json.logging_loaded, false);
  });
});

test('the runtime also works when started without -S (host site dirs are dropped)', async () => {
  await withRuntime({ handler: 'app.sys_path', flags: [], env: { _LAMBKIN_OPT_DIR: path.join(FIXTURES, 'opt') } }, async (rt) => {
    const r = await within(rt.invoke({}), 'invoke');
    assert.equal(r.kind, 'response', r.post.body.toString());
    assert.ok(!r.json.path.some((e: string) => e.endsWith('dist-packages')), r.json.path.join(':'));
    assert.equal(r.json.path[0], path.join(FIXTURES, 'app'));
  });
});
