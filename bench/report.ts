/** bench/RESULTS.md: every figure with its ratio to the floor measured in the same run. */
import type { Results } from './main.js';
import type { Stats } from './http-client.js';
import { renderEvents } from './events.js';

const f = (n: number | undefined, d = 3) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(d));

/** Profile-guided changes and what they bought (from --cpu-prof profiles and before/after runs). */
const POOLED = (kind: string): boolean => kind === 'nodejs' || kind === 'python' || kind.startsWith('provided');

const OPTIMISATIONS = [
  'Warm path (server CPU profile: per-invoke SIGSTOP/SIGCONT or freezer writes 12.5%, three randomBytes calls for the trace id 4.3%, cgroup/proc file open+read+close 3.7%): answer before writing END/REPORT unless the log tail is wanted, metrics after the response, trace ids from a pooled random buffer, freeze only after 2 ms of idleness, cgroup files kept open. Warm invoke with the static C runtime 0.42 → 0.29 ms (plain), 0.32 ms sandboxed.',
  'Prewarmed generic environments (runtime started and connected, code assigned at first use): cold start of a Python function ~35 → ~9.5 ms, Node ~45 → ~13 ms (sandboxed, end to end through the Invoke API).',
  'Binding the code into a prewarmed sandbox with a long-lived mount helper (two mount syscalls) instead of spawning mount(8), and refilling the pool after the cold start instead of during it (its spawns blocked the event loop): prewarmed Python cold start 15–20 → 9.5 ms.',
  'Not freezing pooled generic environments (nothing of a function runs there yet; the Node runtime finishes warming its ESM loader): prewarmed Node cold start 18 → 13 ms.',
  'Python bootstrap: `-S`, and `_socket`/`_json` instead of `socket`/`json`/`http.client`: ready in ~8.6 ms from spawn instead of ~34 ms; precompiling the (read-only) runtime saves ~10 ms per cold start.',
  'Node bootstrap: CommonJS entry, and the Runtime API spoken on the raw TCP binding instead of `net`: ready ~21.8 ms from spawn (`node -e 0` is ~20 ms), −4 ms against `net`.',
  'Pooled cold start, traced with timestamps from server and runtime on one clock: the Node generic runtime deleted and rewrote TZ on assignment, and Node re-detects the time zone for that (3–10 ms in the sandbox): now only changed keys are written (Init Duration 7 → 4 ms). The assignment now goes out before the code is mounted, so the runtime\'s wake-up and preparation overlap the mount; the parked Node runtime rehearses loading and invoking a built-in handler so V8 has compiled that code; cgroup writes that change nothing are skipped, the rest happen after the event is sent. Pooled cold start 0.5 s after a configuration change: Node 11.3 → 8.4 ms, Python 10.6 → 8.2 ms p50 (at a time when the idle floor was ~3 ms).',
  '/tmp disks as a sparse copy of a once-formatted template, attached with LOOP_CONFIGURE and mount(2) by the host helper, instead of running mkfs.ext4, mount -o loop and umount per disk (~40 ms of CPU each): 50 concurrent cold invocations 1.75–1.84 → 1.49–1.62 s.',
  'Custom runtimes from the prewarmed pool: a stem (`python3 -S`, parked in GET /next in a ready sandbox) takes the assignment and execve()s /var/task/bootstrap, so the sandbox\'s creation is off the cold path: static C runtime cold start 16.6 → 5.8 ms sandboxed (plain process: 5.2), bash+curl 37 → 29 ms.',
  'The floor is measured across a process boundary like a real invoke; an in-process server measured 0.085 ms, which no real invoke can reach.',
];

