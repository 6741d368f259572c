import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ErrorReply,
  ReconnectStrategyError,
  RootNodesUnavailableError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
} from 'redis';
import { AppError, isAppError } from '../core/errors.js';

/** Seconds a client should wait before retrying while Redis is away (about one reconnect attempt). */
export const REDIS_RETRY_AFTER_SEC = 2;

const NODE_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Replies with which a reachable Redis says "not now" (loading a dump, busy script, failover). */
const TRANSIENT_REPLIES = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY)\b/;

/**
 * True when `e` means "Redis cannot be reached or cannot answer right now", as opposed to a bug
 * (a Lua error, a wrong type). With `disableOfflineQueue` a command sent while disconnected fails
 * at once with ClientOfflineError; one in flight when the socket drops fails with the socket's
 * error; one that gets no answer fails with TimeoutError after the client's command timeout.
 */
export function isRedisUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (
    e instanceof ClientOfflineError ||
    e instanceof ClientClosedError ||
    e instanceof ConnectionTimeoutError ||
    e instanceof SocketTimeoutError ||
    e instanceof SocketClosedUnexpectedlyError ||
    e instanceof DisconnectsClientError ||
    e instanceof ReconnectStrategyError ||
    e instanceof RootNodesUnavailableError ||
    e instanceof TimeoutError
  ) {
    return true;
  }
  if (e instanceof ErrorReply) return TRANSIENT_REPLIES.test(e.message);
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === 'string' && NODE_NET_CODES.has(code);
}

/** The client-facing error for "`what` needs Redis and Redis is away". */
export function redisUnavailable(what: string, cause: unknown): AppError {
  return new AppError('UNAVAILABLE', `${what} is temporarily unavailable (its shared store cannot be reached), retry in a few seconds`, {
    retryAfter: REDIS_RETRY_AFTER_SEC,
    cause,
  });
}

/**
 * Decorates a Redis-backed port (e.g. the MatchPool) so that every method that fails because Redis
 * is unreachable rejects with AppError UNAVAILABLE (503 + Retry-After) instead of a plain Error
 * (which the doors would answer as INTERNAL 500). Other errors pass through unchanged. One
 * mechanism for the whole port: nothing per call site.
 */
export function mapRedisOutage<T extends object>(target: T, what: string): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      return function (this: unknown, ...args: unknown[]) {
        const out: unknown = (value as (...a: unknown[]) => unknown).apply(obj, args);
        if (!(out instanceof Promise)) return out;
        return out.catch((e: unknown) => {
          throw !isAppError(e) && isRedisUnavailable(e) ? redisUnavailable(what, e) : e;
        });
      };
    },
  });
}
