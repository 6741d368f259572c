import Joi from 'joi';

/** A rate limit: `points` calls per `duration` seconds. */
export interface RateRule {
  points: number;
  duration: number;
}

export interface ProviderConfig {
  clientId: string;
  issuer: string;
  jwksUrl: string;
  /** LINE only: the verify endpoint (used instead of JWKS when set). */
  verifyUrl?: string;
  /** Where a browser starts the provider's sign-in (the OpenID Connect authorization endpoint); loadConfig always sets it. */
  authorizeUrl?: string;
  /** LINE only: the token endpoint and channel secret, for the code flow; the flow is offered only with both. */
  tokenUrl?: string;
  clientSecret?: string;
}

export interface AppConfig {
  nodeEnv: string;
  port: number;
  host: string;
  logLevel: string;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  /** Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES); when set, every Redis use goes to the Cluster. */
  redisClusterNodes: string[] | undefined;
  /** Namespace for every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  /** Undefined means: generate once and keep in dataDir (refused in production). */
  jwtSecret: string | undefined;
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  refreshGraceSec: number;
  sessionCacheMs: number;
  bcryptCost: number;
  matchIdleTimeoutMs: number;
  rematchCooldownMs: number;
  matchSweepIntervalMs: number;
  rates: {
    anonLogin: RateRule;
    matchJoin: RateRule;
    messageSend: RateRule;
    authLogin: RateRule;
    authRegister: RateRule;
    /** Every password-checking call (register, login, password change) per client address, whatever the login id. */
    authClient: RateRule;
    /** Code e-mails/SMS requested per client address. */
    codeRequestClient: RateRule;
    /** Code checks (verify, reset, submit) per client address. */
    codeVerifyClient: RateRule;
    /** `join` and `history` per user (each reads up to a page of messages). */
    roomRead: RateRule;
    /** `typing` per user (each is relayed to the partner). */
    typing: RateRule;
    /** New Socket.IO connections per client address. */
    socketConnect: RateRule;
    report: RateRule;
    block: RateRule;
  };
  /** Codes issued per identifier per day, whichever purpose or client asked. */
  codeDailyMax: number;
  /** Password hashes waiting for a worker, over all clients; beyond it the answer is 503. */
  hashQueueMax: number;
  /** Password hashes running or waiting per client address; beyond it the answer is 429. */
  hashQueuePerClient: number;
  /** Absolute session lifetime in seconds: refreshing never extends a session past it. */
  sessionMaxAgeSec: number;
  /** Open Socket.IO connections per client address on one node. */
  maxSocketsPerAddress: number;
  /** Messages per `join` catch-up page (the ack says `has_more` when there are more). */
  catchUpPageSize: number;
  /** Key for the password pre-hash; undefined means derived from the JWT secret. */
  passwordPepper: string | undefined;
  /** A room closes once a member has been away this long (presence). */
  roomAwayCloseMs: number;
  /** Messages of rooms closed longer ago than this are deleted; 0 keeps them forever. */
  messageRetentionDays: number;
  codeCooldownSec: number;
  codeTtlSec: number;
  codeMaxAttempts: number;
  notifyWebhookUrl: string | undefined;
  smtpUrl: string | undefined;
  smtpFrom: string;
  providers: {
    google: ProviderConfig | undefined;
    apple: ProviderConfig | undefined;
    line: ProviderConfig | undefined;
  };
  shutdownTimeoutMs: number;
  /** Trust X-Forwarded-For from this many proxies (express "trust proxy"). */
  trustProxy: number;
  /** Coalesce concurrent message inserts into one multi-row statement (src/store/message-writer.ts). */
  messageWriteBatch: boolean;
  /** At most this many messages per coalesced insert. */
  messageWriteBatchSize: number;
  /** Message insert statements in flight at once on this node (MESSAGE_WRITE_CONCURRENCY). */
  messageWriteConcurrency: number;
  /** Measurement endpoints for the benchmarks (/__bench); never set in a deployment. */
  benchHooks: boolean;
}

const rate = Joi.string()
  .pattern(/^\d+\/\d+$/)
  .messages({ 'string.pattern.base': '{{#label}} must look like POINTS/SECONDS, e.g. 30/10' });

