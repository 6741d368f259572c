/**
 * The benchmark orchestrator: `npm run bench` (quick) or `npm run bench -- --full`.
 *
 * It builds the server if the build is stale, creates a database of its own on DATABASE_URL's
 * Postgres and a Redis key prefix of its own, then for each scenario starts the server
 * (`node dist/src/main.js`, pinned to core 0) or the bare peer, and a load generator
 * (bench/load/worker.ts, pinned to core 1) that drives it over loopback. It prints a markdown
 * table and writes bench/results/latest.json (and latest-<mode>.json). Whatever happens, it kills
 * its processes, drops its database and deletes its Redis keys.
 *
 * The exit code reflects correctness under load only (no lost or failed message, no double match,
 * every socket connected, no failed login), never speed: the targets are reported, not asserted.
 *
 * Options: --full; --only=relay,peer,batch,idle,match,auth,twonode (writes partial-<mode>.json);
 * --keep-going (a failing scenario does not stop the others); --cpu-prof (servers write V8 CPU
 * profiles to bench/results/, summarised by bench/tools/profile-summary.ts); --build (force a build).
 * Env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), REDIS_URL
 * (default redis://127.0.0.1:6379); BENCH_VERBOSE=1 shows the children's output;
 * BENCH_PARAMS='{"saturationMs":10000}' overrides sizes; BENCH_NODE_FLAGS adds node flags to
 * servers and peers; BENCH_SERVER_ENV='{"MESSAGE_WRITE_BATCH":"off"}' adds server settings;
 * BENCH_SERVER_ROOT runs the server built in another checkout (before/after comparisons);
 * BENCH_PEER_PG=1 makes the bare peer write each message to Postgres (a diagnostic peer); BENCH_PEER_PG=seq
 * also numbers each room's messages under the room's row lock.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { CPUS, PIN, ROOT, LOADGEN_CPU, SERVER_CPU, freePort, onInterrupt, start, waitReady, type Child } from './lib/proc.js';
import { databaseUrl, withAdmin } from './lib/pg.js';

const argv = process.argv.slice(2);
const FULL = argv.includes('--full');
const MODE = FULL ? 'full' : 'quick';
const ONLY = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? null;
const PROFILE = argv.includes('--cpu-prof');
const want = (s: string) => !ONLY || ONLY.includes(s);
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
/** Diagnostic: the bare peer also writes each message to Postgres (bench/peer/bare-relay.ts). */
const PEER_PG = process.env.BENCH_PEER_PG === '1' || process.env.BENCH_PEER_PG === 'seq';
/** Extra node flags for every server and peer process (BENCH_NODE_FLAGS). */
const NODE_FLAGS = process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : [];
/** For before/after comparisons: run the server built in another checkout (e.g. an export of HEAD). */
const SERVER_ROOT = process.env.BENCH_SERVER_ROOT || ROOT;

/** Scenario sizes per mode. */
const P = FULL
  ? { pairs: 100, window: 8, warmupMs: 3000, saturationMs: 15_000, rate: 2000, fixedMs: 20_000, idleSockets: 10_000, storageMs: 5000, mmRate: 300, mmWarmupMs: 3000, mmMs: 30_000, mmUsers: 1200, authMembers: 16, authConns: 8, authPhaseMs: 15_000, authRelayRate: 1000 }
  : { pairs: 50, window: 8, warmupMs: 1000, saturationMs: 3000, rate: 2000, fixedMs: 3000, idleSockets: 2000, storageMs: 1000, mmRate: 300, mmWarmupMs: 2000, mmMs: 4000, mmUsers: 600, authMembers: 4, authConns: 4, authPhaseMs: 3000, authRelayRate: 1000 };

// For experiments: BENCH_PARAMS='{"fixedMs":0}' overrides any of the sizes above.
Object.assign(P, JSON.parse(process.env.BENCH_PARAMS || '{}') as Partial<typeof P>);

/** One-minute load average when each scenario started: a busy machine (another job) shows here. */
const loadAtStart: Array<{ at: string; load1: number }> = [];
const log = (s: string) => {
  loadAtStart.push({ at: s.slice(0, 60), load1: Math.round(os.loadavg()[0]! * 100) / 100 });
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
};

// ---------------------------------------------------------------------------------------------
// Build (only when a source is newer than its output)

