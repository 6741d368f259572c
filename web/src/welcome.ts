import type { ChatClient } from '../../client/src/index.js';
import { ChatError } from '../../client/src/index.js';
import { humanError, invalidFields } from './errors.js';
import { onLangChange, t } from './i18n.js';
import { ui } from './ui.js';

/** The welcome screen: a guest name, or a member account (sign in, register, reset the password). */
export function mountWelcome(client: ChatClient): void {
  let mode: 'login' | 'register' = 'login';

  const renderMode = () => {
    const reg = mode === 'register';
    ui.memberTitle.textContent = t(reg ? 'member.titleRegister' : 'member.titleLogin');
    ui.memberSubmit.textContent = t(reg ? 'member.create' : 'member.signIn');
    ui.memberSwitchText.textContent = t(reg ? 'member.haveAccount' : 'member.newHere');
    ui.memberSwitch.textContent = t(reg ? 'member.toLogin' : 'member.toRegister');
    ui.memberConfirmRow.hidden = !reg;
    ui.memberPassword.autocomplete = reg ? 'new-password' : 'current-password';
    ui.memberError.textContent = '';
  };
  renderMode();
  onLangChange(renderMode);
  // Back at the welcome screen after signing out: sign in is the likely next step, and no password lingers.
  client.on('session', (me) => {
    if (me) return;
    mode = 'login';
    ui.memberPassword.value = ui.memberConfirm.value = '';
    renderMode();
  });

  const selectTab = (member: boolean) => {
    ui.tabGuest.setAttribute('aria-selected', String(!member));
    ui.tabMember.setAttribute('aria-selected', String(member));
    ui.tabGuest.tabIndex = member ? -1 : 0;
    ui.tabMember.tabIndex = member ? 0 : -1;
    ui.formGuest.hidden = member;
    ui.memberPanel.hidden = !member;
  };
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

  ui.formGuest.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = ui.guestName.value.trim();
    if (!name) {
      ui.guestError.textContent = t('guest.empty');
      ui.guestName.setAttribute('aria-invalid', 'true');
      return ui.guestName.focus();
    }
    ui.guestName.removeAttribute('aria-invalid');
    void busy(ui.formGuest, ui.guestError, () => client.signInAnonymously(name));
  });

  ui.memberSwitch.addEventListener('click', () => {
    mode = mode === 'login' ? 'register' : 'login';
    renderMode();
  });

  ui.formLogin.addEventListener('submit', (e) => {
    e.preventDefault();
    const email = ui.memberEmail.value.trim();
    const password = ui.memberPassword.value;
    const problem = !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)
      ? ['member.badEmail', ui.memberEmail] as const
      : password.length < 8
        ? ['member.shortPassword', ui.memberPassword] as const
        : mode === 'register' && ui.memberConfirm.value !== password
          ? ['member.mismatch', ui.memberConfirm] as const
          : null;
    if (problem) {
      ui.memberError.textContent = t(problem[0]);
      return problem[1].focus();
    }
    void busy(ui.formLogin, ui.memberError, () => (mode === 'register' ? client.register(email, password, 'email') : client.signIn(email, password, 'email')), (err) => {
      if (err instanceof ChatError && err.code === 'UNAUTHENTICATED') return t('member.wrong');
      if (err instanceof ChatError && err.code === 'CONFLICT') return t('member.taken');
      const fields = invalidFields(err);
      if (fields.some((f) => f.includes('login_id'))) return t('member.badEmail');
      if (fields.some((f) => f.includes('password'))) return t('member.shortPassword');
      return null;
    });
  });

  // Forgot password: code by e-mail, then a new password.
  const showReset = (on: boolean) => {
    ui.formLogin.hidden = on;
    ui.formReset.hidden = !on;
    ui.platforms.hidden = on || ui.platformButtons.childElementCount === 0;
    if (on) {
      ui.resetEmail.value = ui.memberEmail.value;
      ui.resetEmail.focus();
    } else ui.forgot.focus();
  };
  ui.forgot.addEventListener('click', () => showReset(true));
  ui.resetBack.addEventListener('click', () => showReset(false));
  ui.resetSend.addEventListener('click', () => {
    const identifier = ui.resetEmail.value.trim();
    if (!identifier) return ui.resetEmail.focus();
    void busy(ui.formReset, ui.resetError, async () => {
      await client.account.requestPasswordReset({ identifier, account_type: 'email' });
      ui.resetError.textContent = t('reset.sent');
      ui.resetCode.focus();
    });
  });
  ui.formReset.addEventListener('submit', (e) => {
    e.preventDefault();
    const identifier = ui.resetEmail.value.trim();
    const password = ui.resetPassword.value;
    if (password.length < 8) {
      ui.resetError.textContent = t('member.shortPassword');
      return ui.resetPassword.focus();
    }
    void busy(ui.formReset, ui.resetError, async () => {
      await client.account.resetPassword(identifier, ui.resetCode.value.trim(), password);
      showReset(false);
      ui.memberEmail.value = identifier;
      ui.memberPassword.value = '';
      ui.memberError.textContent = t('reset.done');
    }, (err) => (err instanceof ChatError && err.code === 'INVALID_ARGUMENT' && invalidFields(err).some((f) => f.includes('password')) ? t('member.shortPassword') : err instanceof ChatError && err.code === 'INVALID_ARGUMENT' ? t('reset.badCode') : null));
  });
}

/** Runs a form's action with its buttons disabled; a failure lands in `errorEl`, worded for people. */
export async function busy(form: HTMLElement, errorEl: HTMLElement, fn: () => Promise<unknown>, explain: (e: unknown) => string | null = () => null): Promise<void> {
  const buttons = [...form.querySelectorAll('button')];
  for (const b of buttons) b.disabled = true;
  form.setAttribute('aria-busy', 'true');
  errorEl.textContent = '';
  try {
    await fn();
  } catch (e) {
    errorEl.textContent = explain(e) ?? humanError(e);
  } finally {
    for (const b of buttons) b.disabled = false;
    form.removeAttribute('aria-busy');
  }
}
