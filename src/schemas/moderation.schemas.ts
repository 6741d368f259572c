import { Joi, opaqueId, text } from './common.js';
import type { ReportAction, ReportReason, ReportStatus } from '../store/reports.repo.js';
import type { Role } from '../store/users.repo.js';

export const REPORT_REASONS: readonly ReportReason[] = ['spam', 'harassment', 'sexual', 'hate', 'violence', 'minor_safety', 'other'];

export interface UidRef { uid: string }
export interface ReportInput { room_id: string; reason: ReportReason; note: string }
export interface ReportRef { report_id: string }
export interface ReportQueueInput { status: ReportStatus; page_size: number; page_index: number }
export interface ResolveInput extends ReportRef { action: ReportAction; duration_hours?: number; note?: string }
export interface BanInput extends UidRef { reason: string; duration_hours?: number }
export interface RoleInput extends UidRef { role: Role }

/** Up to a year; absent means permanent. */
const durationHours = () => Joi.number().integer().min(1).max(8760);

export const uidRef = Joi.object<UidRef>({ uid: opaqueId().required() });

export const report = Joi.object<ReportInput>({
  room_id: opaqueId().required(),
  reason: Joi.string().valid(...REPORT_REASONS).required(),
  note: text(0, 500, { multiline: true }).allow('').default(''),
});

export const reportRef = Joi.object<ReportRef>({ report_id: opaqueId().required() });

export const reportQueue = Joi.object<ReportQueueInput>({
  status: Joi.string().valid('open', 'resolved').default('open'),
  page_size: Joi.number().integer().min(1).max(100).default(20),
  page_index: Joi.number().integer().min(1).max(1_000_000).default(1),
});

export const resolve = Joi.object<ResolveInput>({
  report_id: opaqueId().required(),
  action: Joi.string().valid('dismiss', 'ban').required(),
  duration_hours: durationHours(),
  note: text(0, 500, { multiline: true }).allow(''),
});

export const ban = Joi.object<BanInput>({
  uid: opaqueId().required(),
  reason: text(1, 500, { multiline: true }).required(),
  duration_hours: durationHours(),
});

export const role = Joi.object<RoleInput>({
  uid: opaqueId().required(),
  role: Joi.string().valid('user', 'moderator', 'admin').required(),
});
