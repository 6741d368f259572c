/**
 * The load generator: one process (pinned to its own core by bench/run.ts) that runs one task
 * against servers started by the orchestrator and writes its result as JSON.
 *
 *   node --import tsx bench/load/worker.ts <task.json> <result.json>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { anonLogin, benchReset, benchStats, register, type AnonUser, type BenchStats } from '../lib/api.js';
import { connectNsp, SioConnection, type NamespaceSocket } from '../lib/sio-lite.js';
import { pool, Samples, sleep } from '../lib/stats.js';
import { closePairs, fixedRate, listen, saturation, setupPairs, type RelayTarget } from './relay.js';

type Task =
  | { kind: 'relay'; target: RelayTarget; pairs: number; window: number; warmupMs: number; saturationMs: number; rate: number; fixedMs: number }
  | { kind: 'idle'; url: string; peer: boolean; sockets: number }
  | { kind: 'matchmaking'; url: string; users: number; rate: number; warmupMs: number; durationMs: number; holdMs: [number, number]; abandon: number }
  | { kind: 'storage'; databaseUrl: string; rooms: number; concurrency: number; durationMs: number }
  | { kind: 'auth'; url: string; members: number; password: string; connections: number; phaseMs: number; relay: { pairs: number; rate: number } };

const [taskFile, outFile] = process.argv.slice(2);
const task = JSON.parse(readFileSync(taskFile!, 'utf8')) as Task;

async function relay(t: Extract<Task, { kind: 'relay' }>) {
  const p = await setupPairs(t.target, t.pairs);
  listen(p);
  const out: Record<string, unknown> = { pairs: t.pairs, setupMs: p.setupMs };
  if (t.saturationMs > 0) out.saturation = await saturation(p, t.target, t.window, t.warmupMs, t.saturationMs);
  if (t.fixedMs > 0) {
    await sleep(500);
    out.fixed = { rate: t.rate, ...(await fixedRate(p, t.target, t.rate, Math.min(t.warmupMs, 1000), t.fixedMs)) };
  }
  closePairs(p);
  return out;
}

/** Connects `sockets` authenticated /rooms sockets (one user each) and measures memory after GC. */
async function idle(t: Extract<Task, { kind: 'idle' }>) {
  const empty = await benchStats(t.url, true);
  const t0 = performance.now();
  const users: Array<AnonUser | null> = t.peer ? Array.from({ length: t.sockets }, () => null) : await pool(Array.from({ length: t.sockets }), 32, () => anonLogin(t.url));
  const loginMs = performance.now() - t0;
  await sleep(300);
  const before = await benchStats(t.url, true);
  const conns: SioConnection[] = [];
  const t1 = performance.now();
  await pool(users, 100, async (u, i) => {
    const { conn } = await connectNsp(t.url, '/rooms', u ? { token: u.centrifugo_token } : { room: `idle${i}` }, 60_000);
    conns.push(conn);
  });
  const connectMs = performance.now() - t1;
  await sleep(1000);
  const after = await benchStats(t.url, true);
  for (const c of conns) c.close();
  await sleep(1000);
  const closed = await benchStats(t.url, true);
  const per = (a: BenchStats | null, b: BenchStats | null, k: 'heapUsed' | 'rss' | 'external' | 'arrayBuffers') =>
    a && b ? Math.round(((b.memory[k] - a.memory[k]) / t.sockets / 1024) * 100) / 100 : null;
  return {
    sockets: t.sockets,
    usersCreatedBy: t.peer ? 'none (the peer has no users)' : 'anonymous login (POST /api/v1/auth/anon), one user per socket',
    loginsPerSec: t.peer ? null : Math.round((t.sockets * 1000) / loginMs),
    connectsPerSec: Math.round((t.sockets * 1000) / connectMs),
    socketsSeenByServer: after?.sockets ?? null,
    gcAvailable: after?.gc ?? false,
    heapKiBPerConn: per(before, after, 'heapUsed'),
    rssKiBPerConn: per(before, after, 'rss'),
    externalKiBPerConn: per(before, after, 'external'),
    heapUsedMiB: { empty: mib(empty?.memory.heapUsed), beforeConnect: mib(before?.memory.heapUsed), connected: mib(after?.memory.heapUsed), afterClose: mib(closed?.memory.heapUsed) },
    rssMiB: { empty: mib(empty?.memory.rss), beforeConnect: mib(before?.memory.rss), connected: mib(after?.memory.rss), afterClose: mib(closed?.memory.rss) },
  };
}
const mib = (b: number | undefined) => (b === undefined ? null : Math.round((b / 1048576) * 10) / 10);

