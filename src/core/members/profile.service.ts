import { AppError } from '../errors.js';
import type { Actor, Ctx } from '../context.js';
import type { UsersRepo, UserRow } from '../../store/users.repo.js';
import type { MembersRepo, MemberAccountRow } from '../../store/members.repo.js';
import { PROFILE_FIELDS, type ProfileField, type ProfilesRepo, type ProfileRow } from '../../store/profiles.repo.js';
import type { UpdateUserInfoInput } from '../../schemas/members.schemas.js';
import { activeBan } from '../moderation/ban.js';
import { systemClock, type Clock } from '../ports.js';

/** Every field of the seed's UserInfoResp; unknown values are '' and flags false. */
export interface UserInfoResp {
  platform: string;
  uid: string;
  avatar_url: string;
  full_name: string;
  nickname: string;
  gender_code: string;
  birthdate: string;
  phone_number: string;
  is_phone_verified: boolean;
  email: string;
  is_email_verified: boolean;
  address: string;
  user_status: string;
  preferred_language: string;
  currency: string;
  national: string;
  post_code: string;
  carrier: string;
  role: string;
  update_at: string;
  create_at: string;
  /** The seed embeds its Authorization header type here; the server never echoes a token, so it is always ''. */
  Authorization: '';
}

export interface ProfileDeps {
  users: Pick<UsersRepo, 'findById'>;
  accounts: Pick<MembersRepo, 'findByUserId'>;
  profiles: Pick<ProfilesRepo, 'find' | 'update'>;
  clock?: Clock;
}

const latest = (...dates: Array<Date | undefined>): Date => new Date(Math.max(...dates.filter((d): d is Date => !!d).map((d) => d.getTime())));

export function toUserInfoResp(user: UserRow, account: MemberAccountRow | null, profile: ProfileRow | null, nowMs: number): UserInfoResp {
  const fields = Object.fromEntries(PROFILE_FIELDS.map((f) => [f, profile?.[f] ?? ''])) as Record<ProfileField, string>;
  return {
    platform: user.platform,
    uid: user.id,
    avatar_url: fields.avatar_url,
    full_name: fields.full_name,
    nickname: user.name,
    gender_code: fields.gender_code,
    birthdate: fields.birthdate,
    phone_number: account?.login_type === 'phone' ? account.login_id : '',
    is_phone_verified: account?.is_phone_verified ?? false,
    email: account?.login_type === 'email' ? account.login_id : '',
    is_email_verified: account?.is_email_verified ?? false,
    address: fields.address,
    // The contract's two states; a ban that has run out is no ban.
    user_status: activeBan(user, nowMs) ? 'banned' : 'active',
    preferred_language: fields.preferred_language,
    currency: fields.currency,
    national: fields.national,
    post_code: fields.post_code,
    carrier: fields.carrier,
    role: user.role,
    update_at: latest(user.updated_at, account?.updated_at, profile?.updated_at).toISOString(),
    create_at: user.created_at.toISOString(),
    Authorization: '',
  };
}

/** GET and PUT /user/me, for members and anonymous users alike. */
export class ProfileService {
  constructor(private readonly d: ProfileDeps) {}

  async get(_ctx: Ctx, actor: Actor): Promise<UserInfoResp> {
    const user = await this.d.users.findById(actor.uid);
    if (!user) throw new AppError('NOT_FOUND', 'user not found');
    const account = await this.d.accounts.findByUserId(actor.uid);
    const profile = await this.d.profiles.find(actor.uid);
    return toUserInfoResp(user, account, profile, (this.d.clock ?? systemClock).now());
  }

  /** Only fields present (and not null) change; '' clears a field. */
  async update(ctx: Ctx, actor: Actor, input: UpdateUserInfoInput): Promise<UserInfoResp> {
    const changes: Partial<Record<ProfileField, string>> = {};
    for (const f of PROFILE_FIELDS) {
      const v = input[f];
      if (typeof v === 'string') changes[f] = v;
    }
    const nickname = typeof input.nickname === 'string' ? input.nickname : undefined;
    if (Object.keys(changes).length > 0 || nickname !== undefined) {
      if (!(await this.d.users.findById(actor.uid))) throw new AppError('NOT_FOUND', 'user not found');
      await this.d.profiles.update(actor.uid, changes, nickname);
    }
    return this.get(ctx, actor);
  }
}
