import type { CodeNotification } from '../../core/ports.js';
import type { Logger } from '../../logger.js';
import { maskRecipient } from './mask-recipient.js';

export interface DeliveryOptions {
  /** Attempts per notification, the first one included (default 5). */
  maxAttempts?: number;
  /** Backoff before the second attempt; it doubles on each retry, with jitter (default 200 ms). */
  baseDelayMs?: number;
  /** Ceiling of a single backoff (default 30 s). */
  maxDelayMs?: number;
  /** Time limit of one attempt (default 5 s). */
  attemptTimeoutMs?: number;
  /** How long close() waits for deliveries still running before abandoning them (default 5 s). */
  closeTimeoutMs?: number;
}

/**
 * What an attempt throws when it knows whether retrying can help. Any other error (network
 * failure, timeout) is treated as transient and retried.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly detail: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** One try at delivering `n`; must honour `signal` (per-attempt timeout, or shutdown). */
export type DeliveryAttempt = (n: CodeNotification, signal: AbortSignal) => Promise<void>;

/**
 * The retry-in-background queue shared by the webhook and SMTP notifiers.
 *
 * `enqueue` returns at once; each notification is delivered by its own background task that
 * retries transient failures with exponential backoff and jitter, and gives up on permanent
 * ones or after `maxAttempts`. A task never rejects, so nothing can surface as an unhandled
 * rejection, and nothing it does can delay or change the HTTP answer that triggered it.
 * Failures are logged without the code (it is a secret on these channels) and with the
 * recipient masked.
 */
export class BackgroundDelivery {
  private readonly inflight = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  private closing: Promise<void> | undefined;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly closeTimeoutMs: number;

  constructor(
    private readonly transport: string,
    private readonly attempt: DeliveryAttempt,
    private readonly log: Logger,
    opts: DeliveryOptions = {},
  ) {
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
    this.baseDelayMs = Math.max(0, opts.baseDelayMs ?? 200);
    this.maxDelayMs = Math.max(this.baseDelayMs, opts.maxDelayMs ?? 30_000);
    this.attemptTimeoutMs = Math.max(1, opts.attemptTimeoutMs ?? 5_000);
    this.closeTimeoutMs = Math.max(0, opts.closeTimeoutMs ?? 5_000);
  }

  /** Number of deliveries still running (tests, metrics). */
  get pending(): number {
    return this.inflight.size;
  }

  enqueue(n: CodeNotification): void {
    if (this.closing) {
      this.log.warn(this.context(n), 'notifier is closed; code not delivered');
      return;
    }
    const task: Promise<void> = this.deliver(n)
      .catch((err: unknown) => {
        // deliver() catches everything itself; this is the last line of defence.
        this.log.error({ ...this.context(n), error: errorMessage(err) }, 'code delivery crashed');
      })
      .finally(() => this.inflight.delete(task));
    this.inflight.add(task);
  }

  /**
   * Stops accepting notifications and waits for the running deliveries, retries included, for
   * at most `closeTimeoutMs`; whatever is still running then is aborted and abandoned (logged).
   * Never rejects; calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  private async drain(): Promise<void> {
    if (this.inflight.size === 0) return;
    const settled = Promise.allSettled([...this.inflight]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.closeTimeoutMs);
    });
    const done = await Promise.race([settled, timedOut]);
    clearTimeout(timer);
    if (!done) {
      this.log.warn(
        { transport: this.transport, abandoned: this.inflight.size, timeoutMs: this.closeTimeoutMs },
        'shutdown: abandoning code deliveries still in progress',
      );
      this.shutdown.abort();
    }
  }

  private async deliver(n: CodeNotification): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.attemptTimeoutMs)]);
      try {
        await this.attempt(n, signal);
        this.log.info({ ...this.context(n), attempt }, 'code delivered');
        return;
      } catch (err) {
        if (this.shutdown.signal.aborted) return; // abandoned by close(), already logged there
        const permanent = err instanceof DeliveryError && !err.retryable;
        const fields = {
          ...this.context(n),
          attempt,
          maxAttempts: this.maxAttempts,
          status: err instanceof DeliveryError ? err.detail.status : undefined,
          error: errorMessage(err),
        };
        if (permanent) {
          this.log.error(fields, 'code delivery rejected; not retrying');
          return;
        }
        if (attempt >= this.maxAttempts) {
          this.log.error(fields, 'code delivery failed; giving up');
          return;
        }
        const delayMs = this.backoff(attempt, err instanceof DeliveryError ? err.detail.retryAfterMs : undefined);
        this.log.warn({ ...fields, retryInMs: delayMs }, 'code delivery failed; will retry');
        if (!(await this.sleep(delayMs))) return;
      }
    }
  }

  /** Exponential backoff with "equal jitter": half fixed, half random; a server's Retry-After wins when longer. */
  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    const jittered = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, this.maxDelayMs));
  }

  /** Resolves true after `ms`, or false as soon as close() abandons the deliveries. */
  private sleep(ms: number): Promise<boolean> {
    const signal = this.shutdown.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Log fields of a notification: never the code, and the recipient masked. */
  private context(n: CodeNotification): Record<string, unknown> {
    return { transport: this.transport, channel: n.channel, to: maskRecipient(n.to), purpose: n.purpose };
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