function targets(r: Results): string[] {
  const floor = r.floor.start;
  const warm = (kind: string) => r.warm.find((w) => w.mode === 'sandboxed' && w.kind === kind)?.stats;
  const cold = (kind: string, pool: boolean) => r.cold.find((c) => c.mode === 'sandboxed' && c.kind === kind && c.pool === pool && !c.idleMs)?.stats;
  const rows: [string, string, number | undefined, (v: number) => boolean, string][] = [
    ['warm p50 / floor, sandboxed Node', '≤ 1.5×', warm('nodejs') && warm('nodejs')!.p50 / floor.p50, (v) => v <= 1.5, '×'],
    ['warm p50 / floor, sandboxed Python', '≤ 1.5×', warm('python') && warm('python')!.p50 / floor.p50, (v) => v <= 1.5, '×'],
    ['warm p99 / floor, sandboxed Node', '≤ 3×', warm('nodejs') && warm('nodejs')!.p99 / floor.p99, (v) => v <= 3, '×'],
    ['warm p99 / floor, sandboxed Python', '≤ 3×', warm('python') && warm('python')!.p99 / floor.p99, (v) => v <= 3, '×'],
    ['cold start p50, Node, prewarmed pool', '≤ 10 ms', cold('nodejs', true)?.p50, (v) => v <= 10, ' ms'],
    ['cold start p50, Python, prewarmed pool', '≤ 10 ms', cold('python', true)?.p50, (v) => v <= 10, ' ms'],
    ['cold start p50, Node, no pool', '≤ 50 ms', cold('nodejs', false)?.p50, (v) => v <= 50, ' ms'],
    ['cold start p50, Python, no pool', '≤ 35 ms', cold('python', false)?.p50, (v) => v <= 35, ' ms'],
    ['50 environments up', '≤ 2000 ms', r.scaleOut?.ms, (v) => v <= 2000, ' ms'],
    ['warm invocations/s (best of 1–64 clients)', '≥ 3000', r.throughput.length ? Math.max(...r.throughput.map((t) => t.perSecond)) : undefined, (v) => v >= 3000, '/s'],
    ['freeze + thaw p50', '≤ 1 ms', r.freezer?.both.p50, (v) => v <= 1, ' ms'],
  ];
  const idle = (kind: string) => r.cold.find((c) => c.mode === 'sandboxed' && c.kind === kind && c.pool && c.idleMs)?.stats;
  const idleNote = r.floor.idle
    ? [
        '',
        `Cold starts with the pool after ${r.floor.idleMs} ms of machine idle (not a target; see Cold start): Node ${f(idle('nodejs')?.p50, 1)} ms, Python ${f(idle('python')?.p50, 1)} ms p50, where the floor after the same idle is ${f(r.floor.idle.p50, 1)} ms.`,
      ]
    : [];
  return [
    '| figure | target | this run | |',
    '|---|---|---|---|',
    ...rows.map(([name, target, v, ok, unit]) => `| ${name} | ${target} | ${v === undefined ? '–' : `${v.toFixed(unit === '×' ? 2 : unit === ' ms' ? (v < 1 ? 3 : 1) : 0)}${unit}`} | ${v === undefined ? '' : ok(v) ? 'met' : '**missed**'} |`),
    ...idleNote,
  ];
}

