/**
 * The 1:1 relay load: pairs of users in a room each send 100-byte messages with `/rooms send`;
 * every message is acknowledged to its sender and delivered to the partner (and echoed to the
 * sender's own socket, as the server does for multi-device users). Latency is end to end: from
 * just before the sender's frame is written to the partner's receipt of the `message` event, both
 * in this process, so on one clock.
 */
import { performance } from 'node:perf_hooks';
import { anonLogin, benchReset, benchStats, matchJoin, type BenchStats } from '../lib/api.js';
import { connectNsp, type NamespaceSocket, type SioConnection } from '../lib/sio-lite.js';
import { pool, Samples, sleep, type Summary } from '../lib/stats.js';

export interface RelayTarget {
  /** Server origins; with two, user A of each pair connects to the first and B to the second. */
  urls: string[];
  /** The bare peer: no users, rooms are named in the handshake. */
  peer: boolean;
}

interface Endpoint {
  idx: number;
  roomId: string;
  conn: SioConnection;
  socket: NamespaceSocket;
  partner: Endpoint | null;
  seq: number;
  inflight: number;
  sentAt: Map<number, number>;
}

export interface Pairs {
  endpoints: Endpoint[];
  setupMs: number;
}

const CONTENT_BYTES = 100;

/** Anonymous logins and matchmaking through the real API, then one /rooms socket per user. */
export async function setupPairs(t: RelayTarget, n: number): Promise<Pairs> {
  const t0 = performance.now();
  const rooms: Array<{ roomId: string; auth: [unknown, unknown] }> = [];
  if (t.peer) {
    for (let i = 0; i < n; i++) rooms.push({ roomId: `r${i}`, auth: [{ room: `r${i}` }, { room: `r${i}` }] });
  } else {
    const url = t.urls[0]!;
    const users = await pool(Array.from({ length: 2 * n }), 16, () => anonLogin(url));
    // Sequential joins: the pool is first come first served, so users 2i and 2i+1 are paired.
    for (let i = 0; i < n; i++) {
      const a = users[2 * i]!;
      const b = users[2 * i + 1]!;
      const ja = await matchJoin(url, a.token);
      const jb = await matchJoin(url, b.token);
      if (jb.status !== 'matched' || ja.status !== 'waiting') throw new Error(`pairing failed: ${JSON.stringify([ja, jb])}`);
      rooms.push({ roomId: jb.room_id!, auth: [{ token: a.centrifugo_token }, { token: b.centrifugo_token }] });
    }
  }
  const endpoints: Endpoint[] = [];
  await pool(rooms, 32, async (r, i) => {
    const pair: Endpoint[] = [];
    for (let side = 0; side < 2; side++) {
      const url = t.urls[side % t.urls.length]!;
      const { conn, socket } = await connectNsp(url, '/rooms', r.auth[side]);
      pair.push({ idx: 2 * i + side, roomId: r.roomId, conn, socket, partner: null, seq: 0, inflight: 0, sentAt: new Map() });
    }
    pair[0]!.partner = pair[1]!;
    pair[1]!.partner = pair[0]!;
    endpoints.push(...pair);
  });
  endpoints.sort((a, b) => a.idx - b.idx);
  return { endpoints, setupMs: Math.round(performance.now() - t0) };
}

export interface RelayPhaseResult {
  /** Partner deliveries per second inside the measured window. */
  deliveredPerSec: number;
  ackedPerSec: number;
  sent: number;
  delivered: number;
  /** Messages acknowledged but not delivered to the partner by the end of the drain. */
  lost: number;
  errors: Record<string, number>;
  latencyMs: Summary;
  ackLatencyMs: Summary;
  measuredMs: number;
  servers: Array<BenchStats | null>;
}

class Phase {
  running = true;
  /** Closed loop: called with the sender when one of its messages was delivered. */
  onDelivered: ((sender: Endpoint) => void) | null = null;
  measuring = false;
  sent = 0;
  acked = 0;
  ackedInWindow = 0;
  delivered = 0;
  deliveredInWindow = 0;
  errors: Record<string, number> = {};
  latency = new Samples();
  ackLatency = new Samples();
}

let current: Phase | null = null;

/** Wires the receive side once per endpoint; every phase reads the module's current phase. */
export function listen(p: Pairs): void {
  for (const ep of p.endpoints) {
    ep.socket.on('message', (m: { content: string }) => {
      const ph = current;
      if (!ph) return;
      const c = m.content;
      const dot = c.indexOf('.');
      const sender = Number(c.slice(0, dot));
      if (sender === ep.idx) return; // our own echo
      const src = ep.partner!;
      const seq = Number(c.slice(dot + 1, c.indexOf(' ', dot)));
      const t0 = src.sentAt.get(seq);
      if (t0 === undefined) return;
      src.sentAt.delete(seq);
      ph.delivered++;
      if (ph.measuring) {
        ph.deliveredInWindow++;
        ph.latency.push(performance.now() - t0);
      }
      ph.onDelivered?.(src);
    });
  }
}

