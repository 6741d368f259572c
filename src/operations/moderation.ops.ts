import { roleOp, userOp } from '../core/operation.js';
import * as S from '../schemas/moderation.schemas.js';
import type { ReportsService } from '../core/moderation/reports.service.js';
import type { BlocksService } from '../core/moderation/blocks.service.js';
import type { AdminService } from '../core/moderation/admin.service.js';

const STAFF = ['moderator', 'admin'] as const;

/** Safety and moderation: reports and blocks for everyone, the moderation API for staff. */
export function moderationOperations(s: { reports: ReportsService; blocks: BlocksService; admin: AdminService }) {
  return {
    reportRoom: userOp('report_room', S.report, (ctx, a, i) => s.reports.report(ctx, a, i)),
    blockUser: userOp('block_user', S.uidRef, (ctx, a, i) => s.blocks.block(ctx, a, i)),
    listBlocks: userOp('list_blocks', null, (ctx, a) => s.blocks.list(ctx, a)),
    unblockUser: userOp('unblock_user', S.uidRef, (ctx, a, i) => s.blocks.unblock(ctx, a, i)),
    reportQueue: roleOp(STAFF, 'report_queue', S.reportQueue, (ctx, a, i) => s.admin.queue(ctx, a, i)),
    getReport: roleOp(STAFF, 'get_report', S.reportRef, (ctx, a, i) => s.admin.report(ctx, a, i)),
    resolveReport: roleOp(STAFF, 'resolve_report', S.resolve, (ctx, a, i) => s.admin.resolve(ctx, a, i)),
    banUser: roleOp(STAFF, 'ban_user', S.ban, (ctx, a, i) => s.admin.ban(ctx, a, i)),
    unbanUser: roleOp(STAFF, 'unban_user', S.uidRef, (ctx, a, i) => s.admin.unban(ctx, a, i)),
    setRole: roleOp(['admin'], 'set_role', S.role, (ctx, a, i) => s.admin.setRole(ctx, a, i)),
  };
}

export type ModerationOperations = ReturnType<typeof moderationOperations>;

/** The /rooms socket events of moderation, each the same operation as its REST route. */
export const moderationRoomEvents = (ops: ModerationOperations) => ({
  report: ops.reportRoom,
  block: ops.blockUser,
});
