import type { ErrorBody } from '../core/errors.js';
import type { Actor } from '../core/context.js';
import type { MessageView } from '../core/ports.js';

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
}

export interface InterServerEvents {}

export interface SocketData {
  actor?: Actor;
}