function sendOne(ph: Phase, ep: Endpoint, onAck?: () => void): void {
  const seq = ++ep.seq;
  const head = `${ep.idx}.${seq} `;
  const content = head + 'x'.repeat(Math.max(0, CONTENT_BYTES - head.length));
  const t0 = performance.now();
  ep.sentAt.set(seq, t0);
  ep.inflight++;
  ph.sent++;
  ep.socket.emitWithAck('send', { room_id: ep.roomId, content, client_msg_id: `m${ep.idx}-${seq}` }, 60_000).then(
    (r: { ok: boolean; error?: { code: string } }) => {
      ep.inflight--;
      if (r?.ok) {
        ph.acked++;
        if (ph.measuring) {
          ph.ackedInWindow++;
          ph.ackLatency.push(performance.now() - t0);
        }
      } else {
        ep.sentAt.delete(seq);
        const code = r?.error?.code ?? 'BAD_ACK';
        ph.errors[code] = (ph.errors[code] ?? 0) + 1;
      }
      onAck?.();
    },
    (e: Error) => {
      ep.inflight--;
      ep.sentAt.delete(seq);
      ph.errors[e.message] = (ph.errors[e.message] ?? 0) + 1;
      onAck?.();
    },
  );
}

async function measure(p: Pairs, t: RelayTarget, ph: Phase, warmupMs: number, measureMs: number): Promise<{ ms: number; servers: Array<BenchStats | null> }> {
  await sleep(warmupMs);
  await Promise.all(t.urls.map((u) => benchReset(u)));
  const t0 = performance.now();
  ph.measuring = true;
  await sleep(measureMs);
  ph.measuring = false;
  const ms = performance.now() - t0;
  const servers = await Promise.all(t.urls.map((u) => benchStats(u)));
  return { ms, servers };
}

async function finish(p: Pairs, ph: Phase, m: { ms: number; servers: Array<BenchStats | null> }): Promise<RelayPhaseResult> {
  ph.running = false;
  // Drain: wait for every outstanding ack and delivery (bounded).
  const deadline = performance.now() + Number(process.env.BENCH_DRAIN_MS ?? 30_000);
  while (performance.now() < deadline && (p.endpoints.some((e) => e.inflight > 0) || p.endpoints.some((e) => e.sentAt.size > 0))) await sleep(20);
  current = null;
  let pendingDeliveries = 0;
  for (const e of p.endpoints) {
    pendingDeliveries += e.sentAt.size;
    e.sentAt.clear();
  }
  const perSec = (n: number) => Math.round((n * 1000) / m.ms);
  return {
    deliveredPerSec: perSec(ph.deliveredInWindow),
    ackedPerSec: perSec(ph.ackedInWindow),
    sent: ph.sent,
    delivered: ph.delivered,
    lost: pendingDeliveries,
    errors: ph.errors,
    latencyMs: ph.latency.summary(),
    ackLatencyMs: ph.ackLatency.summary(),
    measuredMs: Math.round(m.ms),
    servers: m.servers,
  };
}

/**
 * Closed loop: every user keeps at most `window` messages outstanding, a message being
 * outstanding until it is both acknowledged and delivered to the partner (so a slow cross-node
 * path cannot build an unbounded backlog behind fast acks); measures the saturation throughput.
 */
export async function saturation(p: Pairs, t: RelayTarget, window: number, warmupMs: number, measureMs: number): Promise<RelayPhaseResult> {
  const ph = new Phase();
  current = ph;
  const pump = (ep: Endpoint) => {
    while (ph.running && ep.inflight < window && ep.sentAt.size < window) sendOne(ph, ep, () => pump(ep));
  };
  ph.onDelivered = pump;
  for (const ep of p.endpoints) pump(ep);
  const m = await measure(p, t, ph, warmupMs, measureMs);
  return finish(p, ph, m);
}

/** Open loop: `rate` messages per second in total, spread evenly over the users. */
export async function fixedRate(p: Pairs, t: RelayTarget, rate: number, warmupMs: number, measureMs: number): Promise<RelayPhaseResult> {
  const ph = new Phase();
  current = ph;
  const start = performance.now();
  let next = 0;
  const eps = p.endpoints;
  const timer = setInterval(() => {
    if (!ph.running) return;
    const due = Math.floor(((performance.now() - start) * rate) / 1000) - ph.sent;
    for (let i = 0; i < due; i++) {
      sendOne(ph, eps[next]!);
      next = (next + 1) % eps.length;
    }
  }, 1);
  const m = await measure(p, t, ph, warmupMs, measureMs);
  clearInterval(timer);
  return finish(p, ph, m);
}

export function closePairs(p: Pairs): void {
  for (const e of p.endpoints) e.conn.close();
}
