import { Account } from './account.js';
import { Connection, type ConnectionOptions, type ConnectionState } from './connection.js';
import { Doors } from './doors.js';
import { Emitter } from './emitter.js';
import { ChatError, isChatError } from './errors.js';
import type { ChatEvents, Me } from './events.js';
import { CurrentRoom } from './room.js';
import { Matchmaker } from './matchmaking.js';
import { newId, Outbox } from './outbox.js';
import { bindServerEvents } from './server-events.js';
import { Rest, type FetchLike } from './rest.js';
import { fromAnon, fromMember, jwtClaims, Tokens, type Session } from './session.js';
import { memoryStorage, Persistence, type KeyValueStorage, type Outgoing } from './storage.js';
import type {
  AccountType, AnonLoginResp, CatchUp, ListMessageResp, LoginResp, MatchState, Message, Partner, PlatformProvider, PlatformSignInInput, PlatformSignInResp,
  ReportReason, RespOK, UserInfo,
} from './types.js';

export interface ChatClientOptions extends ConnectionOptions {
  /** Where the session, room and unsent messages are kept (localStorage, AsyncStorage); memory by default. */
  storage?: KeyValueStorage;
  storageKey?: string;
  fetch?: FetchLike;
}

/** The GaoBinYou client: sessions, matchmaking, one room at a time, messages in order and once. */
export class ChatClient extends Emitter<ChatEvents> {
  readonly account: Account;
  private readonly rest: Rest;
  private readonly tokens: Tokens;
  private readonly store: Persistence;
  private readonly outbox: Outbox;
  private conn: Connection | null = null;
  private readonly room: CurrentRoom;
  private readonly match: Matchmaker;
  private readonly doors: Doors;

  constructor(private readonly opts: ChatClientOptions) {
    super();
    this.rest = new Rest(opts);
    this.store = new Persistence(opts.storage ?? memoryStorage(), opts.storageKey ?? 'gaobinyou.client.v1');
    this.tokens = new Tokens(this.rest, {
      changed: () => this.persist(),
      latest: async () => (await this.store.load())?.session ?? null,
      ended: (e) => {
        this.teardown();
        this.emit('session_ended', e);
      },
    });
    this.outbox = new Outbox({
      ready: (roomId) => this.readyToSend(roomId),
      send: (o) => this.sendNow(o.room_id, o.content, o.client_msg_id),
      changed: (q) => {
        this.persist();
        this.emit('outbox', q);
      },
      rateLimited: (ms) => this.emit('rate_limited', { retry_after_ms: ms }),
    });
    this.account = new Account(this.rest, this.tokens);
    this.doors = new Doors(() => this.conn, this.tokens, this.rest);
    this.room = new CurrentRoom({
      matched: (e) => this.emit('matched', e),
      message: (m) => this.emit('message', m),
      opened: (id) => this.match.set({ status: 'matched', room_id: id }),
      closed: (e) => {
        this.outbox.drop(new ChatError('CONFLICT', 'the room closed before this message was sent'), e.room_id);
        this.match.set({ status: 'idle' });
        this.persist();
        this.emit('room_closed', e);
      },
      persist: () => this.persist(),
      catchUp: (id, after) =>
        this.doors.room<CatchUp>('join', { room_id: id, ...(after ? { after } : {}) }, 'GET', `/rooms/${enc(id)}/messages/after${after ? `?after=${enc(after)}` : ''}`),
      online: () => this.conn?.rooms.connected === true,
    });
    this.match = new Matchmaker((event) => this.doors.matchmaking(event), this.room, (m) => this.emit('matchmaking', m));
  }

  get me(): Me | null {
    const s = this.tokens.session;
    return s ? { kind: s.kind, uid: s.uid, name: s.name } : null;
  }
  get connection(): ConnectionState {
    return this.conn?.state ?? 'offline';
  }
  get matchState(): MatchState {
    return this.match.current;
  }
  /** The current (or last, until the next match) room. */
  get currentRoom(): { id: string; partner: Partner; closed: boolean } | null {
    return this.room.info;
  }
  /** Messages written but not yet acknowledged, oldest first. */
  get pending(): readonly Outgoing[] {
    return this.outbox.pending;
  }

