import type { Manager, Socket, io as ioFunction } from 'socket.io-client';
import { ApiError, emitAck, humanError, request } from './api.js';
import { Conversation, type Item } from './conversation.js';
import { byId, formatTime, h, initial, show, uuid } from './dom.js';
import * as store from './session.js';
import { SessionExpired, Tokens, fromAnon, fromMember, type Auth, type Saved } from './session.js';
import type { Ack, AnonLoginResp, CatchUp, ListMessageResp, LoginResp, MatchState, MatchedEvent, Message } from './types.js';

declare global {
  interface Window {
    /** socket.io-client's browser bundle (/vendor/socket.io.min.js) defines it, with its classes. */
    io?: typeof ioFunction & { Manager: typeof Manager };
  }
}

/**
 * The chat client: one page, four screens (welcome, lobby, waiting, chat). REST for logging in
 * (and as a fallback for matchmaking status), Socket.IO for everything live. State that must
 * survive a reload lives in localStorage (session.ts); the messages of a room are reloaded from
 * the server (history + catch-up), so nothing is lost or shown twice (conversation.ts).
 */

const PAGE = 30;
const SEND_TIMEOUT_MS = 10_000;
const POLL_MS = 3_000;
const TYPING_RENEW_MS = 2_500;
const TYPING_IDLE_MS = 3_000;
const TYPING_SHOWN_MS = 6_000;

type Screen = 'welcome' | 'lobby' | 'waiting' | 'chat';

const ui = {
  topbar: byId('topbar'),
  whoami: byId('whoami'),
  whoamiName: byId('whoami-name'),
  whoamiAvatar: byId('whoami-avatar'),
  signout: byId<HTMLButtonElement>('btn-signout'),
  screens: {
    welcome: byId('screen-welcome'),
    lobby: byId('screen-lobby'),
    waiting: byId('screen-waiting'),
    chat: byId('screen-chat'),
  } satisfies Record<Screen, HTMLElement>,
  welcomeNotice: byId('welcome-notice'),
  tabGuest: byId<HTMLButtonElement>('tab-guest'),
  tabMember: byId<HTMLButtonElement>('tab-member'),
  formGuest: byId<HTMLFormElement>('form-guest'),
  guestName: byId<HTMLInputElement>('guest-name'),
  guestError: byId('guest-error'),
  formMember: byId<HTMLFormElement>('form-member'),
  memberEmail: byId<HTMLInputElement>('member-email'),
  memberPassword: byId<HTMLInputElement>('member-password'),
  memberConfirmRow: byId('member-confirm-row'),
  memberConfirm: byId<HTMLInputElement>('member-confirm'),
  memberError: byId('member-error'),
  memberSubmit: byId<HTMLButtonElement>('member-submit'),
  memberSwitchText: byId('member-switch-text'),
  memberSwitch: byId<HTMLButtonElement>('member-switch'),
  memberTitle: byId('member-title'),
  lobbyName: byId('lobby-name'),
  lobbyNotice: byId('lobby-notice'),
  btnFind: byId<HTMLButtonElement>('btn-find'),
  waitingStatus: byId('waiting-status'),
  btnCancel: byId<HTMLButtonElement>('btn-cancel'),
  partnerName: byId('partner-name'),
  partnerAvatar: byId('partner-avatar'),
  connStatus: byId('conn-status'),
  btnNext: byId<HTMLButtonElement>('btn-next'),
  btnLeave: byId<HTMLButtonElement>('btn-leave'),
  scroller: byId('scroller'),
  historyStatus: byId('history-status'),
  messages: byId<HTMLOListElement>('messages'),
  typing: byId('typing'),
  typingText: byId('typing-text'),
  closed: byId('closed-banner'),
  closedText: byId('closed-text'),
  btnNew: byId<HTMLButtonElement>('btn-new'),
  btnHome: byId<HTMLButtonElement>('btn-home'),
  composer: byId<HTMLFormElement>('composer'),
  input: byId<HTMLTextAreaElement>('composer-input'),
  send: byId<HTMLButtonElement>('btn-send'),
  toast: byId('toast'),
};

