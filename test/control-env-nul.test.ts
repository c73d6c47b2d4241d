/**
 * An environment variable value with a NUL in it: refused by CreateFunction and
 * UpdateFunctionConfiguration (no process can carry it), and one already stored by an older server
 * (written into the data dir by hand here) does not make the function's invokes fail: the function
 * starts without that variable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { startLambkin, type Lambkin } from './helpers/server.js';
import { ROLE, sdk } from './helpers/clients.js';
import { bashRuntime, createFunction, invoke } from './helpers/functions.js';
import { expectSdkError } from './helpers/control.js';

const NUL_MESSAGE = /^Lambda was unable to configure your environment variables because the environment variables you have provided contain the NUL character \(\\u0000\), which environment variable values cannot hold\. Keys with such values: BAD$/;
/** Limits this test is not about, generous for a busy machine. */
const GENEROUS = { LAMBKIN_INIT_TIMEOUT_MS: '60000' };
const PRINT_ENV = bashRuntime(`printf '"%s|%s"' "\${GOOD-unset}" "\${BAD-unset}"`);

describe('environment values with NUL', () => {
  let lk: Lambkin;
  let client: LambdaClient;
  let dataDir: string;

  before(async () => {
    lk = await startLambkin({ env: GENEROUS });
    dataDir = lk.dataDir;
    client = sdk(lk.url);
  });
  after(async () => {
    client?.destroy();
    await lk?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('CreateFunction and UpdateFunctionConfiguration refuse them (400 InvalidParameterValueException); nothing changes', async () => {
    const zip = await PRINT_ENV;
    await expectSdkError(
      client.send(new CreateFunctionCommand({
        FunctionName: 'nul-create', Runtime: 'provided.al2023', Handler: 'h', Role: ROLE, Code: { ZipFile: zip }, Timeout: 60,
        Environment: { Variables: { GOOD: 'yes', BAD: 'a\0b' } },
      })),
      'InvalidParameterValueException', 400, NUL_MESSAGE,
    );
    await expectSdkError(client.send(new GetFunctionConfigurationCommand({ FunctionName: 'nul-create' })), 'ResourceNotFoundException', 404, /^Function not found/);

    await createFunction(client, 'nul-update', zip, { Timeout: 60, Environment: { Variables: { GOOD: 'yes' } } });
    const before = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'nul-update' }));
    await expectSdkError(
      client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'nul-update', Environment: { Variables: { GOOD: 'yes', BAD: '\0' } } })),
      'InvalidParameterValueException', 400, NUL_MESSAGE,
    );
    const after = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'nul-update' }));
    assert.equal(after.RevisionId, before.RevisionId);
    assert.deepEqual(after.Environment?.Variables, { GOOD: 'yes' });
    const r = await invoke(client, 'nul-update');
    assert.equal(r.functionError, undefined, r.text);
    assert.equal(r.text, '"yes|unset"');
  });

  it('a NUL value stored by an older server: invokes still work, without that variable', { timeout: 120_000 }, async () => {
    await createFunction(client, 'nul-stored', await PRINT_ENV, { Timeout: 60, Environment: { Variables: { GOOD: 'yes', BAD: 'ok' } } });
    assert.equal((await invoke(client, 'nul-stored')).text, '"yes|ok"');
    await lk.stop({ keepData: true });
    const db = new Database(path.join(lk.dataDir, 'lambkin.db'));
    try {
      const row = db.prepare("SELECT config FROM versions WHERE name = 'nul-stored' AND version = '$LATEST'").get() as { config: string };
      const config = JSON.parse(row.config);
      config.Environment.Variables.BAD = 'x\0y';
      db.prepare("UPDATE versions SET config = ? WHERE name = 'nul-stored' AND version = '$LATEST'").run(JSON.stringify(config));
    } finally {
      db.close();
    }
    client.destroy();
    lk = await startLambkin({ dataDir: lk.dataDir, env: GENEROUS });
    client = sdk(lk.url);
    for (let i = 0; i < 2; i++) {
      const r = await invoke(client, 'nul-stored');
      assert.equal(r.status, 200);
      assert.equal(r.functionError, undefined, r.text);
      assert.equal(r.text, '"yes|unset"');
    }
  });
});