function newest(dir: string, ext: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}
function buildIfStale(): void {
  const out = path.join(ROOT, 'dist', 'src', 'main.js');
  let stale = true;
  try {
    const built = statSync(out).mtimeMs;
    stale = Math.max(newest(path.join(ROOT, 'src'), '.ts'), newest(path.join(ROOT, 'db'), '.ts')) > built;
    // main.js is only rewritten when it changes; any emitted file counts as the build time.
    if (stale) stale = Math.max(newest(path.join(ROOT, 'src'), '.ts'), newest(path.join(ROOT, 'db'), '.ts')) > newest(path.join(ROOT, 'dist', 'src'), '.js');
  } catch {
    stale = true;
  }
  if (!stale && !argv.includes('--build')) return;
  log('building the server (tsc -p tsconfig.json)');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

// ---------------------------------------------------------------------------------------------
// Database, Redis, processes

const RUN_ID = randomBytes(4).toString('hex');
const DB_NAME = `gby_bench_${RUN_ID}`;
const REDIS_PREFIX = `gbybench${RUN_ID}`;
const JWT_SECRET = randomBytes(32).toString('hex');
const TMP = mkdtempSync(path.join(os.tmpdir(), 'gby-bench-'));
const dbUrl = databaseUrl(DB_NAME);

const SERVER_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  DATABASE_URL: dbUrl,
  JWT_SECRET,
  DATA_DIR: path.join(TMP, 'data'),
  REDIS_PREFIX,
  BENCH_HOOKS: '1',
  // Generous limits: the load comes from one address and a few users send thousands of messages.
  RATE_ANON_LOGIN: '10000000/60',
  RATE_MATCH_JOIN: '10000000/60',
  RATE_MESSAGE_SEND: '10000000/60',
  RATE_AUTH_LOGIN: '10000000/60',
  RATE_AUTH_REGISTER: '10000000/60',
  RATE_AUTH_CLIENT: '10000000/60',
  RATE_ROOM_READ: '10000000/60',
  RATE_TYPING: '10000000/60',
  RATE_SOCKET_CONNECT: '10000000/60',
  MAX_SOCKETS_PER_ADDRESS: '1000000',
  HASH_QUEUE_PER_CLIENT: '1000',
  HASH_QUEUE_MAX: '100000',
  // For experiments: BENCH_SERVER_ENV='{"MESSAGE_WRITE_BATCH":"off"}' sets more server settings.
  ...(JSON.parse(process.env.BENCH_SERVER_ENV || '{}') as Record<string, string>),
};

const children = new Set<Child>();
let profileSeq = 0;

async function server(opts: { redis?: boolean; env?: Record<string, string>; name?: string } = {}): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const profDir = path.join(ROOT, 'bench', 'results');
  const args = ['--expose-gc', ...NODE_FLAGS, ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${opts.name ?? 'server'}-${++profileSeq}.cpuprofile`] : []), path.join(SERVER_ROOT, 'dist', 'src', 'main.js')];
  const child = start(opts.name ?? 'server', args, { ...SERVER_ENV, PORT: String(port), ...(opts.redis ? { REDIS_URL } : {}), ...(opts.env ?? {}) }, SERVER_CPU);
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child);
  return { url, child };
}

async function peer(opts: { redis?: boolean; name?: string } = {}): Promise<{ url: string; child: Child }> {
  const env = { PORT: '0', BENCH_HOOKS: '1', ...(opts.redis ? { REDIS_URL, REDIS_PREFIX: `${REDIS_PREFIX}:peer` } : {}), ...(PEER_PG ? { PEER_DATABASE_URL: dbUrl, PEER_PG_MODE: process.env.BENCH_PEER_PG! } : {}) };
  const child = start(opts.name ?? 'peer', ['--expose-gc', ...NODE_FLAGS, '--import', 'tsx', 'bench/peer/bare-relay.ts'], env, SERVER_CPU);
  children.add(child);
  const m = await child.waitFor(/^listening (\d+)/);
  const url = `http://127.0.0.1:${m[1]}`;
  await waitReady(url, child);
  return { url, child };
}

async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => c.stop()));
  children.clear();
}

