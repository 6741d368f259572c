import { createHmac, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';
import { FairQueue } from './fair-queue.js';

/** The slow-hash primitive, behind an interface so tests can count comparisons. */
export interface PasswordHasher {
  /** `client` is who asked (the client address): the hasher may share its capacity fairly by it. */
  hash(plain: string, client?: string): Promise<string>;
  verify(plain: string, hash: string, client?: string): Promise<boolean>;
  /** True when `hash` was made with weaker settings than new hashes get (a lower bcrypt cost). */
  outdated(hash: string): boolean;
}

export interface BcryptQueueOptions {
  concurrency?: number;
  maxWaiting?: number;
  perClient?: number;
}

/**
 * bcrypt through its async API (the work runs on libuv's pool, not the event loop), behind a
 * bounded fair queue (fair-queue.ts). The default concurrency leaves one core to the event loop:
 * with libuv's four threads all hashing on a one-core node, the event loop got a fifth of the CPU
 * and chat latency tripled during a burst of logins (docs/performance.md). The queue is bounded
 * and shared out per client, so one client firing logins cannot make everyone else's wait
 * (docs/security.md).
 */
export class BcryptHasher implements PasswordHasher {
  private readonly queue: FairQueue;

  constructor(
    private readonly cost: number,
    opts: BcryptQueueOptions = {},
  ) {
    this.queue = new FairQueue({
      concurrency: opts.concurrency ?? Math.max(1, availableParallelism() - 1),
      maxWaiting: opts.maxWaiting ?? 64,
      perClient: opts.perClient ?? 4,
    });
  }

  hash(plain: string, client = 'server'): Promise<string> {
    return this.queue.run(client, () => bcrypt.hash(plain, this.cost));
  }

  verify(plain: string, hash: string, client = 'server'): Promise<boolean> {
    return this.queue.run(client, () => bcrypt.compare(plain, hash));
  }

  outdated(hash: string): boolean {
    try {
      return bcrypt.getRounds(hash) < this.cost;
    } catch {
      return false; // not a bcrypt hash: nothing verifies against it, so there is nothing to upgrade
    }
  }
}

/** Marks hashes of the pre-hashed scheme; a stored hash without it is plain bcrypt of the password. */
const V1 = '$gby1$';

/**
 * Password hashing and checking.
 *
 * - Passwords are Unicode-normalised (NFC), so the same password typed on two keyboards that
 *   compose accents differently is the same password.
 * - bcrypt reads at most 72 bytes, which 24 CJK characters fill. New hashes are bcrypt of
 *   base64(HMAC-SHA256(pepper, password)): 44 ASCII bytes whatever the password's length or
 *   script (no NUL bytes, which bcrypt would stop at), so all 128 characters count. The pepper
 *   is a server secret, so a leaked table alone cannot even be attacked offline. Hashes made
 *   before this scheme (no `$gby1$` prefix) still verify against the password as typed.
 * - Equal cost whether or not an account (or its password) exists: a missing hash is replaced by
 *   a dummy hash of the same cost, so an unknown login id takes as long to refuse as a wrong one.
 */
export class Passwords {
  private readonly dummy: Promise<string>;

  constructor(
    private readonly hasher: PasswordHasher,
    private readonly pepper: Buffer,
  ) {
    this.dummy = this.hash(randomBytes(18).toString('base64url'));
    this.dummy.catch(() => undefined); // surfaced by the first verify() that needs it
  }

  async hash(plain: string, client?: string): Promise<string> {
    return V1 + (await this.hasher.hash(this.prehash(plain), client));
  }

  /** True only when `hash` exists and matches; always costs exactly one comparison. */
  async verify(plain: string, hash: string | null | undefined, client?: string): Promise<boolean> {
    const stored = hash ?? (await this.dummy);
    const ok = stored.startsWith(V1)
      ? await this.hasher.verify(this.prehash(plain), stored.slice(V1.length), client)
      : await this.hasher.verify(plain, stored, client);
    return ok && !!hash;
  }

  /**
   * True for a stored hash that new hashing would make differently: one from before the pepper
   * (no `$gby1$`) or at a lower bcrypt cost than configured. Login replaces it (docs/security.md).
   */
  needsUpgrade(hash: string): boolean {
    return !hash.startsWith(V1) || this.hasher.outdated(hash.slice(V1.length));
  }

  private prehash(plain: string): string {
    return createHmac('sha256', this.pepper).update(plain.normalize('NFC'), 'utf8').digest('base64');
  }
}
