import { expect } from 'chai';
import { RoomFeed } from '../../client/src/feed.js';
import type { CatchUp, Message } from '../../client/src/types.js';

const msg = (seq: number): Message => ({ message_id: String(100 + seq), room_id: 'r', uid: 'u', content: `m${seq}`, timestamp: seq, seq });

/** The SDK's per-room feed: exactly once and in seq order, whatever order the network delivers in. */
describe('SDK room feed', () => {
  function feed(server: Message[]) {
    const out: string[] = [];
    const asked: (string | undefined)[] = [];
    const f = new RoomFeed('r', {
      deliver: (m) => out.push(m.content),
      catchUp: async (after): Promise<CatchUp> => {
        asked.push(after);
        return { room_id: 'r', messages: server.filter((m) => after === undefined || Number(m.message_id) > Number(after)), has_more: false };
      },
      closed: () => undefined,
      moved: () => undefined,
    });
    return { f, out, asked };
  }

  it('drops duplicates by message_id and by a seq already delivered', () => {
    const { f, out } = feed([]);
    f.accept(msg(1));
    f.accept(msg(1));
    f.accept({ ...msg(2), message_id: 'other-id-same-seq' });
    f.accept(msg(2));
    expect(out).to.deep.equal(['m1', 'm2']);
  });

  it('holds messages after a hole in seq and fills the hole with a catch-up from the cursor', async () => {
    const server = [msg(1), msg(2), msg(3), msg(4)];
    const { f, out, asked } = feed(server);
    f.accept(msg(1));
    f.accept(msg(4));
    f.accept(msg(3));
    expect(out).to.deep.equal(['m1']);
    await f.sync();
    expect(asked).to.deep.equal(['101']);
    expect(out).to.deep.equal(['m1', 'm2', 'm3', 'm4']);
  });

  it('keeps live messages back while held (our own send in flight) and releases them in order', () => {
    const { f, out } = feed([]);
    f.hold();
    f.accept(msg(2));
    f.accept(msg(1));
    expect(out).to.deep.equal([]);
    f.release();
    expect(out).to.deep.equal(['m1', 'm2']);
  });

  it('pages through a catch-up while the server says has_more', async () => {
    const server = Array.from({ length: 7 }, (_, i) => msg(i + 1));
    const out: string[] = [];
    const f = new RoomFeed('r', {
      deliver: (m) => out.push(m.content),
      catchUp: async (after) => {
        const rest = server.filter((m) => after === undefined || Number(m.message_id) > Number(after));
        return { room_id: 'r', messages: rest.slice(0, 3), has_more: rest.length > 3 };
      },
      closed: () => undefined,
      moved: () => undefined,
    });
    await f.sync();
    expect(out).to.deep.equal(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
  });
});
