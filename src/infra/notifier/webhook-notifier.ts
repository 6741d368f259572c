import type { CodeNotification, Notifier } from '../../core/ports.js';
import type { Logger } from '../../logger.js';
import { BackgroundDelivery, DeliveryError, type DeliveryOptions } from './background-delivery.js';

export type WebhookNotifierOptions = DeliveryOptions;

/**
 * Delivers codes by POSTing `{"channel","to","purpose","code"}` as JSON to NOTIFY_WEBHOOK_URL
 * (the usual shape of an SMS gateway). Network errors, timeouts, 5xx and 429 are retried in the
 * background (see BackgroundDelivery); any other non-2xx answer is final. Credentials in the
 * URL (https://user:pass@host/...) are sent as HTTP Basic authentication.
 */
export class WebhookNotifier implements Notifier {
  private readonly url: string;
  private readonly headers: Record<string, string> = { 'content-type': 'application/json' };
  private readonly queue: BackgroundDelivery;

  constructor(url: string, log: Logger, opts: WebhookNotifierOptions = {}) {
    const u = new URL(url);
    if (u.username || u.password) {
      const user = decodeURIComponent(u.username);
      const pass = decodeURIComponent(u.password);
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
      u.username = '';
      u.password = '';
    }
    this.url = u.toString();
    this.queue = new BackgroundDelivery('webhook', (n, signal) => this.post(n, signal), log, opts);
  }

  /** Returns at once; the POST (and its retries) runs in the background. */
  send(n: CodeNotification): void {
    this.queue.enqueue(n);
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  private async post(n: CodeNotification, signal: AbortSignal): Promise<void> {
    // Exactly the contract's shape, whatever else the caller's object may carry.
    const body = JSON.stringify({ channel: n.channel, to: n.to, purpose: n.purpose, code: n.code });
    const res = await fetch(this.url, { method: 'POST', headers: this.headers, body, signal, redirect: 'manual' });
    await res.body?.cancel().catch(() => undefined); // the answer's body is not needed; free the connection
    if (res.ok) return;
    const retryable = res.status >= 500 || res.status === 429;
    throw new DeliveryError(`webhook answered HTTP ${res.status}`, retryable, {
      status: res.status,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
    });
  }
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
