/**
 * What the bench's Postgres backends wait on: samples `pg_stat_activity` every few milliseconds
 * and prints, per wait event, the average number of active backends in it ("-:-" = running on a
 * CPU or waiting for one). Start it beside a bench run and skip the set-up phase, e.g.
 *
 *   node --import tsx bench/tools/pg-waits.ts 18 6    # sample 18 s, count from the 6th second
 *
 * It reads only the databases the bench makes (`gby_bench_*`), through DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres). docs/performance.md section 11 shows a reading.
 */
import pg from 'pg';
import { ADMIN_DATABASE_URL } from '../lib/pg.js';

const [seconds = '15', skip = '0'] = process.argv.slice(2);
const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
await client.connect();
const start = Date.now() + Number(skip) * 1000;
const end = Date.now() + Number(seconds) * 1000;
const byWait = new Map<string, number>();
let samples = 0;
while (Date.now() < end) {
  const r = await client.query<{ w: string }>(
    `SELECT coalesce(wait_event_type, '-') || ':' || coalesce(wait_event, '-') AS w
       FROM pg_stat_activity
      WHERE datname LIKE 'gby_bench%' AND state = 'active' AND pid <> pg_backend_pid()`,
  );
  if (Date.now() >= start) {
    samples++;
    for (const { w } of r.rows) byWait.set(w, (byWait.get(w) ?? 0) + 1);
  }
  await new Promise((resolve) => setTimeout(resolve, 3));
}
await client.end();
process.stdout.write(`${samples} samples; average active backends per wait event:\n`);
for (const [w, n] of [...byWait].sort((a, b) => b[1] - a[1])) process.stdout.write(`${w.padEnd(32)} ${(n / Math.max(1, samples)).toFixed(3)}\n`);
