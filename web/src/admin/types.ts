import type { Message } from '../../../client/src/index.js';

/** The moderation API's wire types (docs/moderation.md, the contract's "Safety and moderation"). */

export type Role = 'user' | 'moderator' | 'admin';

export interface Report {
  report_id: string;
  room_id: string;
  reporter_uid: string;
  reported_uid: string;
  reason: string;
  note: string;
  status: 'open' | 'resolved';
  action: 'dismiss' | 'ban' | null;
  resolution_note?: string | null;
  created_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  evidence?: Message[];
}

export interface ReportPage {
  pager: { total: number; page: number; pageSize: number; totalPages: number };
  data: Report[];
}

export interface LoginResp {
  uid: string;
  access_token: string;
  refresh_token: string;
}

export interface Me {
  uid: string;
  nickname: string;
  email: string;
  phone_number: string;
  role: Role;
}
