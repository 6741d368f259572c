import { loadConfig } from './config.js';
import { createApp } from './app.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  const log = createLogger(config.logLevel);
  const started = Date.now();
  const app = await createApp(config, { log });
  const addr = await app.listen();
  log.info({ address: addr.address, port: addr.port, db: app.db.kind, redis: config.redisClusterNodes ? 'cluster' : config.redisUrl ? 'server' : 'none', startupMs: Date.now() - started }, 'listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown timed out, exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  createLogger('error').fatal({ err }, 'failed to start');
  process.exit(1);
});