const schema = Joi.object({
  NODE_ENV: Joi.string().default('development'),
  PORT: Joi.number().integer().min(0).max(65535).default(8091),
  HOST: Joi.string().default('0.0.0.0'),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  DATABASE_URL: Joi.string().uri({ scheme: ['postgres', 'postgresql'] }).empty(''),
  DATA_DIR: Joi.string().default('./data'),
  REDIS_URL: Joi.string().uri({ scheme: ['redis', 'rediss'] }).empty(''),
  REDIS_CLUSTER_NODES: Joi.string()
    .pattern(/^rediss?:\/\/[^\s,]+(,rediss?:\/\/[^\s,]+)*$/)
    .empty('')
    .messages({ 'string.pattern.base': '{{#label}} must be a comma-separated list of redis:// URLs, e.g. redis://10.0.0.1:7000,redis://10.0.0.2:7000' }),
  REDIS_PREFIX: Joi.string().pattern(/^[\w.:-]{1,64}$/).default('gby'),
  JWT_SECRET: Joi.string().min(32).empty('').messages({ 'string.min': 'JWT_SECRET must be at least 32 characters' }),
  ACCESS_TOKEN_TTL: Joi.number().integer().min(10).default(900),
  REFRESH_TOKEN_TTL: Joi.number().integer().min(60).default(30 * 24 * 3600),
  REFRESH_GRACE: Joi.number().integer().min(0).max(120).default(10),
  SESSION_CACHE_MS: Joi.number().integer().min(0).max(60_000).default(2000),
  BCRYPT_COST: Joi.number().integer().min(4).max(15).default(12),
  MATCH_IDLE_TIMEOUT_MS: Joi.number().integer().min(1000).default(30_000),
  REMATCH_COOLDOWN_MS: Joi.number().integer().min(0).default(60_000),
  MATCH_SWEEP_INTERVAL_MS: Joi.number().integer().min(50).default(1000),
  RATE_ANON_LOGIN: rate.default('20/60'),
  RATE_MATCH_JOIN: rate.default('30/60'),
  RATE_MESSAGE_SEND: rate.default('40/10'),
  RATE_AUTH_LOGIN: rate.default('10/60'),
  RATE_AUTH_REGISTER: rate.default('10/3600'),
  RATE_AUTH_CLIENT: rate.default('30/300'),
  RATE_CODE_REQUEST_CLIENT: rate.default('10/3600'),
  RATE_CODE_VERIFY_CLIENT: rate.default('30/600'),
  RATE_ROOM_READ: rate.default('60/60'),
  RATE_TYPING: rate.default('30/10'),
  RATE_SOCKET_CONNECT: rate.default('60/60'),
  CODE_DAILY_MAX: Joi.number().integer().min(1).default(10),
  HASH_QUEUE_MAX: Joi.number().integer().min(1).default(64),
  HASH_QUEUE_PER_CLIENT: Joi.number().integer().min(1).default(4),
  SESSION_MAX_AGE: Joi.number().integer().min(60).default(30 * 24 * 3600),
  MAX_SOCKETS_PER_ADDRESS: Joi.number().integer().min(1).default(50),
  CATCH_UP_PAGE_SIZE: Joi.number().integer().min(1).max(1000).default(100),
  PASSWORD_PEPPER: Joi.string().min(32).empty('').messages({ 'string.min': 'PASSWORD_PEPPER must be at least 32 characters' }),
  RATE_REPORT: rate.default('10/3600'),
  RATE_BLOCK: rate.default('30/3600'),
  ROOM_AWAY_CLOSE_MS: Joi.number().integer().min(1000).default(120_000),
  MESSAGE_RETENTION_DAYS: Joi.number().integer().min(0).max(36_500).default(30),
  CODE_COOLDOWN: Joi.number().integer().min(0).default(60),
  CODE_TTL: Joi.number().integer().min(30).default(600),
  CODE_MAX_ATTEMPTS: Joi.number().integer().min(1).default(5),
  NOTIFY_WEBHOOK_URL: Joi.string().uri({ scheme: ['http', 'https'] }).empty(''),
  SMTP_URL: Joi.string().uri({ scheme: ['smtp', 'smtps'] }).empty(''),
  SMTP_FROM: Joi.string().default('GaoBinYou <no-reply@localhost>'),
  GOOGLE_CLIENT_ID: Joi.string().empty(''),
  GOOGLE_ISSUER: Joi.string().default('https://accounts.google.com'),
  GOOGLE_JWKS_URL: Joi.string().uri().default('https://www.googleapis.com/oauth2/v3/certs'),
  GOOGLE_AUTHORIZE_URL: Joi.string().uri({ scheme: ['http', 'https'] }).default('https://accounts.google.com/o/oauth2/v2/auth'),
  APPLE_CLIENT_ID: Joi.string().empty(''),
  APPLE_ISSUER: Joi.string().default('https://appleid.apple.com'),
  APPLE_JWKS_URL: Joi.string().uri().default('https://appleid.apple.com/auth/keys'),
  APPLE_AUTHORIZE_URL: Joi.string().uri({ scheme: ['http', 'https'] }).default('https://appleid.apple.com/auth/authorize'),
  LINE_CHANNEL_ID: Joi.string().empty(''),
  LINE_ISSUER: Joi.string().default('https://access.line.me'),
  LINE_JWKS_URL: Joi.string().uri().default('https://api.line.me/oauth2/v2.1/certs'),
  LINE_VERIFY_URL: Joi.string().uri().empty(''),
  LINE_AUTHORIZE_URL: Joi.string().uri({ scheme: ['http', 'https'] }).default('https://access.line.me/oauth2/v2.1/authorize'),
  LINE_TOKEN_URL: Joi.string().uri({ scheme: ['http', 'https'] }).default('https://api.line.me/oauth2/v2.1/token'),
  LINE_CHANNEL_SECRET: Joi.string().empty(''),
  SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(100).default(10_000),
  TRUST_PROXY: Joi.number().integer().min(0).default(0),
  MESSAGE_WRITE_BATCH: Joi.string().valid('on', 'off').default('on'),
  MESSAGE_WRITE_BATCH_SIZE: Joi.number().integer().min(1).max(1000).default(200),
  // Statements in flight per node; the pool has 10 connections, the rest serve every other query.
  MESSAGE_WRITE_CONCURRENCY: Joi.number().integer().min(1).max(8).default(4),
  BENCH_HOOKS: Joi.string().valid('0', '1').default('0'),
}).unknown(true);

