/**
 * How long the bench's processes ran on a CPU, and how long they were ready to run but waited for
 * one, second by second: the kernel's per-thread scheduler counters (/proc/<pid>/task/<tid>/schedstat:
 * time on a CPU, time waiting on a run queue), summed per kind of process. On a machine where the
 * servers, Postgres, Redis and the load generator share two cores, the waiting column is the
 * queueing that every hop of a message pays (docs/performance.md section 12). Start it beside a
 * bench run, e.g.
 *
 *   node --import tsx bench/tools/run-queue.ts 45 > /tmp/run-queue.txt & node --import tsx bench/run.ts --only=twonode
 *
 * and read the seconds of the phase you want off the bench's own timestamps. Linux only.
 */
import { readdirSync, readFileSync } from 'node:fs';

const seconds = Number(process.argv[2] ?? 30);

const KINDS: Array<[string, (cmd: string) => boolean]> = [
  ['server', (c) => c.includes('dist/src/main.js')],
  ['peer', (c) => c.includes('bare-relay')],
  ['loadgen', (c) => c.includes('bench/load/worker.ts')],
  ['postgres', (c) => c.startsWith('postgres')],
  ['redis', (c) => c.includes('redis-server')],
];

const read = (p: string): string | null => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return null;
  }
};

function kindOf(pid: string): string | null {
  const cmd = read(`/proc/${pid}/cmdline`)?.replaceAll('\0', ' ');
  if (!cmd) return null;
  return KINDS.find(([, match]) => match(cmd))?.[0] ?? null;
}

/** Per thread: its kind, nanoseconds on a CPU, nanoseconds waiting for one. */
function snapshot(): Map<string, [string, number, number]> {
  const out = new Map<string, [string, number, number]>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const kind = kindOf(pid);
    if (!kind) continue;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const s = read(`/proc/${pid}/task/${tid}/schedstat`)?.split(' ');
      if (s) out.set(`${pid}/${tid}`, [kind, Number(s[0]), Number(s[1])]);
    }
  }
  return out;
}

let prev = snapshot();
for (let i = 0; i < seconds; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  const cur = snapshot();
  const sums = new Map<string, [number, number]>();
  for (const [id, [kind, run, wait]] of cur) {
    const before = prev.get(id);
    if (!before) continue;
    const s = sums.get(kind) ?? [0, 0];
    s[0] += run - before[1];
    s[1] += wait - before[2];
    sums.set(kind, s);
  }
  prev = cur;
  const ms = (ns: number) => Math.round(ns / 1e6);
  const cols = [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([k, [run, wait]]) => `${k} run ${ms(run)} wait ${ms(wait)}`);
  process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${cols.join('  |  ')}\n`);
}
