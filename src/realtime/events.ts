import type { ErrorBody } from '../core/errors.js';
import type { Actor } from '../core/context.js';
import type { MessageView } from '../core/ports.js';
import type { Namespace, Server, Socket } from 'socket.io';

export type Ack<T = unknown> = (res: { ok: true; data: T } | { ok: false; error: ErrorBody }) => void;

/** Client -> server events. Payloads are `unknown` on purpose: nothing is trusted before validation. */
export interface ClientToServerEvents {
  [event: string]: (...args: any[]) => void;
}

export interface ServerToClientEvents {
  matched: (e: { room_id: string; partner: { uid: string; name: string } }) => void;
  message: (m: MessageView) => void;
  typing: (e: { room_id: string; uid: string; typing: boolean }) => void;
  room_closed: (e: { room_id: string; by: string }) => void;
  /** Sent just before the server disconnects a socket whose token expired (extension). */
  token_expired: (e: { code: 'UNAUTHENTICATED'; message: string }) => void;
  /** This node's Redis link came back: live events for these rooms may have been missed, catch up. */
  resync: (e: { room_ids: string[] }) => void;
  /** A room member stopped (or started again) being here: an open socket on any node, or REST in the last 30 s. */
  presence: (e: { room_id: string; uid: string; online: boolean }) => void;
}

export interface InterServerEvents {}

export interface SocketData {
  actor?: Actor;
  /** /rooms only: the user's open room (there is at most one), loaded during the handshake. */
  openRoom?: string;
}

export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type AppNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