let workerSeq = 0;
async function worker<T = any>(task: Record<string, unknown>, cpu: string = LOADGEN_CPU): Promise<T> {
  const n = ++workerSeq;
  const taskFile = path.join(TMP, `task-${n}.json`);
  const outFile = path.join(TMP, `result-${n}.json`);
  writeFileSync(taskFile, JSON.stringify(task));
  const child = start(`loadgen-${task.kind}`, ['--import', 'tsx', 'bench/load/worker.ts', taskFile, outFile], {}, cpu);
  await child.exited;
  let out: { ok: boolean; result?: T; error?: string };
  try {
    out = JSON.parse(readFileSync(outFile, 'utf8'));
  } catch {
    throw new Error(`load generator (${task.kind}) wrote no result:\n${child.output().slice(-4000)}`);
  }
  if (!out.ok) throw new Error(`load generator (${task.kind}) failed: ${out.error}`);
  return out.result!;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

type Json = Record<string, any>;
interface Entry {
  id: string;
  scenario: string;
  metrics: Json;
  peer?: Json;
  ratio?: number | null;
  target?: string;
  pass?: boolean | null;
  notes?: string;
}
const entries: Entry[] = [];
const raw: Json = {};
const r2 = (x: number) => Math.round(x * 100) / 100;

const relayTask = (urls: string[], isPeer: boolean, extra: Json = {}) => ({
  kind: 'relay',
  target: { urls, peer: isPeer },
  pairs: P.pairs,
  window: P.window,
  warmupMs: P.warmupMs,
  saturationMs: P.saturationMs,
  rate: P.rate,
  fixedMs: P.fixedMs,
  ...extra,
});

const serverCpuPerMsg = (phase: Json) => {
  const s = phase?.servers?.[0];
  if (!s || !phase.deliveredPerSec) return null;
  const cpuMs = s.cpuMs.user + s.cpuMs.system;
  const msgs = (phase.deliveredPerSec * phase.measuredMs) / 1000;
  return r2((cpuMs * 1000) / msgs);
};

async function relayScenarios(): Promise<void> {
  let ours: Json | null = null;
  if (want('relay') || want('peer') || want('batch') || want('twonode')) {
    log(`relay: one node, Postgres, batching on (${P.pairs} pairs)`);
    const s = await server({ name: 'server-relay' });
    const res: Json = await worker(relayTask([s.url], false));
    ours = res;
    await stopAll();
    raw.relay = res;
    const sat = res.saturation;
    const fx = res.fixed;
    entries.push({
      id: 'relay.throughput',
      scenario: '1. 1:1 relay, one node + Postgres: delivered msg/s at saturation',
      metrics: { deliveredPerSec: sat.deliveredPerSec, ackedPerSec: sat.ackedPerSec, latencyAtSaturationMs: sat.latencyMs, serverCpuUsPerMsg: serverCpuPerMsg(sat), lost: sat.lost, errors: sat.errors, pairs: P.pairs, windowPerUser: P.window },
      target: '>= 5000 msg/s',
      pass: sat.deliveredPerSec >= 5000,
    });
    entries.push({
      id: 'relay.latency',
      scenario: `1. 1:1 relay, one node + Postgres: end-to-end latency at ${P.rate} msg/s offered`,
      metrics: { offeredPerSec: P.rate, deliveredPerSec: fx.deliveredPerSec, latencyMs: fx.latencyMs, ackLatencyMs: fx.ackLatencyMs, lost: fx.lost, errors: fx.errors, serverEventLoopDelayP99Ms: fx.servers?.[0]?.eventLoopDelayMs?.p99 ?? null },
      target: 'p99 < 50 ms',
      pass: fx.latencyMs.p99 < 50 && fx.lost === 0,
    });
  }

  if (!ours) return;
  const base: Json = ours;

  if (want('peer')) {
    log('relay: bare Socket.IO peer');
    const p = await peer();
    const theirs = await worker(relayTask([p.url], true));
    await stopAll();
    raw.peer = theirs;
    const ratio = r2(base.saturation.deliveredPerSec / theirs.saturation.deliveredPerSec);
    entries.push({
      id: 'relay.vsPeer',
      scenario: '2. 1:1 relay vs the bare Socket.IO relay (bench/peer/bare-relay.ts): throughput',
      metrics: { deliveredPerSec: base.saturation.deliveredPerSec, latencyAt2000Ms: base.fixed.latencyMs },
      peer: { deliveredPerSec: theirs.saturation.deliveredPerSec, latencyAt2000Ms: theirs.fixed.latencyMs, serverCpuUsPerMsg: serverCpuPerMsg(theirs.saturation) },
      ratio,
      target: '>= 0.6x the peer',
      pass: ratio >= 0.6,
    });
  }

  if (want('batch')) {
    log('relay: one node, Postgres, batching OFF (one awaited insert per message)');
    const s = await server({ name: 'server-nobatch', env: { MESSAGE_WRITE_BATCH: 'off' } });
    const off = await worker(relayTask([s.url], false, { fixedMs: 0 }));
    await stopAll();
    raw.relayNoBatch = off;
    log('storage alone: MessagesRepo with batching off, then on (on the server core)');
    const store = await worker({ kind: 'storage', databaseUrl: dbUrl, rooms: 100, concurrency: 64, durationMs: P.storageMs }, SERVER_CPU);
    raw.storage = store;
    const ratio = r2(base.saturation.deliveredPerSec / off.saturation.deliveredPerSec);
    entries.push({
      id: 'persistence.batching',
      scenario: '3. Persistence: coalesced multi-row inserts vs one awaited INSERT per message (relay at saturation)',
      metrics: { batchOnPerSec: base.saturation.deliveredPerSec, batchOnCpuUsPerMsg: serverCpuPerMsg(base.saturation), batchOnP99At2000Ms: base.fixed.latencyMs.p99, storageOnlyRowsPerSec: store.on.rowsPerSec, storageOnlyCpuUsPerRow: store.on.cpuUsPerRow },
      peer: { batchOffPerSec: off.saturation.deliveredPerSec, batchOffCpuUsPerMsg: serverCpuPerMsg(off.saturation),  storageOnlyRowsPerSec: store.off.rowsPerSec, storageOnlyCpuUsPerRow: store.off.cpuUsPerRow },
      ratio,
      target: 'on/off ratio > 1 (storage is not the ceiling)',
      pass: ratio > 1,
      notes: 'peer column = MESSAGE_WRITE_BATCH=off',
    });
  }

  if (want('twonode')) {
    log('relay: two nodes over Redis, every pair split across them');
    const a = await server({ name: 'node-a', redis: true });
    const b = await server({ name: 'node-b', redis: true });
    const two = await worker(relayTask([a.url, b.url], false));
    await stopAll();
    raw.twoNodes = two;
    const ratio = r2(two.saturation.deliveredPerSec / base.saturation.deliveredPerSec);
    entries.push({
      id: 'relay.twoNodes',
      scenario: '7. Two nodes over Redis (sharded adapter), every pair split across the nodes (both nodes on core 0)',
      metrics: { deliveredPerSec: two.saturation.deliveredPerSec, latencyAt2000Ms: two.fixed.latencyMs, lost: two.fixed.lost + two.saturation.lost, errors: { ...two.saturation.errors, ...two.fixed.errors } },
      peer: { oneNodeDeliveredPerSec: base.saturation.deliveredPerSec, oneNodeLatencyAt2000Ms: base.fixed.latencyMs },
      ratio,
      target: 'report (ratio = two nodes / one node)',
      pass: null,
      notes: 'peer column = the one-node figure of scenario 1',
    });

    log('relay: the bare two-node peer (bare relay + the same sharded adapter on the same Redis)');
    const pa = await peer({ name: 'peer-a', redis: true });
    const pb = await peer({ name: 'peer-b', redis: true });
    const theirs = await worker(relayTask([pa.url, pb.url], true));
    await stopAll();
    raw.twoNodesPeer = theirs;
    const vsPeer = r2(two.saturation.deliveredPerSec / theirs.saturation.deliveredPerSec);
    const lat = two.fixed.latencyMs;
    entries.push({
      id: 'relay.twoNodesVsPeer',
      scenario: '8. Two nodes over Redis vs two bare relays on the same sharded adapter and Redis (pairs split, all on core 0)',
      metrics: { deliveredPerSec: two.saturation.deliveredPerSec, latencyAt2000Ms: lat },
      peer: { deliveredPerSec: theirs.saturation.deliveredPerSec, latencyAt2000Ms: theirs.fixed.latencyMs },
      ratio: vsPeer,
      target: `>= 0.8x the peer; p50 <= 3 ms and p99 <= 25 ms at ${P.rate} msg/s`,
      pass: vsPeer >= 0.8 && lat.p50 <= 3 && lat.p99 <= 25,
      notes: `ratio = ours / peer delivered msg/s at saturation${PEER_PG ? `; BENCH_PEER_PG=${process.env.BENCH_PEER_PG}: the peer writes each message to Postgres` : ''}`,
    });
  }
}

async function idleScenario(): Promise<void> {
  if (!want('idle')) return;
  log(`idle: ${P.idleSockets} authenticated sockets on one node`);
  const s = await server({ name: 'server-idle' });
  const ours = await worker({ kind: 'idle', url: s.url, peer: false, sockets: P.idleSockets });
  await stopAll();
  log(`idle: ${P.idleSockets} sockets on the bare peer`);
  const p = await peer();
  const theirs = await worker({ kind: 'idle', url: p.url, peer: true, sockets: P.idleSockets });
  await stopAll();
  raw.idle = { ours, peer: theirs };
  entries.push({
    id: 'idle.memory',
    scenario: `4. Idle capacity: ${P.idleSockets} authenticated /rooms sockets (websocket), one user each${FULL ? '' : ' (quick mode: fewer sockets)'}`,
    metrics: { sockets: ours.sockets, heapKiBPerConn: ours.heapKiBPerConn, rssKiBPerConn: ours.rssKiBPerConn, connectsPerSec: ours.connectsPerSec, heapUsedMiB: ours.heapUsedMiB, rssMiB: ours.rssMiB, usersCreatedBy: ours.usersCreatedBy, socketsSeenByServer: ours.socketsSeenByServer },
    peer: { heapKiBPerConn: theirs.heapKiBPerConn, rssKiBPerConn: theirs.rssKiBPerConn, heapUsedMiB: theirs.heapUsedMiB, rssMiB: theirs.rssMiB },
    ratio: theirs.heapKiBPerConn ? r2(ours.heapKiBPerConn / theirs.heapKiBPerConn) : null,
    target: '<= 15 KiB heap per connection',
    pass: ours.gcAvailable && ours.socketsSeenByServer?.['/rooms'] === ours.sockets && ours.heapKiBPerConn <= 15,
  });
}

/** No user may be in two rooms whose lifetimes overlap (open at the same time). */
async function doubleMatches(): Promise<{ overlapping: number; openRoomsPerUserMax: number; rooms: number }> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const overlap = await c.query(`
      SELECT count(*)::int AS n FROM room_members m1
        JOIN room_members m2 ON m2.user_id = m1.user_id AND m2.room_id > m1.room_id
        JOIN rooms r1 ON r1.id = m1.room_id
        JOIN rooms r2 ON r2.id = m2.room_id
       WHERE r1.created_at < COALESCE(r2.closed_at, 'infinity') AND r2.created_at < COALESCE(r1.closed_at, 'infinity')`);
    const open = await c.query(`
      SELECT COALESCE(max(n), 0)::int AS n FROM (
        SELECT m.user_id, count(*) AS n FROM room_members m JOIN rooms r ON r.id = m.room_id WHERE r.closed_at IS NULL GROUP BY m.user_id) x`);
    const rooms = await c.query('SELECT count(*)::int AS n FROM rooms');
    return { overlapping: overlap.rows[0].n, openRoomsPerUserMax: open.rows[0].n, rooms: rooms.rows[0].n };
  } finally {
    await c.end();
  }
}

