import type { ErrorBody } from './types.js';

/** Codes the library itself produces, beside the server's (INVALID_ARGUMENT, RATE_LIMITED, ...). */
export type LocalCode = 'NETWORK' | 'TIMEOUT' | 'SIGNED_OUT' | 'NO_ROOM'
  // a redirect sign-in's answer (platform.ts)
  | 'STATE_MISMATCH' | 'NONCE_MISMATCH' | 'CANCELLED' | 'PROVIDER_ERROR';

/** Every failure the library reports: the server's error code and message, or one of LocalCode. */
export class ChatError extends Error {
  override readonly name = 'ChatError';
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status when the error came from REST. */
    readonly status?: number,
    /** Milliseconds to wait before trying again (429 / 503). */
    readonly retryAfterMs?: number,
    /** The server's `error` details (e.g. the invalid fields, or `{reason: "banned", until}`). */
    readonly details?: unknown,
  ) {
    super(message);
  }

  static from(body: ErrorBody, status?: number, retryAfterSec?: number): ChatError {
    const sec = retryAfterSec ?? body.retry_after;
    return new ChatError(body.code, body.message, status, sec !== undefined ? Math.max(0, sec) * 1000 : undefined, body.error);
  }
}

export const isChatError = (e: unknown, code?: string): e is ChatError => e instanceof ChatError && (code === undefined || e.code === code);

/** Errors a retry cannot fix by itself; anything else (network, timeout, 5xx, 429) is worth another try. */
export const isFinal = (e: unknown): boolean =>
  e instanceof ChatError && ['INVALID_ARGUMENT', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'SIGNED_OUT', 'NO_ROOM'].includes(e.code);
