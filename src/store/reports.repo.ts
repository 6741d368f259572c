import type { Knex } from 'knex';
import type { MessageView } from '../core/ports.js';

export type ReportReason = 'spam' | 'harassment' | 'sexual' | 'hate' | 'violence' | 'minor_safety' | 'other';
export type ReportStatus = 'open' | 'resolved';
export type ReportAction = 'dismiss' | 'ban';

export interface ReportRow {
  id: string;
  room_id: string;
  reporter_id: string;
  reported_id: string;
  reason: ReportReason;
  note: string;
  evidence: MessageView[] | string;
  status: ReportStatus;
  action: ReportAction | null;
  resolution_note: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  created_at: Date;
}

export interface NewReport {
  id: string;
  roomId: string;
  reporterId: string;
  reportedId: string;
  reason: ReportReason;
  note: string;
  evidence: readonly MessageView[];
}

const LIST_COLUMNS = ['id', 'room_id', 'reporter_id', 'reported_id', 'reason', 'note', 'status', 'action', 'resolution_note', 'resolved_by', 'resolved_at', 'created_at'];

export class ReportsRepo {
  constructor(private readonly db: Knex) {}

  /** False when this reporter already reported this room (the unique index decides races). */
  async insert(r: NewReport): Promise<boolean> {
    const rows = (await this.db('reports')
      .insert({
        id: r.id,
        room_id: r.roomId,
        reporter_id: r.reporterId,
        reported_id: r.reportedId,
        reason: r.reason,
        note: r.note,
        evidence: JSON.stringify(r.evidence),
      })
      .onConflict(['room_id', 'reporter_id'])
      .ignore()
      .returning('id')) as Array<{ id: string }>;
    return rows.length > 0;
  }

  async find(id: string): Promise<ReportRow | null> {
    return ((await this.db('reports').where({ id }).first()) as ReportRow | undefined) ?? null;
  }

  /** Oldest first: the report waiting longest is handled first. Evidence is left out of lists. */
  async page(status: ReportStatus, limit: number, offset: number): Promise<{ total: number; rows: Omit<ReportRow, 'evidence'>[] }> {
    const [count] = (await this.db('reports').where({ status }).count({ n: '*' })) as Array<{ n: string | number }>;
    const rows = (await this.db('reports')
      .where({ status })
      .orderBy([{ column: 'created_at', order: 'asc' }, { column: 'id', order: 'asc' }])
      .limit(limit)
      .offset(offset)
      .select(LIST_COLUMNS)) as Omit<ReportRow, 'evidence'>[];
    return { total: Number(count?.n ?? 0), rows };
  }

  /** Resolves an open report; null when it was already resolved (or does not exist). */
  async resolve(id: string, by: string, action: ReportAction, note: string | null): Promise<ReportRow | null> {
    const rows = (await this.db('reports')
      .where({ id, status: 'open' })
      .update({ status: 'resolved', action, resolution_note: note, resolved_by: by, resolved_at: this.db.fn.now() })
      .returning('*')) as ReportRow[];
    return rows[0] ?? null;
  }
}
