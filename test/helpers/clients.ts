/** The real AWS clients, pointed at a test server: the aws CLI (v1), boto3 scripts, and the JS SDK. */
import { execFile } from 'node:child_process';
import { LambdaClient } from '@aws-sdk/client-lambda';

export const CREDS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDLAMBKINTEST',
  AWS_SECRET_ACCESS_KEY: 'lambkin-test-secret',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PAGER: '',
};

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { env: { ...process.env, ...CREDS_ENV, ...opts.env }, cwd: opts.cwd, maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** `aws --endpoint-url URL --region R <args>` with the AWS CLI on PATH (v1). */
export function aws(url: string, args: string[], opts: { region?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  return run('aws', ['--endpoint-url', url, '--region', opts.region ?? 'us-east-1', ...args], opts);
}

/**
 * Runs a Python script with boto3. The script gets `lambda_client` (and `logs_client`) bound to the
 * server, plus `URL`; it should print JSON on stdout.
 */
export async function boto3(url: string, script: string, opts: { region?: string } = {}): Promise<CliResult> {
  const prelude = [
    'import boto3, json, os, sys, base64, time',
    'from botocore.config import Config',
    `URL = ${JSON.stringify(url)}`,
    `REGION = ${JSON.stringify(opts.region ?? 'us-east-1')}`,
    "_cfg = Config(retries={'max_attempts': 1}, read_timeout=900)",
    "lambda_client = boto3.client('lambda', endpoint_url=URL, region_name=REGION, config=_cfg)",
    "logs_client = boto3.client('logs', endpoint_url=URL, region_name=REGION, config=_cfg)",
    '',
  ].join('\n');
  return run('python3', ['-c', prelude + script]);
}

export function sdk(url: string, region = 'us-east-1'): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region,
    credentials: { accessKeyId: CREDS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: CREDS_ENV.AWS_SECRET_ACCESS_KEY },
    maxAttempts: 1,
  });
}

export const ROLE = 'arn:aws:iam::000000000000:role/lambkin-test';
