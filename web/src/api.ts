import type { Ack, ErrorBody } from './types.js';

/** A REST or socket failure, with the contract's code (or NETWORK / TIMEOUT for transport trouble). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Array<{ field: string; message: string }> = [],
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static from(status: number, body: unknown): ApiError {
    const b = (body && typeof body === 'object' ? body : {}) as Partial<ErrorBody>;
    const fields = Array.isArray(b.error) ? (b.error as Array<{ field: string; message: string }>) : [];
    return new ApiError(status, b.code ?? `HTTP_${status}`, b.message ?? `request failed (${status})`, fields, b.retry_after);
  }
}

/** JSON over fetch; throws ApiError on anything but 2xx. */
export async function request<T>(method: string, path: string, opts: { body?: unknown; token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'cannot reach the server');
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const err = ApiError.from(res.status, body);
    const retry = Number(res.headers.get('retry-after'));
    return Promise.reject(Number.isFinite(retry) && retry > 0 && err.retryAfter === undefined ? new ApiError(err.status, err.code, err.message, err.fields, retry) : err);
  }
  return body as T;
}

/** Minimal view of a Socket.IO client socket: what `emitAck` needs. */
export interface AckSocket {
  timeout(ms: number): { emit(event: string, ...args: unknown[]): unknown };
}

/** Emits with an acknowledgement and unwraps `{ok, data} | {ok:false, error}`. */
export function emitAck<T>(socket: AckSocket, event: string, payload: unknown, timeoutMs = 8000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = (err: Error | null, ack?: Ack<T>) => {
      if (err) reject(new ApiError(0, 'TIMEOUT', `no answer to "${event}"`));
      else if (!ack || typeof ack !== 'object') reject(new ApiError(0, 'INTERNAL', 'malformed acknowledgement'));
      else if (ack.ok) resolve(ack.data);
      else reject(ApiError.from(0, ack.error));
    };
    if (payload === undefined) socket.timeout(timeoutMs).emit(event, done);
    else socket.timeout(timeoutMs).emit(event, payload, done);
  });
}

/** A friendly sentence for an error, for people rather than developers. */
export function humanError(e: unknown): string {
  if (!(e instanceof ApiError)) return 'Something went wrong. Please try again.';
  switch (e.code) {
    case 'NETWORK':
    case 'TIMEOUT':
      return 'The server is not answering. Check your connection and try again.';
    case 'RATE_LIMITED':
      return `Too many attempts. Please wait${e.retryAfter ? ` ${e.retryAfter} s` : ' a moment'} and try again.`;
    case 'UNAVAILABLE':
      return 'The service is busy right now. Please try again shortly.';
    case 'INVALID_ARGUMENT': {
      const first = e.fields[0]?.message;
      return first ? first.charAt(0).toUpperCase() + first.slice(1) + '.' : 'Please check what you entered.';
    }
    default:
      return e.message ? e.message.charAt(0).toUpperCase() + e.message.slice(1) : 'Something went wrong.';
  }
}