async function matchScenarios(): Promise<void> {
  if (!want('match')) return;
  for (const redis of [false, true]) {
    log(`matchmaking: ${P.mmRate} joins/s for ${P.mmMs / 1000} s with churn, pool ${redis ? 'in Redis' : 'in process'}`);
    const s = await server({ name: `server-mm-${redis ? 'redis' : 'mem'}`, redis });
    const r = await worker({ kind: 'matchmaking', url: s.url, users: P.mmUsers, rate: P.mmRate, warmupMs: P.mmWarmupMs, durationMs: P.mmMs, holdMs: [100, 600], abandon: 0.1 });
    await stopAll();
    const check = await doubleMatches();
    raw[redis ? 'matchRedis' : 'matchMemory'] = { ...r, dbCheck: check };
    const limit = redis ? 150 : 100;
    entries.push({
      id: redis ? 'match.redis' : 'match.memory',
      scenario: `5. Matchmaking burst, ${P.mmRate} joins/s for ${P.mmMs / 1000} s with leave churn, pool ${redis ? 'in Redis' : 'in process'}: time to match`,
      metrics: {
        joinsPerSec: r.joinsPerSec,
        timeToMatchMs: r.timeToMatchMs,
        matchedEvents: r.matchedEvents,
        abandoned: r.abandoned,
        joinErrors: r.joinErrors,
        starvedTicks: r.starvedTicks,
        doubleMatchEvents: r.doubleMatchEvents,
        dbOverlappingRooms: check.overlapping,
        dbMaxOpenRoomsPerUser: check.openRoomsPerUserMax,
        serverEventLoopDelayP99Ms: r.server?.eventLoopDelayMs?.p99 ?? null,
      },
      target: `p99 < ${limit} ms, zero double matches`,
      pass: r.timeToMatchMs.p99 < limit && check.overlapping === 0 && r.doubleMatchEvents === 0 && Object.keys(r.joinErrors).length === 0,
    });
  }
}

