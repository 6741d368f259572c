import type { ChatClient, Message } from '../../client/src/index.js';
import { initial } from './dom.js';
import { humanError } from './errors.js';
import { onLangChange, t } from './i18n.js';
import { MessageList } from './message-list.js';
import { confirmDialog, showScreen, toast, ui } from './ui.js';

const PAGE = 30;
const MAX_CHARS = 2000;
const TYPING_RENEW_MS = 2500;
const TYPING_IDLE_MS = 3000;
const TYPING_SHOWN_MS = 6000;

/** The chat screen: the conversation, the composer, and the header's actions. */
export class ChatView {
  readonly list = new MessageList();
  private roomId: string | null = null;
  private closedBy: string | null | undefined = undefined;
  private presence: boolean | null = null;
  private typingSent = 0;
  private typingIdle: ReturnType<typeof setTimeout> | undefined;
  private typingShown: ReturnType<typeof setTimeout> | undefined;
  private slowTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly client: ChatClient) {
    client.on('message', (m) => this.onMessage(m));
    client.on('outbox', (p) => {
      this.list.setPending(p);
      if (p.length === 0) this.hideSlow();
      this.list.render(true);
    });
    client.on('state', () => this.renderHeader());
    client.on('typing', (e) => this.showTyping(e.typing));
    client.on('presence', (e) => {
      this.presence = e.online;
      this.renderHeader();
    });
    client.on('rate_limited', (e) => this.showSlow(e.retry_after_ms));
    client.on('room_closed', (e) => {
      if (e.room_id === this.roomId) this.closed(e.by);
    });
    onLangChange(() => {
      this.renderHeader();
      this.list.render();
    });
    this.wire();
  }

  get partnerName(): string {
    return this.client.currentRoom?.partner.name || t('chat.stranger');
  }

  /** Shows the room the client is in; `fresh` when it was just matched (nothing to load). */
  async open(fresh: boolean): Promise<void> {
    const room = this.client.currentRoom;
    if (!room) return;
    const same = room.id === this.roomId;
    this.roomId = room.id;
    if (!same) {
      this.list.reset(this.client.me?.uid ?? '', this.partnerName);
      this.closedBy = room.closed ? null : undefined;
      this.presence = null;
      this.list.setPending(this.client.pending.filter((p) => p.room_id === room.id));
    }
    this.list.partner = this.partnerName;
    showScreen('chat');
    this.renderHeader();
    this.renderClosed();
    if (fresh) {
      this.list.hasOlder = false;
      this.list.render(true);
      ui.input.focus();
    } else if (!same) {
      this.list.render(true);
      await this.loadOlder(true);
    }
  }

  private onMessage(m: Message): void {
    if (m.room_id !== this.roomId) return;
    this.list.add([m]);
    this.list.render(m.uid === this.client.me?.uid);
    if (m.uid !== this.client.me?.uid) this.showTyping(false);
  }

  private async loadOlder(initialPage = false): Promise<void> {
    const list = this.list;
    const roomId = this.roomId;
    if (!roomId || list.loading || (!list.hasOlder && !initialPage)) return;
    list.loading = true;
    ui.messages.setAttribute('aria-busy', 'true');
    list.render();
    const sc = ui.scroller;
    const fromBottom = sc.scrollHeight - sc.scrollTop;
    try {
      const before = initialPage ? undefined : list.oldestId;
      const page = await this.client.history({ page_size: PAGE, ...(before ? { before } : {}) });
      if (this.roomId !== roomId) return;
      list.add(page.data);
      list.hasOlder = page.data.length === PAGE;
    } catch (e) {
      toast(humanError(e));
    } finally {
      list.loading = false;
      ui.messages.removeAttribute('aria-busy');
    }
    list.render();
    sc.scrollTop = initialPage ? sc.scrollHeight : sc.scrollHeight - fromBottom;
    // Nothing to scroll up from yet: keep loading until the list scrolls or history ends.
    if (list.hasOlder && sc.scrollHeight <= sc.clientHeight + 8) void this.loadOlder();
  }

  private renderHeader(): void {
    if (!this.roomId) return;
    const name = this.partnerName;
    ui.partnerName.textContent = name;
    ui.partnerAvatar.textContent = initial(name);
    const state = this.client.connection;
    this.list.setOnline(state === 'online');
    let label: string;
    let dot: string;
    if (this.closedBy !== undefined) [label, dot] = [t('conn.ended'), 'ended'];
    else if (state !== 'online') [label, dot] = [t(state === 'connecting' ? 'conn.connecting' : 'conn.offline'), 'offline'];
    else if (this.presence === false) [label, dot] = [t('presence.away', { name }), 'away'];
    else if (this.presence === true) [label, dot] = [t('presence.here', { name }), 'online'];
    else [label, dot] = [t('conn.online'), 'online'];
    ui.conn.textContent = label;
    ui.conn.dataset.state = dot;
  }

  private closed(by: string | null): void {
    this.closedBy = by;
    this.showTyping(false);
    this.hideSlow();
    this.renderClosed();
    this.renderHeader();
    ui.newStranger.focus();
  }

  private renderClosed(): void {
    const ended = this.closedBy !== undefined;
    ui.closedBanner.hidden = !ended;
    ui.closedBanner.closest('.chat')?.classList.toggle('ended', ended);
    ui.input.disabled = ended;
    ui.send.disabled = ended;
    for (const b of [ui.next, ui.leave, ui.more]) b.hidden = ended;
    if (!ended) return;
    const me = this.client.me?.uid;
    ui.closedText.textContent = this.closedBy === me ? t('chat.leftMe') : this.closedBy ? t('chat.leftPartner', { name: this.partnerName }) : t('chat.ended');
  }

  private showTyping(on: boolean): void {
    clearTimeout(this.typingShown);
    ui.typingText.textContent = on ? t('chat.typing', { name: this.partnerName }) : '';
    ui.typing.classList.toggle('visible', on);
    if (on) this.typingShown = setTimeout(() => this.showTyping(false), TYPING_SHOWN_MS);
  }

  /** One calm notice while the server holds messages back, instead of an error per message. */
  private showSlow(ms: number): void {
    ui.slow.hidden = false;
    clearTimeout(this.slowTimer);
    this.slowTimer = setTimeout(() => this.hideSlow(), ms + 2000);
  }

  private hideSlow(): void {
    clearTimeout(this.slowTimer);
    ui.slow.hidden = true;
  }

  private submit(): void {
    const text = ui.input.value.trim();
    if (!text) return;
    const count = [...text].length;
    if (text.length > MAX_CHARS) {
      ui.composerError.textContent = t('chat.tooLong', { count });
      ui.input.setAttribute('aria-invalid', 'true');
      return;
    }
    ui.composerError.textContent = '';
    ui.input.removeAttribute('aria-invalid');
    ui.input.value = '';
    this.autosize();
    this.stopTyping();
    this.client.send(text).catch((e: unknown) => {
      const o = { client_msg_id: `failed-${Date.now()}-${Math.random()}`, room_id: this.roomId ?? '', content: text };
      this.list.addFailed(o);
      this.list.render(true);
      if ((e as { code?: string }).code !== 'CONFLICT') toast(humanError(e));
    });
  }

  private onInput(): void {
    this.autosize();
    if (ui.composerError.textContent && ui.input.value.trim().length <= MAX_CHARS) {
      ui.composerError.textContent = '';
      ui.input.removeAttribute('aria-invalid');
    }
    if (!ui.input.value.trim()) return this.stopTyping();
    const now = Date.now();
    if (now - this.typingSent > TYPING_RENEW_MS) {
      this.typingSent = now;
      this.client.typing(true);
    }
    clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping(): void {
    clearTimeout(this.typingIdle);
    if (!this.typingSent) return;
    this.typingSent = 0;
    this.client.typing(false);
  }

  private autosize(): void {
    ui.input.style.height = 'auto';
    ui.input.style.height = `${Math.min(ui.input.scrollHeight, 160)}px`;
  }

  /** Next and Leave ask first: either ends the chat for both. */
  private async end(next: boolean, from: HTMLElement): Promise<void> {
    const ok = await confirmDialog(
      t(next ? 'confirm.nextTitle' : 'confirm.leaveTitle'),
      t(next ? 'confirm.nextBody' : 'confirm.leaveBody'),
      t(next ? 'confirm.nextYes' : 'confirm.leaveYes'),
      from,
    );
    if (ok) await this.afterClose(next);
  }

  /** Leaves (when still open) and goes on to the queue or the lobby. */
  async afterClose(next: boolean): Promise<void> {
    try {
      if (next) await this.client.next();
      else await this.client.leave();
    } catch (e) {
      toast(humanError(e));
      return;
    }
    if (!next) this.onLobby?.();
  }

  /** Set by main: go to the lobby screen. */
  onLobby: (() => void) | null = null;

  private wire(): void {
    ui.composer.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    ui.input.addEventListener('input', () => this.onInput());
    ui.input.addEventListener('blur', () => this.stopTyping());
    ui.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    ui.next.addEventListener('click', () => void this.end(true, ui.next));
    ui.leave.addEventListener('click', () => void this.end(false, ui.leave));
    ui.newStranger.addEventListener('click', () => void this.afterClose(true));
    ui.home.addEventListener('click', () => void this.afterClose(false));
    ui.scroller.addEventListener('scroll', () => {
      if (ui.scroller.scrollTop < 120) void this.loadOlder();
    }, { passive: true });
  }
}