  /** Picks up a saved session (and room, and unsent messages); false when there is none. */
  async restore(): Promise<boolean> {
    const saved = await this.store.load();
    if (!saved) return false;
    if (saved.room) this.room.restore(saved.room);
    this.begin(saved.session);
    this.outbox.restore(saved.outbox);
    return true;
  }

  async signInAnonymously(name: string): Promise<Me> {
    const r = await this.rest.call<AnonLoginResp>('POST', '/api/v1/auth/anon', { body: { name } });
    return this.begin(fromAnon(r, name.trim()));
  }

  register(loginId: string, password: string, accountType: AccountType = 'any'): Promise<Me> {
    const credentials = { password, password_confirm: password, account_type: accountType };
    return this.member('/api/v1/auth/register', { auth_method: 'credentials', login_id: loginId, credentials }, loginId);
  }

  signIn(loginId: string, password: string, accountType: AccountType = 'any'): Promise<Me> {
    return this.member('/api/v1/auth/sessions', { auth_method: 'credentials', login_id: loginId, credentials: { password, account_type: accountType } }, loginId);
  }

  /**
   * `idToken` from the provider's own sign-in SDK; `register` creates the account on first use, and
   * then `loginId` must be the e-mail address the provider verified (ask for its email scope).
   */
  signInWithPlatform(provider: PlatformProvider, idToken: string, loginId: string, register = false): Promise<Me> {
    const path = register ? '/api/v1/auth/register' : '/api/v1/auth/sessions';
    return this.member(path, { auth_method: 'platform', login_id: loginId, platform: { provider, token: idToken } }, loginId);
  }

  /** Finishes a redirect sign-in (readPlatformAnswer's result): logs in, or registers on first use. */
  async finishPlatformSignIn(answer: PlatformSignInInput): Promise<Me & { registered: boolean }> {
    let registered = false;
    const email = answer.id_token ? jwtClaims(answer.id_token)?.email : '';
    const me = await this.member('/api/v1/auth/platform/sessions', answer, String(email ?? ''), (r) => (registered = (r as PlatformSignInResp).registered));
    return { ...me, registered };
  }

  async signOut(): Promise<void> {
    const s = this.tokens.session;
    // Sockets and the refresh timer go first: the server drops the sockets of an ended session, and
    // a socket still open then would try to refresh a session that is being ended.
    this.teardown();
    if (s?.kind === 'member') await this.rest.call('DELETE', '/api/v1/auth/sessions', { token: s.access }).catch(() => undefined);
  }

  findMatch(): Promise<MatchState> {
    return this.match.find();
  }

  cancelMatch(): Promise<void> {
    return this.match.cancel();
  }

  /** Queues a message; resolves with the stored Message once the server has it. */
  send(text: string): Promise<Message> {
    const roomId = this.room.id;
    if (!roomId || !this.room.isOpen) return Promise.reject(new ChatError('NO_ROOM', 'not in an open room'));
    const content = text.trim();
    if (!content) return Promise.reject(new ChatError('INVALID_ARGUMENT', 'a message needs some text'));
    if (content.length > 2000) return Promise.reject(new ChatError('INVALID_ARGUMENT', 'a message is at most 2000 characters'));
    return this.outbox.push({ client_msg_id: newId(), room_id: roomId, content });
  }

  /** Closes the current room for both. */
  async leave(): Promise<void> {
    const id = this.room.id;
    if (!id || !this.room.isOpen) return;
    try {
      await this.doors.room<RespOK>('leave', { room_id: id }, 'POST', `/rooms/${enc(id)}/leave`);
    } catch (e) {
      if (!isChatError(e, 'CONFLICT') && !isChatError(e, 'NOT_FOUND')) throw e;
    }
    this.room.close(id, this.uid);
  }

  async next(): Promise<MatchState> {
    await this.leave();
    return this.findMatch();
  }

  /** Older messages of the current room, newest first (REST form: from the page before `before`). */
  async history(q: { before?: string; page_size?: number } = {}): Promise<ListMessageResp> {
    const id = this.requireRoom();
    const qs = new URLSearchParams({ page_size: String(q.page_size ?? 20), ...(q.before ? { before: q.before } : {}) });
    const r = await this.tokens.authed<ListMessageResp>(this.rest, 'GET', `/api/v1/rooms/${enc(id)}/messages?${qs.toString()}`);
    return { pager: r.pager, data: r.data.map((m) => ({ ...m, room_id: id })) };
  }

