import type { PresenceStore } from '../core/ports.js';

/** Presence of a single node: a map in this process. */
export class MemoryPresenceStore implements PresenceStore {
  private readonly here = new Map<string, number>();

  async markHere(uids: readonly string[], untilMs: number): Promise<void> {
    for (const uid of uids) if ((this.here.get(uid) ?? -Infinity) < untilMs) this.here.set(uid, untilMs);
  }

  async hereUntil(uids: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const uid of uids) {
      const t = this.here.get(uid);
      if (t !== undefined) out.set(uid, t);
    }
    return out;
  }

  async forget(cutoffMs: number): Promise<void> {
    for (const [uid, t] of this.here) if (t < cutoffMs) this.here.delete(uid);
  }
}