const parseRate = (s: string): RateRule => {
  const [p, d] = s.split('/');
  return { points: Number(p), duration: Number(d) };
};

/** Reads and validates the environment once. Throws one error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const { value: v, error } = schema.validate(env, { abortEarly: false, convert: true });
  if (error) {
    throw new Error(`invalid configuration: ${error.details.map((d) => d.message).join('; ')}`);
  }
  const nodeEnv = v.NODE_ENV as string;
  if (v.REDIS_URL && v.REDIS_CLUSTER_NODES) {
    throw new Error('invalid configuration: set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
  }
  if (nodeEnv === 'production' && !v.JWT_SECRET) {
    throw new Error('invalid configuration: JWT_SECRET is required when NODE_ENV=production');
  }
  const provider = (clientId: string | undefined, urls: { issuer: string; jwksUrl: string; authorizeUrl: string }, extra: Partial<ProviderConfig> = {}): ProviderConfig | undefined =>
    clientId ? { clientId, ...urls, ...Object.fromEntries(Object.entries(extra).filter(([, x]) => x)) } : undefined;
  const config: AppConfig = {
    nodeEnv,
    port: v.PORT,
    host: v.HOST,
    logLevel: v.LOG_LEVEL,
    databaseUrl: v.DATABASE_URL,
    dataDir: v.DATA_DIR,
    redisUrl: v.REDIS_URL,
    redisClusterNodes: v.REDIS_CLUSTER_NODES ? (v.REDIS_CLUSTER_NODES as string).split(',') : undefined,
    redisPrefix: v.REDIS_PREFIX,
    jwtSecret: v.JWT_SECRET,
    accessTokenTtlSec: v.ACCESS_TOKEN_TTL,
    refreshTokenTtlSec: v.REFRESH_TOKEN_TTL,
    refreshGraceSec: v.REFRESH_GRACE,
    sessionCacheMs: v.SESSION_CACHE_MS,
    bcryptCost: v.BCRYPT_COST,
    matchIdleTimeoutMs: v.MATCH_IDLE_TIMEOUT_MS,
    rematchCooldownMs: v.REMATCH_COOLDOWN_MS,
    matchSweepIntervalMs: v.MATCH_SWEEP_INTERVAL_MS,
    rates: {
      anonLogin: parseRate(v.RATE_ANON_LOGIN),
      matchJoin: parseRate(v.RATE_MATCH_JOIN),
      messageSend: parseRate(v.RATE_MESSAGE_SEND),
      authLogin: parseRate(v.RATE_AUTH_LOGIN),
      authRegister: parseRate(v.RATE_AUTH_REGISTER),
      authClient: parseRate(v.RATE_AUTH_CLIENT),
      codeRequestClient: parseRate(v.RATE_CODE_REQUEST_CLIENT),
      codeVerifyClient: parseRate(v.RATE_CODE_VERIFY_CLIENT),
      roomRead: parseRate(v.RATE_ROOM_READ),
      typing: parseRate(v.RATE_TYPING),
      socketConnect: parseRate(v.RATE_SOCKET_CONNECT),
      report: parseRate(v.RATE_REPORT),
      block: parseRate(v.RATE_BLOCK),
    },
    codeDailyMax: v.CODE_DAILY_MAX,
    hashQueueMax: v.HASH_QUEUE_MAX,
    hashQueuePerClient: v.HASH_QUEUE_PER_CLIENT,
    sessionMaxAgeSec: v.SESSION_MAX_AGE,
    maxSocketsPerAddress: v.MAX_SOCKETS_PER_ADDRESS,
    catchUpPageSize: v.CATCH_UP_PAGE_SIZE,
    passwordPepper: v.PASSWORD_PEPPER,
    roomAwayCloseMs: v.ROOM_AWAY_CLOSE_MS,
    messageRetentionDays: v.MESSAGE_RETENTION_DAYS,
    codeCooldownSec: v.CODE_COOLDOWN,
    codeTtlSec: v.CODE_TTL,
    codeMaxAttempts: v.CODE_MAX_ATTEMPTS,
    notifyWebhookUrl: v.NOTIFY_WEBHOOK_URL,
    smtpUrl: v.SMTP_URL,
    smtpFrom: v.SMTP_FROM,
    providers: {
      google: provider(v.GOOGLE_CLIENT_ID, { issuer: v.GOOGLE_ISSUER, jwksUrl: v.GOOGLE_JWKS_URL, authorizeUrl: v.GOOGLE_AUTHORIZE_URL }),
      apple: provider(v.APPLE_CLIENT_ID, { issuer: v.APPLE_ISSUER, jwksUrl: v.APPLE_JWKS_URL, authorizeUrl: v.APPLE_AUTHORIZE_URL }),
      line: provider(v.LINE_CHANNEL_ID, { issuer: v.LINE_ISSUER, jwksUrl: v.LINE_JWKS_URL, authorizeUrl: v.LINE_AUTHORIZE_URL }, {
        verifyUrl: v.LINE_VERIFY_URL,
        tokenUrl: v.LINE_TOKEN_URL,
        clientSecret: v.LINE_CHANNEL_SECRET,
      }),
    },
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    trustProxy: v.TRUST_PROXY,
    messageWriteBatch: v.MESSAGE_WRITE_BATCH === 'on',
    messageWriteBatchSize: v.MESSAGE_WRITE_BATCH_SIZE,
    messageWriteConcurrency: v.MESSAGE_WRITE_CONCURRENCY,
    benchHooks: v.BENCH_HOOKS === '1',
  };
  return deepFreeze(config);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const k of Object.keys(o)) deepFreeze((o as Record<string, unknown>)[k]);
    Object.freeze(o);
  }
  return o;
}