  typing(on: boolean): void {
    const id = this.room.id;
    if (id && this.room.isOpen && this.conn?.rooms.connected) this.conn.rooms.emit('typing', { room_id: id, typing: on });
  }

  /** Reports the partner: the server also blocks them and closes the room. */
  async report(reason: ReportReason, note?: string): Promise<{ report_id: string }> {
    const id = this.requireRoom();
    const r = await this.tokens.authed<{ report_id: string }>(this.rest, 'POST', `/api/v1/rooms/${enc(id)}/report`, { reason, ...(note ? { note } : {}) });
    this.room.close(id, this.uid);
    return r;
  }

  /** Never be matched with this user again; blocking the current partner closes the room. */
  async block(uid: string): Promise<void> {
    await this.tokens.authed<RespOK>(this.rest, 'POST', '/api/v1/user/me/blocks', { uid });
    const id = this.room.id;
    if (id && this.room.isOpen && this.room.partner?.uid === uid) this.room.close(id, this.uid);
  }

  // ---- internals ----

  private async member(path: string, body: unknown, loginId: string, answered?: (r: LoginResp) => void): Promise<Me> {
    const r = await this.rest.call<LoginResp>('POST', path, { body });
    answered?.(r);
    const me = this.begin(fromMember(r, r.uid, loginId));
    // The nickname, when the member has one, is the name others see (else the e-mail, when we had no name).
    const profile = await this.account.profile().catch(() => null as UserInfo | null);
    const s = this.tokens.session;
    const name = profile?.nickname || (s?.name ? '' : profile?.email);
    if (name && s) this.tokens.set({ ...s, name });
    return this.me ?? me;
  }

  private begin(s: Session): Me {
    if (this.tokens.session && this.tokens.session.uid !== s.uid) this.teardown();
    this.tokens.set(s);
    if (!this.conn) {
      this.conn = new Connection(this.opts, this.tokens, {
        state: (st) => {
          if (st === 'online') this.outbox.nudge();
          this.emit('state', st);
        },
        roomsUp: () => void this.room.sync(),
        matchmakingUp: () => void this.match.check(),
      });
      bindServerEvents(this.conn, {
        matched: (e) => this.room.enter(e.room_id, e.partner ?? null),
        message: (m) => this.room.accept(m),
        typing: (e) => this.fromPartner(e) && this.emit('typing', e),
        presence: (e) => this.fromPartner(e) && this.emit('presence', e),
        roomClosed: (e) => this.room.close(e.room_id, e.by ?? null),
        resync: (ids) => {
          if (this.room.id && (!ids || ids.includes(this.room.id))) void this.room.sync();
        },
      });
      this.conn.open();
    }
    this.emit('session', this.me);
    return this.me!;
  }

  private teardown(): void {
    const had = this.tokens.session !== null || this.conn !== null;
    this.conn?.close();
    this.conn = null;
    this.tokens.stop();
    if (this.tokens.session) this.tokens.set(null);
    this.outbox.drop(new ChatError('SIGNED_OUT', 'signed out'));
    this.room.reset();
    this.match.reset();
    void this.store.save(null);
    if (had) {
      this.emit('state', 'offline');
      this.emit('session', null);
    }
  }

  private persist(): void {
    const s = this.tokens.session;
    if (!s) return;
    const room = this.room.saved;
    void this.store.save({ v: 1, session: s, ...(room ? { room } : {}), outbox: [...this.outbox.pending] });
  }

  private readyToSend = async (roomId: string): Promise<void> => {
    while (this.conn && this.conn.state !== 'online') await this.conn.whenOnline();
    if (this.room.id === roomId) await this.room.sync();
  };

  private async sendNow(roomId: string, content: string, clientMsgId: string): Promise<Message> {
    return this.room.holding(roomId, async () => ({
      ...(await this.doors.request<Message>('send', { room_id: roomId, content, client_msg_id: clientMsgId })),
      room_id: roomId,
    }));
  }

  private requireRoom(): string {
    const id = this.room.id;
    if (!id) throw new ChatError('NO_ROOM', 'not in a room');
    return id;
  }

  private readonly fromPartner = (e: { room_id: string; uid: string }): boolean => e.room_id === this.room.id && e.uid !== this.uid;

  private get uid(): string | null {
    return this.tokens.session?.uid ?? null;
  }
}

const enc = encodeURIComponent;
