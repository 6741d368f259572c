/**
 * A minimal Socket.IO v4 client over one raw WebSocket (Engine.IO v4, `transport=websocket`), for
 * the load generator only. It speaks just what the benchmarks need: namespace connect with an
 * `auth` payload, events, events with acks, acks, and the ping/pong heartbeat. No reconnection,
 * no long-polling, no binary packets.
 *
 * Why not socket.io-client: one load-generator process on one core has to drive thousands of
 * messages per second (every message is one frame out and three in: the ack, the echo and the
 * partner's copy) or hold 10,000 connections, and the full client's per-packet and per-connection
 * costs would make the load generator the bottleneck. The wire format is the same one
 * socket.io-client produces (test/integration/bench-client.test.ts checks it against the server).
 */
import WebSocket from 'ws';
import type { Duplex } from 'node:stream';
import { coalesceWrites } from '../../src/realtime/write-coalescing.js';

type Handler = (data: any) => void;

export interface NamespaceSocket {
  readonly nsp: string;
  on(event: string, h: Handler): void;
  emit(event: string, data: unknown): void;
  emitWithAck(event: string, data: unknown, timeoutMs?: number): Promise<any>;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout | null;
}

class Nsp implements NamespaceSocket {
  readonly handlers = new Map<string, Handler[]>();
  readonly acks = new Map<number, Pending>();
  nextId = 0;
  connected = false;
  constructor(readonly conn: SioConnection, readonly nsp: string) {}

  on(event: string, h: Handler): void {
    const list = this.handlers.get(event);
    if (list) list.push(h);
    else this.handlers.set(event, [h]);
  }

  emit(event: string, data: unknown): void {
    this.conn.sendRaw(`42${this.prefix()}${JSON.stringify([event, data])}`);
  }

  emitWithAck(event: string, data: unknown, timeoutMs = 30_000): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = timeoutMs > 0 ? setTimeout(() => {
        this.acks.delete(id);
        reject(new Error(`ack timeout for ${event} on ${this.nsp}`));
      }, timeoutMs) : null;
      this.acks.set(id, { resolve, reject, timer });
      this.conn.sendRaw(`42${this.prefix()}${id}${JSON.stringify([event, data])}`);
    });
  }

  prefix(): string {
    return this.nsp === '/' ? '' : `${this.nsp},`;
  }

  failAll(err: Error): void {
    for (const p of this.acks.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    this.acks.clear();
  }
}

export class SioConnection {
  private readonly ws: WebSocket;
  private readonly nsps = new Map<string, Nsp>();
  private readonly connectWaiters = new Map<string, { resolve(): void; reject(e: Error): void }>();
  private opened: Promise<void>;
  closed = false;
  onClose: ((reason: string) => void) | null = null;

  /** `url` is the server's origin, e.g. http://127.0.0.1:8091 (path /socket.io/). */
  constructor(url: string) {
    const wsUrl = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    this.ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    // The load generator writes many frames per turn of its loop (one per user message): one
    // writev per connection per turn keeps its core free for receiving (the same trick as the server).
    this.ws.once('open', () => coalesceWrites((this.ws as unknown as { _socket: Duplex })._socket));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('error', reject);
      this.ws.once('close', () => reject(new Error('closed before open')));
      // The Engine.IO open packet ("0{sid,...}") is the first message.
      this.ws.once('message', (d) => {
        if (String(d)[0] === '0') resolve();
        else reject(new Error(`unexpected first packet: ${String(d).slice(0, 60)}`));
      });
    });
    this.opened.catch(() => undefined);
    this.ws.on('message', (d, isBinary) => this.onFrame(isBinary ? '' : d.toString()));
    this.ws.on('close', () => {
      this.closed = true;
      const err = new Error('connection closed');
      for (const n of this.nsps.values()) n.failAll(err);
      for (const w of this.connectWaiters.values()) w.reject(err);
      this.connectWaiters.clear();
      this.onClose?.('closed');
    });
    this.ws.on('error', () => undefined);
  }

  /** Opens a namespace; rejects with the server's connect_error message (e.g. UNAUTHENTICATED). */
  async connect(nsp: string, auth?: unknown, timeoutMs = 30_000): Promise<NamespaceSocket> {
    await this.opened;
    const n = new Nsp(this, nsp);
    this.nsps.set(nsp, n);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.connectWaiters.delete(nsp);
        reject(new Error(`connect timeout on ${nsp}`));
      }, timeoutMs);
      this.connectWaiters.set(nsp, {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.sendRaw(`40${n.prefix()}${auth === undefined ? '' : JSON.stringify(auth)}`);
    });
    return n;
  }

  sendRaw(s: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(s);
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }

  private onFrame(s: string): void {
    if (s.length === 0) return;
    const eio = s.charCodeAt(0);
    if (eio === 0x32 /* '2' ping */) {
      this.sendRaw('3');
      return;
    }
    if (eio !== 0x34 /* '4' message */) return;
    // Socket.IO packet: type digit, optional "/nsp,", optional ack id, optional JSON.
    const type = s.charCodeAt(1) - 0x30;
    let i = 2;
    let nsp = '/';
    if (s[i] === '/') {
      const comma = s.indexOf(',', i);
      nsp = s.slice(i, comma);
      i = comma + 1;
    }
    let id = -1;
    const start = i;
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    if (i > start) id = Number(s.slice(start, i));
    const payload = i < s.length ? JSON.parse(s.slice(i)) : undefined;
    const n = this.nsps.get(nsp);
    switch (type) {
      case 0: // CONNECT
        n && (n.connected = true);
        this.connectWaiters.get(nsp)?.resolve();
        this.connectWaiters.delete(nsp);
        break;
      case 4: // CONNECT_ERROR
        this.connectWaiters.get(nsp)?.reject(Object.assign(new Error(payload?.message ?? 'connect_error'), { data: payload?.data }));
        this.connectWaiters.delete(nsp);
        break;
      case 2: { // EVENT
        if (!n || !Array.isArray(payload)) return;
        const hs = n.handlers.get(payload[0]);
        if (hs) for (const h of hs) h(payload[1]);
        break;
      }
      case 3: { // ACK
        const p = n?.acks.get(id);
        if (!p) return;
        n!.acks.delete(id);
        if (p.timer) clearTimeout(p.timer);
        p.resolve(Array.isArray(payload) ? payload[0] : payload);
        break;
      }
      case 1: // DISCONNECT
        n?.failAll(new Error(`disconnected from ${nsp}`));
        break;
    }
  }
}

/** One WebSocket, one namespace: the common case. */
export async function connectNsp(url: string, nsp: string, auth?: unknown, timeoutMs?: number): Promise<{ conn: SioConnection; socket: NamespaceSocket }> {
  const conn = new SioConnection(url);
  try {
    const socket = await conn.connect(nsp, auth, timeoutMs);
    return { conn, socket };
  } catch (e) {
    conn.terminate();
    throw e;
  }
}
