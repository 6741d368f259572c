import { createTransport, type NodemailerError, type Transporter } from 'nodemailer';
import type { CodeNotification, CodePurpose, Notifier } from '../../core/ports.js';
import type { Logger } from '../../logger.js';
import { BackgroundDelivery, DeliveryError, type DeliveryOptions } from './background-delivery.js';

export interface SmtpNotifierOptions extends DeliveryOptions {
  /** Per-attempt limit, also used as nodemailer's connection/greeting/socket timeouts (default 10 s). */
  attemptTimeoutMs?: number;
}

const SUBJECTS: Record<CodePurpose, string> = {
  password_reset: 'Your password reset code',
  email_verification: 'Your e-mail verification code',
  phone_verification: 'Your phone verification code',
};

const WHAT: Record<CodePurpose, string> = {
  password_reset: 'reset your password',
  email_verification: 'verify your e-mail address',
  phone_verification: 'verify your phone number',
};

/** Error codes of nodemailer that no retry can fix (bad address, missing credentials, bad setup). */
const PERMANENT_CODES = new Set(['EENVELOPE', 'ENOAUTH', 'EAUTH', 'ECONFIG']);

/**
 * Delivers e-mail codes through the SMTP server of SMTP_URL (smtp:// or smtps://, credentials
 * in the URL) with nodemailer, from SMTP_FROM. Connection failures, timeouts and 4xx replies are
 * retried in the background (see BackgroundDelivery); 5xx rejections are final.
 */
export class SmtpNotifier implements Notifier {
  private readonly transport: Transporter;
  private readonly queue: BackgroundDelivery;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly log: Logger,
    opts: SmtpNotifierOptions = {},
  ) {
    const timeout = opts.attemptTimeoutMs ?? 10_000;
    this.transport = createTransport({
      url: smtpUrl,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
    this.queue = new BackgroundDelivery('smtp', (n, signal) => this.mail(n, signal), log, {
      ...opts,
      attemptTimeoutMs: timeout,
    });
  }

  /** Returns at once; the e-mail (and its retries) is sent in the background. */
  send(n: CodeNotification): void {
    if (n.channel !== 'email') {
      this.log.warn({ notifier: 'smtp', channel: n.channel, purpose: n.purpose }, 'SMTP cannot deliver this channel; code dropped');
      return;
    }
    this.queue.enqueue(n);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.transport.close();
  }

  private async mail(n: CodeNotification, signal: AbortSignal): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.from,
        to: n.to,
        subject: SUBJECTS[n.purpose],
        // Short lines keep the body plain 7-bit text (no quoted-printable soft breaks).
        text:
          `Your code to ${WHAT[n.purpose]} is: ${n.code}\n\n` +
          `It expires soon and works only once.\n` +
          `If you did not ask for it, you can ignore this e-mail.\n`,
        signal,
      });
    } catch (err) {
      const e = err as Partial<NodemailerError>;
      const permanent = typeof e.permanent === 'boolean' ? e.permanent : PERMANENT_CODES.has(e.code ?? '');
      if (permanent) {
        throw new DeliveryError(e.message ?? 'SMTP rejected the message', false, { status: e.responseCode });
      }
      throw err;
    }
  }
}
