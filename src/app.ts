import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { AppConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { systemClock, type Clock, type MatchPool, type Notifier, type PlatformVerifier } from './core/ports.js';
import { createDatabase, type Database } from './store/db.js';
import { UsersRepo } from './store/users.repo.js';
import { SessionsRepo } from './store/sessions.repo.js';
import { RoomsRepo } from './store/rooms.repo.js';
import { MessagesRepo } from './store/messages.repo.js';
import { AuditLog } from './store/audit.repo.js';
import { TokenService } from './core/auth/tokens.js';
import { SessionService } from './core/auth/sessions.service.js';
import { AnonAuthService } from './core/auth/anon.service.js';
import { RoomsService } from './core/chat/rooms.service.js';
import { MatchmakingService } from './core/chat/matchmaking.service.js';
import { chatOperations } from './operations/chat.ops.js';
import { createMemberModule } from './members.module.js';
import { connectRedis, type RedisConnections } from './infra/redis.js';
import { MemoryMatchPool } from './infra/match-pool.memory.js';
import { RedisMatchPool } from './infra/match-pool.redis.js';
import { reloadAfterOutage } from './infra/match-pool.reload.js';
import { mapRedisOutage } from './infra/redis-errors.js';
import { FlexibleRateLimiter, rateRules } from './infra/rate-limiter.js';
import { RedisRevocationBus } from './infra/revocation-bus.js';
import { resolveJwtSecret } from './infra/jwt-secret.js';
import { Metrics } from './infra/metrics.js';
import { InFlight } from './infra/inflight.js';
import { createNotifier } from './infra/notifier/index.js';
import { JosePlatformVerifier } from './infra/platform-verifier.js';
import { HttpCodeExchanger } from './infra/platform-code-exchange.js';
import { createHttpApp } from './http/server.js';
import { authenticate } from './http/middleware.js';
import { chatRoutes } from './http/chat.routes.js';
import { memberAuthRoutes, userRoutes } from './http/members.routes.js';
import { authCallbackRoutes } from './http/auth-callback.routes.js';
import { healthRoutes, type ReadinessCheck } from './http/health.routes.js';
import { webRoutes } from './http/web.js';
import { configRouteDocs, configRoutes } from './http/config.routes.js';
import { configOperations } from './operations/config.ops.js';
import { apiDocument } from './http/api-docs.js';
import { socketApiDocument } from './http/socket-api-docs.js';
import { mountNamespaces } from './realtime/namespaces.js';
import type { AppServer } from './realtime/events.js';
import { SocketBroadcaster } from './realtime/broadcaster.js';
import { redisAdapter } from './realtime/redis-adapter.js';
import { sendResync } from './realtime/resync.js';
import { coalesceWebSocketWrites } from './realtime/write-coalescing.js';
import { ConnectionLimits } from './realtime/connection-limits.js';
import { isAppError } from './core/errors.js';
import { BenchHooks } from './infra/bench-hooks.js';
import { StandingRepo } from './store/standing.repo.js';
import { RetentionRepo } from './store/retention.repo.js';
import { createModerationModule } from './moderation.module.js';
import { safetyRoutes, adminRoutes } from './http/moderation.routes.js';
import { PresenceService } from './core/chat/presence.service.js';
import { RetentionJob } from './core/chat/retention.service.js';
import { MemoryPresenceStore } from './infra/presence.memory.js';
import { RedisPresenceStore } from './infra/presence.redis.js';
import { PresenceWatcher } from './realtime/presence.js';

export interface AppOptions {
  log?: Logger;
  clock?: Clock;
  notifier?: Notifier;
  platform?: PlatformVerifier;
  /** Node.js default metrics (event loop, heap); off in tests that build many apps. */
  defaultMetrics?: boolean;
}

export interface App {
  config: AppConfig;
  log: Logger;
  db: Database;
  server: http.Server;
  io: AppServer;
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** The composition root: the only place that builds infrastructure and wires it together. */
export async function createApp(config: AppConfig, opts: AppOptions = {}): Promise<App> {
  const log = opts.log ?? createLogger(config.logLevel);
  const clock = opts.clock ?? systemClock;
  const metrics = new Metrics(opts.defaultMetrics ?? true);
  const inflight = new InFlight();

  const db = createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
  let redis: RedisConnections | null = null;
  try {
    await db.migrate();
    const target = config.redisClusterNodes ? { clusterNodes: config.redisClusterNodes } : config.redisUrl ? { url: config.redisUrl } : null;
    redis = target ? await connectRedis(target, log) : null;
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }

  const secret = resolveJwtSecret(config.jwtSecret, config.dataDir);
  const users = new UsersRepo(db.knex);
  const rooms = new RoomsRepo(db.knex);
  const messages = new MessagesRepo(db.knex, { batch: config.messageWriteBatch, maxBatch: config.messageWriteBatchSize, concurrency: config.messageWriteConcurrency, timed: config.benchHooks });
  const audit = new AuditLog(db.knex, log);
  const tokens = new TokenService(secret, config.accessTokenTtlSec);

  // The HTTP server and Socket.IO come first, so the services get the broadcaster at construction.
  // Engine.io wraps the request listener present when it attaches, so the server starts with one
  // that delegates to the Express app, which is built further down once the routes exist.
  let app: http.RequestListener | null = null;
  const server = http.createServer((req, res) => (app ? app(req, res) : void res.writeHead(503).end()));
  coalesceWebSocketWrites(server);
  // Built before Socket.IO: new connections are rate-limited per client address (socket_connect).
  const limiter = new FlexibleRateLimiter(rateRules(config), redis?.client, `${config.redisPrefix}:rl`, redis?.pub);
  const connectionLimits = new ConnectionLimits({ trustProxy: config.trustProxy, maxPerAddress: config.maxSocketsPerAddress, limiter, log });
  const io: AppServer = new Server(server, {
    serveClient: false,
    allowRequest: connectionLimits.allowRequest,
    maxHttpBufferSize: 1e6,
    // When the subscriber is back after an outage, /rooms sockets are told to catch up (resync).
    ...(redis ? { adapter: redisAdapter(redis.pub, redis.sub, `${config.redisPrefix}:sio`, log, () => log.info({ sockets: sendResync(io.of('/rooms')) }, 'sent resync')) } : {}),
  });
  io.engine.on('connection', (conn: Parameters<ConnectionLimits['track']>[0]) => connectionLimits.track(conn));
  const broadcaster = new SocketBroadcaster(io, log);

  const sessions = new SessionService(new SessionsRepo(db.knex), users, tokens, clock, {
    refreshTtlSec: config.refreshTokenTtlSec,
    maxAgeSec: config.sessionMaxAgeSec,
    graceSec: config.refreshGraceSec,
    cacheMs: config.sessionCacheMs,
  }, audit, broadcaster, redis ? new RedisRevocationBus(redis.pub, redis.sub, config.redisPrefix, log) : null);

  // Redis connection errors of the pool become 503 UNAVAILABLE (with Retry-After), not 500.
  // After an outage it pairs nobody until the blocks are loaded again (Redis may have come back empty).
  const redisPool = redis
    ? reloadAfterOutage(mapRedisOutage(new RedisMatchPool(redis.client, { prefix: `${config.redisPrefix}:mm:` }), 'matchmaking'), redis.client, () => moderation.loadBlocks(), log)
    : null;
  const pool: MatchPool = redisPool ?? new MemoryMatchPool();
  const notifier = opts.notifier ?? createNotifier(config, log);
  const platform = opts.platform ?? new JosePlatformVerifier(config.providers);

  const roomService = new RoomsService(rooms, messages, pool, limiter, clock, { rematchCooldownMs: config.rematchCooldownMs, catchUpLimit: config.catchUpPageSize }, broadcaster);
  const matchmaking = new MatchmakingService(pool, rooms, users, roomService, limiter, clock, { idleTimeoutMs: config.matchIdleTimeoutMs }, log, broadcaster);
  const standing = new StandingRepo(db.knex);
  const anon = new AnonAuthService(db.knex, users, sessions, limiter, standing, clock);
  const ops = chatOperations({ anon, matchmaking, rooms: roomService });
  const platformCodes = new HttpCodeExchanger(config.providers);
  const members = createMemberModule({ config, db: db.knex, secret, clock, users, audit, sessions, limiter, notifier, platform, platformCodes });
  const moderation = createModerationModule({ db: db.knex, clock, users, rooms, messages, standing, roomService, sessions, pool, limiter, audit, broadcaster, log });
  await moderation.loadBlocks();
  // Presence: which room members are here (a socket on any node, or REST in the last 30 s).
  const presenceStore = redis ? mapRedisOutage(new RedisPresenceStore(redis.client, `${config.redisPrefix}:`), 'presence') : new MemoryPresenceStore();
  const presence = new PresenceService(presenceStore, rooms, roomService, clock, { socketTtlMs: 3000, restTtlMs: 30_000, awayCloseMs: config.roomAwayCloseMs }, log);
  const retention = new RetentionJob(new RetentionRepo(db.knex), clock, config.messageRetentionDays, log);
  const auth = authenticate(sessions, (uid) => presence.seenOverRest(uid));
  const configOps = configOperations(config);

  let shuttingDown = false;
  // Benchmark-only measurement endpoints (/__bench), off unless BENCH_HOOKS=1.
  const bench = config.benchHooks ? new BenchHooks(() => ({ sockets: { '/matchmaking': io.of('/matchmaking').sockets.size, '/rooms': io.of('/rooms').sockets.size }, messageWrites: messages.writeStats() }), () => messages.resetWriteTimings()) : null;
  const checks: ReadinessCheck[] = [{ name: 'database', check: () => db.ping() }];
  if (redis) {
    checks.push({
      name: 'redis',
      check: async () => {
        await redis!.ping();
        if (redisPool?.reloading()) throw new Error('the matchmaking pool is reloading its blocks after a Redis outage');
      },
    });
  }

  app = createHttpApp({
    log,
    metrics,
    trustProxy: config.trustProxy,
    // Where providers send the browser back after a platform sign-in (GET, and Apple's form POST).
    formRouters: [{ prefix: '/auth', router: authCallbackRoutes() }],
    routers: [
      ...(bench ? [{ prefix: '/', router: (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void (bench.handle(req, res) || next()) }] : []),
      { prefix: '/', router: healthRoutes(checks, metrics, () => shuttingDown) },
      { prefix: '/api/v1', router: chatRoutes(ops, auth) },
      { prefix: '/api/v1/auth', router: memberAuthRoutes(members.ops, auth) },
      { prefix: '/api/v1/user', router: userRoutes(members.ops, auth) },
      { prefix: '/api/v1', router: safetyRoutes(moderation.ops, auth) },
      { prefix: '/api/v1/admin', router: adminRoutes(moderation.ops, auth) },
      { prefix: '/api/v1', router: configRoutes(configOps) },
      // The web client at /, API docs at /docs (generated from the same operations and schemas).
      { prefix: '/', router: webRoutes({ openapi: (version) => apiDocument(ops, members.ops, version, moderation.ops, configRouteDocs(configOps)), asyncapi: (version) => socketApiDocument(ops, members, version, moderation) }) },
    ],
  });
  mountNamespaces(io, { ops, authEvents: members.authEvents, roomEvents: moderation.roomEvents, sessions, rooms, log, metrics, inflight, trustProxy: config.trustProxy, clock });
  const presenceWatcher = new PresenceWatcher(io, presence, rooms, log);

  // Matchmaking housekeeping: sweep stale entries and pair users whose rematch block ended;
  // keep the entries of users with an open socket on this node alive.
  // During a Redis outage these fail every tick; the outage itself is logged once by the client.
  const logTimerError = (err: unknown, msg: string) =>
    isAppError(err) && err.code === 'UNAVAILABLE' ? log.debug({ err: err.message }, msg) : log.warn({ err }, msg);
  const sweep = setInterval(() => {
    matchmaking.sweep().catch((err) => logTimerError(err, 'matchmaking sweep failed'));
    pool.size().then((n) => metrics.matchPoolSize.set(n)).catch(() => undefined);
  }, config.matchSweepIntervalMs);
  // A first touch leaves this node's mark in the pool, so a Redis that empties before the first
  // heartbeat is noticed too (MatchPool.touch).
  await matchmaking.heartbeat([]).catch((err) => logTimerError(err, 'matchmaking heartbeat failed'));
  const heartbeat = setInterval(() => {
    const uids = new Set<string>();
    for (const ns of ['/matchmaking', '/rooms']) for (const s of io.of(ns).sockets.values()) if (s.data.actor) uids.add(s.data.actor.uid);
    matchmaking.heartbeat([...uids]).catch((err) => logTimerError(err, 'matchmaking heartbeat failed'));
  }, Math.max(250, Math.floor(config.matchIdleTimeoutMs / 3)));
  // Presence heartbeats and changes (well inside the contract's 5 s), rooms whose member went away,
  // and the retention job (hourly; an advisory lock keeps it to one node at a time).
  const presenceTick = setInterval(() => {
    presenceWatcher.tick().catch((err) => logTimerError(err, 'presence tick failed'));
  }, 1000);
  const awaySweep = setInterval(() => {
    presence.closeAwayRooms().catch((err) => logTimerError(err, 'away sweep failed'));
    presence.housekeeping().catch((err) => logTimerError(err, 'presence housekeeping failed'));
  }, Math.min(15_000, Math.max(250, Math.floor(config.roomAwayCloseMs / 4))));
  const runRetention = () => void retention.run().catch((err) => logTimerError(err, 'retention job failed'));
  const retentionTimer = setInterval(runRetention, 3_600_000);
  const retentionFirst = setTimeout(runRetention, 30_000);
  for (const t of [sweep, heartbeat, presenceTick, awaySweep, retentionTimer, retentionFirst]) t.unref();

  let closing: Promise<void> | null = null;
  return {
    config,
    log,
    db,
    server,
    io,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve(server.address() as AddressInfo));
      }),
    close: () =>
      (closing ??= (async () => {
        shuttingDown = true;
        bench?.close();
        clearInterval(sweep);
        clearInterval(heartbeat);
        for (const t of [presenceTick, awaySweep, retentionTimer]) clearInterval(t);
        clearTimeout(retentionFirst);
        // Stop accepting, disconnect sockets, let in-flight HTTP requests finish (server.close).
        await new Promise<void>((resolve) => io.close(() => resolve()));
        const drained = await inflight.drain(config.shutdownTimeoutMs / 2);
        if (!drained) log.warn('shutdown: socket operations still running after the drain timeout');
        await notifier.close().catch(() => undefined);
        await redis?.close().catch(() => undefined);
        await db.close();
        log.info('shut down cleanly');
      })()),
  };
}