async function authScenario(): Promise<void> {
  if (!want('auth')) return;
  log('auth: member logins at the configured bcrypt cost beside a relay');
  const s = await server({ name: 'server-auth' });
  const r = await worker({
    kind: 'auth',
    url: s.url,
    members: P.authMembers,
    password: 'correct horse battery staple',
    connections: P.authConns,
    phaseMs: P.authPhaseMs,
    relay: { pairs: 20, rate: P.authRelayRate },
  });
  await stopAll();
  raw.auth = r;
  const eld = (ph: Json) => ph.servers?.[0]?.eventLoopDelayMs ?? null;
  entries.push({
    id: 'auth.logins',
    scenario: `6. Member logins (POST /api/v1/auth/sessions) at BCRYPT_COST=${SERVER_ENV.BCRYPT_COST ?? 12}, beside a ${P.authRelayRate} msg/s relay`,
    metrics: {
      loginsPerSec: r.logins.perSec,
      loginLatencyMs: r.logins.latencyMs,
      non2xx: r.logins.non2xx,
      registerPerSec: r.registerPerSec,
      eventLoopDelayMs: { relayOnly: eld(r.relayOnly), relayWithLogins: eld(r.relayWithLogins) },
      relayLatencyMs: { relayOnly: r.relayOnly.latencyMs, relayWithLogins: r.relayWithLogins.latencyMs },
    },
    target: 'event-loop delay p99 stays low while hashing',
    pass: (eld(r.relayWithLogins)?.p99 ?? Infinity) < 50 && r.logins.non2xx === 0,
  });
}