let saved: Saved | null = null;
let tokens: Tokens | null = null;
let mm: Socket | null = null;
let rooms: Socket | null = null;
let convo: Conversation | null = null;
/** The last `matched` event: it can arrive before the ack of `join`, and it carries the partner's name. */
let lastMatched: MatchedEvent | null = null;
let pollTimer: number | undefined;
let typingStopTimer: number | undefined;
let typingHideTimer: number | undefined;
let toastTimer: number | undefined;
let typingSent = false;
let typingSentAt = 0;
let loadingOlder = false;
let syncing: Promise<void> | null = null;
let resync = false;
let memberMode: 'login' | 'register' = 'login';
let authFailures = 0;
const nodes = new Map<string, HTMLLIElement>();
/** The token each socket last presented in its handshake. */
const handshakeTokens = new WeakMap<Socket, { token: string }>();

const me = () => saved?.auth.uid ?? '';
const persist = () => {
  if (saved) store.save(saved);
};
const partner = () => saved?.room?.partner || 'Stranger';

// ---------------------------------------------------------------------------------------------
// Screens

function showScreen(s: Screen): void {
  for (const [name, el] of Object.entries(ui.screens)) show(el, name === s);
  document.body.dataset.screen = s;
  const signedIn = s !== 'welcome' && !!saved;
  show(ui.whoami, signedIn);
  show(ui.signout, s === 'lobby');
  if (saved) {
    ui.whoamiName.textContent = saved.auth.name;
    ui.whoamiAvatar.textContent = initial(saved.auth.name);
  }
}

function toast(text: string): void {
  ui.toast.textContent = text;
  show(ui.toast, true);
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => show(ui.toast, false), 5000);
}

function goWelcome(notice = ''): void {
  setMemberMode('login'); // someone coming back signs in rather than registers
  ui.welcomeNotice.textContent = notice;
  show(ui.welcomeNotice, !!notice);
  showScreen('welcome');
  ui.guestName.focus();
}

function goLobby(notice = ''): void {
  if (!saved) return goWelcome();
  stopPolling();
  saved.view = 'lobby';
  persist();
  ui.lobbyName.textContent = saved.auth.name;
  ui.lobbyNotice.textContent = notice;
  show(ui.lobbyNotice, !!notice);
  showScreen('lobby');
  ui.btnFind.focus();
}

// ---------------------------------------------------------------------------------------------
// Logging in

function setBusy(form: HTMLFormElement, busy: boolean): void {
  form.setAttribute('aria-busy', String(busy));
  for (const b of form.querySelectorAll('button')) b.disabled = busy;
}

async function onGuestSubmit(e: SubmitEvent): Promise<void> {
  e.preventDefault();
  const name = ui.guestName.value.trim();
  ui.guestError.textContent = '';
  if (!name) {
    ui.guestError.textContent = 'Please enter a name.';
    ui.guestName.focus();
    return;
  }
  setBusy(ui.formGuest, true);
  try {
    const r = await request<AnonLoginResp>('POST', '/api/v1/auth/anon', { body: { name } });
    begin(fromAnon(r, name));
  } catch (err) {
    ui.guestError.textContent = humanError(err);
    ui.guestName.focus();
  } finally {
    setBusy(ui.formGuest, false);
  }
}

function setMemberMode(mode: 'login' | 'register'): void {
  memberMode = mode;
  const reg = mode === 'register';
  show(ui.memberConfirmRow, reg);
  ui.memberConfirm.required = reg;
  ui.memberPassword.autocomplete = reg ? 'new-password' : 'current-password';
  ui.memberTitle.textContent = reg ? 'Create a member account' : 'Sign in with your account';
  ui.memberSubmit.textContent = reg ? 'Create account' : 'Sign in';
  ui.memberSwitchText.textContent = reg ? 'Already have an account?' : 'New here?';
  ui.memberSwitch.textContent = reg ? 'Sign in' : 'Create an account';
  ui.memberError.textContent = '';
}

