import { AppError } from '../errors.js';
import type { Ban } from '../../store/standing.repo.js';

/** The ban of a user row at `nowMs`, or null when there is none (or it has ended). */
export function activeBan(u: { banned_at: Date | null; banned_until: Date | null }, nowMs: number): Ban | null {
  if (!u.banned_at) return null;
  if (u.banned_until && u.banned_until.getTime() <= nowMs) return null;
  return { until: u.banned_until };
}

/** The contract's answer to a banned user: 403 with `error: {reason: "banned", until}` (until null: permanent). */
export function bannedError(ban: Ban): AppError {
  const until = ban.until ? ban.until.toISOString() : null;
  return new AppError('FORBIDDEN', until ? `this account is banned until ${until}` : 'this account is banned', {
    details: { reason: 'banned', until },
  });
}
