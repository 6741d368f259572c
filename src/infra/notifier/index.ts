import type { AppConfig } from '../../config.js';
import type { CodeNotification, Notifier, NotifyChannel } from '../../core/ports.js';
import type { Logger } from '../../logger.js';
import { LogNotifier } from './log-notifier.js';
import { SmtpNotifier, type SmtpNotifierOptions } from './smtp-notifier.js';
import { WebhookNotifier, type WebhookNotifierOptions } from './webhook-notifier.js';

export { LogNotifier } from './log-notifier.js';
export { SmtpNotifier, type SmtpNotifierOptions } from './smtp-notifier.js';
export { WebhookNotifier, type WebhookNotifierOptions } from './webhook-notifier.js';
export { BackgroundDelivery, DeliveryError, type DeliveryOptions } from './background-delivery.js';

export interface NotifierOptions {
  webhook?: WebhookNotifierOptions;
  smtp?: SmtpNotifierOptions;
}

/** Sends each notification to the notifier of its channel; closes each notifier once. */
class ChannelRouter implements Notifier {
  constructor(private readonly routes: Record<NotifyChannel, Notifier>) {}

  send(n: CodeNotification): void {
    this.routes[n.channel].send(n);
  }

  async close(): Promise<void> {
    await Promise.all([...new Set(Object.values(this.routes))].map((x) => x.close()));
  }
}

/**
 * Chooses how one-time codes reach people, from configuration:
 *
 * | NOTIFY_WEBHOOK_URL | SMTP_URL | e-mail codes | SMS codes                  |
 * |--------------------|----------|--------------|----------------------------|
 * | set                | unset    | webhook      | webhook                    |
 * | set                | set      | SMTP         | webhook                    |
 * | unset              | set      | SMTP         | log (warned at startup)    |
 * | unset              | unset    | log          | log (development default)  |
 *
 * SMTP can only carry e-mail, so when it is configured it takes the e-mail codes and the webhook
 * (an SMS gateway) keeps the SMS ones. With SMTP alone there is nowhere to send SMS codes, so
 * they fall back to the log, which is only acceptable in development.
 */
export function createNotifier(
  config: Pick<AppConfig, 'notifyWebhookUrl' | 'smtpUrl' | 'smtpFrom'>,
  log: Logger,
  opts: NotifierOptions = {},
): Notifier {
  const { notifyWebhookUrl, smtpUrl, smtpFrom } = config;
  const webhook = notifyWebhookUrl ? new WebhookNotifier(notifyWebhookUrl, log, opts.webhook) : undefined;
  const smtp = smtpUrl ? new SmtpNotifier(smtpUrl, smtpFrom, log, opts.smtp) : undefined;

  if (smtp && webhook) {
    log.info('code delivery: e-mail codes via SMTP, SMS codes via the webhook');
    return new ChannelRouter({ email: smtp, sms: webhook });
  }
  if (webhook) {
    log.info('code delivery: e-mail and SMS codes via the webhook');
    return webhook;
  }
  if (smtp) {
    log.warn('code delivery: e-mail codes via SMTP; no NOTIFY_WEBHOOK_URL, so SMS codes are written to the log');
    return new ChannelRouter({ email: smtp, sms: new LogNotifier(log) });
  }
  log.info('code delivery: no NOTIFY_WEBHOOK_URL or SMTP_URL; codes are written to the log (development only)');
  return new LogNotifier(log);
}