// ---------------------------------------------------------------------------------------------
// Correctness under load: what must hold whatever the speed (the exit code depends on these only)

function invariants(): string[] {
  const bad: string[] = [];
  const relayOk = (name: string, phase: Json | undefined) => {
    if (!phase) return;
    if (phase.lost > 0) bad.push(`${name}: ${phase.lost} acknowledged messages never reached the partner`);
    if (Object.keys(phase.errors ?? {}).length) bad.push(`${name}: failed sends ${JSON.stringify(phase.errors)}`);
  };
  for (const k of ['relay', 'peer', 'relayNoBatch', 'twoNodes', 'twoNodesPeer']) for (const ph of ['saturation', 'fixed']) relayOk(`${k}.${ph}`, raw[k]?.[ph]);
  for (const k of ['matchMemory', 'matchRedis']) {
    const m = raw[k];
    if (!m) continue;
    if (m.dbCheck.overlapping > 0) bad.push(`${k}: ${m.dbCheck.overlapping} users were in two open rooms at once (database)`);
    if (m.doubleMatchEvents > 0) bad.push(`${k}: ${m.doubleMatchEvents} matched events for users already in a room`);
    if (Object.keys(m.joinErrors).length) bad.push(`${k}: join errors ${JSON.stringify(m.joinErrors)}`);
  }
  for (const k of ['ours', 'peer'] as const) {
    const i = raw.idle?.[k];
    if (i && i.socketsSeenByServer?.['/rooms'] !== i.sockets) bad.push(`idle.${k}: the server saw ${i.socketsSeenByServer?.['/rooms']} of ${i.sockets} sockets`);
  }
  if (raw.auth) {
    if (raw.auth.logins.non2xx > 0 || raw.auth.logins.errors > 0) bad.push(`auth: ${raw.auth.logins.non2xx} failed logins, ${raw.auth.logins.errors} errors`);
    relayOk('auth.relayOnly', raw.auth.relayOnly);
    relayOk('auth.relayWithLogins', raw.auth.relayWithLogins);
  }
  return bad;
}

// ---------------------------------------------------------------------------------------------
// Report

function fmtLat(l: Json | undefined): string {
  return l ? `p50 ${l.p50} / p99 ${l.p99} ms` : '-';
}

