import { h } from '../dom.js';
import type { Report, ReportPage } from '../../../client/src/index.js';

export const REASONS: Record<string, string> = {
  spam: 'Spam',
  harassment: 'Harassment',
  sexual: 'Sexual content',
  hate: 'Hate',
  violence: 'Violence or threats',
  minor_safety: 'Minor safety',
  other: 'Other',
};

export const shortId = (id: string): string => id.slice(0, 8);

export const when = (iso: string): string => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The report list: one button per report, oldest first (as the server orders it). */
export function renderQueue(list: HTMLElement, page: ReportPage, selected: string | null, open: (r: Report) => void): void {
  list.replaceChildren();
  if (page.data.length === 0) {
    list.append(h('li', { class: 'queue-empty' }, 'Nothing here. Well done.'));
    return;
  }
  for (const r of page.data) {
    const button = h(
      'button',
      { type: 'button', class: `queue-item${r.reason === 'minor_safety' ? ' urgent' : ''}`, 'aria-current': r.report_id === selected ? 'true' : undefined, 'data-report': r.report_id },
      h('span', { class: 'queue-reason' }, REASONS[r.reason] ?? r.reason),
      h('span', { class: 'queue-meta' }, `${when(r.created_at)} · reported ${shortId(r.reported_uid)}`),
      r.note ? h('span', { class: 'queue-note' }, r.note) : null,
      r.action ? h('span', { class: `badge ${r.action}` }, r.action === 'ban' ? 'Banned' : 'Dismissed') : null,
    );
    button.addEventListener('click', () => open(r));
    list.append(h('li', {}, button));
  }
}
