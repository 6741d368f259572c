import { AppError } from '../errors.js';
import type { Actor, Ctx } from '../context.js';
import type { Broadcaster, Clock, MatchPool, MessageView, RateLimiter } from '../ports.js';
import type { RoomsRepo } from '../../store/rooms.repo.js';
import type { MessageRow, MessagesRepo } from '../../store/messages.repo.js';
import type { JoinRoomInput, ListInput, RoomRef, SendInput, TypingInput } from '../../schemas/chat.schemas.js';
import { formatMessageId, parseMessageId } from './message-id.js';

export interface Pagination { total: number; page: number; pageSize: number; totalPages: number }
export interface ListMessageResp { pager: Pagination; data: MessageView[] }
export interface SendResult { message: MessageView; created: boolean }
export interface CatchUp { room_id: string; messages: MessageView[]; has_more: boolean; closed: boolean }
export interface RespOK { code: 'OK'; message: 'ok' }

export const RESP_OK: RespOK = Object.freeze({ code: 'OK', message: 'ok' }) as RespOK;

export interface RoomsOptions {
  rematchCooldownMs: number;
  catchUpLimit: number;
}

export const toView = (m: MessageRow): MessageView => ({
  message_id: formatMessageId(m.id),
  room_id: m.room_id,
  uid: m.sender_id,
  content: m.content,
  timestamp: m.created_at.getTime(),
  seq: m.seq,
});

const notFound = () => new AppError('NOT_FOUND', 'room not found');
const ignoreUnavailable = (e: unknown): void => {
  if (!(e instanceof AppError && e.code === 'UNAVAILABLE')) throw e;
};
const notMember = () => new AppError('FORBIDDEN', 'you are not a member of this room');

export class RoomsService {
  constructor(
    private readonly rooms: RoomsRepo,
    private readonly messages: MessagesRepo,
    private readonly pool: MatchPool,
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly opts: RoomsOptions,
    private readonly broadcaster: Broadcaster | null = null,
  ) {}


  /**
   * Stores and fans out a message. A retry with the same client_msg_id returns the stored
   * message with created=false and fans out nothing, even if the room has closed since.
   */
  async send(_ctx: Ctx, actor: Actor, input: SendInput): Promise<SendResult> {
    await this.limiter.consume('message_send', actor.uid);
    const row = await this.messages.insertIfAllowed({ roomId: input.room_id, senderId: actor.uid, clientMsgId: input.client_msg_id, content: input.content });
    if (row) {
      const message = toView(row);
      this.broadcaster?.message(message);
      return { message, created: true };
    }
    const earlier = await this.messages.findByClientId(input.room_id, actor.uid, input.client_msg_id);
    if (earlier) return { message: toView(earlier), created: false };
    await this.requireMember(input.room_id, actor.uid);
    throw new AppError('CONFLICT', 'room is closed; start a new match');
  }

  /** Page 1 is the newest; every page is newest first. `before` pages from a stable cursor. */
  async list(_ctx: Ctx, actor: Actor, input: ListInput): Promise<ListMessageResp> {
    await this.limiter.consume('room_read', actor.uid);
    await this.requireMember(input.room_id, actor.uid);
    const { total, rows } = await this.messages.page(input.room_id, {
      limit: input.page_size,
      offset: (input.page_index - 1) * input.page_size,
      ...(input.before !== undefined ? { before: parseMessageId(input.before) } : {}),
    });
    return {
      pager: { total, page: input.page_index, pageSize: input.page_size, totalPages: Math.ceil(total / input.page_size) },
      data: rows.map(toView),
    };
  }

  /**
   * Catch-up after a reconnect: messages after the cursor, oldest first, one page at a time
   * (`has_more` says to ask again from the last one), so no single call reads a whole room; and
   * whether the room has closed (a `room_closed` missed while away is never lost for good).
   */
  async join(_ctx: Ctx, actor: Actor, input: JoinRoomInput): Promise<CatchUp> {
    await this.limiter.consume('room_read', actor.uid);
    const room = await this.requireMember(input.room_id, actor.uid);
    const after = input.after !== undefined ? parseMessageId(input.after) : undefined;
    const rows = await this.messages.after(input.room_id, after, this.opts.catchUpLimit + 1);
    const has_more = rows.length > this.opts.catchUpLimit;
    return { room_id: input.room_id, messages: rows.slice(0, this.opts.catchUpLimit).map(toView), has_more, closed: room.closed_at !== null };
  }

  /** Closes the room for both members. Leaving a room that is already closed is a no-op. */
  async leave(_ctx: Ctx, actor: Actor, input: RoomRef): Promise<RespOK> {
    await this.requireMember(input.room_id, actor.uid);
    await this.close(input.room_id, actor.uid);
    return RESP_OK;
  }

  /**
   * Closes a room for both members, `by` one of them (leave, report, block, ban, away). Returns
   * false when it was already closed: then nothing is told to anyone again.
   */
  async close(roomId: string, by: string): Promise<boolean> {
    const members = await this.rooms.closeReturningMembers(roomId, by);
    if (!members) return false;
    const [a, b] = members;
    // Blocked before the partner hears of it, so neither can rejoin into the same pair. The block
    // is a courtesy: the room is closed for good in the database, so a pool that cannot be
    // reached (UNAVAILABLE) must not turn the leave into a 503 nor hide it from the partner.
    if (a && b) await this.pool.block(a, b, this.clock.now() + this.opts.rematchCooldownMs).catch(ignoreUnavailable);
    this.broadcaster?.roomClosed(roomId, by);
    return true;
  }

  /** The room if `uid` is a member: 404 for an unknown room, 403 for someone else's. */
  async memberRoom(roomId: string, uid: string) {
    return this.requireMember(roomId, uid);
  }

  async typing(_ctx: Ctx, actor: Actor, input: TypingInput): Promise<RespOK> {
    await this.limiter.consume('typing', actor.uid);
    const room = await this.requireMember(input.room_id, actor.uid);
    if (!room.closed_at) this.broadcaster?.typing(input.room_id, actor.uid, input.typing);
    return RESP_OK;
  }

  private async requireMember(roomId: string, uid: string) {
    const room = await this.rooms.findForMember(roomId, uid);
    if (!room) throw notFound();
    if (!room.is_member) throw notMember();
    return room;
  }
}