async function onMemberSubmit(e: SubmitEvent): Promise<void> {
  e.preventDefault();
  ui.memberError.textContent = '';
  const email = ui.memberEmail.value.trim();
  const password = ui.memberPassword.value;
  const register = memberMode === 'register';
  if (register && password !== ui.memberConfirm.value) {
    ui.memberError.textContent = 'The two passwords do not match.';
    ui.memberConfirm.focus();
    return;
  }
  const body = {
    auth_method: 'credentials',
    login_id: email,
    credentials: { password, ...(register ? { password_confirm: ui.memberConfirm.value } : {}), account_type: 'email' },
  };
  setBusy(ui.formMember, true);
  try {
    const r = await request<LoginResp>('POST', register ? '/api/v1/auth/register' : '/api/v1/auth/sessions', { body });
    let name = email;
    try {
      const info = await request<{ nickname?: string; email?: string }>('GET', '/api/v1/user/me', { token: r.access_token });
      name = info.nickname || info.email || email;
    } catch {
      // the profile is a nicety: keep the e-mail
    }
    ui.memberPassword.value = '';
    ui.memberConfirm.value = '';
    begin(fromMember(r, name));
  } catch (err) {
    ui.memberError.textContent =
      err instanceof ApiError && err.status === 404
        ? 'Member accounts are not available on this server yet.'
        : err instanceof ApiError && err.code === 'UNAUTHENTICATED'
          ? 'Wrong e-mail or password.'
          : err instanceof ApiError && err.code === 'CONFLICT'
            ? 'This e-mail is already registered. Sign in instead.'
            : humanError(err);
  } finally {
    setBusy(ui.formMember, false);
  }
}

function selectTab(member: boolean): void {
  ui.tabGuest.setAttribute('aria-selected', String(!member));
  ui.tabMember.setAttribute('aria-selected', String(member));
  ui.tabGuest.tabIndex = member ? -1 : 0;
  ui.tabMember.tabIndex = member ? 0 : -1;
  show(ui.formGuest, !member);
  show(ui.formMember, member);
}

function begin(auth: Auth): void {
  saved = { v: 1, auth, view: 'lobby' };
  persist();
  startSession();
  goLobby();
}

function startSession(): void {
  if (!saved) return;
  tokens = new Tokens(saved.auth, (a) => {
    if (!saved) return;
    saved.auth = a;
    persist();
  });
  connectSockets();
}

function teardown(): void {
  stopPolling();
  stopTyping();
  for (const s of [mm, rooms]) {
    s?.removeAllListeners();
    s?.disconnect();
  }
  mm = rooms = null;
  clearChat();
  tokens = null;
}

function endSession(notice: string): void {
  teardown();
  saved = null;
  store.clear();
  goWelcome(notice);
}

async function signOut(): Promise<void> {
  const auth = saved?.auth;
  if (auth?.kind === 'member') {
    await request('DELETE', '/api/v1/auth/sessions', { token: auth.access }).catch(() => undefined);
  }
  endSession('');
}

/** REST with the access token, refreshed first when it is about to expire, and once more on 401. */
async function authed<T>(method: string, path: string): Promise<T> {
  if (!tokens) throw new ApiError(401, 'UNAUTHENTICATED', 'not signed in');
  const a = await tokens.fresh();
  try {
    return await request<T>(method, path, { token: a.access });
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401 || !tokens) throw e;
    return request<T>(method, path, { token: (await tokens.refresh()).access });
  }
}

// ---------------------------------------------------------------------------------------------
// Sockets

function connectSockets(): void {
  const ioFn = window.io;
  if (!ioFn) {
    toast('Could not load the real-time library. Please reload the page.');
    return;
  }
  // One connection per session, shared by both namespaces (a new Manager, so that signing out and
  // in again never reuses the sockets of the previous session).
  const manager = new ioFn.Manager(location.origin, { reconnectionDelay: 500, reconnectionDelayMax: 4000 });
  const open = (ns: string): Socket => {
    const used = { token: '' };
    const s = manager.socket(ns, {
      // Called on every (re)connection: a fresh token, refreshed first if it is about to expire.
      auth: (cb: (data: object) => void) => {
        const t = tokens;
        if (!t) return cb({});
        t.fresh().then(
          (a) => cb({ token: (used.token = a.socket) }),
          () => cb({ token: (used.token = t.current.socket) }),
        );
      },
    });
    handshakeTokens.set(s, used);
    return s;
  };
  mm = open('/matchmaking');
  rooms = open('/rooms');
  for (const s of [mm, rooms]) {
    s.on('connect', () => {
      authFailures = 0;
      updateConnection();
    });
    s.on('disconnect', (reason) => {
      if (s === rooms && convo) convo.live = false;
      updateConnection();
      // A server-side disconnect (e.g. a revoked session) is not retried by the client itself.
      if (reason === 'io server disconnect') window.setTimeout(() => s.connect(), 1000);
    });
    s.on('connect_error', (err) => onConnectError(s, err));
  }

  mm.on('matched', (e: MatchedEvent) => {
    lastMatched = e;
    if (saved?.view === 'waiting' || saved?.room?.id === e.room_id) onMatched(e.room_id, e.partner.name);
  });
  mm.on('connect', () => {
    if (saved?.view === 'waiting') void joinQueue();
  });

  rooms.on('connect', () => {
    if (convo) void syncRoom();
  });
  rooms.on('message', (m: Message) => {
    const c = convo;
    if (!c || m.room_id !== c.roomId) return;
    const fresh = c.receive([m], { live: true });
    if (fresh.some((x) => x.uid !== me())) setPartnerTyping(false);
    if (fresh.length) render();
  });
  rooms.on('typing', (e: { room_id: string; uid: string; typing: boolean }) => {
    if (convo && e.room_id === convo.roomId && e.uid !== me()) setPartnerTyping(e.typing);
  });
  rooms.on('room_closed', (e: { room_id: string; by: string }) => {
    if (convo && e.room_id === convo.roomId) markClosed(e.by === me() ? 'me' : 'partner');
  });
}

