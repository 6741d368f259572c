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
 * a freed slot goes to the clients in turn (round robin), so a client with forty jobs queued
 * delays someone else's one job by at most one job per other client, instead of by all forty.
 * Nothing queues forever: past `perClient` the caller is told to slow down (429), past
 * `maxWaiting` that the service is busy (503), both with a retry hint.
 */
export class FairQueue {
  private running = 0;
  private waiting = 0;
  /** Waiting jobs per client, in insertion order: the map's order is the round-robin order. */
  private readonly queues = new Map<string, Array<() => void>>();
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
      if (this.running < this.opts.concurrency) this.running++;
      else await this.wait(client); // the slot is handed over by the job that frees it
      try {
        return await work();
      } finally {
        this.release();
      }
    } finally {
      const left = (this.held.get(client) ?? 1) - 1;
      if (left > 0) this.held.set(client, left);
      else this.held.delete(client);
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

  /** Hands the freed slot to the next client in turn, who then goes to the back of the line. */
  private release(): void {
    const next = this.queues.entries().next();
    if (next.done) {
      this.running--;
      return;
    }
    const [client, q] = next.value;
    const resolve = q.shift()!;
    this.queues.delete(client);
    if (q.length > 0) this.queues.set(client, q);
    this.waiting--;
    resolve();
  }
}
