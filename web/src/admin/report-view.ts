import { h } from '../dom.js';
import { formatTime } from '../i18n.js';
import type { Report } from '../../../client/src/index.js';
import { REASONS, shortId, when } from './queue.js';

export interface Decision {
  action: 'dismiss' | 'ban';
  duration_hours?: number;
  note?: string;
}

const DURATIONS: Array<[string, string]> = [
  ['24', '24 hours'],
  ['168', '7 days'],
  ['720', '30 days'],
  ['', 'Permanently'],
];

/**
 * One report: what was reported, the evidence (the room's last messages, oldest first, each
 * marked with who sent it) and, while it is open, the decision form; once resolved with a ban, a
 * way to lift it. A ban and an unban each ask for a second click so that a slip of the mouse
 * bans or frees nobody.
 */
export function renderReport(root: HTMLElement, r: Report, decide: (d: Decision) => Promise<void>, unban: (uid: string) => Promise<void>): void {
  const who = (uid: string) => (uid === r.reporter_uid ? 'Reporter' : uid === r.reported_uid ? 'Reported user' : shortId(uid));
  const evidence = r.evidence ?? [];
  const facts = h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'Reason'), h('dd', {}, REASONS[r.reason] ?? r.reason),
    h('dt', {}, 'Reported'), h('dd', {}, when(r.created_at)),
    h('dt', {}, 'Reporter'), h('dd', { class: 'mono' }, r.reporter_uid),
    h('dt', {}, 'Reported user'), h('dd', { class: 'mono' }, r.reported_uid),
    h('dt', {}, 'Note'), h('dd', {}, r.note || '—'),
    r.status === 'resolved' ? h('dt', {}, 'Outcome') : null,
    r.status === 'resolved' ? h('dd', {}, `${r.action === 'ban' ? 'Banned' : 'Dismissed'} ${r.resolved_at ? when(r.resolved_at) : ''}${r.resolution_note ? ` — ${r.resolution_note}` : ''}`) : null,
  );
  const log = h('ol', { class: 'evidence', 'aria-label': 'Evidence: the last messages of the room, oldest first' });
  if (evidence.length === 0) log.append(h('li', { class: 'evidence-empty' }, 'The room had no messages.'));
  for (const m of evidence) {
    const side = m.uid === r.reported_uid ? 'reported' : 'reporter';
    log.append(h('li', { class: `evidence-msg ${side}` }, h('span', { class: 'evidence-who' }, `${who(m.uid)} · ${formatTime(m.timestamp)}`), h('span', { class: 'evidence-text' }, m.content)));
  }
  root.replaceChildren(h('h2', { id: 'report-title', tabindex: '-1' }, `Report ${shortId(r.report_id)}`), facts, h('h3', {}, `Evidence (${evidence.length})`), log);
  if (r.status === 'open') root.append(decisionForm(decide));
  else if (r.action === 'ban') root.append(liftBan(r.reported_uid, unban));
}

/** "Unban", then "Confirm unban": lifts the reported user's ban, whatever its length. */
function liftBan(uid: string, unban: (uid: string) => Promise<void>): HTMLElement {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const done = h('p', { id: 'unban-done', role: 'status', tabindex: '-1' });
  const ask = h('button', { type: 'button', class: 'secondary', id: 'unban' }, 'Unban');
  const confirm = h('button', { type: 'button', class: 'danger', id: 'confirm-unban', hidden: true }, `Confirm unban of ${shortId(uid)}`);
  ask.addEventListener('click', () => {
    confirm.hidden = false;
    confirm.focus();
  });
  confirm.addEventListener('click', () => {
    ask.disabled = confirm.disabled = true;
    error.textContent = '';
    unban(uid).then(
      () => {
        ask.hidden = confirm.hidden = true;
        done.textContent = `Ban lifted: ${shortId(uid)} can sign in and chat again.`;
        done.focus();
      },
      (e: unknown) => {
        error.textContent = e instanceof Error ? e.message : 'Something went wrong.';
        ask.disabled = confirm.disabled = false;
      },
    );
  });
  return h(
    'section',
    { class: 'decision', 'aria-labelledby': 'lift-title' },
    h('h3', { id: 'lift-title' }, 'Lift the ban'),
    h('p', { class: 'muted' }, 'The reported user was banned over this report. Lifting the ban lets them sign in again at once; their old sessions stay signed out.'),
    h('div', { class: 'decision-row' }, ask, confirm),
    error,
    done,
  );
}

function decisionForm(decide: (d: Decision) => Promise<void>): HTMLElement {
  const note = h('textarea', { id: 'decision-note', maxlength: '500', rows: '2', placeholder: 'Why (for the next moderator and the audit log)' });
  const duration = h('select', { id: 'ban-duration' }, ...DURATIONS.map(([v, label]) => h('option', { value: v }, label)));
  const error = h('p', { class: 'form-error', role: 'alert' });
  const dismiss = h('button', { type: 'button', class: 'secondary', id: 'dismiss' }, 'Dismiss');
  const ban = h('button', { type: 'button', class: 'danger', id: 'ban' }, 'Ban');
  const confirm = h('button', { type: 'button', class: 'danger', id: 'confirm-ban', hidden: true }, 'Confirm ban');
  const busy = (on: boolean) => [dismiss, ban, confirm].forEach((b) => (b.disabled = on));
  const run = async (d: Decision) => {
    busy(true);
    error.textContent = '';
    try {
      await decide({ ...d, ...(note.value.trim() ? { note: note.value.trim() } : {}) });
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : 'Something went wrong.';
      busy(false);
    }
  };
  dismiss.addEventListener('click', () => void run({ action: 'dismiss' }));
  ban.addEventListener('click', () => {
    confirm.hidden = false;
    confirm.textContent = `Confirm ban (${duration.selectedOptions[0]?.textContent ?? ''})`;
    confirm.focus();
  });
  confirm.addEventListener('click', () => void run({ action: 'ban', ...(duration.value ? { duration_hours: Number(duration.value) } : {}) }));
  return h(
    'section',
    { class: 'decision', 'aria-label': 'Decision' },
    h('label', { for: 'decision-note' }, 'Note'),
    note,
    h('div', { class: 'decision-row' }, dismiss, h('label', { for: 'ban-duration', class: 'sr-only' }, 'Ban for'), duration, ban, confirm),
    error,
  );
}
