/**
 * Our bootstraps' generic (prewarmed) mode, as the platform side speaks it: the environment a generic
 * runtime starts with, and the two messages that assign it a function. The first answer to its
 * `GET /next` carries the function's environment (`Lambkin-Assign: 1`); the runtime prepares and asks
 * again; the second answer (`Lambkin-Code: ready`) says /var/task now holds the code.
 */
import type { NextEvent } from '../runtime-api/server.js';
import type { SandboxLayout } from '../sandbox/sandbox.js';
import { nodeBinDir } from './env-vars.js';

/** What a generic runtime starts with: no function, no credentials, only what its start-up needs. */
export function genericEnvironment(l: SandboxLayout, runtimeApi: string, plainProcess: boolean): Record<string, string> {
  return {
    PATH: `${plainProcess ? `${nodeBinDir()}:` : ''}/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin`,
    LANG: 'C.UTF-8',
    TZ: ':UTC',
    HOME: l.tmpDir,
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    LAMBDA_RUNTIME_DIR: l.runtimeDir,
    LAMBDA_TASK_ROOT: l.taskRoot,
    PYTHONPATH: l.runtimeDir,
    _LAMBDA_TELEMETRY_LOG_FD: '3',
    LAMBKIN_PREWARM: '1',
  };
}

export function assignMessage(deadlineInMs: number, env: Record<string, string>, cwd: string): NextEvent {
  return message(deadlineInMs, { 'Lambkin-Assign': '1' }, JSON.stringify({ env, cwd }));
}

export function codeReadyMessage(deadlineInMs: number): NextEvent {
  return message(deadlineInMs, { 'Lambkin-Code': 'ready' }, '');
}

function message(deadlineInMs: number, headers: Record<string, string>, body: string): NextEvent {
  return { requestId: 'lambkin-platform', deadlineMs: Date.now() + deadlineInMs, invokedFunctionArn: '', payload: Buffer.from(body), headers };
}
