import { byId, show } from '../dom.js';
import { ChatError } from '../../../client/src/index.js';
import { humanError } from '../errors.js';
import { AdminClient } from './client.js';
import { renderQueue } from './queue.js';
import { renderReport } from './report-view.js';
import type { Report } from '../../../client/src/index.js';

/** The moderator page at /admin: sign in, the report queue, one report, a decision. */

const client = new AdminClient();
const loginView = byId('login-view');
const deniedView = byId('denied-view');
const deskView = byId('desk-view');
const loginForm = byId<HTMLFormElement>('login-form');
const loginError = byId('login-error');
const whoami = byId('whoami');
const signOut = byId<HTMLButtonElement>('sign-out');
const list = byId<HTMLOListElement>('queue');
const queueStatus = byId('queue-status');
const detail = byId('report');
const pagerText = byId('pager');
const prev = byId<HTMLButtonElement>('prev');
const next = byId<HTMLButtonElement>('next');
const tabs = [byId<HTMLButtonElement>('tab-open'), byId<HTMLButtonElement>('tab-resolved')];

let status: 'open' | 'resolved' = 'open';
let page = 1;
let selected: string | null = null;

function screen(which: 'login' | 'denied' | 'desk'): void {
  show(loginView, which === 'login');
  show(deniedView, which === 'denied');
  show(deskView, which === 'desk');
  show(signOut, which !== 'login');
}

/** A 401 (expired or revoked token) sends the moderator back to the sign-in form. */
function onError(e: unknown, where: HTMLElement): void {
  if (e instanceof ChatError && e.status === 401) {
    client.forget();
    screen('login');
    loginError.textContent = 'Your session has ended. Please sign in again.';
    return;
  }
  where.textContent = humanError(e);
}

async function start(): Promise<void> {
  if (!client.signedIn) return screen('login');
  try {
    const me = await client.me();
    whoami.textContent = `${me.email || me.phone_number || me.nickname} · ${me.role}`;
    if (me.role === 'user') return screen('denied');
    screen('desk');
    await loadQueue();
  } catch (e) {
    onError(e, loginError);
  }
}

async function loadQueue(): Promise<void> {
  queueStatus.textContent = 'Loading…';
  try {
    const p = await client.reports(status, page);
    renderQueue(list, p, selected, (r) => void openReport(r));
    queueStatus.textContent = `${p.pager.total} ${status} report${p.pager.total === 1 ? '' : 's'}`;
    pagerText.textContent = p.pager.totalPages > 1 ? `Page ${p.pager.page} of ${p.pager.totalPages}` : '';
    prev.disabled = page <= 1;
    next.disabled = page >= p.pager.totalPages;
  } catch (e) {
    onError(e, queueStatus);
  }
}

async function openReport(r: Pick<Report, 'report_id'>): Promise<void> {
  selected = r.report_id;
  for (const b of list.querySelectorAll<HTMLButtonElement>('.queue-item')) b.setAttribute('aria-current', String(b.dataset.report === selected));
  detail.textContent = 'Loading…';
  try {
    const full = await client.report(r.report_id);
    renderReport(
      detail,
      full,
      async (d) => {
        try {
          const done = await client.resolve(full.report_id, d);
          renderReport(detail, { ...done, evidence: full.evidence ?? [] }, async () => undefined, unban);
        } catch (e) {
          // Another moderator resolved it first: show what they decided.
          if (e instanceof ChatError && e.code === 'CONFLICT') await openReport(full);
          else throw new Error(humanError(e));
        } finally {
          await loadQueue();
        }
      },
      unban,
    );
    byId('report-title').focus();
  } catch (e) {
    onError(e, detail);
  }
}

/** Lifts a ban; a 401 ends the session as everywhere else, any other failure shows next to the button. */
async function unban(uid: string): Promise<void> {
  try {
    await client.unban(uid);
  } catch (e) {
    if (e instanceof ChatError && e.status === 401) onError(e, detail);
    throw new Error(humanError(e));
  }
}

loginForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const data = new FormData(loginForm);
  loginError.textContent = '';
  client
    .login(String(data.get('login_id') ?? ''), String(data.get('password') ?? ''))
    .then(start)
    .catch((e: unknown) => (loginError.textContent = e instanceof ChatError && e.code === 'UNAUTHENTICATED' ? 'Wrong login id or password.' : humanError(e)));
});

signOut.addEventListener('click', () => {
  void client.logout().then(() => {
    detail.replaceChildren();
    screen('login');
  });
});

for (const tab of tabs) {
  tab.addEventListener('click', () => {
    status = tab.id === 'tab-resolved' ? 'resolved' : 'open';
    page = 1;
    for (const t of tabs) t.setAttribute('aria-selected', String(t === tab));
    void loadQueue();
  });
}
prev.addEventListener('click', () => void ((page = Math.max(1, page - 1)), loadQueue()));
next.addEventListener('click', () => void ((page += 1), loadQueue()));

void start();
