import { AppError } from '../errors.js';
import type { Actor, Ctx } from '../context.js';
import type { MembersRepo, MemberAccountRow } from '../../store/members.repo.js';
import type { VerificationRequestInput, VerificationSubmitInput, VerificationPurpose } from '../../schemas/members.schemas.js';
import { RESP_OK, type RespOK } from '../chat/rooms.service.js';
import { invalidCode, type CodesService } from './codes.service.js';
import { channelOf, requireMember, verifiedFlagOf } from './member-rules.js';

export interface VerificationDeps {
  accounts: Pick<MembersRepo, 'findByUserId' | 'markVerified'>;
  codes: CodesService;
}

const WANTS = { email_verification: 'email', phone_verification: 'phone' } as const;
const NAMES = { email: 'an e-mail address', phone: 'a phone number' } as const;

/** Proves that a member receives mail (or SMS) at the account's login id. */
export class VerificationService {
  constructor(private readonly d: VerificationDeps) {}

  async request(ctx: Ctx, actor: Actor, input: VerificationRequestInput): Promise<RespOK> {
    const account = await this.accountFor(actor, input.purpose);
    if (account[verifiedFlagOf(account.login_type)]) {
      throw new AppError('INVALID_ARGUMENT', `${NAMES[account.login_type].replace(/^an? /, 'the ')} of this account is already verified`);
    }
    await this.d.codes.cooldown(input.purpose, account.login_id, ctx.ip);
    await this.d.codes.issue(input.purpose, account.login_id, account.user_id, channelOf(account.login_type));
    ctx.log.info({ purpose: input.purpose }, 'verification code sent');
    return RESP_OK;
  }

  async submit(ctx: Ctx, actor: Actor, input: VerificationSubmitInput): Promise<RespOK> {
    const account = await this.accountFor(actor, input.purpose);
    const userId = await this.d.codes.consume(input.purpose, account.login_id, input.verify_code, ctx.ip);
    if (userId !== actor.uid) throw invalidCode();
    await this.d.accounts.markVerified(actor.uid, verifiedFlagOf(account.login_type));
    return RESP_OK;
  }

  private async accountFor(actor: Actor, purpose: VerificationPurpose): Promise<MemberAccountRow> {
    requireMember(actor, 'verify an e-mail address or phone number');
    const account = await this.d.accounts.findByUserId(actor.uid);
    const wants = WANTS[purpose];
    if (!account || account.login_type !== wants) throw new AppError('INVALID_ARGUMENT', `this account has no ${NAMES[wants].replace(/^an? /, '')} to verify`);
    return account;
  }
}
