import { ChatError } from './errors.js';
import type { ErrorBody } from './types.js';

export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

export interface RestOptions {
  baseUrl: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}

/** JSON over fetch, every failure turned into a ChatError (the server's code, or NETWORK / TIMEOUT). */
export class Rest {
  private readonly base: string;
  private readonly fetchImpl: FetchLike;
  private readonly timeoutMs: number;

  constructor(opts: RestOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    const f = opts.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
    if (!f) throw new Error('no fetch available: pass { fetch } to ChatClient');
    // Browsers refuse a fetch called with another `this` ("Illegal invocation").
    this.fetchImpl = opts.fetch ?? ((input, init) => (globalThis.fetch as unknown as FetchLike)(input, init));
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  async call<T>(method: string, path: string, opts: { body?: unknown; token?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    const ctrl = typeof AbortController === 'function' ? new AbortController() : undefined;
    const timer = setTimeout(() => ctrl?.abort(), this.timeoutMs);
    let res: Awaited<ReturnType<FetchLike>>;
    let text: string;
    try {
      res = await this.fetchImpl(this.base + path, {
        method,
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        ...(ctrl ? { signal: ctrl.signal } : {}),
      });
      text = await res.text();
    } catch (e) {
      if (ctrl?.signal.aborted) throw new ChatError('TIMEOUT', `${method} ${path} took longer than ${this.timeoutMs} ms`);
      throw new ChatError('NETWORK', `could not reach the server: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (a proxy's error page): described by the status below
    }
    if (res.ok) return json as T;
    const retry = Number(res.headers.get('retry-after'));
    const body = isErrorBody(json) ? json : { code: codeOf(res.status), message: `HTTP ${res.status}` };
    throw ChatError.from(body, res.status, Number.isFinite(retry) && retry >= 0 && res.headers.get('retry-after') !== null ? retry : undefined);
  }
}

const isErrorBody = (v: unknown): v is ErrorBody =>
  typeof v === 'object' && v !== null && typeof (v as ErrorBody).code === 'string' && typeof (v as ErrorBody).message === 'string';

function codeOf(status: number): string {
  const table: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 429: 'RATE_LIMITED', 503: 'UNAVAILABLE' };
  return table[status] ?? 'INTERNAL';
}
