import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createDatabase } from './store/db.js';

/** `npm run migrate` / the Procfile's release phase: apply migrations and exit. */
const config = loadConfig();
const log = createLogger(config.logLevel);
const db = createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
try {
  await db.migrate();
  log.info('migrations up to date');
} finally {
  await db.close();
}
