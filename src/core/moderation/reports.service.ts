import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import type { Actor, Ctx } from '../context.js';
import type { RateLimiter } from '../ports.js';
import type { MessagesRepo } from '../../store/messages.repo.js';
import type { RoomsRepo } from '../../store/rooms.repo.js';
import type { ReportsRepo } from '../../store/reports.repo.js';
import type { AuditLog } from '../../store/audit.repo.js';
import type { RoomsService } from '../chat/rooms.service.js';
import { toView } from '../chat/rooms.service.js';
import type { ReportInput } from '../../schemas/moderation.schemas.js';
import type { BlocksService } from './blocks.service.js';

/** How many of the room's last messages a report keeps as evidence. */
export const EVIDENCE_MESSAGES = 50;

export interface ReportsDeps {
  reports: Pick<ReportsRepo, 'insert'>;
  messages: Pick<MessagesRepo, 'page'>;
  rooms: Pick<RoomsRepo, 'membersOf'>;
  roomService: Pick<RoomsService, 'memberRoom'>;
  blocks: Pick<BlocksService, 'apply'>;
  limiter: RateLimiter;
  audit: Pick<AuditLog, 'record'>;
}

/** A user reports the room they share with an abusive partner. */
export class ReportsService {
  constructor(private readonly d: ReportsDeps) {}

  /**
   * Stores the report with a copy of the room's last messages, then blocks the partner, which
   * closes the room for both. The partner only sees the room close, never the reason.
   * A closed room can still be reported (the partner may have left first).
   */
  async report(ctx: Ctx, actor: Actor, input: ReportInput): Promise<{ report_id: string }> {
    await this.d.limiter.consume('report', actor.uid);
    await this.d.roomService.memberRoom(input.room_id, actor.uid);
    const partner = (await this.d.rooms.membersOf(input.room_id)).find((u) => u !== actor.uid);
    if (!partner) throw new AppError('CONFLICT', 'this room has no partner to report');
    const { rows } = await this.d.messages.page(input.room_id, { limit: EVIDENCE_MESSAGES, offset: 0 });
    const evidence = rows.reverse().map(toView);
    const id = randomUUID();
    const created = await this.d.reports.insert({ id, roomId: input.room_id, reporterId: actor.uid, reportedId: partner, reason: input.reason, note: input.note, evidence });
    if (!created) throw new AppError('CONFLICT', 'you have already reported this room');
    await this.d.blocks.apply(actor.uid, partner);
    await this.d.audit.record('report_created', {
      userId: actor.uid,
      sessionId: actor.sid,
      ip: ctx.ip,
      detail: { actor: actor.uid, report_id: id, room_id: input.room_id, target: partner, reason: input.reason },
    });
    ctx.log.info({ reportId: id, roomId: input.room_id }, 'room reported');
    return { report_id: id };
  }
}