/**
 * A burst of matchmaking joins at a fixed rate with churn: matched users stay a moment and leave
 * (which closes the room), some waiting users give up and leave the queue, and everybody comes
 * back for another round. Time to match: from `join` to the user's `matched` event.
 */
async function matchmaking(t: Extract<Task, { kind: 'matchmaking' }>) {
  const users = await pool(Array.from({ length: t.users }), 32, () => anonLogin(t.url));
  type U = { i: number; uid: string; mm: NamespaceSocket; state: 'idle' | 'waiting' | 'matched' | 'leaving'; joinedAt: number; abandoned: boolean; room: string | null };
  const us: U[] = [];
  await pool(users, 50, async (u, i) => {
    const { socket } = await connectNsp(t.url, '/matchmaking', { token: u.centrifugo_token });
    us[i] = { i, uid: u.uid, mm: socket, state: 'idle', joinedAt: 0, abandoned: false, room: null };
  });
  const ttm = new Samples();
  const ackMs = new Samples();
  const slowest: Array<[number, number]> = [];
  let measuring = false;
  let t0 = 0;
  const counts = { joins: 0, joinErrors: {} as Record<string, number>, matchedEvents: 0, abandoned: 0, matchedAfterLeave: 0, doubleMatchEvents: 0, starvedTicks: 0, leaves: 0 };
  const idleQ: U[] = [...us];
  let running = true;
  const rnd = (a: number, b: number) => a + Math.random() * (b - a);
  const backToIdle = (u: U) => {
    u.state = 'idle';
    u.room = null;
    if (running) idleQ.push(u);
  };
  const leave = (u: U) => {
    u.state = 'leaving';
    counts.leaves++;
    u.mm.emitWithAck('leave', {}).then(() => setTimeout(() => backToIdle(u), rnd(50, 300)), () => backToIdle(u));
  };
  for (const u of us) {
    u.mm.on('matched', (e: { room_id: string }) => {
      counts.matchedEvents++;
      if (u.state === 'matched' && u.room !== e.room_id) counts.doubleMatchEvents++;
      if (u.state === 'leaving' || u.abandoned) {
        counts.matchedAfterLeave++;
        return;
      }
      if (u.state !== 'waiting') return;
      if (measuring && u.joinedAt >= t0) {
        const ms = performance.now() - u.joinedAt;
        ttm.push(ms);
        slowest.push([Math.round(u.joinedAt - t0), Math.round(ms * 10) / 10]);
      }
      u.state = 'matched';
      u.room = e.room_id;
      setTimeout(() => u.state === 'matched' && leave(u), rnd(t.holdMs[0], t.holdMs[1]));
    });
  }
  const join = (u: U) => {
    u.state = 'waiting';
    u.abandoned = false;
    u.joinedAt = performance.now();
    counts.joins++;
    u.mm.emitWithAck('join', {}).then(
      (r: { ok: boolean; data?: { status: string }; error?: { code: string } }) => {
        if (measuring && u.joinedAt >= t0) ackMs.push(performance.now() - u.joinedAt);
        if (!r.ok) {
          counts.joinErrors[r.error?.code ?? '?'] = (counts.joinErrors[r.error?.code ?? '?'] ?? 0) + 1;
          backToIdle(u);
          return;
        }
        if (r.data?.status === 'waiting' && Math.random() < t.abandon) {
          setTimeout(() => {
            if (u.state !== 'waiting') return;
            u.abandoned = true;
            counts.abandoned++;
            leave(u);
          }, rnd(20, 200));
        }
      },
      () => backToIdle(u),
    );
  };
  const start = performance.now();
  let issued = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) * t.rate) / 1000) - issued;
    for (let k = 0; k < due; k++) {
      const u = idleQ.shift();
      if (!u) {
        counts.starvedTicks++;
        issued += due - k;
        break;
      }
      issued++;
      join(u);
    }
  }, 2);
  // Warm-up (JIT, the database pool's connections, a populated queue), then the measured window.
  await sleep(t.warmupMs);
  await benchReset(t.url);
  eld.reset();
  const counted = { ...counts, joinErrors: { ...counts.joinErrors } };
  t0 = performance.now();
  measuring = true;
  await sleep(t.durationMs);
  measuring = false;
  clearInterval(timer);
  const server = await benchStats(t.url);
  const loadgenEld = eldMs();
  running = false;
  await sleep(800);
  const stillWaiting = us.filter((u) => u.state === 'waiting' && !u.abandoned).length;
  // Everybody leaves: the run ends with no open rooms and nobody queued.
  await pool(us, 50, (u) => u.mm.emitWithAck('leave', {}).catch(() => undefined));
  const afterGc = await benchStats(t.url, true);
  slowest.sort((a, b) => b[1] - a[1]);
  return {
    heapAfterGcMiB: mib(afterGc?.memory.heapUsed),
    users: t.users,
    rate: t.rate,
    warmupMs: t.warmupMs,
    durationMs: t.durationMs,
    joinsPerSec: Math.round(((counts.joins - counted.joins) * 1000) / t.durationMs),
    timeToMatchMs: ttm.summary(),
    joinAckMs: ackMs.summary(),
    slowestMatches: slowest.slice(0, 8).map(([at, ms]) => ({ joinedAtMs: at, ms })),
    measuredFrom: new Date(Date.now() - (performance.now() - t0)).toISOString(),
    ...counts,
    stillWaitingAtEnd: stillWaiting,
    loadgenEld,
    server,
  };
}