function onConnectError(s: Socket, err: Error): void {
  updateConnection();
  if (err.message === 'UNAUTHENTICATED' && tokens) {
    // Refused a token that has been replaced since (the other namespace refreshed): just retry.
    if (handshakeTokens.get(s)?.token !== tokens.current.socket) {
      s.connect();
      return;
    }
    // Fresh tokens refused again and again: something is wrong with the session; stop trying.
    if (++authFailures > 3) return endSession('Your session is no longer valid. Please log in again.');
    tokens.refresh().then(
      () => s.connect(),
      (e) => {
        if (e instanceof SessionExpired) endSession('Your session has expired. Please log in again.');
        else window.setTimeout(() => s.connect(), 3000);
      },
    );
  } else if (!s.active) {
    // Refused by the server (e.g. UNAVAILABLE): the client does not retry that on its own.
    window.setTimeout(() => {
      if (!s.connected && saved) s.connect();
    }, 2000);
  }
}

function updateConnection(): void {
  const online = !!rooms?.connected && !!mm?.connected;
  document.body.classList.toggle('offline', !online);
  if (saved?.room?.closed) ui.connStatus.textContent = 'Chat ended';
  else ui.connStatus.textContent = online ? 'Connected' : 'Reconnecting…';
  ui.connStatus.dataset.state = saved?.room?.closed ? 'ended' : online ? 'online' : 'offline';
}

// ---------------------------------------------------------------------------------------------
// Matchmaking

async function startMatch(): Promise<void> {
  if (!saved) return;
  clearChat();
  lastMatched = null;
  saved.view = 'waiting';
  persist();
  ui.waitingStatus.textContent = 'Waiting for someone to join…';
  showScreen('waiting');
  ui.btnCancel.focus();
  startPolling();
  await joinQueue();
}

async function joinQueue(): Promise<void> {
  try {
    const r = mm?.connected ? await emitAck<MatchState>(mm, 'join', undefined) : await authed<MatchState>('POST', '/api/v1/matchmaking/join');
    handleState(r);
  } catch (e) {
    if (saved?.view !== 'waiting') return;
    if (e instanceof SessionExpired) return endSession('Your session has expired. Please log in again.');
    if (e instanceof ApiError && e.code === 'RATE_LIMITED') return goLobby(humanError(e));
    ui.waitingStatus.textContent = `${humanError(e)} Retrying…`;
  }
}

function handleState(r: MatchState): void {
  if (saved?.view !== 'waiting') return;
  if (r.status === 'matched' && r.room_id) onMatched(r.room_id, lastMatched?.room_id === r.room_id ? lastMatched.partner.name : '');
  else if (r.status === 'idle') void joinQueue(); // dropped from the pool (e.g. after a long disconnect): queue again
  else ui.waitingStatus.textContent = 'Waiting for someone to join…';
}

/** The `matched` event is the fast path; polling `status` is the fallback (and keeps the entry alive). */
function startPolling(): void {
  stopPolling();
  pollTimer = window.setInterval(() => {
    if (saved?.view !== 'waiting') return stopPolling();
    const ask = mm?.connected ? emitAck<MatchState>(mm, 'status', undefined) : authed<MatchState>('GET', '/api/v1/matchmaking/status');
    ask.then(handleState, () => undefined);
  }, POLL_MS);
}

