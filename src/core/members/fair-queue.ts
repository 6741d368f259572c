import { AppError } from '../errors.js';

export interface FairQueueOptions {
  /** Jobs running at once. */
  concurrency: number;
  /** Jobs waiting for a slot, over all clients; beyond it a new job is refused with 503. */
  maxWaiting: number;
  /** Jobs running or waiting per client; beyond it that client's new job is refused with 429. */
  perClient: number;
}

/**
 * A bounded, fair work queue for scarce CPU (password hashing). Each client has its own FIFO and
 * a freed slot goes to the clients in turn (the one served longest ago), so a client with forty jobs queued
 * delays someone else's one job by at most one job per other client, instead of by all forty.
 * Nothing queues forever: past `perClient` the caller is told to slow down (429), past
 * `maxWaiting` that the service is busy (503), both with a retry hint.
 */
export class FairQueue {
  private running = 0;
  private waiting = 0;
  /** Waiting jobs per client. */
  private readonly queues = new Map<string, Array<() => void>>();
  /** When each client last got a slot (a counter), so the one served longest ago goes next. */
  private readonly lastServed = new Map<string, number>();
  private tick = 0;
  /** Jobs running or waiting, per client. */
  private readonly held = new Map<string, number>();

  constructor(private readonly opts: FairQueueOptions) {}

  async run<T>(client: string, work: () => Promise<T>): Promise<T> {
    const mine = this.held.get(client) ?? 0;
    if (mine >= this.opts.perClient) {
      throw new AppError('RATE_LIMITED', 'too many password checks from this client at once, retry in 1 s', { retryAfter: 1 });
    }
    if (this.running >= this.opts.concurrency && this.waiting >= this.opts.maxWaiting) {
      throw new AppError('UNAVAILABLE', 'the server is busy checking passwords, retry in 1 s', { retryAfter: 1 });
    }
    this.held.set(client, mine + 1);
    try {
      if (this.running < this.opts.concurrency) {
        this.running++;
        this.lastServed.set(client, ++this.tick);
      } else await this.wait(client); // the slot is handed over by the job that frees it
      try {
        return await work();
      } finally {
        this.release();
      }
    } finally {
      const left = (this.held.get(client) ?? 1) - 1;
      if (left > 0) this.held.set(client, left);
      else {
        this.held.delete(client);
        this.lastServed.delete(client);
      }
    }
  }

  private wait(client: string): Promise<void> {
    this.waiting++;
    return new Promise<void>((resolve) => {
      const q = this.queues.get(client);
      if (q) q.push(resolve);
      else this.queues.set(client, [resolve]);
    });
  }

  /**
   * Hands the freed slot to the waiting client served longest ago (or never): with one slot,
   * clients take turns job by job. At most `maxWaiting` jobs wait, so the scan is short.
   */
  private release(): void {
    let pick: string | undefined;
    let oldest = Number.POSITIVE_INFINITY;
    for (const client of this.queues.keys()) {
      const served = this.lastServed.get(client) ?? 0;
      if (served < oldest) [pick, oldest] = [client, served];
    }
    if (pick === undefined) {
      this.running--;
      return;
    }
    const q = this.queues.get(pick)!;
    const resolve = q.shift()!;
    if (q.length === 0) this.queues.delete(pick);
    this.waiting--;
    this.lastServed.set(pick, ++this.tick);
    resolve();
  }
}
