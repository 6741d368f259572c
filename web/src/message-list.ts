import { compareIds, type Message, type Outgoing } from '../../client/src/index.js';
import { h } from './dom.js';
import { formatTime, t } from './i18n.js';
import { ui } from './ui.js';

type State = 'received' | 'sent' | 'pending' | 'queued' | 'failed';

interface Item {
  key: string;
  mine: boolean;
  content: string;
  timestamp: number;
  state: State;
}

/**
 * The conversation on screen: stored messages (from the SDK's `message` events and history pages,
 * merged by message_id, in id order) followed by our own messages still in the outbox.
 * Nodes are kept and reconciled, so the reader's place and focus survive updates.
 */
export class MessageList {
  private stored = new Map<string, Message>();
  private pending: readonly Outgoing[] = [];
  private failed: Outgoing[] = [];
  private readonly nodes = new Map<string, HTMLLIElement>();
  private online = true;
  me = '';
  partner = '';
  hasOlder = true;
  loading = false;

  reset(me: string, partner: string): void {
    this.stored.clear();
    this.pending = [];
    this.failed = [];
    this.me = me;
    this.partner = partner;
    this.hasOlder = true;
    this.loading = false;
    ui.messages.replaceChildren();
    this.nodes.clear();
  }

  get oldestId(): string | undefined {
    let oldest: string | undefined;
    for (const id of this.stored.keys()) if (oldest === undefined || compareIds(id, oldest) < 0) oldest = id;
    return oldest;
  }

  add(ms: Message[]): void {
    for (const m of ms) this.stored.set(m.message_id, m);
  }

  setPending(p: readonly Outgoing[]): void {
    this.pending = p;
  }

  setOnline(online: boolean): void {
    this.online = online;
  }

  /** Messages the SDK gave up on (the room closed first): shown as not sent. */
  addFailed(o: Outgoing): void {
    this.failed.push(o);
  }

  get count(): number {
    return this.stored.size;
  }

  private items(): Item[] {
    const stored = [...this.stored.values()].sort((a, b) => compareIds(a.message_id, b.message_id));
    const now = Date.now();
    return [
      ...stored.map((m): Item => ({ key: m.message_id, mine: m.uid === this.me, content: m.content, timestamp: m.timestamp, state: m.uid === this.me ? 'sent' : 'received' })),
      ...this.pending.map((o): Item => ({ key: o.client_msg_id, mine: true, content: o.content, timestamp: now, state: this.online ? 'pending' : 'queued' })),
      ...this.failed.map((o): Item => ({ key: o.client_msg_id, mine: true, content: o.content, timestamp: now, state: 'failed' })),
    ];
  }

  render(stickToBottom = false): void {
    const sc = ui.scroller;
    const atBottom = sc.scrollHeight - sc.scrollTop - sc.clientHeight < 48;
    const items = this.items();
    let latestSent = -1;
    items.forEach((it, i) => {
      if (it.state === 'sent') latestSent = i;
    });
    const keep = new Set<string>();
    items.forEach((it, i) => {
      keep.add(it.key);
      let node = this.nodes.get(it.key);
      if (!node) {
        node = create();
        this.nodes.set(it.key, node);
      }
      const prev = items[i - 1];
      this.update(node, it, !!prev && prev.mine === it.mine && it.timestamp - prev.timestamp < 120_000);
      node.classList.toggle('latest', i === latestSent);
      const at = ui.messages.children[i];
      if (at !== node) ui.messages.insertBefore(node, at ?? null);
    });
    for (const [key, node] of this.nodes) {
      if (!keep.has(key)) {
        node.remove();
        this.nodes.delete(key);
      }
    }
    ui.historyStatus.textContent = this.loading ? t('chat.loadingOlder') : this.hasOlder ? '' : t('chat.hello', { name: this.partner });
    if (stickToBottom || atBottom) sc.scrollTop = sc.scrollHeight;
  }

  private update(li: HTMLLIElement, it: Item, continued: boolean): void {
    li.className = `msg ${it.mine ? 'mine' : 'theirs'}`;
    li.classList.toggle('continued', continued);
    li.dataset.state = it.state;
    li.querySelector('.who')!.textContent = it.mine ? t('chat.you') : `${this.partner}: `;
    const text = li.querySelector('.text')!;
    if (text.textContent !== it.content) text.textContent = it.content;
    const time = li.querySelector('time')!;
    time.textContent = formatTime(it.timestamp);
    time.dateTime = new Date(it.timestamp).toISOString();
    const labels: Record<State, string> = { received: '', sent: t('chat.sent'), pending: t('chat.sending'), queued: t('chat.queued'), failed: t('chat.failed') };
    li.querySelector('.state')!.textContent = labels[it.state];
  }
}

function create(): HTMLLIElement {
  return h(
    'li',
    {},
    h('div', { class: 'bubble' }, h('span', { class: 'sr-only who' }), h('p', { class: 'text' })),
    h('div', { class: 'meta' }, h('time', { class: 'time' }), h('span', { class: 'state' })),
  );
}
