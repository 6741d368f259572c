import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';

/** The slow-hash primitive, behind an interface so tests can count comparisons. */
export interface PasswordHasher {
  hash(plain: string): Promise<string>;
  verify(plain: string, hash: string): Promise<boolean>;
}

/**
 * bcrypt through its async API (the work runs on libuv's pool, not the event loop), at most
 * `concurrency` hashes at a time. The default leaves one core to the event loop: with libuv's four
 * threads all hashing on a one-core node, the event loop got a fifth of the CPU and chat latency
 * tripled during a burst of logins; bounded, a burst of logins queues instead
 * (docs/performance.md).
 */
export class BcryptHasher implements PasswordHasher {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly cost: number,
    private readonly concurrency = Math.max(1, availableParallelism() - 1),
  ) {}

  hash(plain: string): Promise<string> {
    return this.limited(() => bcrypt.hash(plain, this.cost));
  }

  verify(plain: string, hash: string): Promise<boolean> {
    return this.limited(() => bcrypt.compare(plain, hash));
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    // A finishing hash hands its slot straight to the next waiter, so the bound is never exceeded.
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** bcrypt reads at most 72 bytes; longer passwords are refused at the edge (see docs/members.md). */
export const BCRYPT_MAX_BYTES = 72;

/**
 * Password hashing and checking with equal cost whether or not an account (or its password)
 * exists: a missing hash is replaced by a dummy hash of the same cost, so an unknown login id
 * takes as long to refuse as a wrong password.
 */
export class Passwords {
  private readonly dummy: Promise<string>;

  constructor(private readonly hasher: PasswordHasher) {
    this.dummy = hasher.hash(randomBytes(18).toString('base64url'));
    this.dummy.catch(() => undefined); // surfaced by the first verify() that needs it
  }

  hash(plain: string): Promise<string> {
    return this.hasher.hash(plain);
  }

  /** True only when `hash` exists and matches; always costs exactly one comparison. */
  async verify(plain: string, hash: string | null | undefined): Promise<boolean> {
    const ok = await this.hasher.verify(plain, hash ?? (await this.dummy));
    return ok && !!hash;
  }
}
