import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Secrets that may ride on objects we log are redacted by path. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: {
      paths: [
        'req.headers.authorization',
        '*.password',
        '*.token',
        '*.refresh_token',
        '*.access_token',
        '*.verify_code',
        '*.code',
      ],
      censor: '[redacted]',
    },
  });
}
