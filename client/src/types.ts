/** The wire types of the GaoBinYou contract, as the server sends them. */

export interface Message {
  message_id: string;
  /** Present on messages that came over the socket (always set by this library). */
  room_id: string;
  uid: string;
  content: string;
  /** Unix milliseconds. */
  timestamp: number;
  /** 1, 2, 3, ... within the room, when the server numbers messages. */
  seq?: number;
}

export interface ErrorBody {
  code: string;
  message: string;
  error?: unknown;
  retry_after?: number;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

export type MatchStatus = 'idle' | 'waiting' | 'matched';

export interface MatchState {
  status: MatchStatus;
  room_id?: string;
}

export interface Partner {
  uid: string;
  name: string;
}

export interface MatchedEvent {
  room_id: string;
  partner: Partner;
}

export interface Pager {
  total: number;
  page: number;
  pageSize: number;
  totalPages: number;
}

export interface ListMessageResp {
  pager: Pager;
  data: Message[];
}

export interface CatchUp {
  room_id: string;
  messages: Message[];
  /** More messages after these: ask again from the last one. */
  has_more?: boolean;
  /** The room has been closed. */
  closed?: boolean;
}

export interface AnonLoginResp {
  uid: string;
  token: string;
  centrifugo_token: string;
  refresh_token: string;
  expire_at: number;
}

export interface LoginResp {
  uid: string;
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
}

export type RefreshTokenResp = Omit<LoginResp, 'uid'>;

export interface RespOK {
  code: 'OK';
  message: string;
}

export type AccountType = 'email' | 'phone' | 'any';
export type PlatformProvider = 'google' | 'line' | 'apple';

export interface UserInfo {
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
  /** Kept from the contract's seed; always "" (never a token). */
  Authorization: string;
}

export type UpdateUserInfo = Partial<Pick<UserInfo, 'avatar_url' | 'full_name' | 'nickname' | 'gender_code' | 'birthdate' | 'address' | 'preferred_language' | 'currency' | 'national' | 'post_code' | 'carrier'>>;

export type ReportReason = 'spam' | 'harassment' | 'sexual' | 'hate' | 'violence' | 'minor_safety' | 'other';

export type Role = 'user' | 'moderator' | 'admin';

/** A report as the moderation API (/api/v1/admin) shows it; `evidence` only on the single-report read. */
export interface Report {
  report_id: string;
  room_id: string;
  reporter_uid: string;
  reported_uid: string;
  reason: ReportReason;
  note: string;
  status: 'open' | 'resolved';
  action: 'dismiss' | 'ban' | null;
  /** Extension: the moderator's note when resolving. */
  resolution_note: string | null;
  created_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  evidence?: Message[];
}

export interface ReportPage {
  pager: Pager;
  data: Report[];
}

/** The answer to a ban or an unban. */
export interface BanResp {
  uid: string;
  user_status: 'banned' | 'active';
  /** ISO-8601; null while banned means permanent. */
  banned_until: string | null;
}

export interface TypingEvent {
  room_id: string;
  uid: string;
  typing: boolean;
}

export interface PresenceEvent {
  room_id: string;
  uid: string;
  online: boolean;
}

export interface RoomClosedEvent {
  room_id: string;
  by: string;
}

/** What a browser needs to start one provider's redirect sign-in (GET /api/v1/config). */
export interface PlatformFlow {
  provider: PlatformProvider;
  authorize_url: string;
  client_id: string;
  scope: string;
  response_type: 'id_token' | 'code id_token' | 'code';
  response_mode: 'fragment' | 'form_post' | 'query';
  /** Send an S256 code_challenge, and the verifier with the code. */
  pkce: boolean;
}

/** The answer of a redirect sign-in, for POST /api/v1/auth/platform/sessions: an ID token, or a code to trade. */
export interface PlatformSignInInput {
  provider: PlatformProvider;
  nonce: string;
  id_token?: string;
  code?: string;
  redirect_uri?: string;
  code_verifier?: string;
}

export interface PlatformSignInResp extends LoginResp {
  /** True when this sign-in created the account. */
  registered: boolean;
}

/** What the server says about itself at GET /api/v1/config. */
export interface ServerConfig {
  platform_providers: PlatformProvider[];
  /** The redirect sign-ins a browser can complete (absent on servers older than them). */
  platform_flows?: PlatformFlow[];
  [field: string]: unknown;
}
