import { AppError } from '../errors.js';
import type { Actor, Ctx } from '../context.js';
import type { MessageView } from '../ports.js';
import type { ReportRow, ReportsRepo } from '../../store/reports.repo.js';
import type { StandingRepo } from '../../store/standing.repo.js';
import type { AuditLog } from '../../store/audit.repo.js';
import type { Role } from '../../store/users.repo.js';
import type { Pagination } from '../chat/rooms.service.js';
import type { BanInput, ReportQueueInput, ReportRef, ResolveInput, RoleInput, UidRef } from '../../schemas/moderation.schemas.js';
import type { BanResp, BansService, Moderator } from './bans.service.js';
import type { SessionService } from '../auth/sessions.service.js';

/** The contract's `Report`; `evidence` only on the single-report read. */
export interface ReportView {
  report_id: string;
  room_id: string;
  reporter_uid: string;
  reported_uid: string;
  reason: string;
  note: string;
  status: 'open' | 'resolved';
  action: 'dismiss' | 'ban' | null;
  /** Extension: the moderator's note when resolving. */
  resolution_note: string | null;
  created_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  evidence?: MessageView[];
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

export function toReportView(r: Omit<ReportRow, 'evidence'> & { evidence?: ReportRow['evidence'] }): ReportView {
  const view: ReportView = {
    report_id: r.id,
    room_id: r.room_id,
    reporter_uid: r.reporter_id,
    reported_uid: r.reported_id,
    reason: r.reason,
    note: r.note,
    status: r.status,
    action: r.action,
    resolution_note: r.resolution_note,
    created_at: new Date(r.created_at).toISOString(),
    resolved_at: iso(r.resolved_at),
    resolved_by: r.resolved_by,
  };
  if (r.evidence !== undefined) view.evidence = typeof r.evidence === 'string' ? (JSON.parse(r.evidence) as MessageView[]) : r.evidence;
  return view;
}

const moderator = (a: Actor): Moderator => ({ uid: a.uid, role: a.role ?? 'user' });
const noReport = () => new AppError('NOT_FOUND', 'no such report');

export interface AdminDeps {
  reports: Pick<ReportsRepo, 'find' | 'page' | 'resolve'>;
  standing: Pick<StandingRepo, 'setRole' | 'find'>;
  bans: BansService;
  sessions: Pick<SessionService, 'refreshUser'>;
  audit: Pick<AuditLog, 'record'>;
}

/** The moderation API: the report queue, resolutions, bans and roles. Role gates are in the operation table. */
export class AdminService {
  constructor(private readonly d: AdminDeps) {}

  async queue(_ctx: Ctx, _actor: Actor, input: ReportQueueInput): Promise<{ pager: Pagination; data: ReportView[] }> {
    const { total, rows } = await this.d.reports.page(input.status, input.page_size, (input.page_index - 1) * input.page_size);
    return {
      pager: { total, page: input.page_index, pageSize: input.page_size, totalPages: Math.ceil(total / input.page_size) },
      data: rows.map(toReportView),
    };
  }

  async report(_ctx: Ctx, _actor: Actor, input: ReportRef): Promise<ReportView> {
    const r = await this.d.reports.find(input.report_id);
    if (!r) throw noReport();
    return toReportView(r);
  }

  /** Dismiss, or ban the reported user; a report is resolved once (409 after). */
  async resolve(ctx: Ctx, actor: Actor, input: ResolveInput): Promise<ReportView> {
    const r = await this.d.reports.find(input.report_id);
    if (!r) throw noReport();
    if (r.status !== 'open') throw new AppError('CONFLICT', 'this report is already resolved');
    if (input.action === 'ban') {
      await this.d.bans.ban(ctx, moderator(actor), r.reported_id, {
        reason: `report ${r.id}: ${r.reason}${input.note ? ` (${input.note})` : ''}`,
        duration_hours: input.duration_hours,
      });
    }
    const done = await this.d.reports.resolve(r.id, actor.uid, input.action, input.note || null);
    if (!done) throw new AppError('CONFLICT', 'this report is already resolved');
    await this.d.audit.record('report_resolved', {
      userId: actor.uid,
      sessionId: actor.sid,
      ip: ctx.ip,
      detail: { actor: actor.uid, report_id: r.id, action: input.action, target: r.reported_id, duration_hours: input.duration_hours ?? null },
    });
    return toReportView(done);
  }

  ban(ctx: Ctx, actor: Actor, input: BanInput): Promise<BanResp> {
    return this.d.bans.ban(ctx, moderator(actor), input.uid, input);
  }

  unban(ctx: Ctx, actor: Actor, input: UidRef): Promise<BanResp> {
    return this.d.bans.unban(ctx, moderator(actor), input.uid);
  }

  async setRole(ctx: Ctx, actor: Actor, input: RoleInput): Promise<{ uid: string; role: Role }> {
    if (input.uid === actor.uid) {
      throw new AppError('INVALID_ARGUMENT', 'you cannot change your own role', { details: [{ field: 'uid', message: 'uid must not be your own' }] });
    }
    if (!(await this.d.standing.setRole(input.uid, input.role))) throw new AppError('NOT_FOUND', 'no such user');
    // Every node, not after the session cache's few seconds: a demoted moderator loses the queue at once.
    await this.d.sessions.refreshUser(input.uid);
    await this.d.audit.record('role_changed', { userId: actor.uid, sessionId: actor.sid, ip: ctx.ip, detail: { actor: actor.uid, target: input.uid, role: input.role } });
    return { uid: input.uid, role: input.role };
  }
}
