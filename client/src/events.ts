import type { ConnectionState } from './connection.js';
import type { SessionEnded } from './session.js';
import type { Outgoing } from './storage.js';
import type { MatchState, MatchedEvent, Message, PresenceEvent, TypingEvent } from './types.js';

export interface Me {
  kind: 'anon' | 'member';
  uid: string;
  name: string;
}

export interface ChatEvents {
  /** The real-time connection: offline (signed out / closed), connecting, online. */
  state: (s: ConnectionState) => void;
  /** Signed in (or restored), or signed out. */
  session: (me: Me | null) => void;
  /** The server no longer accepts this session (revoked elsewhere, or banned): the client has signed out. */
  session_ended: (e: SessionEnded) => void;
  matchmaking: (m: MatchState) => void;
  /** Once per room. `partner.name` is "" when the server did not say. */
  matched: (e: MatchedEvent) => void;
  /** Every message of the current room exactly once, in order: the partner's and our own. */
  message: (m: Message) => void;
  typing: (e: TypingEvent) => void;
  presence: (e: PresenceEvent) => void;
  /** Once per room. `by` is the uid who closed it, or null when only the fact is known. */
  room_closed: (e: { room_id: string; by: string | null }) => void;
  /** Messages written but not yet acknowledged, oldest first. */
  outbox: (pending: readonly Outgoing[]) => void;
  /** Sending paused by the server's rate limit; it resumes by itself. */
  rate_limited: (e: { retry_after_ms: number }) => void;
}
