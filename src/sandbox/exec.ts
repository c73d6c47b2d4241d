/** Runs a host tool (ip, mount, mkfs…) and resolves with its output; rejects with stderr on failure. */
import { execFile } from 'node:child_process';

export function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}
