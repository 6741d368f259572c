/**
 * What the message insert costs Postgres under concurrency, part by part. Makes a scratch
 * database with the real migrations and 50 rooms of two members, then for each statement below
 * runs `CONNS` connections (default 8) in a closed loop for `SECS` seconds (default 8), each
 * statement carrying `BATCH` messages (default 2) for different random rooms, and prints the
 * messages per second and the Postgres backends' CPU per message (from /proc/<pid>/stat, so
 * Postgres must run on this machine). `ROUNDS` (default 2) repeats the set, interleaved.
 *
 *   node --import tsx bench/tools/pg-statement-cost.ts
 *
 * - `ours`: the repository's statement (src/store/messages.repo.ts): room lock, seq, duplicate and
 *   membership checks;
 * - `plain`: a plain multi-row INSERT into `messages`;
 * - `checks`: the insert with the open-room, membership and duplicate checks, no lock;
 * - `lock`: the insert behind the ordered FOR UPDATE of the rooms, no checks, no counter;
 * - `lockbump`: the same plus advancing `rooms.last_seq`.
 * docs/performance.md section 11 shows a reading. The database is dropped at the end.
 */
import { randomUUID, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import knexLib from 'knex';
import pg from 'pg';
import { migrationSource } from '../../db/migrations/index.js';
import { INSERT_SQL } from '../../src/store/messages.repo.js';
import { toPgPlaceholders } from '../../src/store/prepared.js';
import { databaseUrl, withAdmin } from '../lib/pg.js';

const CONNS = Number(process.env.CONNS ?? 8);
const SECS = Number(process.env.SECS ?? 8);
const BATCH = Number(process.env.BATCH ?? 2);
const ROUNDS = Number(process.env.ROUNDS ?? 2);

const V = `WITH v AS (SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(ord, room_id, sender_id, client_msg_id, content))`;
const LOCK = `lk AS MATERIALIZED (SELECT id, last_seq FROM rooms WHERE id IN (SELECT room_id FROM v) AND closed_at IS NULL ORDER BY id FOR UPDATE OF rooms)`;
const INTO = `INSERT INTO messages (room_id, sender_id, client_msg_id, content, seq)`;
const STATEMENTS: Record<string, string> = {
  ours: toPgPlaceholders(INSERT_SQL),
  plain: `${V} ${INTO} SELECT room_id, sender_id, client_msg_id, content, nextval('messages_id_seq')::int FROM v RETURNING id`,
  checks: `${V} ${INTO} SELECT v.room_id, v.sender_id, v.client_msg_id, v.content, nextval('messages_id_seq')::int FROM v
    JOIN rooms r ON r.id = v.room_id AND r.closed_at IS NULL JOIN room_members mb ON mb.room_id = v.room_id AND mb.user_id = v.sender_id
    WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_id = v.room_id AND m.sender_id = v.sender_id AND m.client_msg_id = v.client_msg_id) RETURNING id`,
  lock: `${V}, ${LOCK} ${INTO} SELECT v.room_id, v.sender_id, v.client_msg_id, v.content, nextval('messages_id_seq')::int FROM v JOIN lk ON lk.id = v.room_id RETURNING id`,
  lockbump: `${V}, ${LOCK}, bump AS (UPDATE rooms r SET last_seq = r.last_seq + 1 FROM lk WHERE r.id = lk.id)
    ${INTO} SELECT v.room_id, v.sender_id, v.client_msg_id, v.content, lk.last_seq + 1 FROM v JOIN lk ON lk.id = v.room_id RETURNING id`,
};

type Room = { id: string; members: [string, string] };
const dbName = `gby_cost_${randomBytes(4).toString('hex')}`;
const dbUrl = databaseUrl(dbName);
const cpuTicks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
};

async function setup(): Promise<Room[]> {
  const kx = knexLib({ client: 'pg', connection: dbUrl });
  try {
    await kx.migrate.latest({ migrationSource });
    const rooms: Room[] = [];
    for (let i = 0; i < 50; i++) {
      const room: Room = { id: randomUUID(), members: [randomUUID(), randomUUID()] };
      await kx('users').insert(room.members.map((id) => ({ id, kind: 'anon', platform: 'anonymous' })));
      await kx('rooms').insert({ id: room.id });
      await kx('room_members').insert(room.members.map((user_id) => ({ room_id: room.id, user_id })));
      rooms.push(room);
    }
    return rooms;
  } finally {
    await kx.destroy();
  }
}

async function measure(rooms: Room[], text: string): Promise<{ perSec: number; cpuUsPerMessage: number }> {
  const conns = await Promise.all(
    Array.from({ length: CONNS }, async () => {
      const c = new pg.Client({ connectionString: dbUrl });
      await c.connect();
      return { c, pid: (await c.query<{ p: number }>('SELECT pg_backend_pid() AS p')).rows[0]!.p };
    }),
  );
  let messages = 0;
  let stop = false;
  const name = `cost_${randomBytes(4).toString('hex')}`;
  const loop = async (c: pg.Client) => {
    while (!stop) {
      const cols: [number[], string[], string[], string[], string[]] = [[], [], [], [], []];
      const picked = new Set<number>();
      while (picked.size < BATCH) picked.add(Math.floor(Math.random() * rooms.length));
      [...picked].forEach((ri, j) => {
        const r = rooms[ri]!;
        cols[0].push(j);
        cols[1].push(r.id);
        cols[2].push(r.members[j % 2]!);
        cols[3].push(randomUUID());
        cols[4].push('x'.repeat(100));
      });
      await c.query({ name, text, values: cols });
      messages += BATCH;
    }
  };
  try {
    const cpu0 = conns.reduce((a, x) => a + cpuTicks(x.pid), 0);
    const t0 = Date.now();
    const loops = conns.map((x) => loop(x.c));
    await new Promise((r) => setTimeout(r, SECS * 1000));
    stop = true;
    await Promise.all(loops);
    const cpu1 = conns.reduce((a, x) => a + cpuTicks(x.pid), 0);
    // /proc counts in clock ticks of 10 ms.
    return { perSec: Math.round((messages * 1000) / (Date.now() - t0)), cpuUsPerMessage: Math.round(((cpu1 - cpu0) * 10_000) / messages) };
  } finally {
    await Promise.all(conns.map((x) => x.c.end()));
  }
}

await withAdmin((c) => c.query(`CREATE DATABASE ${dbName}`));
try {
  const rooms = await setup();
  const results: Record<string, string[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, text] of Object.entries(STATEMENTS)) {
      const r = await measure(rooms, text);
      (results[label] ??= []).push(`${r.perSec} msg/s, ${r.cpuUsPerMessage} µs`);
    }
  }
  process.stdout.write(`${CONNS} connections, ${BATCH} messages per statement, ${SECS} s each; Postgres CPU per message:\n`);
  for (const [label, rs] of Object.entries(results)) process.stdout.write(`${label.padEnd(9)} ${rs.join('  |  ')}\n`);
} finally {
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName}`));
}
