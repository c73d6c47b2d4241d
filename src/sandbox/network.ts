/**
 * Per-environment network namespaces: each environment gets its own netns with a veth pair (/30) and a
 * default route through the host, so it keeps outbound access while its Runtime API is reachable only
 * at its own host-side address. Creating one costs ~11 ms and removing ~38 ms, so they are pooled and
 * recycled (a dead environment leaves nothing running in its namespace).
 *
 * Host setup (once per server): ip_forward, and an nftables table that masquerades sandbox traffic,
 * refuses sandbox→host connections except to the Runtime API port, and drops sandbox→sandbox traffic.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync, unlinkSync, readdirSync } from 'node:fs';
import { run } from './exec.js';

export interface NetSlot {
  index: number;
  nsName: string;
  nsPath: string;
  hostIf: string;
  hostIp: string;
  peerIp: string;
}

const LOCK_DIR = '/run/lambkin';
/** 16 blocks of /20 in 10.201.0.0/16: 1024 environments each; one block per running server. */
const BLOCKS = 16;
const SLOTS_PER_BLOCK = 1024;

/** Claims a free address block with a pid lock file, so concurrent servers never share addresses. */
function claimBlock(): { block: number; release(): void } {
  mkdirSync(LOCK_DIR, { recursive: true });
  for (let block = 0; block < BLOCKS; block++) {
    const file = `${LOCK_DIR}/net-${block}.lock`;
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid && pid !== process.pid && isAlive(pid)) continue;
      try {
        unlinkSync(file);
      } catch {
        continue;
      }
    }
    // Written under a temporary name and linked into place: the lock never exists without its pid.
    const tmp = `${file}.${process.pid}`;
    try {
      writeFileSync(tmp, String(process.pid));
      linkSync(tmp, file);
      return { block, release: () => unlinkSync(file) };
    } catch {
      /* another server took it first */
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  throw new Error('no free sandbox network block (16 Lambkin servers already running?)');
}