/**
 * Member logins at the configured bcrypt cost while a relay runs beside them. Phase 1: relay
 * only; phase 2: relay + logins (autocannon). The server's event-loop delay is read after each.
 */
async function auth(t: Extract<Task, { kind: 'auth' }>) {
  const ids = Array.from({ length: t.members }, () => `bench-${randomUUID().slice(0, 12)}@example.com`);
  const r0 = performance.now();
  const regs = await pool(ids, 4, (id) => register(t.url, id, t.password));
  const registerMs = performance.now() - r0;
  const bad = regs.filter((r) => r.status !== 200);
  if (bad.length) throw new Error(`register failed: ${JSON.stringify(bad[0])}`);

  const target: RelayTarget = { urls: [t.url], peer: false };
  const p = await setupPairs(target, t.relay.pairs);
  listen(p);
  const relayOnly = await fixedRate(p, target, t.relay.rate, 500, t.phaseMs);

  let k = 0;
  const bodies = ids.map((id) => JSON.stringify({ auth_method: 'credentials', login_id: id, credentials: { password: t.password, account_type: 'email' } }));
  const cannon = autocannon({
    url: `${t.url}/api/v1/auth/sessions`,
    connections: t.connections,
    duration: Math.ceil((t.phaseMs + 1500) / 1000),
    timeout: 30,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: bodies[k++ % bodies.length]! }) }],
  });
  const withLogins = await fixedRate(p, target, t.relay.rate, 1000, t.phaseMs);
  const c = await cannon;
  closePairs(p);
  return {
    members: t.members,
    registerPerSec: Math.round(((t.members * 1000) / registerMs) * 100) / 100,
    logins: {
      perSec: Math.round((c.requests.total / c.duration) * 100) / 100,
      total: c.requests.total,
      non2xx: c.non2xx,
      errors: c.errors,
      timeouts: c.timeouts,
      latencyMs: { p50: c.latency.p50, p99: c.latency.p99, max: c.latency.max },
      connections: t.connections,
    },
    relayOnly,
    relayWithLogins: withLogins,
  };
}

