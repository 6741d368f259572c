import { AppError } from '../errors.js';
import type { Actor } from '../context.js';
import type { NotifyChannel } from '../ports.js';
import type { VerifiedFlag } from '../../store/members.repo.js';
import type { LoginIdType } from './login-id.js';

/** Password and verification actions belong to members; anonymous users get 403. */
export function requireMember(actor: Actor, action: string): void {
  if (actor.kind !== 'member') throw new AppError('FORBIDDEN', `anonymous users cannot ${action}; register an account first`);
}

/** E-mail identifiers get e-mail, phone numbers get SMS. */
export const channelOf = (t: LoginIdType): NotifyChannel => (t === 'email' ? 'email' : 'sms');

export const verifiedFlagOf = (t: LoginIdType): VerifiedFlag => (t === 'email' ? 'is_email_verified' : 'is_phone_verified');