function stopPolling(): void {
  window.clearInterval(pollTimer);
  pollTimer = undefined;
}

async function cancelWaiting(): Promise<void> {
  stopPolling();
  goLobby();
  try {
    if (mm?.connected) await emitAck(mm, 'leave', undefined);
    else await authed('POST', '/api/v1/matchmaking/leave');
  } catch {
    // an entry nobody keeps alive leaves the pool by itself
  }
}

function onMatched(roomId: string, partnerName: string): void {
  if (!saved) return;
  if (convo?.roomId === roomId) {
    if (partnerName && saved.room && saved.room.partner !== partnerName) {
      saved.room.partner = partnerName;
      persist();
      renderHeader();
    }
    return;
  }
  stopPolling();
  saved.view = 'chat';
  saved.room = { id: roomId, partner: partnerName || 'Stranger' };
  saved.outbox = [];
  persist();
  enterChat();
  ui.input.focus();
}

// ---------------------------------------------------------------------------------------------
// The room

function enterChat(): void {
  if (!saved?.room) return goLobby();
  convo = new Conversation(saved.room.id, me(), saved.outbox ?? []);
  nodes.clear();
  ui.messages.replaceChildren();
  setPartnerTyping(false);
  renderHeader();
  showScreen('chat');
  applyClosed();
  render(true);
  if (rooms?.connected) void syncRoom();
}

function clearChat(): void {
  convo = null;
  nodes.clear();
  ui.messages.replaceChildren();
  setPartnerTyping(false);
  if (saved) {
    delete saved.room;
    saved.outbox = [];
  }
}

/**
 * After entering a room and after every reconnect: load the newest page once, retry unsent
 * messages, then catch up with `join {room_id, after: cursor}` until nothing more is missing.
 */
function syncRoom(): Promise<void> {
  if (syncing) {
    resync = true;
    return syncing;
  }
  syncing = (async () => {
    do {
      resync = false;
      const c = convo;
      const s = rooms;
      if (!c || !s?.connected) return;
      c.live = false;
      try {
        if (!c.loadedInitial) {
          const page = await emitAck<ListMessageResp>(s, 'history', { room_id: c.roomId, page_size: PAGE });
          if (c !== convo) return;
          c.initialPage(page.data, page.pager.total);
          render(true);
        }
        for (const o of c.retryable()) sendNow(o.client_msg_id);
        for (;;) {
          const r = await emitAck<CatchUp>(s, 'join', { room_id: c.roomId, ...(c.cursor ? { after: c.cursor } : {}) });
          if (c !== convo) return;
          c.caughtUp(r.messages);
          if (!r.has_more || !r.messages.length) break;
        }
        c.live = s.connected;
        render();
        await checkStillOpen(c);
        fillViewport();
      } catch (e) {
        if (c !== convo) return;
        if (e instanceof ApiError && (e.code === 'NOT_FOUND' || e.code === 'FORBIDDEN')) {
          clearChat();
          return goLobby('That conversation is no longer available.');
        }
        if (e instanceof ApiError && e.code === 'TIMEOUT') resync = true;
        else toast(humanError(e));
      }
    } while (resync && rooms?.connected);
  })().finally(() => {
    syncing = null;
  });
  return syncing;
}

/** A room_closed sent while this client was away is not replayed: ask where we stand. */
async function checkStillOpen(c: Conversation): Promise<void> {
  if (!saved?.room || saved.room.closed) return;
  try {
    const r = mm?.connected ? await emitAck<MatchState>(mm, 'status', undefined) : await authed<MatchState>('GET', '/api/v1/matchmaking/status');
    if (c !== convo) return;
    if (!(r.status === 'matched' && r.room_id === c.roomId)) markClosed('ended');
  } catch {
    // try again after the next reconnect
  }
}

function markClosed(by: 'me' | 'partner' | 'ended'): void {
  if (!saved?.room || saved.room.closed) return;
  saved.room.closed = by;
  persist();
  stopTyping();
  setPartnerTyping(false);
  applyClosed();
  updateConnection();
}

