import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createDatabase } from './store/db.js';
import { AuditLog } from './store/audit.repo.js';
import { grantRole } from './core/moderation/grant-role.js';
import { isAppError } from './core/errors.js';

/**
 * `npm run admin -- grant <login_id> <role>`, on the server's machine, with the server's
 * DATABASE_URL / DATA_DIR. The embedded database (PGlite) is one process's at a time, so stop
 * the server first; on Postgres it can run at any time.
 */
const USAGE = 'usage: npm run admin -- grant <login_id> <user|moderator|admin>\n';
const [command, loginId, role, ...rest] = process.argv.slice(2);
if (command !== 'grant' || !loginId || !role || rest.length) {
  process.stderr.write(USAGE);
  process.exit(2);
}

const config = loadConfig();
const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
const db = createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
let code = 0;
try {
  await db.migrate();
  const done = await grantRole(db.knex, new AuditLog(db.knex, log), loginId, role);
  process.stdout.write(`${loginId} (uid ${done.uid}) now has the role ${done.role}\n`);
} catch (e) {
  process.stderr.write(`admin: ${isAppError(e) ? e.message : e instanceof Error ? e.message : String(e)}\n`);
  code = 1;
} finally {
  await db.close().catch(() => undefined);
}
process.exit(code);