function table(): string {
  const rows: string[][] = [];
  const e = (id: string) => entries.find((x) => x.id === id);
  const mark = (p: boolean | null | undefined) => (p === true ? 'yes' : p === false ? '**no**' : '-');
  let x: Entry | undefined;
  if ((x = e('relay.throughput'))) rows.push(['1 relay, 1 node + PG', 'delivered msg/s (saturation)', String(x.metrics.deliveredPerSec), '', '', x.target!, mark(x.pass)]);
  if ((x = e('relay.latency'))) rows.push(['1 relay, 1 node + PG', `latency at ${x.metrics.offeredPerSec} msg/s`, fmtLat(x.metrics.latencyMs), '', '', x.target!, mark(x.pass)]);
  if ((x = e('relay.vsPeer'))) rows.push(['2 vs bare Socket.IO relay', 'delivered msg/s (saturation)', String(x.metrics.deliveredPerSec), String(x.peer!.deliveredPerSec), `${x.ratio}x`, x.target!, mark(x.pass)]);
  if ((x = e('relay.vsPeer'))) rows.push(['2 vs bare Socket.IO relay', `latency at ${P.rate} msg/s`, fmtLat(x.metrics.latencyAt2000Ms), fmtLat(x.peer!.latencyAt2000Ms), '', '', '-']);
  if ((x = e('persistence.batching'))) rows.push(['3 write batching on vs off', 'delivered msg/s (saturation)', String(x.metrics.batchOnPerSec), `${x.peer!.batchOffPerSec} (off)`, `${x.ratio}x`, x.target!, mark(x.pass)]);
  if ((x = e('persistence.batching'))) rows.push(['3 write batching on vs off', 'server CPU µs per message', String(x.metrics.batchOnCpuUsPerMsg), `${x.peer!.batchOffCpuUsPerMsg} (off)`, '', '', '-']);
  if ((x = e('persistence.batching'))) rows.push(['3 write batching on vs off', 'storage alone: rows/s (64 concurrent writers)', String(x.metrics.storageOnlyRowsPerSec), `${x.peer!.storageOnlyRowsPerSec} (off)`, `${r2(x.metrics.storageOnlyRowsPerSec / x.peer!.storageOnlyRowsPerSec)}x`, '', '-']);
  if ((x = e('idle.memory'))) rows.push([`4 idle, ${x.metrics.sockets} sockets`, 'heap KiB / connection (after GC)', String(x.metrics.heapKiBPerConn), String(x.peer!.heapKiBPerConn), `${x.ratio}x`, x.target!, mark(x.pass)]);
  if ((x = e('idle.memory'))) rows.push([`4 idle, ${x.metrics.sockets} sockets`, 'RSS KiB / connection', String(x.metrics.rssKiBPerConn), String(x.peer!.rssKiBPerConn), '', '', '-']);
  for (const id of ['match.memory', 'match.redis']) {
    if ((x = e(id))) rows.push([`5 matchmaking, pool ${id === 'match.redis' ? 'Redis' : 'in-process'}`, `time to match (${x.metrics.joinsPerSec} joins/s)`, `${fmtLat(x.metrics.timeToMatchMs)}; double matches ${x.metrics.dbOverlappingRooms + x.metrics.doubleMatchEvents}`, '', '', x.target!, mark(x.pass)]);
  }
  if ((x = e('auth.logins'))) {
    rows.push(['6 auth (bcrypt)', 'member logins/s', String(x.metrics.loginsPerSec), '', '', 'report', '-']);
    rows.push(['6 auth (bcrypt)', 'event-loop delay p99: relay only / relay + logins', `${x.metrics.eventLoopDelayMs.relayOnly?.p99} / ${x.metrics.eventLoopDelayMs.relayWithLogins?.p99} ms`, '', '', '< 50 ms', mark(x.pass)]);
    rows.push(['6 auth (bcrypt)', 'relay latency: relay only / + logins', `${x.metrics.relayLatencyMs.relayOnly.p99} / ${x.metrics.relayLatencyMs.relayWithLogins.p99} ms p99`, '', '', '', '-']);
  }
  if ((x = e('relay.twoNodes'))) {
    rows.push(['7 two nodes over Redis, pairs split', 'delivered msg/s (saturation)', String(x.metrics.deliveredPerSec), `${x.peer!.oneNodeDeliveredPerSec} (1 node)`, `${x.ratio}x`, 'report', '-']);
    rows.push(['7 two nodes over Redis, pairs split', `latency at ${P.rate} msg/s`, fmtLat(x.metrics.latencyAt2000Ms), `${fmtLat(x.peer!.oneNodeLatencyAt2000Ms)} (1 node)`, '', 'report', '-']);
  }
  if ((x = e('relay.twoNodesVsPeer'))) {
    rows.push(['8 two nodes vs two bare relays (same adapter)', 'delivered msg/s (saturation)', String(x.metrics.deliveredPerSec), String(x.peer!.deliveredPerSec), `${x.ratio}x`, '>= 0.8x', mark(x.ratio! >= 0.8)]);
    rows.push(['8 two nodes vs two bare relays (same adapter)', `latency at ${P.rate} msg/s`, fmtLat(x.metrics.latencyAt2000Ms), fmtLat(x.peer!.latencyAt2000Ms), '', 'p50 <= 3, p99 <= 25 ms', mark(x.metrics.latencyAt2000Ms.p50 <= 3 && x.metrics.latencyAt2000Ms.p99 <= 25)]);
  }
  const head = ['scenario', 'metric', 'ours', 'peer / baseline', 'ratio', 'target', 'met'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = Date.now();
  if (os.loadavg()[0]! > 1) log(`note: the machine is already busy (load average ${os.loadavg()[0]!.toFixed(2)}); expect noisy figures`);
  if (SERVER_ROOT === ROOT) buildIfStale();
  await withAdmin((c) => c.query(`CREATE DATABASE ${DB_NAME}`));
  const redis = createClient({ url: REDIS_URL, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  redis.on('error', () => undefined);
  let cleaned: Promise<void> | null = null;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await stopAll();
      let deleted = 0;
      if (redis.isOpen) {
        for await (const keys of redis.scanIterator({ MATCH: `${REDIS_PREFIX}:*`, COUNT: 1000 })) {
          if (keys.length) deleted += await redis.del(keys);
        }
        await redis.close().catch(() => undefined);
      }
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`)).catch((e) => log(`could not drop ${DB_NAME}: ${e}`));
      rmSync(TMP, { recursive: true, force: true });
      log(`cleaned up: processes stopped, database ${DB_NAME} dropped, ${deleted} Redis keys under ${REDIS_PREFIX}: deleted`);
    })());
  onInterrupt(cleanup);
  await redis.connect();
  let failed: unknown = null;
  try {
    for (const step of [relayScenarios, idleScenario, matchScenarios, authScenario]) {
      try {
        await step();
      } catch (e) {
        await stopAll();
        if (!argv.includes('--keep-going')) throw e;
        log(`scenario failed: ${(e as Error).message}`);
        failed = e;
      }
    }
  } catch (e) {
    failed = e;
  } finally {
    await cleanup();
  }
  const report = {
    mode: MODE,
    finishedAt: new Date().toISOString(),
    wallSeconds: Math.round((Date.now() - t0) / 1000),
    machine: { loadAtScenarioStart: loadAtStart, cpus: CPUS, pinned: PIN ? `server core ${SERVER_CPU}, load generator core ${LOADGEN_CPU}` : 'no (taskset missing or one core)', node: process.version, memGiB: Math.round(os.totalmem() / 2 ** 30) },
    params: P,
    scenarios: entries,
    invariants: invariants(),
    raw,
    ...(failed ? { error: String((failed as Error)?.stack ?? failed) } : {}),
  };
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  if (!ONLY) {
    writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
    writeFileSync(path.join(dir, `latest-${MODE}.json`), JSON.stringify(report, null, 2) + '\n');
  } else {
    writeFileSync(path.join(dir, `partial-${MODE}.json`), JSON.stringify(report, null, 2) + '\n');
  }
  process.stdout.write(`\n## Benchmarks (${MODE} mode, ${report.wallSeconds} s, ${CPUS} cores, ${report.machine.pinned})\n\n${table()}\n\n`);
  if (report.invariants.length) process.stdout.write(`Correctness violations under load:\n${report.invariants.map((v) => `- ${v}`).join('\n')}\n\n`);
  else process.stdout.write('No correctness violations (no lost or failed messages, no double matches, every socket connected). Speed targets never fail the run.\n');
  if (failed) {
    process.stderr.write(`\nbenchmark failed: ${String((failed as Error)?.stack ?? failed)}\n`);
    process.exit(1);
  }
  if (report.invariants.length) process.exit(1);
}

main().catch((e) => {
  process.stderr.write(`${String(e?.stack ?? e)}\n`);
  process.exit(1);
});
