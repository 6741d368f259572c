import type { CodeNotification, Notifier } from '../../core/ports.js';
import type { Logger } from '../../logger.js';

/**
 * The development channel (the default when neither NOTIFY_WEBHOOK_URL nor SMTP_URL is set):
 * every one-time code is written to the log at info level.
 *
 * Writing the code is the whole point here, not a leak: on this channel the log IS the
 * delivery. The code sits at the top level of the line, where the `*.code` redact path of
 * createLogger does not reach. Production deployments configure a webhook or SMTP instead.
 */
export class LogNotifier implements Notifier {
  constructor(private readonly log: Logger) {}

  send(n: CodeNotification): void {
    this.log.info(
      { notifier: 'log', channel: n.channel, to: n.to, purpose: n.purpose, code: n.code },
      'one-time code (log delivery, development only)',
    );
  }

  async close(): Promise<void> {}
}
