import { ChatError, type ChatClient } from '../../client/src/index.js';
import { humanError } from './errors.js';
import { t } from './i18n.js';
import { byId } from './dom.js';
import { ui } from './ui.js';

const nickname = byId<HTMLInputElement>('profile-nickname');
const nicknameStatus = byId('nickname-status');
const anonNote = byId('profile-anon');
const memberPart = byId('profile-member');
const pwCurrent = byId<HTMLInputElement>('pw-current');
const pwNew = byId<HTMLInputElement>('pw-new');
const pwStatus = byId('password-status');
const verifyTitle = byId('verify-title');
const verifyState = byId('verify-state');
const verifyCode = byId<HTMLInputElement>('verify-code');
const verifyStatus = byId('verify-status');

/** The profile dialog: nickname for everyone; password and e-mail/phone verification for members. */
export function mountProfile(client: ChatClient): void {
  let purpose: 'email_verification' | 'phone_verification' = 'email_verification';

  ui.profile.addEventListener('click', () => void open());

  async function open(): Promise<void> {
    for (const el of [nicknameStatus, pwStatus, verifyStatus]) el.textContent = '';
    const member = client.me?.kind === 'member';
    anonNote.hidden = member;
    memberPart.hidden = !member;
    ui.profileDialog.showModal();
    try {
      const p = await client.account.profile();
      nickname.value = p.nickname;
      purpose = p.email || !p.phone_number ? 'email_verification' : 'phone_verification';
      const verified = purpose === 'email_verification' ? p.is_email_verified : p.is_phone_verified;
      verifyTitle.textContent = t(purpose === 'email_verification' ? 'account.verify' : 'account.verifyPhone');
      verifyState.textContent = `${p.email || p.phone_number}${verified ? ` · ${t('account.verified')}` : ''}`;
    } catch (e) {
      nicknameStatus.textContent = humanError(e);
    }
  }

  byId<HTMLFormElement>('form-nickname').addEventListener('submit', (e) => {
    e.preventDefault();
    void run(nicknameStatus, async () => {
      await client.account.updateProfile({ nickname: nickname.value.trim() });
      return t('account.saved');
    });
  });

  byId<HTMLFormElement>('form-password').addEventListener('submit', (e) => {
    e.preventDefault();
    if (pwNew.value.length < 8) {
      pwStatus.textContent = t('member.shortPassword');
      return pwNew.focus();
    }
    void run(pwStatus, async () => {
      await client.account.changePassword(pwCurrent.value, pwNew.value);
      pwCurrent.value = pwNew.value = '';
      return t('account.changed');
    }, (err) => (err instanceof ChatError && err.code === 'FORBIDDEN' ? t('account.wrongCurrent') : null));
  });

  byId<HTMLButtonElement>('btn-verify-send').addEventListener('click', () => {
    void run(verifyStatus, async () => {
      await client.account.requestVerification(purpose);
      verifyCode.focus();
      return t('account.codeSent');
    });
  });

  byId<HTMLFormElement>('form-verify').addEventListener('submit', (e) => {
    e.preventDefault();
    void run(verifyStatus, async () => {
      await client.account.submitVerification(purpose, verifyCode.value.trim());
      verifyCode.value = '';
      verifyState.textContent = `${verifyState.textContent?.split(' · ')[0] ?? ''} · ${t('account.verified')}`;
      return t('account.verified');
    }, (err) => (err instanceof ChatError && err.code === 'INVALID_ARGUMENT' ? t('reset.badCode') : null));
  });
}

async function run(status: HTMLElement, fn: () => Promise<string>, explain: (e: unknown) => string | null = () => null): Promise<void> {
  status.textContent = '';
  try {
    status.textContent = await fn();
  } catch (e) {
    status.textContent = explain(e) ?? humanError(e);
  }
}
