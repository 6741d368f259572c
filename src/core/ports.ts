/**
 * Interfaces the core needs from the outside world. Infrastructure (src/infra, src/realtime,
 * src/store) implements them; src/app.ts wires them; tests may pass in-memory versions.
 */

/** A time source, so rules that depend on time can be tested without sleeping. */
export interface Clock {
  now(): number; // unix milliseconds
}

export const systemClock: Clock = { now: () => Date.now() };

/** What `MatchPool.touch` answers: who of the touched users waits, and whether the pool forgot everyone. */
export interface Touched {
  waiting: string[];
  forgot: boolean;
}

/**
 * The waiting pool of matchmaking. Implementations must make `enqueue` atomic: two concurrent
 * callers (on any node) can never both receive the same partner, nobody is paired with itself,
 * and a pair blocked by `block` is not paired until the block ends.
 */
export interface MatchPool {
  /**
   * If a compatible user is waiting (first come, first served), removes both and returns the
   * partner's uid. Otherwise puts `uid` in the pool (keeping its place if it already waits),
   * marks it alive at `now`, and returns null.
   */
  enqueue(uid: string, now: number): Promise<string | null>;
  /**
   * Marks waiting users as alive at `now`; unknown uids are ignored. Answers which of them are
   * waiting, and `forgot: true` when the pool has lost everything it held since this pool
   * object's previous touch (a Redis that restarted empty), so that a node can queue again the
   * users it saw waiting.
   */
  touch(uids: readonly string[], now: number): Promise<Touched>;
  /** Removes `uid` from the pool; true when it was waiting. */
  remove(uid: string): Promise<boolean>;
  isWaiting(uid: string): Promise<boolean>;
  /**
   * Forbids pairing `a` with `b` (either way round) until `untilMs` (Infinity: until `unblock`).
   * Never shortens a block already in place, so a short rematch cooldown cannot end a user's block.
   */
  block(a: string, b: string, untilMs: number): Promise<void>;
  /** Ends any block between `a` and `b` (either way round). */
  unblock(a: string, b: string): Promise<void>;
  /** Removes and returns every waiting user last seen before `cutoffMs`. */
  expire(cutoffMs: number): Promise<string[]>;
  /** Pairs waiting users that have become compatible (e.g. a block ran out); removes and returns the pairs. */
  pairWaiting(now: number): Promise<Array<[string, string]>>;
  /** Number of waiting users (metrics, tests). */
  size(): Promise<number>;
}

export type RateBucket =
  | 'anon_login'
  | 'match_join'
  | 'message_send'
  | 'auth_login'
  | 'auth_register'
  | 'code_request'
  | 'auth_client'
  | 'code_request_client'
  | 'code_verify_client'
  | 'code_daily'
  | 'room_read'
  | 'typing'
  | 'socket_connect'
  | 'report'
  | 'block';

/** Consumes one point of `bucket` for `key`; throws AppError RATE_LIMITED (with retryAfter) when spent. */
export interface RateLimiter {
  consume(bucket: RateBucket, key: string): Promise<void>;
  /** Gives the points back (e.g. after a successful login); optional to honour. */
  reset(bucket: RateBucket, key: string): Promise<void>;
}

export type NotifyChannel = 'email' | 'sms';
export type CodePurpose = 'password_reset' | 'email_verification' | 'phone_verification';

export interface CodeNotification {
  channel: NotifyChannel;
  to: string;
  purpose: CodePurpose;
  code: string;
}

/**
 * Delivers one-time codes. `send` must return quickly and never throw because delivery failed:
 * retries happen in the background so the HTTP answer is never delayed or changed by them.
 */
export interface Notifier {
  send(n: CodeNotification): void;
  /** Waits for queued deliveries (graceful shutdown). */
  close(): Promise<void>;
}

export type PlatformProvider = 'google' | 'apple' | 'line';

export interface PlatformIdentity {
  provider: PlatformProvider;
  /** The provider's stable subject id. */
  subject: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  picture?: string;
  /** The `nonce` claim, which ties a token to the sign-in request a browser started. */
  nonce?: string;
}

/** Trades an authorization code at the provider's token endpoint for its ID token (the code flow). */
export interface PlatformCodeExchanger {
  /** Throws AppError: INVALID_ARGUMENT when unconfigured or refused as malformed, UNAUTHENTICATED for a bad code, UNAVAILABLE when the provider fails. */
  exchange(provider: PlatformProvider, grant: { code: string; redirectUri: string; codeVerifier?: string }): Promise<string>;
}

/** Verifies a provider's ID token; throws AppError (INVALID_ARGUMENT when unconfigured, UNAUTHENTICATED when the token is bad). */
export interface PlatformVerifier {
  verify(provider: PlatformProvider, token: string): Promise<PlatformIdentity>;
}

export interface MessageView {
  message_id: string;
  room_id: string;
  uid: string;
  content: string;
  timestamp: number;
  /** 1, 2, 3… within the room, no holes: a client that sees a jump knows it missed messages. */
  seq: number;
}

export interface MatchedMember {
  uid: string;
  name: string;
}

/** Fan-out from the core to connected clients, on every node. */
export interface Broadcaster {
  matched(roomId: string, members: readonly MatchedMember[]): void;
  message(msg: MessageView): void;
  typing(roomId: string, uid: string, typing: boolean): void;
  roomClosed(roomId: string, by: string): void;
  /** Disconnects every socket authenticated with session `sid` (revocation). */
  sessionRevoked(sid: string): void;
  /** Disconnects every socket of user `uid`, on every node (a ban). */
  userDisconnected(uid: string): void;
}

/**
 * Who is here: each user's "here until" time (unix ms), shared by every node (Redis) or kept in
 * process (one node). Nodes mark the users of their open sockets, and REST callers, as here.
 */
export interface PresenceStore {
  /** Marks `uids` here until `untilMs`; never moves a time back. */
  markHere(uids: readonly string[], untilMs: number): Promise<void>;
  /** Each known uid's "here until"; users never seen (or forgotten) are absent. */
  hereUntil(uids: readonly string[]): Promise<Map<string, number>>;
  /** Drops users not here since before `cutoffMs` (housekeeping). */
  forget(cutoffMs: number): Promise<void>;
}

/**
 * Carries "these sessions ended" to every node, so each drops them from its session cache at
 * once instead of after the cache TTL. Best effort: while the link is away a publish is lost,
 * and the cache TTL is what bounds a stale answer; `onGap` says the link came back after such a
 * time, so the listener can forget what it may have missed.
 */
export interface RevocationBus {
  publish(sids: readonly string[]): void;
  listen(onRevoked: (sids: string[]) => void, onGap: () => void): void;
}