export function renderReport(r: Results): string {
  const floor = r.floor.start;
  const ratio = (s: Stats | undefined, q: 'p50' | 'p90' | 'p99') => (s ? `${(s[q] / floor[q]).toFixed(2)}×` : '–');
  const L: string[] = [];
  L.push('# Lambkin benchmark results', '');
  L.push(`Generated by \`npm run bench${r.quick ? ' -- --quick' : ''}\`. Do not edit by hand; re-run to update.`, '');
  L.push('| machine | |', '|---|---|');
  for (const [k, v] of Object.entries(r.machine)) L.push(`| ${k} | ${v} |`);
  L.push('', '## Targets', '');
  L.push(...targets(r));
  L.push('', '## Floor', '');
  L.push('Two sequential keep-alive loopback HTTP round trips with node:http (client → server, server → runtime): what a warm invoke through a Runtime API must cost at least.', '');
  L.push('| when | n | p50 ms | p90 ms | p99 ms |', '|---|---|---|---|---|');
  L.push(`| start of run | ${floor.n} | ${f(floor.p50)} | ${f(floor.p90)} | ${f(floor.p99)} |`);
  if (r.floor.end) L.push(`| end of run | ${r.floor.end.n} | ${f(r.floor.end.p50)} | ${f(r.floor.end.p90)} | ${f(r.floor.end.p99)} |`);
  if (r.floor.idle) L.push(`| each after ${r.floor.idleMs} ms idle | ${r.floor.idle.n} | ${f(r.floor.idle.p50)} | ${f(r.floor.idle.p90)} | ${f(r.floor.idle.p99)} |`);
  L.push('', '## Warm invoke (Invoke API, one keep-alive client, 1769 MB = 1 vCPU)', '');
  L.push('| mode | runtime | n | p50 ms | p90 ms | p99 ms | p50 / floor | p99 / floor |', '|---|---|---|---|---|---|---|---|');
  for (const w of r.warm) {
    if (w.error) L.push(`| ${w.mode} | ${w.kind} | unavailable: ${w.error.replace(/\|/g, '/').slice(0, 120)} | | | | | |`);
    else L.push(`| ${w.mode} | ${w.kind} | ${w.stats!.n} | ${f(w.stats!.p50)} | ${f(w.stats!.p90)} | ${f(w.stats!.p99)} | ${ratio(w.stats, 'p50')} | ${ratio(w.stats, 'p99')} |`);
  }
  L.push('', '## Cold start (invoke with no environment → response)', '');
  L.push(
    'A configuration change retires the function\'s environments before each sample, as a deploy does; "Init Duration" is the REPORT line\'s. The prewarmed pool (2 generic environments per runtime family by default) serves Node, Python and custom runtimes (a stem that becomes the package\'s bootstrap). "In use": the invoke follows the configuration change at once (deploy → invoke); with the pool, each sample first waits until the pool has refilled (read off `/metrics`) and 100 ms more for the new runtimes\' own warm-up, so every sample takes a settled prewarmed environment.',
    '',
    `"After ${r.floor.idleMs ?? 500} ms idle": nothing runs on the machine between the change and the invoke. On this VM that costs every process it wakes: the host reclaims idle guest memory (\`kdamond\` pages out cold pages; /proc/vmstat counts the refaults), so the first round trips afterwards run several times slower. The floor sampled the same way, in this run: ${f(r.floor.idle?.p50, 2)} ms p50 (back-to-back: ${f(floor.p50)} ms).`,
    '',
  );
  L.push('"p50 / floor": against the back-to-back floor, or for samples after idle against the floor after the same idle.', '');
  L.push('| mode | runtime | prewarmed pool | when | n | p50 ms | p90 ms | max ms | p50 / floor | Init Duration p50 ms |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const c of r.cold) {
    const when = c.idleMs ? `after ${c.idleMs} ms idle` : 'in use';
    const base = c.idleMs ? r.floor.idle : floor;
    const vsFloor = c.stats && base ? `${(c.stats.p50 / base.p50).toFixed(1)}×` : '–';
    if (c.stats) L.push(`| ${c.mode} | ${c.kind} | ${c.pool ? 'yes' : 'no'} | ${when} | ${c.stats.n} | ${f(c.stats.p50, 1)} | ${f(c.stats.p90, 1)} | ${f(c.stats.p99, 1)} | ${vsFloor} | ${f(c.init?.p50, 1)} |`);
  }
  const sandboxCost = (kind: string) => {
    const sb = r.cold.find((c) => c.kind === kind && c.mode === 'sandboxed' && c.pool === POOLED(kind) && !c.idleMs)?.stats;
    const pl = r.cold.find((c) => c.kind === kind && c.mode === 'plain process')?.stats;
    const wsb = r.warm.find((w) => w.kind === kind && w.mode === 'sandboxed')?.stats;
    const wpl = r.warm.find((w) => w.kind === kind && w.mode === 'plain process')?.stats;
    return { cold: sb && pl ? sb.p50 - pl.p50 : undefined, warm: wsb && wpl ? wsb.p50 - wpl.p50 : undefined };
  };
  L.push('', '## What the sandbox costs', '');
  L.push('Sandboxed minus plain-process p50, same runtime, same run (positive = the sandbox is slower).', '');
  L.push('| runtime | cold start +ms | warm invoke +ms |', '|---|---|---|');
  for (const kind of [...new Set(r.cold.map((c) => c.kind))]) {
    const c = sandboxCost(kind);
    L.push(`| ${kind} | ${f(c.cold, 1)} | ${f(c.warm, 3)} |`);
  }
  if (r.freezer) {
    L.push('', `Freeze + thaw of an idle environment's cgroup (write FROZEN, wait for it, write THAWED, wait for it), n=${r.freezer.both.n}: p50 **${f(r.freezer.both.p50)} ms**, p99 ${f(r.freezer.both.p99)} ms (freeze p50 ${f(r.freezer.freeze.p50)}, thaw p50 ${f(r.freezer.thaw.p50)}). Lambkin freezes an environment 2 ms after it goes idle, so back-to-back invocations pay neither.`);
  }
  if (r.throughput.length) {
    L.push('', '## Throughput (sandboxed, Node echo, closed loop; the clients run on the same 2 cores)', '');
    L.push('The floor\'s own rate, one client doing its two round trips back to back: ' + `${Math.round(1000 / floor.p50)}/s.`, '');
    L.push('| clients | invokes/s | p50 ms | p99 ms | p50 / floor | p99 / floor |', '|---|---|---|---|---|---|');
    for (const t of r.throughput) L.push(`| ${t.clients} | ${Math.round(t.perSecond)} | ${f(t.p50)} | ${f(t.p99)} | ${(t.p50 / floor.p50).toFixed(2)}× | ${(t.p99 / floor.p99).toFixed(2)}× |`);
  }
  if (r.scaleOut) {
    L.push('', '## Scale-out', '', `${r.scaleOut.n} concurrent invocations of a fresh function (300 ms handler, Node): all answered after **${f(r.scaleOut.ms, 0)} ms**, from ${r.scaleOut.environments} distinct environments (the handler alone needs 300 ms).`);
  }
  if (r.events) L.push('', ...renderEvents(r.events));
  if (r.density) {
    L.push('', '## Density', '', `${r.density.environments} idle sandboxed Node environments (128 MB functions): **${f(r.density.perEnvMB, 1)} MB** of cgroup-charged memory each → about **${r.density.fitIn8GiB}** idle environments in 8 GiB.`);
  }
  if (r.deploy.length) {
    L.push('', '## Deploy (CreateFunction through the JS SDK, incompressible zip)', '', '| zip | ms |', '|---|---|');
    for (const d of r.deploy) L.push(`| ${d.sizeMB} MB | ${f(d.ms, 0)} |`);
  }
  L.push('', '## Peer', '');
  if (r.peer?.warm) {
    const node = r.warm.find((w) => w.kind === 'nodejs' && w.mode === 'sandboxed')?.stats;
    L.push(`${r.peer.name}: same echo handler, same client and payload. First invoke ${f(r.peer.firstMs, 1)} ms.`, '');
    L.push('| | p50 ms | p99 ms | p50 / floor |', '|---|---|---|---|');
    L.push(`| ${r.peer.name} | ${f(r.peer.warm.p50)} | ${f(r.peer.warm.p99)} | ${ratio(r.peer.warm, 'p50')} |`);
    if (node) L.push(`| Lambkin, sandboxed Node | ${f(node.p50)} | ${f(node.p99)} | ${ratio(node, 'p50')} |`);
  } else L.push(r.peer?.error ? `Not measured: ${r.peer.error}` : 'Not measured in this run (--quick).');
  L.push('', '## What each optimisation bought', '');
  L.push('Measured on this machine while building (before → after, p50), each with the rest of the system unchanged:', '');
  L.push(...OPTIMISATIONS.map((o) => `- ${o}`));
  if (r.notes.length) L.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return L.join('\n') + '\n';
}