/** Whether a process (a lock's owner) still runs. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const RUNTIME_API_PORT = 9001;

export class NetworkPool {
  private readonly block: number;
  private readonly releaseBlock: () => void;
  private readonly ready: NetSlot[] = [];
  private readonly inUse = new Set<number>();
  private next = 0;
  private filling?: Promise<void>;

  constructor(private readonly target = 8) {
    const claim = claimBlock();
    this.block = claim.block;
    this.releaseBlock = claim.release;
  }

  private prefix(): string {
    return `lk${this.block.toString(16)}`;
  }

  /** Removes namespaces and links of this block and of any block whose server is gone (crashed). */
  async cleanupStale(): Promise<void> {
    const orphaned = (b: number): boolean => {
      if (b === this.block) return true;
      const file = `${LOCK_DIR}/net-${b}.lock`;
      if (!existsSync(file)) return true;
      const pid = Number(readFileSync(file, 'utf8'));
      return !(pid && isAlive(pid));
    };
    const stale = (name: string): boolean => {
      const m = /^lk([0-9a-f])(?:-|h)\d+$/.exec(name);
      return !!m && orphaned(parseInt(m[1], 16));
    };
    const names = existsSync('/run/netns') ? readdirSync('/run/netns').filter(stale) : [];
    const links = (await run('ip', ['-o', 'link', 'show']))
      .split('\n')
      .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1])
      .filter((n): n is string => !!n && stale(n));
    const cmds = [...links.map((l) => `link del ${l}`), ...names.map((n) => `netns del ${n}`)];
    if (cmds.length) await run('ip', ['-force', '-batch', '-'], cmds.join('\n') + '\n').catch(() => undefined);
    // Locks of servers that are gone.
    for (let b = 0; b < BLOCKS; b++) {
      const file = `${LOCK_DIR}/net-${b}.lock`;
      if (b !== this.block && existsSync(file) && !isAlive(Number(readFileSync(file, 'utf8')))) rmSync(file, { force: true });
    }
  }

  private slotFor(index: number): NetSlot {
    // Slot i of block b: 10.201.(b*16 + i/64).(i%64*4) /30 → host .1, peer .2
    const third = this.block * 16 + Math.floor(index / 64);
    const fourth = (index % 64) * 4;
    return {
      index,
      nsName: `${this.prefix()}-${index}`,
      nsPath: `/run/netns/${this.prefix()}-${index}`,
      hostIf: `${this.prefix()}h${index}`,
      hostIp: `10.201.${third}.${fourth + 1}`,
      peerIp: `10.201.${third}.${fourth + 2}`,
    };
  }

  private async create(): Promise<NetSlot> {
    let index = this.next;
    while (this.inUse.has(index) || this.ready.some((s) => s.index === index)) index = (index + 1) % SLOTS_PER_BLOCK;
    this.next = (index + 1) % SLOTS_PER_BLOCK;
    this.inUse.add(index);
    const s = this.slotFor(index);
    const host = [
      `netns add ${s.nsName}`,
      `link add ${s.hostIf} type veth peer name eth0 netns ${s.nsName}`,
      `addr add ${s.hostIp}/30 dev ${s.hostIf}`,
      `link set ${s.hostIf} up`,
    ];
    const inside = [`addr add ${s.peerIp}/30 dev eth0`, 'link set eth0 up', 'link set lo up', `route add default via ${s.hostIp}`];
    try {
      await run('ip', ['-batch', '-'], host.join('\n') + '\n');
      await run('ip', ['-n', s.nsName, '-batch', '-'], inside.join('\n') + '\n');
    } catch (err) {
      this.inUse.delete(index);
      await this.remove(s).catch(() => undefined);
      throw err;
    }
    this.inUse.delete(index);
    return s;
  }

  private async remove(s: NetSlot): Promise<void> {
    await run('ip', ['-force', '-batch', '-'], `link del ${s.hostIf}\nnetns del ${s.nsName}\n`).catch(() => undefined);
  }

  /** A ready namespace (made now if the pool is empty). */
  async take(): Promise<NetSlot> {
    const slot = this.ready.pop() ?? (await this.create());
    this.inUse.add(slot.index);
    this.refill();
    return slot;
  }

  /** Back to the pool for the next environment. */
  release(slot: NetSlot): void {
    this.inUse.delete(slot.index);
    if (this.ready.length < this.target * 4) this.ready.push(slot);
    else void this.remove(slot);
  }

  refill(): void {
    if (this.filling || this.ready.length >= this.target) return;
    this.filling = (async () => {
      try {
        while (this.ready.length < this.target) this.ready.push(await this.create());
      } catch {
        /* try again on the next take */
      } finally {
        this.filling = undefined;
      }
    })();
  }

  async destroyAll(): Promise<void> {
    await this.filling;
    const slots = this.ready.splice(0);
    const cmds = slots.flatMap((s) => [`link del ${s.hostIf}`, `netns del ${s.nsName}`]);
    if (cmds.length) await run('ip', ['-force', '-batch', '-'], cmds.join('\n') + '\n').catch(() => undefined);
    await this.cleanupStale().catch(() => undefined);
    try {
      this.releaseBlock();
    } catch {
      /* already gone */
    }
  }
}

const NFT_RULES = (port: number) => `
table inet lambkin {
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "lk*" ct state established,related accept
    iifname "lk*" tcp dport ${port} accept
    iifname "lk*" drop
  }
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname "lk*" oifname "lk*" drop
  }
}
table ip lambkin_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr 10.201.0.0/16 oifname != "lk*" masquerade
  }
}
`;

/** Host routing and filtering for sandbox networks (idempotent; shared by all servers on the host). */
export async function setupHostNetwork(port = RUNTIME_API_PORT): Promise<void> {
  writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
  const reset = 'add table inet lambkin\ndelete table inet lambkin\nadd table ip lambkin_nat\ndelete table ip lambkin_nat\n';
  await run('nft', ['-f', '-'], reset + NFT_RULES(port));
}

/** Removes the nftables rules if no other server's network block is still claimed. */
export async function teardownHostNetwork(): Promise<void> {
  const others = existsSync(LOCK_DIR) ? readdirSync(LOCK_DIR).filter((f) => /^net-\d+\.lock$/.test(f)) : [];
  if (others.length > 0) return;
  await run('nft', ['-f', '-'], 'add table inet lambkin\ndelete table inet lambkin\nadd table ip lambkin_nat\ndelete table ip lambkin_nat\n').catch(() => undefined);
}
