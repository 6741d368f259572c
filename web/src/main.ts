import { ChatClient } from '../../client/src/index.js';
import { mountAttention } from './attention.js';
import { ChatView } from './chat.js';
import { initial } from './dom.js';
import { humanError } from './errors.js';
import { applyStatic, currentLang, LANGS, onLangChange, setLang, t, type Lang } from './i18n.js';
import { finishPlatformSignIn, mountPlatformButtons } from './platform.js';
import { mountProfile } from './profile.js';
import { mountSafety } from './safety.js';
import { showScreen, toast, ui } from './ui.js';
import { mountWelcome } from './welcome.js';

/**
 * The web client: screens that render the SDK's state and call it. Nothing here talks to a
 * socket; sessions, the outbox, ordering and reconnection are the SDK's (client/).
 */
const client = new ChatClient({ baseUrl: location.origin, storage: localStorage, storageKey: 'gby.session.v2' });
const chat = new ChatView(client);
const partnerName = () => chat.partnerName;

function goWelcome(notice = ''): void {
  ui.welcomeNotice.textContent = notice;
  ui.welcomeNotice.hidden = !notice;
  showScreen('welcome');
}

function goLobby(notice = ''): void {
  ui.lobbyNotice.textContent = notice;
  ui.lobbyNotice.hidden = !notice;
  renderWho();
  showScreen('lobby');
  ui.find.focus();
}

function renderWho(): void {
  const me = client.me;
  ui.whoami.hidden = ui.signout.hidden = ui.profile.hidden = !me;
  ui.whoamiName.textContent = me?.name ?? '';
  ui.whoamiAvatar.textContent = me ? initial(me.name) : '';
  ui.lobbyTitle.textContent = t('lobby.hi', { name: me?.name ?? '' });
}

/** Where the person should be, from the SDK's state. */
function route(): void {
  if (!client.me) return goWelcome();
  renderWho();
  const room = client.currentRoom;
  const m = client.matchState;
  if (room && !room.closed) return void chat.open(false);
  if (m.status === 'waiting') return showScreen('waiting');
  if (room?.closed && ui.body.dataset.screen === 'chat') return; // the banner stays until they choose
  goLobby();
}

client.on('session', (me) => (me ? goLobby() : goWelcome()));
client.on('session_ended', (e) => goWelcome(t(e.reason === 'banned' ? 'ended.banned' : 'ended.revoked')));
client.on('matchmaking', (m) => {
  if (m.status === 'waiting') {
    showScreen('waiting');
    ui.cancel.focus();
  }
});
client.on('matched', () => void chat.open(true));

chat.onLobby = () => goLobby();

ui.find.addEventListener('click', () => {
  showScreen('waiting');
  ui.cancel.focus();
  client.findMatch().catch((e: unknown) => goLobby(humanError(e)));
});
ui.cancel.addEventListener('click', () => {
  client.cancelMatch().then(() => goLobby(), (e: unknown) => toast(humanError(e)));
});
ui.signout.addEventListener('click', () => void client.signOut());

for (const [code, { label }] of Object.entries(LANGS)) {
  const o = document.createElement('option');
  o.value = code;
  o.textContent = label;
  o.lang = code;
  ui.lang.append(o);
}
ui.lang.value = currentLang();
ui.lang.addEventListener('change', () => setLang(ui.lang.value as Lang));
onLangChange(() => {
  renderWho();
  ui.lang.value = currentLang();
});

applyStatic();
mountWelcome(client);
mountSafety(client, partnerName);
mountAttention(client, partnerName);
mountProfile(client);
void mountPlatformButtons(client);
// Back from a platform sign-in: finish it first (its session replaces any saved one).
void finishPlatformSignIn(client).then(async (done) => {
  if (done === true) return route();
  const had = await client.restore();
  if (typeof done === 'string') {
    if (had) return goLobby(done);
    ui.tabMember.click();
    return goWelcome(done);
  }
  return had ? route() : goWelcome();
});
