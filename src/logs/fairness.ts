/**
 * How many bytes each log group may keep: at most its own budget (`groupMaxBytes`), and when all
 * groups together exceed the global cap, the cap is shared by water-filling: groups under the fair
 * level keep everything, the largest groups are cut down to that level. So a flooding group loses
 * its own old events before any other group loses one.
 */

export interface GroupSize {
  region: string;
  group: string;
  bytes: number;
}

export interface GroupTarget extends GroupSize {
  /** Bytes the group may keep. */
  keep: number;
}

export function fairShares(sizes: GroupSize[], maxBytes: number, groupMaxBytes: number): GroupTarget[] {
  const capped = sizes.map((s) => ({ ...s, keep: Math.min(s.bytes, groupMaxBytes) }));
  const total = capped.reduce((n, s) => n + s.keep, 0);
  if (total <= maxBytes) return capped;
  const ascending = [...capped].sort((a, b) => a.keep - b.keep);
  let remaining = Math.max(0, maxBytes);
  for (let i = 0; i < ascending.length; i++) {
    const level = remaining / (ascending.length - i);
    if (ascending[i].keep <= level) {
      remaining -= ascending[i].keep;
      continue;
    }
    // This group and every larger one get the level.
    const keep = Math.floor(level);
    for (let j = i; j < ascending.length; j++) ascending[j].keep = keep;
    break;
  }
  return capped;
}
