/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `npm run bench -- --only=relay --cpu-prof`):
 * self time by function and by package, and inclusive time of the given function names.
 *
 *   node --import tsx bench/tools/profile-summary.ts bench/results/server-relay-1.cpuprofile [top] [fn...]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  hitCount?: number;
}
const [file, topArg, ...fns] = process.argv.slice(2);
const prof = JSON.parse(readFileSync(file!, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const pct = (x: number) => ((100 * x) / total).toFixed(1).padStart(5) + '%';
const pkg = (url: string) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.includes('/dist/src/') || url.includes('/src/')) return 'app:' + (url.split(/\/(?:dist\/)?src\//)[1] ?? url);
  if (url.startsWith('node:')) return url;
  return url || '(native/gc/idle)';
};
const fnKey = (n: Node) => `${n.callFrame.functionName || '(anon)'} ${pkg(n.callFrame.url)}:${n.callFrame.lineNumber}`;
const agg = (key: (n: Node) => string) => {
  const m = new Map<string, number>();
  for (const [id, t] of self) {
    const k = key(byId.get(id)!);
    m.set(k, (m.get(k) ?? 0) + t);
  }
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
};
const top = Number(topArg ?? 30);
console.log(`total sampled ${(total / 1000).toFixed(0)} ms\n\n== self time by package ==`);
for (const [k, t] of agg((n) => (n.callFrame.url ? pkg(n.callFrame.url).replace(/^app:.*/, 'app') : n.callFrame.functionName || '(native)')).slice(0, top)) console.log(pct(t), k);
console.log('\n== self time by function ==');
for (const [k, t] of agg(fnKey).slice(0, top)) console.log(pct(t), k);
if (process.env.INCLUSIVE) {
  // Inclusive time per function (each sample counted once per function on its stack).
  const inc = new Map<string, number>();
  for (const [id, t] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (!n.callFrame.url) continue;
      const k = fnKey(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inc.set(k, (inc.get(k) ?? 0) + t);
    }
  }
  console.log('\n== inclusive time by function ==');
  for (const [k, t] of [...inc.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.INCLUSIVE))) console.log(pct(t), k);
}
if (fns.length) {
  console.log('\n== inclusive time ==');
  for (const f of fns) {
    let t = 0;
    for (const [id, s] of self) {
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        if (byId.get(cur)!.callFrame.functionName === f) {
          t += s;
          break;
        }
      }
    }
    console.log(pct(t), f);
  }
}
