/**
 * What this host can do for sandboxing: checked at start-up (to pick the mode and warn about what
 * is missing) and printed by `lambkin doctor`.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { CONTROLLERS, controllerAvailable } from './cgroups.js';

export interface Capability {
  name: string;
  ok: boolean;
  detail: string;
  /** What a user loses without it. */
  loses: string;
}

const executable = (f: string): boolean => {
  try {
    accessSync(f, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export function probeCapabilities(): Capability[] {
  const root = process.getuid?.() === 0;
  const caps: Capability[] = [];
  caps.push({ name: 'root', ok: root, detail: root ? 'running as root' : `running as uid ${process.getuid?.()}`, loses: 'cgroups, network namespaces and loop mounts need root' });
  const bwrap = executable('/usr/bin/bwrap');
  caps.push({ name: 'bwrap', ok: bwrap, detail: bwrap ? versionOf('/usr/bin/bwrap') : 'not installed (apt-get install bubblewrap)', loses: 'filesystem, pid and user isolation' });
  caps.push({ name: 'setpriv', ok: executable('/usr/bin/setpriv'), detail: '/usr/bin/setpriv (util-linux)', loses: 'running functions as an unprivileged user' });
  caps.push({ name: 'nsenter', ok: executable('/usr/bin/nsenter'), detail: '/usr/bin/nsenter (util-linux)', loses: 'per-environment networks' });
  const userns = Number(readOr('/proc/sys/user/max_user_namespaces', '0')) > 0;
  caps.push({ name: 'user namespaces', ok: userns, detail: `max_user_namespaces=${readOr('/proc/sys/user/max_user_namespaces', '?').trim()}`, loses: 'unprivileged sandboxes' });
  for (const c of CONTROLLERS) {
    const ok = controllerAvailable(c);
    caps.push({ name: `cgroup v1 ${c}`, ok, detail: ok ? `/sys/fs/cgroup/${c}` : 'not mounted', loses: c === 'freezer' ? 'freezing idle environments' : `${c} limits` });
  }
  const loop = existsSync('/dev/loop-control') && executable('/usr/sbin/mkfs.ext4') && executable('/usr/sbin/debugfs');
  caps.push({ name: 'loop devices', ok: loop, detail: loop ? '/dev/loop-control, mkfs.ext4, debugfs' : 'missing /dev/loop-control, or mkfs.ext4/debugfs (e2fsprogs)', loses: 'a sized /tmp that is not charged as memory' });
  const helper = executable('/usr/bin/python3');
  caps.push({ name: 'host helper', ok: helper, detail: helper ? '/usr/bin/python3 (runs the mount and loop-device helper)' : 'no /usr/bin/python3 (apt-get install python3)', loses: 'mounting code into sandboxes' });
  const ip = executable('/usr/sbin/ip') || executable('/sbin/ip');
  caps.push({ name: 'netns', ok: ip, detail: ip ? 'ip (iproute2)' : 'ip not installed (apt-get install iproute2)', loses: 'network isolation between environments' });
  const nft = executable('/usr/sbin/nft');
  caps.push({ name: 'nftables', ok: nft, detail: nft ? 'nft' : 'not installed (apt-get install nftables)', loses: 'outbound network access from sandboxes' });
  return caps;
}

/** The capabilities the bwrap mode cannot work without. */
export const REQUIRED_FOR_BWRAP = [
  'root', 'bwrap', 'setpriv', 'nsenter', 'user namespaces', 'cgroup v1 memory', 'cgroup v1 cpu', 'cgroup v1 cpuacct',
  'cgroup v1 pids', 'cgroup v1 freezer', 'loop devices', 'host helper', 'netns', 'nftables',
];

export function missingForBwrap(caps: Capability[]): Capability[] {
  return caps.filter((c) => REQUIRED_FOR_BWRAP.includes(c.name) && !c.ok);
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function versionOf(bin: string): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', env: {} });
  return (r.stdout || bin).trim();
}
