import { byId } from './dom.js';

/** Every element the views use, looked up once. */
export const ui = {
  body: document.body,
  main: byId('main'),
  whoami: byId('whoami'),
  whoamiName: byId('whoami-name'),
  whoamiAvatar: byId('whoami-avatar'),
  profile: byId<HTMLButtonElement>('btn-profile'),
  signout: byId<HTMLButtonElement>('btn-signout'),
  lang: byId<HTMLSelectElement>('lang'),
  welcomeNotice: byId('welcome-notice'),
  tabGuest: byId<HTMLButtonElement>('tab-guest'),
  tabMember: byId<HTMLButtonElement>('tab-member'),
  formGuest: byId<HTMLFormElement>('form-guest'),
  guestName: byId<HTMLInputElement>('guest-name'),
  guestError: byId('guest-error'),
  memberPanel: byId('form-member'),
  formLogin: byId<HTMLFormElement>('form-login'),
  memberTitle: byId('member-title'),
  memberEmail: byId<HTMLInputElement>('member-email'),
  memberPassword: byId<HTMLInputElement>('member-password'),
  memberConfirmRow: byId('member-confirm-row'),
  memberConfirm: byId<HTMLInputElement>('member-confirm'),
  memberError: byId('member-error'),
  memberSubmit: byId<HTMLButtonElement>('member-submit'),
  memberSwitchText: byId('member-switch-text'),
  memberSwitch: byId<HTMLButtonElement>('member-switch'),
  forgot: byId<HTMLButtonElement>('btn-forgot'),
  platforms: byId('platforms'),
  platformButtons: byId('platform-buttons'),
  formReset: byId<HTMLFormElement>('form-reset'),
  resetEmail: byId<HTMLInputElement>('reset-email'),
  resetSend: byId<HTMLButtonElement>('btn-reset-send'),
  resetCode: byId<HTMLInputElement>('reset-code'),
  resetPassword: byId<HTMLInputElement>('reset-password'),
  resetError: byId('reset-error'),
  resetBack: byId<HTMLButtonElement>('btn-reset-back'),
  lobbyTitle: byId('lobby-title'),
  lobbyNotice: byId('lobby-notice'),
  find: byId<HTMLButtonElement>('btn-find'),
  alerts: byId<HTMLInputElement>('alerts'),
  cancel: byId<HTMLButtonElement>('btn-cancel'),
  partnerName: byId('partner-name'),
  partnerAvatar: byId('partner-avatar'),
  conn: byId('conn-status'),
  next: byId<HTMLButtonElement>('btn-next'),
  leave: byId<HTMLButtonElement>('btn-leave'),
  more: byId<HTMLButtonElement>('btn-more'),
  moreMenu: byId('more-menu'),
  report: byId<HTMLButtonElement>('btn-report'),
  block: byId<HTMLButtonElement>('btn-block'),
  slow: byId('slow-notice'),
  scroller: byId('scroller'),
  historyStatus: byId('history-status'),
  messages: byId<HTMLOListElement>('messages'),
  typing: byId('typing'),
  typingText: byId('typing-text'),
  closedBanner: byId('closed-banner'),
  closedText: byId('closed-text'),
  newStranger: byId<HTMLButtonElement>('btn-new'),
  home: byId<HTMLButtonElement>('btn-home'),
  composer: byId<HTMLFormElement>('composer'),
  input: byId<HTMLTextAreaElement>('composer-input'),
  send: byId<HTMLButtonElement>('btn-send'),
  composerError: byId('composer-error'),
  confirm: byId<HTMLDialogElement>('dlg-confirm'),
  confirmTitle: byId('confirm-title'),
  confirmBody: byId('confirm-body'),
  confirmOk: byId<HTMLButtonElement>('confirm-ok'),
  reportDialog: byId<HTMLDialogElement>('dlg-report'),
  reportForm: byId<HTMLFormElement>('form-report'),
  reportTitle: byId('report-title'),
  reportReasons: byId('report-reasons'),
  reportNote: byId<HTMLTextAreaElement>('report-note'),
  reportError: byId('report-error'),
  profileDialog: byId<HTMLDialogElement>('dlg-profile'),
  toast: byId('toast'),
};

export type Screen = 'welcome' | 'lobby' | 'waiting' | 'chat';

export function showScreen(s: Screen): void {
  for (const name of ['welcome', 'lobby', 'waiting', 'chat'] as const) byId(`screen-${name}`).hidden = name !== s;
  ui.body.dataset.screen = s;
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;

export function toast(text: string): void {
  ui.toast.textContent = text;
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (ui.toast.hidden = true), 5000);
}

/** A modal yes/no question; resolves true on yes. Focus returns to `from` afterwards. */
export function confirmDialog(title: string, body: string, yes: string, from: HTMLElement): Promise<boolean> {
  ui.confirmTitle.textContent = title;
  ui.confirmBody.textContent = body;
  ui.confirmOk.textContent = yes;
  ui.confirm.returnValue = '';
  ui.confirm.showModal();
  return new Promise((resolve) => {
    ui.confirm.addEventListener(
      'close',
      () => {
        if (from.isConnected && !from.closest('[hidden]')) from.focus();
        resolve(ui.confirm.returnValue === 'ok');
      },
      { once: true },
    );
  });
}