function applyClosed(): void {
  const closed = saved?.room?.closed;
  const sc = ui.scroller;
  const atBottom = sc.scrollHeight - sc.scrollTop - sc.clientHeight < 48;
  show(ui.closed, !!closed);
  ui.closedText.textContent = closed === 'partner' ? `${partner()} left the chat.` : closed === 'me' ? 'You left the chat.' : 'This chat has ended.';
  ui.input.disabled = !!closed;
  ui.send.disabled = !!closed;
  ui.input.placeholder = closed ? 'This chat has ended' : 'Type a message';
  show(ui.btnLeave, !closed);
  show(ui.btnNext, !closed);
  ui.screens.chat.classList.toggle('ended', !!closed);
  if (atBottom) sc.scrollTop = sc.scrollHeight; // the banner takes room: keep the last message in view
}

async function leaveRoom(next: boolean): Promise<void> {
  const room = saved?.room;
  if (!room) return;
  if (!room.closed) {
    try {
      if (rooms?.connected) await emitAck(rooms, 'leave', { room_id: room.id });
      else await authed('POST', `/api/v1/rooms/${encodeURIComponent(room.id)}/leave`);
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === 'NOT_FOUND' || e.code === 'FORBIDDEN'))) {
        toast(`Could not leave the chat: ${humanError(e)}`);
        return;
      }
    }
  }
  stopTyping();
  clearChat();
  if (next) await startMatch();
  else goLobby();
}

// ---------------------------------------------------------------------------------------------
// Sending

function onSubmit(e: Event): void {
  e.preventDefault();
  const c = convo;
  if (!c || saved?.room?.closed) return;
  const text = ui.input.value.trim();
  if (!text) return;
  if ([...text].length > 2000) {
    toast('A message can be at most 2000 characters.');
    return;
  }
  const o = c.queue(text, uuid(), Date.now());
  ui.input.value = '';
  autosize();
  stopTyping();
  saveOutbox();
  render(true);
  sendNow(o.client_msg_id);
  ui.input.focus();
}

function saveOutbox(): void {
  if (!saved || !convo) return;
  saved.outbox = convo.outbox;
  persist();
}

/** Emits `send` with the message's client_msg_id; a retry uses the same id, so it is stored once. */
function sendNow(cid: string): void {
  const c = convo;
  const s = rooms;
  if (!c || !s) return;
  const o = c.resend(cid);
  if (!o) return;
  saveOutbox();
  render();
  s.timeout(SEND_TIMEOUT_MS).emit('send', { room_id: c.roomId, content: o.content, client_msg_id: cid }, (err: Error | null, ack?: Ack<Message>) => {
    if (c !== convo) return;
    if (err || !ack) {
      c.fail(cid, 'Not sent: no answer from the server.', false);
      // Still connected: try again at once (a few times); otherwise on reconnect (syncRoom).
      if (s.connected && o.attempts < 3) return sendNow(cid);
    } else if (ack.ok) {
      c.confirm(cid, ack.data);
    } else {
      const code = ack.error.code;
      if (code === 'CONFLICT') {
        c.fail(cid, 'Not sent: the chat has ended.', true);
        markClosed('ended');
      } else if (code === 'RATE_LIMITED') {
        c.fail(cid, 'Not sent yet: slow down a little.', false);
        window.setTimeout(() => {
          if (c === convo && c.outgoing(cid)?.state === 'failed') sendNow(cid);
        }, Math.max(1, ack.error.retry_after ?? 2) * 1000);
      } else if (code === 'UNAVAILABLE' || code === 'INTERNAL') {
        c.fail(cid, `Not sent: ${humanError(ApiError.from(0, ack.error))}`, false);
      } else {
        c.fail(cid, `Not sent: ${humanError(ApiError.from(0, ack.error))}`, true);
      }
    }
    saveOutbox();
    render();
  });
}

// ---------------------------------------------------------------------------------------------
// Typing

function onInput(): void {
  autosize();
  const c = convo;
  if (!c || saved?.room?.closed || !rooms?.connected) return;
  if (!ui.input.value.trim()) return stopTyping();
  const now = Date.now();
  if (!typingSent || now - typingSentAt > TYPING_RENEW_MS) {
    rooms.volatile.emit('typing', { room_id: c.roomId, typing: true });
    typingSent = true;
    typingSentAt = now;
  }
  window.clearTimeout(typingStopTimer);
  typingStopTimer = window.setTimeout(stopTyping, TYPING_IDLE_MS);
}

