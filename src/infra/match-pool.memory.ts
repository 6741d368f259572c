import type { MatchPool, Touched } from '../core/ports.js';

const pairKey = (a: string, b: string): string => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

/**
 * The single-node matchmaking pool. Every method runs synchronously inside one tick, so each
 * call is atomic by construction; the Redis pool gets the same guarantee from a Lua script.
 */
export class MemoryMatchPool implements MatchPool {
  /** uid -> last seen; Map iteration order is insertion order, which is the queue order. */
  private readonly waiting = new Map<string, number>();
  private readonly blocked = new Map<string, number>();

  private isBlocked(a: string, b: string, now: number): boolean {
    const until = this.blocked.get(pairKey(a, b));
    if (until === undefined) return false;
    if (until <= now) {
      this.blocked.delete(pairKey(a, b));
      return false;
    }
    return true;
  }

  async enqueue(uid: string, now: number): Promise<string | null> {
    for (const other of this.waiting.keys()) {
      if (other === uid || this.isBlocked(uid, other, now)) continue;
      this.waiting.delete(other);
      this.waiting.delete(uid);
      return other;
    }
    this.waiting.set(uid, now);
    return null;
  }

  async touch(uids: readonly string[], now: number): Promise<Touched> {
    const waiting = uids.filter((uid) => this.waiting.has(uid));
    for (const uid of waiting) this.waiting.set(uid, now);
    // A pool in this process cannot lose its state without the process.
    return { waiting, forgot: false };
  }

  async remove(uid: string): Promise<boolean> {
    return this.waiting.delete(uid);
  }

  async isWaiting(uid: string): Promise<boolean> {
    return this.waiting.has(uid);
  }

  async block(a: string, b: string, untilMs: number): Promise<void> {
    const k = pairKey(a, b);
    this.blocked.set(k, Math.max(untilMs, this.blocked.get(k) ?? -Infinity));
  }

  async unblock(a: string, b: string): Promise<void> {
    this.blocked.delete(pairKey(a, b));
  }

  async expire(cutoffMs: number): Promise<string[]> {
    const gone: string[] = [];
    for (const [uid, seen] of this.waiting) {
      if (seen < cutoffMs) {
        this.waiting.delete(uid);
        gone.push(uid);
      }
    }
    for (const [k, until] of this.blocked) if (until <= cutoffMs) this.blocked.delete(k);
    return gone;
  }

  async pairWaiting(now: number): Promise<Array<[string, string]>> {
    const pairs: Array<[string, string]> = [];
    const queue = [...this.waiting.keys()];
    const taken = new Set<string>();
    for (let i = 0; i < queue.length; i++) {
      const a = queue[i]!;
      if (taken.has(a)) continue;
      for (let j = i + 1; j < queue.length; j++) {
        const b = queue[j]!;
        if (taken.has(b) || this.isBlocked(a, b, now)) continue;
        taken.add(a).add(b);
        this.waiting.delete(a);
        this.waiting.delete(b);
        pairs.push([a, b]);
        break;
      }
    }
    return pairs;
  }

  async size(): Promise<number> {
    return this.waiting.size;
  }
}
