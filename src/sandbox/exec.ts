/** Runs a host tool (ip, mount, mkfs…) off the event loop, via the host helper; rejects with its stderr. */
import { existsSync } from 'node:fs';
import { hostHelper, spawnRun } from './host-helper.js';

const helperUsable = existsSync('/usr/bin/python3');

export function run(cmd: string, args: string[], input?: string): Promise<string> {
  return helperUsable ? hostHelper.run(cmd, args, input) : spawnRun(cmd, args, input);
}