function stopTyping(): void {
  window.clearTimeout(typingStopTimer);
  if (typingSent && convo && rooms?.connected) rooms.volatile.emit('typing', { room_id: convo.roomId, typing: false });
  typingSent = false;
}

function setPartnerTyping(on: boolean): void {
  window.clearTimeout(typingHideTimer);
  const visible = on && !saved?.room?.closed;
  const text = visible ? `${partner()} is typing…` : '';
  if (ui.typingText.textContent !== text) ui.typingText.textContent = text;
  ui.typing.classList.toggle('visible', visible);
  if (visible) typingHideTimer = window.setTimeout(() => setPartnerTyping(false), TYPING_SHOWN_MS);
}

function autosize(): void {
  ui.input.style.height = 'auto';
  ui.input.style.height = `${Math.min(ui.input.scrollHeight, 160)}px`;
}

// ---------------------------------------------------------------------------------------------
// History

async function loadOlder(): Promise<void> {
  const c = convo;
  const s = rooms;
  if (!c || !s?.connected || !c.loadedInitial || !c.hasOlder || loadingOlder) return;
  const before = c.oldestId;
  if (!before) {
    c.hasOlder = false;
    return renderHistoryStatus();
  }
  loadingOlder = true;
  ui.messages.setAttribute('aria-busy', 'true');
  renderHistoryStatus();
  try {
    const page = await emitAck<ListMessageResp>(s, 'history', { room_id: c.roomId, page_size: PAGE, before });
    if (c !== convo) return;
    const sc = ui.scroller;
    const fromBottom = sc.scrollHeight - sc.scrollTop;
    c.olderPage(page.data, page.pager.total);
    render();
    sc.scrollTop = sc.scrollHeight - fromBottom;
  } catch (e) {
    toast(humanError(e));
  } finally {
    loadingOlder = false;
    ui.messages.removeAttribute('aria-busy');
    renderHistoryStatus();
  }
  fillViewport();
}

/** Loads older pages while the list is too short to scroll (there is nothing to scroll up from). */
function fillViewport(): void {
  if (convo?.hasOlder && ui.scroller.scrollHeight <= ui.scroller.clientHeight + 8) void loadOlder();
}

// ---------------------------------------------------------------------------------------------
// Rendering

function renderHeader(): void {
  ui.partnerName.textContent = partner();
  ui.partnerAvatar.textContent = initial(partner());
  updateConnection();
}

function renderHistoryStatus(): void {
  const c = convo;
  if (!c) return;
  ui.historyStatus.textContent = loadingOlder
    ? 'Loading earlier messages…'
    : !c.loadedInitial
      ? 'Loading messages…'
      : c.hasOlder
        ? ''
        : `You are chatting with ${partner()}. Say hi!`;
}

const STATE_LABEL: Record<Item['state'], string> = { received: '', sent: 'Sent', pending: 'Sending…', failed: 'Not sent' };

function createNode(it: Item): HTMLLIElement {
  const li = h('li', { class: `msg ${it.mine ? 'mine' : 'theirs'}` });
  const who = h('span', { class: 'sr-only' }, it.mine ? 'You: ' : `${partner()}: `);
  const text = h('p', { class: 'text' });
  const bubble = h('div', { class: 'bubble' }, who, text);
  const time = h('time', { class: 'time' });
  const state = h('span', { class: 'state' });
  const retry = h('button', { type: 'button', class: 'retry link', hidden: true }, 'Retry');
  retry.addEventListener('click', () => {
    const cid = li.dataset.clientMsgId;
    if (cid) sendNow(cid);
  });
  li.append(bubble, h('div', { class: 'meta' }, time, state, retry));
  return li;
}

