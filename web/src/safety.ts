import { ChatError, type ChatClient, type ReportReason } from '../../client/src/index.js';
import { h } from './dom.js';
import { humanError } from './errors.js';
import { onLangChange, t } from './i18n.js';
import { confirmDialog, toast, ui } from './ui.js';

const REASONS: ReportReason[] = ['spam', 'harassment', 'sexual', 'hate', 'violence', 'minor_safety', 'other'];

/** Report and Block, behind the chat header's "more" menu. Both end the chat (the server closes it). */
export function mountSafety(client: ChatClient, partnerName: () => string): void {
  const renderReasons = () => {
    const checked = ui.reportReasons.querySelector<HTMLInputElement>('input:checked')?.value;
    ui.reportReasons.replaceChildren(
      ...REASONS.map((r) =>
        h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'reason', value: r, required: true, checked: r === checked }), ' ', t(`reason.${r}`)),
      ),
    );
  };
  renderReasons();
  onLangChange(renderReasons);

  const closeMenu = (focusButton: boolean) => {
    ui.moreMenu.hidden = true;
    ui.more.setAttribute('aria-expanded', 'false');
    if (focusButton) ui.more.focus();
  };
  ui.more.addEventListener('click', () => {
    const open = ui.moreMenu.hidden;
    ui.moreMenu.hidden = !open;
    ui.more.setAttribute('aria-expanded', String(open));
    if (open) ui.report.focus();
  });
  ui.moreMenu.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeMenu(true);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      (document.activeElement === ui.report ? ui.block : ui.report).focus();
    }
  });
  document.addEventListener('click', (e) => {
    if (!ui.moreMenu.hidden && !ui.moreMenu.contains(e.target as Node) && e.target !== ui.more) closeMenu(false);
  });

  ui.report.addEventListener('click', () => {
    closeMenu(false);
    ui.reportTitle.textContent = t('report.title', { name: partnerName() });
    ui.reportError.textContent = '';
    ui.reportNote.value = '';
    ui.reportDialog.showModal();
  });
  ui.reportForm.addEventListener('submit', (e) => {
    const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
    if (submitter?.value !== 'ok') return;
    e.preventDefault();
    const reason = ui.reportReasons.querySelector<HTMLInputElement>('input:checked')?.value as ReportReason | undefined;
    if (!reason) {
      ui.reportError.textContent = t('report.pick');
      ui.reportReasons.querySelector<HTMLInputElement>('input')?.focus();
      return;
    }
    const name = partnerName();
    void client.report(reason, ui.reportNote.value.trim() || undefined).then(
      () => {
        ui.reportDialog.close();
        toast(t('report.done', { name }));
      },
      (err: unknown) => {
        ui.reportError.textContent = err instanceof ChatError && err.code === 'NOT_FOUND' ? t('unavailable') : err instanceof ChatError && err.code === 'CONFLICT' ? t('report.already') : humanError(err);
      },
    );
  });

  ui.block.addEventListener('click', () => {
    closeMenu(false);
    const partner = client.currentRoom?.partner;
    const name = partnerName();
    void confirmDialog(t('block.title', { name }), t('block.body'), t('block.yes'), ui.more).then(async (ok) => {
      if (!ok || !partner?.uid) return;
      try {
        await client.block(partner.uid);
        toast(t('block.done', { name }));
      } catch (err) {
        toast(err instanceof ChatError && err.code === 'NOT_FOUND' ? t('unavailable') : humanError(err));
      }
    });
  });
}
