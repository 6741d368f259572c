/** Wire types of the contract (../shared/CONTRACT.md), as the browser sees them. */

export interface Message {
  message_id: string;
  uid: string;
  content: string;
  /** Unix milliseconds. */
  timestamp: number;
  room_id?: string;
}

export interface ErrorBody {
  code: string;
  message: string;
  error?: Array<{ field: string; message: string }> | unknown;
  retry_after?: number;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

export interface MatchState {
  status: 'waiting' | 'matched' | 'idle';
  room_id?: string;
}

export interface MatchedEvent {
  room_id: string;
  partner: { uid: string; name: string };
}

export interface ListMessageResp {
  pager: { total: number; page: number; pageSize: number; totalPages: number };
  data: Message[];
}

export interface CatchUp {
  room_id: string;
  messages: Message[];
  has_more: boolean;
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
