import { publicOp, userOp } from '../core/operation.js';
import * as S from '../schemas/chat.schemas.js';
import type { AnonAuthService } from '../core/auth/anon.service.js';
import type { MatchmakingService } from '../core/chat/matchmaking.service.js';
import type { RoomsService } from '../core/chat/rooms.service.js';

/** Every operation of chat.api, once; both doors are built from this table. */
export function chatOperations(s: { anon: AnonAuthService; matchmaking: MatchmakingService; rooms: RoomsService }) {
  return {
    anonLogin: publicOp('anon_login', S.anonLogin, (ctx, i) => s.anon.login(ctx, i)),
    anonRefresh: publicOp('refresh', S.refresh, (ctx, i) => s.anon.refresh(ctx, i)),
    matchJoin: userOp('match_join', null, (ctx, a) => s.matchmaking.join(ctx, a)),
    matchStatus: userOp('match_status', null, (ctx, a) => s.matchmaking.status(ctx, a)),
    matchLeave: userOp('match_leave', null, (ctx, a) => s.matchmaking.leave(ctx, a)),
    sendMessage: userOp('send_message', S.send, (ctx, a, i) => s.rooms.send(ctx, a, i)),
    listMessages: userOp('list_messages', S.list, (ctx, a, i) => s.rooms.list(ctx, a, i)),
    joinRoom: userOp('join_room', S.joinRoom, (ctx, a, i) => s.rooms.join(ctx, a, i)),
    leaveRoom: userOp('leave_room', S.roomRef, (ctx, a, i) => s.rooms.leave(ctx, a, i)),
    typing: userOp('typing', S.typing, (ctx, a, i) => s.rooms.typing(ctx, a, i)),
  };
}

export type ChatOperations = ReturnType<typeof chatOperations>;