/** The load generator's own event-loop delay: a stalled load generator would look like a slow server. */
const eld = monitorEventLoopDelay({ resolution: 5 });
eld.enable();
const eldMs = () => ({ p99: Math.round(eld.percentile(99) / 1e4) / 100, max: Math.round(eld.max / 1e4) / 100 });

/**
 * Storage alone, without sockets: `concurrency` callers each insert messages one after another
 * through MessagesRepo.insertIfAllowed, with batching off (one awaited INSERT per message) and on
 * (the write coalescer). Rows per second and this process's CPU per row.
 */
async function storage(t: Extract<Task, { kind: 'storage' }>) {
  const { pino } = await import('pino');
  const { createDatabase } = await import('../../src/store/db.js');
  const { MessagesRepo } = await import('../../src/store/messages.repo.js');
  const { RoomsRepo } = await import('../../src/store/rooms.repo.js');
  const { UsersRepo } = await import('../../src/store/users.repo.js');
  const db = createDatabase({ databaseUrl: t.databaseUrl, dataDir: '/nonexistent', log: pino({ level: 'silent' }) });
  try {
    const users = new UsersRepo(db.knex);
    const rooms = new RoomsRepo(db.knex);
    const rs: Array<{ id: string; members: [string, string] }> = [];
    for (let i = 0; i < t.rooms; i++) {
      const a = randomUUID();
      const b = randomUUID();
      await users.insert({ id: a, kind: 'anon', platform: 'anonymous', name: 'a' });
      await users.insert({ id: b, kind: 'anon', platform: 'anonymous', name: 'b' });
      const id = randomUUID();
      await rooms.create(id, [a, b]);
      rs.push({ id, members: [a, b] });
    }
    const content = 'x'.repeat(100);
    const run = async (batch: boolean) => {
      const repo = new MessagesRepo(db.knex, { batch });
      let n = 0;
      let seq = 0;
      const deadline = performance.now() + t.durationMs;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: t.concurrency }, async (_, c) => {
          const r = rs[c % rs.length]!;
          while (performance.now() < deadline) {
            const row = await repo.insertIfAllowed({ roomId: r.id, senderId: r.members[c % 2]!, clientMsgId: `s${batch ? 1 : 0}-${c}-${seq++}`, content });
            if (row) n++;
          }
        }),
      );
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      return { rowsPerSec: Math.round((n * 1000) / ms), cpuUsPerRow: Math.round(((cpu.user + cpu.system) / n) * 10) / 10, writes: repo.writeStats() };
    };
    const off = await run(false);
    const on = await run(true);
    return { concurrency: t.concurrency, rooms: t.rooms, off, on, ratio: Math.round((on.rowsPerSec / off.rowsPerSec) * 100) / 100 };
  } finally {
    await db.close();
  }
}

async function main() {
  const started = performance.now();
  let result: unknown;
  switch (task.kind) {
    case 'relay':
      result = await relay(task);
      break;
    case 'idle':
      result = await idle(task);
      break;
    case 'matchmaking':
      result = await matchmaking(task);
      break;
    case 'auth':
      result = await auth(task);
      break;
    case 'storage':
      result = await storage(task);
      break;
  }
  writeFileSync(outFile!, JSON.stringify({ ok: true, wallMs: Math.round(performance.now() - started), result: { ...(result as object), loadgenEventLoopDelayMs: eldMs() } }));
  process.exit(0);
}

main().catch((e) => {
  writeFileSync(outFile!, JSON.stringify({ ok: false, error: String(e?.stack ?? e) }));
  process.exit(1);
});

