import { expect } from 'chai';
import { Conversation, compareIds } from '../../web/src/conversation.js';
import type { Message } from '../../web/src/types.js';

const id = (n: number) => String(n).padStart(16, '0');
const msg = (n: number, uid = 'them', content = `m${n}`): Message => ({ message_id: id(n), uid, content, timestamp: 1_700_000_000_000 + n });
const texts = (c: Conversation) => c.items().map((i) => i.content);

describe('web client conversation model', () => {
  it('orders message ids like the server does, as strings of digits', () => {
    expect(compareIds(id(9), id(10))).to.be.lessThan(0);
    expect(compareIds('10', '9')).to.be.greaterThan(0);
    expect(compareIds(id(5), id(5))).to.equal(0);
  });

  it('keeps messages in id order and shows each once, whatever order and however often they arrive', () => {
    const c = new Conversation('r', 'me');
    expect(c.receive([msg(3), msg(1)]).map((m) => m.content)).to.deep.equal(['m3', 'm1']);
    expect(c.receive([msg(2), msg(3), msg(1)]).map((m) => m.content)).to.deep.equal(['m2']);
    c.caughtUp([msg(3), msg(4)]);
    c.olderPage([msg(1)], 1);
    expect(texts(c)).to.deep.equal(['m1', 'm2', 'm3', 'm4']);
    expect(c.oldestId).to.equal(id(1));
    expect(c.newestId).to.equal(id(4));
  });

  it('turns a pending message into a sent one with the same key when its ack arrives', () => {
    const c = new Conversation('r', 'me');
    c.queue('hello', 'cid-1', 1);
    c.resend('cid-1');
    const [pending] = c.items();
    expect(pending).to.include({ state: 'pending', key: 'c:cid-1', mine: true });
    c.confirm('cid-1', msg(7, 'me', 'hello'));
    const [sent] = c.items();
    expect(sent).to.include({ state: 'sent', key: 'c:cid-1', message_id: id(7) });
    expect(c.outbox).to.deep.equal([]);
  });

  it('does not show its own message twice when the broadcast or a catch-up beats the ack', () => {
    const c = new Conversation('r', 'me');
    c.queue('hello', 'cid-1', 1);
    c.resend('cid-1');
    expect(c.receive([msg(7, 'me', 'hello')], { live: true })).to.deep.equal([]);
    expect(c.caughtUp([msg(7, 'me', 'hello'), msg(8)]).map((m) => m.content)).to.deep.equal(['m8']);
    c.confirm('cid-1', msg(7, 'me', 'hello'));
    expect(texts(c)).to.deep.equal(['hello', 'm8']);
    expect(c.items().filter((i) => i.mine)).to.have.length(1);
  });

  it('shows its own messages sent from another tab once nothing of its own is in flight', () => {
    const c = new Conversation('r', 'me');
    c.queue('from here', 'cid-1', 1);
    c.resend('cid-1');
    c.receive([msg(5, 'me', 'from the other tab')], { live: true });
    expect(texts(c)).to.deep.equal(['from here']);
    c.confirm('cid-1', msg(6, 'me', 'from here'));
    expect(texts(c)).to.deep.equal(['from the other tab', 'from here']);
  });

  it('keeps a failed message for retry with the same client_msg_id, and gives up on permanent failures', () => {
    const c = new Conversation('r', 'me');
    c.queue('one', 'cid-1', 1);
    c.queue('two', 'cid-2', 2);
    c.resend('cid-1');
    c.resend('cid-2');
    c.fail('cid-1', 'no answer', false);
    c.fail('cid-2', 'too long', true);
    expect(c.retryable().map((o) => o.client_msg_id)).to.deep.equal(['cid-1']);
    expect(c.items().map((i) => i.state)).to.deep.equal(['failed', 'failed']);
    const again = c.resend('cid-1')!;
    expect(again).to.include({ state: 'pending', attempts: 2, client_msg_id: 'cid-1' });
  });

  it('retries what was unsent before a reload', () => {
    const c = new Conversation('r', 'me', [{ client_msg_id: 'cid-9', content: 'saved', created_at: 1, state: 'pending', attempts: 1 }]);
    expect(c.retryable().map((o) => o.content)).to.deep.equal(['saved']);
  });

  it('advances the catch-up cursor with live messages only while caught up', () => {
    const c = new Conversation('r', 'me');
    c.initialPage([msg(10), msg(9)], 40);
    expect(c.cursor).to.equal(id(10));
    expect(c.hasOlder).to.equal(true);
    c.live = true;
    c.receive([msg(11)], { live: true });
    expect(c.cursor).to.equal(id(11));
    // Disconnected: a live message seen before the catch-up must not hide the ones missed before it.
    c.live = false;
    c.receive([msg(14)], { live: true });
    expect(c.cursor).to.equal(id(11));
    c.caughtUp([msg(12), msg(13), msg(14)]);
    expect(c.cursor).to.equal(id(14));
    expect(texts(c)).to.deep.equal(['m9', 'm10', 'm11', 'm12', 'm13', 'm14']);
  });

  it('knows when the oldest message has been loaded', () => {
    const c = new Conversation('r', 'me');
    c.initialPage([msg(3), msg(2)], 3);
    expect(c.hasOlder).to.equal(true);
    c.olderPage([msg(1)], 1);
    expect(c.hasOlder).to.equal(false);
  });
});