function updateNode(li: HTMLLIElement, it: Item, continued: boolean): void {
  const text = li.querySelector('.text')!;
  if (text.textContent !== it.content) text.textContent = it.content;
  li.dataset.state = it.state;
  if (it.message_id) li.dataset.messageId = it.message_id;
  if (it.client_msg_id) li.dataset.clientMsgId = it.client_msg_id;
  li.classList.toggle('continued', continued);
  const time = li.querySelector('time')!;
  const label = formatTime(it.timestamp);
  if (time.textContent !== label) time.textContent = label;
  time.dateTime = new Date(it.timestamp).toISOString();
  time.title = new Date(it.timestamp).toLocaleString();
  const state = li.querySelector<HTMLElement>('.state')!;
  state.textContent = STATE_LABEL[it.state];
  state.title = it.state === 'sent' ? 'Stored by the server and delivered to the chat' : (it.error ?? '');
  const retry = li.querySelector<HTMLButtonElement>('.retry')!;
  show(retry, it.state === 'failed');
  retry.setAttribute('aria-label', `Retry sending: ${it.content.slice(0, 40)}`);
  if (it.state === 'failed' && it.error) state.textContent = it.error;
}

/** Reconciles the list with the conversation, keeping existing nodes (and the reader's place). */
function render(stickToBottom = false): void {
  const c = convo;
  if (!c) return;
  const sc = ui.scroller;
  const atBottom = sc.scrollHeight - sc.scrollTop - sc.clientHeight < 48;
  const items = c.items();
  // "Sent" is shown under the newest of one's own sent messages only (pending and failed show always).
  let latestSent = -1;
  items.forEach((it, i) => {
    if (it.state === 'sent') latestSent = i;
  });
  const keep = new Set<string>();
  const list = ui.messages;
  items.forEach((it, i) => {
    keep.add(it.key);
    let node = nodes.get(it.key);
    if (!node) {
      node = createNode(it);
      nodes.set(it.key, node);
    }
    const prev = items[i - 1];
    updateNode(node, it, !!prev && prev.mine === it.mine && it.timestamp - prev.timestamp < 120_000);
    node.classList.toggle('latest', i === latestSent);
    const at = list.children[i];
    if (at !== node) list.insertBefore(node, at ?? null);
  });
  for (const [key, node] of nodes) {
    if (!keep.has(key)) {
      node.remove();
      nodes.delete(key);
    }
  }
  renderHistoryStatus();
  if (stickToBottom || atBottom) sc.scrollTop = sc.scrollHeight;
}

// ---------------------------------------------------------------------------------------------
// Boot

function wire(): void {
  ui.formGuest.addEventListener('submit', (e) => void onGuestSubmit(e));
  ui.formMember.addEventListener('submit', (e) => void onMemberSubmit(e));
  ui.memberSwitch.addEventListener('click', () => setMemberMode(memberMode === 'login' ? 'register' : 'login'));
  ui.tabGuest.addEventListener('click', () => selectTab(false));
  ui.tabMember.addEventListener('click', () => selectTab(true));
  for (const tab of [ui.tabGuest, ui.tabMember]) {
    tab.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      const member = tab === ui.tabGuest;
      selectTab(member);
      (member ? ui.tabMember : ui.tabGuest).focus();
    });
  }
  ui.btnFind.addEventListener('click', () => void startMatch());
  ui.btnCancel.addEventListener('click', () => void cancelWaiting());
  ui.btnLeave.addEventListener('click', () => void leaveRoom(false));
  ui.btnNext.addEventListener('click', () => void leaveRoom(true));
  ui.btnNew.addEventListener('click', () => void leaveRoom(true));
  ui.btnHome.addEventListener('click', () => void leaveRoom(false));
  ui.signout.addEventListener('click', () => void signOut());
  ui.composer.addEventListener('submit', onSubmit);
  ui.input.addEventListener('input', onInput);
  ui.input.addEventListener('blur', stopTyping);
  ui.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      ui.composer.requestSubmit();
    }
  });
  ui.scroller.addEventListener('scroll', () => {
    if (ui.scroller.scrollTop < 120) void loadOlder();
  }, { passive: true });
  store.onOtherTab((other) => {
    if (!saved) return;
    if (!other || other.auth.uid !== saved.auth.uid) return endSession('You signed out in another tab.');
    saved.auth = other.auth;
    tokens?.adopt(other.auth);
  });
}

function boot(): void {
  wire();
  saved = store.load();
  if (!saved) return goWelcome();
  startSession();
  if (saved.view === 'chat' && saved.room) {
    enterChat();
  } else if (saved.view === 'waiting') {
    ui.waitingStatus.textContent = 'Waiting for someone to join…';
    showScreen('waiting');
    startPolling(); // joins again (idempotent) as soon as /matchmaking connects
  } else {
    goLobby();
  }
}

boot();
