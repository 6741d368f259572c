import { expect } from 'chai';
import { pino } from 'pino';
import type { CodeNotification, Notifier } from '../../src/core/ports.js';
import type { Logger } from '../../src/logger.js';
import { createNotifier, LogNotifier, SmtpNotifier, WebhookNotifier } from '../../src/infra/notifier/index.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

type LogLine = Record<string, unknown> & { level: number; msg?: string };

/** A pino logger writing into an array, with the redaction paths of createLogger that concern codes. */
function memoryLog(): { log: Logger; lines: LogLine[]; text: () => string } {
  const lines: LogLine[] = [];
  const log = pino(
    { level: 'debug', redact: { paths: ['*.code', '*.verify_code'], censor: '[redacted]' } },
    { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) },
  );
  return { log, lines, text: () => lines.map((l) => JSON.stringify(l)).join('\n') };
}

const fast = { baseDelayMs: 5, maxDelayMs: 20, attemptTimeoutMs: 2000, closeTimeoutMs: 5000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let seq = 0;
const note = (over: Partial<CodeNotification> = {}): CodeNotification => {
  seq++;
  return {
    channel: 'email',
    to: `user${seq}@example.com`,
    purpose: 'password_reset',
    code: String(100000 + seq * 7919).slice(0, 6),
    ...over,
  };
};

describe('code delivery', function () {
  const cleanup: Array<() => Promise<void>> = [];
  const receiver = async (opts?: Parameters<typeof startWebhookReceiver>[0]): Promise<WebhookReceiver> => {
    const r = await startWebhookReceiver(opts);
    cleanup.push(() => r.close());
    return r;
  };
  const sink = async (opts?: Parameters<typeof startSmtpSink>[0]): Promise<SmtpSink> => {
    const s = await startSmtpSink(opts);
    cleanup.push(() => s.close());
    return s;
  };
  const track = <T extends Notifier>(n: T): T => {
    cleanup.push(() => n.close());
    return n;
  };
  afterEach(async function () {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  describe('the webhook notifier', function () {
    it('posts exactly the JSON body of the contract, as application/json', async function () {
      const r = await receiver();
      const { log } = memoryLog();
      const notifier = track(new WebhookNotifier(r.url, log, fast));
      const n = note({ channel: 'sms', to: '+886912345678', purpose: 'phone_verification' });
      const withExtra = { ...n, internal: 'must not be sent' };

      notifier.send(withExtra);
      await r.waitFor({ to: n.to, purpose: n.purpose });

      expect(r.requests).to.have.length(1);
      expect(r.requests[0]?.method).to.equal('POST');
      expect(r.requests[0]?.contentType).to.equal('application/json');
      expect(JSON.parse(r.requests[0]?.body ?? '')).to.deep.equal({
        channel: 'sms',
        to: '+886912345678',
        purpose: 'phone_verification',
        code: n.code,
      });
    });

    it('retries after 503 answers and then delivers the code', async function () {
      const r = await receiver({ failFirst: 2 });
      const { log } = memoryLog();
      const notifier = track(new WebhookNotifier(r.url, log, fast));
      const n = note();

      notifier.send(n);
      expect(await r.codeFor(n.to, n.purpose)).to.equal(n.code);
      expect(r.requests.map((q) => q.status)).to.deep.equal([503, 503, 204]);
    });

    it('retries after a 429 answer', async function () {
      const r = await receiver({ failFirst: 1, status: 429 });
      const { log } = memoryLog();
      const notifier = track(new WebhookNotifier(r.url, log, fast));
      const n = note();

      notifier.send(n);
      await r.waitFor({ to: n.to, purpose: n.purpose });
      expect(r.requests.map((q) => q.status)).to.deep.equal([429, 204]);
    });

    it('gives up after the maximum number of attempts, without throwing or an unhandled rejection', async function () {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const r = await receiver({ failFirst: 1000 });
        const { log, lines, text } = memoryLog();
        const notifier = new WebhookNotifier(r.url, log, { ...fast, maxAttempts: 3 });
        const n = note({ to: 'alice@example.com' });

        expect(() => notifier.send(n)).not.to.throw();
        await notifier.close(); // waits for the whole retry sequence
        await new Promise((r) => setImmediate(r));

        expect(r.requests).to.have.length(3);
        expect(r.received).to.have.length(0);
        expect(unhandled).to.deep.equal([]);
        const gaveUp = lines.find((l) => l.msg === 'code delivery failed; giving up');
        expect(gaveUp).to.include({ level: 50, attempt: 3, status: 503, to: 'a***@example.com', purpose: n.purpose });
        expect(text()).not.to.include(n.code);
        expect(text()).not.to.include('alice@');
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });

    it('retries when the webhook cannot be reached at all', async function () {
      const gone = await startWebhookReceiver();
      await gone.close(); // nothing listens on that port any more
      const { log, lines } = memoryLog();
      const notifier = new WebhookNotifier(gone.url, log, { ...fast, maxAttempts: 3 });

      notifier.send(note());
      await notifier.close();

      const failures = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('code delivery failed'));
      expect(failures.map((l) => l.attempt)).to.deep.equal([1, 2, 3]);
      expect(failures.at(-1)?.msg).to.equal('code delivery failed; giving up');
    });

    it('does not retry a 400 answer', async function () {
      const r = await receiver({ failFirst: 1000, status: 400 });
      const { log, lines } = memoryLog();
      const notifier = new WebhookNotifier(r.url, log, { ...fast, maxAttempts: 5 });

      notifier.send(note());
      await notifier.close();

      expect(r.requests).to.have.length(1);
      expect(lines.find((l) => l.msg === 'code delivery rejected; not retrying')).to.include({ status: 400, attempt: 1 });
    });

    it('returns from send before the delivery is complete', async function () {
      const r = await receiver({ hold: true }); // takes the body but answers only on release()
      const { log, lines } = memoryLog();
      const notifier = track(new WebhookNotifier(r.url, log, fast));
      const n = note();
      const delivered = () => lines.some((l) => l.msg === 'code delivered');

      notifier.send(n);
      expect(r.requests).to.have.length(0);
      await r.waitFor({ to: n.to, purpose: n.purpose }); // the request is in flight, its answer held
      expect(delivered()).to.equal(false);

      r.release();
      await notifier.close();
      expect(delivered()).to.equal(true);
    });

    it('makes close() wait for deliveries still in flight', async function () {
      const r = await receiver({ hold: true });
      const { log, lines } = memoryLog();
      const notifier = new WebhookNotifier(r.url, log, fast);
      const n = note();

      notifier.send(n);
      await r.waitFor({ to: n.to, purpose: n.purpose });
      let closed = false;
      const closing = notifier.close().then(() => (closed = true));
      await sleep(100);
      expect(closed).to.equal(false);

      r.release();
      await closing;
      expect(closed).to.equal(true);
      expect(lines.filter((l) => l.msg === 'code delivered')).to.have.length(1);
    });

    it('makes close() give up on deliveries that outlast its timeout', async function () {
      const r = await receiver({ hold: true }); // never released
      const { log, lines } = memoryLog();
      const notifier = new WebhookNotifier(r.url, log, { ...fast, attemptTimeoutMs: 60_000, closeTimeoutMs: 100 });
      const n = note();

      notifier.send(n);
      await r.waitFor({ to: n.to, purpose: n.purpose });
      await notifier.close();

      expect(lines.find((l) => l.msg === 'shutdown: abandoning code deliveries still in progress')).to.include({
        abandoned: 1,
      });
      expect(lines.some((l) => l.msg === 'code delivered')).to.equal(false);
    });

    it('drops notifications sent after close() with a warning', async function () {
      const r = await receiver();
      const { log, lines } = memoryLog();
      const notifier = new WebhookNotifier(r.url, log, fast);
      await notifier.close();

      notifier.send(note());
      await sleep(50);

      expect(r.requests).to.have.length(0);
      expect(lines.find((l) => l.msg === 'notifier is closed; code not delivered')).to.include({ level: 40 });
    });

    it('sends credentials of the URL as HTTP Basic authentication', async function () {
      const r = await receiver();
      const { log } = memoryLog();
      const url = r.url.replace('http://', 'http://gw%40user:s3cret@');
      const notifier = track(new WebhookNotifier(url, log, fast));
      const n = note();

      notifier.send(n);
      await r.waitFor({ to: n.to, purpose: n.purpose });
      expect(r.requests[0]?.authorization).to.equal(`Basic ${Buffer.from('gw@user:s3cret').toString('base64')}`);
    });
  });

  describe('the log notifier', function () {
    it('writes the code to the log at info level as a structured line', function () {
      const { log, lines } = memoryLog();
      const n = note({ to: 'dev@example.com', purpose: 'email_verification' });

      new LogNotifier(log).send(n);

      expect(lines).to.have.length(1);
      expect(lines[0]).to.include({ level: 30, channel: 'email', to: 'dev@example.com', purpose: 'email_verification', code: n.code });
    });
  });

  describe('the SMTP notifier', function () {
    const from = 'GaoBinYou <no-reply@gaobinyou.test>';

    it('e-mails the code, with a subject naming the purpose', async function () {
      const s = await sink();
      const { log } = memoryLog();
      const notifier = track(new SmtpNotifier(s.url, from, log, fast));
      const n = note({ to: 'bob@example.com', purpose: 'password_reset' });

      notifier.send(n);
      const m = await s.waitForMessage((x) => x.to.includes('bob@example.com'));

      expect(m.from).to.equal('no-reply@gaobinyou.test');
      expect(m.data).to.match(/^Subject: Your password reset code$/m);
      expect(m.data).to.match(/^To: bob@example\.com$/m);
      expect(m.data).to.include(`is: ${n.code}`);
    });

    it('retries a transient refusal (451) and then delivers', async function () {
      const s = await sink({ rejectFirst: 1, rejectCode: 451 });
      const { log } = memoryLog();
      const notifier = track(new SmtpNotifier(s.url, from, log, fast));
      const n = note();

      notifier.send(n);
      const m = await s.waitForMessage((x) => x.to.includes(n.to));

      expect(s.rejected).to.equal(1);
      expect(m.data).to.include(n.code);
    });

    it('does not retry a permanent refusal (550)', async function () {
      const s = await sink({ rejectFirst: 1000, rejectCode: 550 });
      const { log, lines, text } = memoryLog();
      const notifier = new SmtpNotifier(s.url, from, log, { ...fast, maxAttempts: 5 });
      const n = note();

      notifier.send(n);
      await notifier.close();

      expect(s.rejected).to.equal(1);
      expect(s.messages).to.have.length(0);
      expect(lines.find((l) => l.msg === 'code delivery rejected; not retrying')).to.include({ status: 550 });
      expect(text()).not.to.include(n.code);
    });
  });

  describe('createNotifier', function () {
    const smtpFrom = 'GaoBinYou <no-reply@gaobinyou.test>';
    const opts = { webhook: fast, smtp: fast };
    const email = () => note({ channel: 'email', purpose: 'email_verification' });
    const sms = () => note({ channel: 'sms', to: `+8869${String(10000000 + seq)}`, purpose: 'phone_verification' });

    /** A notifier for `where` that is sent one e-mail and one SMS code and then closed; returns both. */
    async function sendBoth(where: { notifyWebhookUrl?: string; smtpUrl?: string }, log: Parameters<typeof createNotifier>[1]) {
      const notifier = createNotifier({ notifyWebhookUrl: where.notifyWebhookUrl, smtpUrl: where.smtpUrl, smtpFrom }, log, opts);
      const e = email();
      const p = sms();
      notifier.send(e);
      notifier.send(p);
      await notifier.close();
      return { e, p };
    }

    it('writes the codes of both channels to the log when nothing is configured', async function () {
      const { log, lines } = memoryLog();
      const { e, p } = await sendBoth({}, log);

      const codes = lines.filter((l) => l.notifier === 'log').map((l) => [l.channel, l.code]);
      expect(codes).to.deep.equal([
        ['email', e.code],
        ['sms', p.code],
      ]);
    });

    it('sends both channels to the webhook when only the webhook is configured', async function () {
      const r = await receiver();
      const { log } = memoryLog();
      const { e, p } = await sendBoth({ notifyWebhookUrl: r.url }, log);

      expect(await r.codeFor(e.to, e.purpose)).to.equal(e.code);
      expect(await r.codeFor(p.to, p.purpose)).to.equal(p.code);
    });

    it('sends e-mail through SMTP and SMS to the webhook when both are configured', async function () {
      const r = await receiver();
      const s = await sink();
      const { log } = memoryLog();
      const { e, p } = await sendBoth({ notifyWebhookUrl: r.url, smtpUrl: s.url }, log);

      expect(s.messages.map((m) => m.to)).to.deep.equal([[e.to]]);
      expect(s.messages[0]?.data).to.include(e.code);
      expect(r.received).to.deep.equal([p]);
    });

    it('sends e-mail through SMTP and writes SMS codes to the log, with a warning, when only SMTP is configured', async function () {
      const s = await sink();
      const { log, lines } = memoryLog();
      const { e, p } = await sendBoth({ smtpUrl: s.url }, log);

      expect(s.messages.map((m) => m.to)).to.deep.equal([[e.to]]);
      const logged = lines.filter((l) => l.notifier === 'log');
      expect(logged.map((l) => [l.channel, l.code])).to.deep.equal([['sms', p.code]]);
      expect(lines.some((l) => l.level === 40 && /SMS codes are written to the log/.test(l.msg ?? ''))).to.equal(true);
    });
  });
});
