import type { Knex } from 'knex';
import type { Broadcaster, Clock, MatchPool, RateLimiter } from './core/ports.js';
import type { SessionService } from './core/auth/sessions.service.js';
import type { RoomsService } from './core/chat/rooms.service.js';
import type { UsersRepo } from './store/users.repo.js';
import type { RoomsRepo } from './store/rooms.repo.js';
import type { MessagesRepo } from './store/messages.repo.js';
import type { AuditLog } from './store/audit.repo.js';
import type { StandingRepo } from './store/standing.repo.js';
import type { Logger } from './logger.js';
import { BlocksRepo } from './store/blocks.repo.js';
import { ReportsRepo } from './store/reports.repo.js';
import { BlocksService, loadBlocksIntoPool } from './core/moderation/blocks.service.js';
import { ReportsService } from './core/moderation/reports.service.js';
import { BansService } from './core/moderation/bans.service.js';
import { AdminService } from './core/moderation/admin.service.js';
import { moderationOperations, moderationRoomEvents } from './operations/moderation.ops.js';

export interface ModerationModuleDeps {
  db: Knex;
  clock: Clock;
  users: UsersRepo;
  rooms: RoomsRepo;
  messages: MessagesRepo;
  standing: StandingRepo;
  roomService: RoomsService;
  sessions: SessionService;
  pool: MatchPool;
  limiter: RateLimiter;
  audit: AuditLog;
  broadcaster: Broadcaster | null;
  log: Logger;
}

/** Wires reports, blocks, bans and the moderation API (called by the composition root, src/app.ts). */
export function createModerationModule(d: ModerationModuleDeps) {
  const blocksRepo = new BlocksRepo(d.db);
  const blocks = new BlocksService({ blocks: blocksRepo, users: d.users, rooms: d.rooms, roomService: d.roomService, pool: d.pool, limiter: d.limiter, audit: d.audit });
  const reports = new ReportsService({
    reports: new ReportsRepo(d.db),
    messages: d.messages,
    rooms: d.rooms,
    roomService: d.roomService,
    blocks,
    limiter: d.limiter,
    audit: d.audit,
  });
  const bans = new BansService({
    standing: d.standing,
    sessions: d.sessions,
    rooms: d.rooms,
    roomService: d.roomService,
    pool: d.pool,
    broadcaster: d.broadcaster,
    clock: d.clock,
    audit: d.audit,
  });
  const admin = new AdminService({ reports: new ReportsRepo(d.db), standing: d.standing, bans, sessions: d.sessions, audit: d.audit });
  const ops = moderationOperations({ reports, blocks, admin });
  return {
    ops,
    roomEvents: moderationRoomEvents(ops),
    /** Puts every stored block into the pool (at start: the pool may have lost them). */
    loadBlocks: () => loadBlocksIntoPool(blocksRepo, d.pool, d.log),
  };
}
