import type { CurrentRoom } from './room.js';
import type { MatchState } from './types.js';

export type MatchCall = (event: 'join' | 'status' | 'leave') => Promise<MatchState>;

/** Where the user stands in matchmaking (idle, waiting, matched), kept true across reconnects. */
export class Matchmaker {
  private state: MatchState = { status: 'idle' };

  constructor(
    private readonly call: MatchCall,
    private readonly room: CurrentRoom,
    private readonly changed: (m: MatchState) => void,
  ) {}

  get current(): MatchState {
    return { ...this.state };
  }

  set(m: MatchState): void {
    if (m.status === this.state.status && m.room_id === this.state.room_id) return;
    this.state = m;
    this.changed(this.current);
  }

  reset(): void {
    this.state = { status: 'idle' };
  }

  async find(): Promise<MatchState> {
    if (this.room.isOpen) return this.current;
    this.set({ status: 'waiting' });
    this.answer(await this.call('join'));
    return this.current;
  }

  async cancel(): Promise<void> {
    await this.call('leave');
    if (this.state.status === 'waiting') this.set({ status: 'idle' });
  }

  /** After the matchmaking socket (re)connects: missed a match, or a close, while away? */
  async check(): Promise<void> {
    try {
      if (this.state.status === 'waiting') return this.answer(await this.call('join'));
      // Only a room open before the question can be declared closed by its answer: one entered
      // meanwhile (a `matched` event overtaking the answer) is newer than what the answer knew.
      const id = this.room.isOpen ? this.room.id : undefined;
      const r = await this.call('status');
      if (id && this.room.id === id && this.room.isOpen && r.room_id !== id) this.room.close(id, null);
      if (r.status === 'matched' && r.room_id) this.room.enter(r.room_id, null);
      else if (r.status === 'waiting') this.set({ status: 'waiting' });
    } catch {
      // retried on the next reconnection
    }
  }

  private answer(r: MatchState): void {
    if (r.status === 'matched' && r.room_id) this.room.enter(r.room_id, null);
    else if (!this.room.isOpen) this.set({ status: r.status === 'matched' ? 'idle' : r.status });
  }
}
