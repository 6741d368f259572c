/**
 * The one error type of the core. Every failure a client can see is an AppError with a code from
 * this closed list; anything else is turned into INTERNAL at the door and never shown as-is.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'INTERNAL',
  'UNAVAILABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
});

export interface FieldError {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  /** Client-visible details (e.g. the list of bad fields). Never put internals here. */
  details?: unknown;
  /** Seconds a client should wait before retrying (RATE_LIMITED, UNAVAILABLE). */
  retryAfter?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }

  get status(): number {
    return HTTP_STATUS[this.code];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** The wire shape of an error (REST body and socket ack `error`). */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  error?: unknown;
  retry_after?: number;
}

/** Converts anything thrown into the client-safe AppError; `internal` is true when it was unexpected. */
export function toAppError(e: unknown): { err: AppError; internal: boolean } {
  if (isAppError(e)) return { err: e, internal: false };
  return { err: new AppError('INTERNAL', 'internal error, please retry later'), internal: true };
}

export function errorBody(err: AppError): ErrorBody {
  const body: ErrorBody = { code: err.code, message: err.message };
  if (err.details !== undefined) body.error = err.details;
  return body;
}
