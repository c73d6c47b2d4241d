/** Wall-clock time in IANA time zones, with DST gaps and overlaps made explicit. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The local wall-clock time of `instant` in `tz`, as milliseconds-as-if-UTC. */
export function wallOf(instant: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(instant))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) + (instant % 1000 + 1000) % 1000;
}

/** The instants whose local time in `tz` is `wall`: none in a DST gap, two in an overlap (earlier first). */
export function instantsOf(wall: number, tz: string): number[] {
  const out = new Set<number>();
  for (const probe of [wall - 14 * 3600_000, wall + 14 * 3600_000]) {
    const offset = wallOf(probe, tz) - probe;
    const t = wall - offset;
    if (wallOf(t, tz) === wall) out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}
