import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CodeNotification, CodePurpose } from '../../src/core/ports.js';

export interface WebhookReceiverOptions {
  /** Answer the first `failFirst` requests with `status` (and record nothing), to exercise retries. */
  failFirst?: number;
  /** Status of the failed answers (default 503). */
  status?: number;
  /** Record each body on arrival but answer only once release() is called (in-flight deliveries). */
  hold?: boolean;
}

/** One HTTP request as it reached the receiver, failed ones included. */
export interface ReceivedRequest {
  method: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
  /** The status it was (or will be) answered with. */
  status: number;
}

export type NotificationMatch = ((n: CodeNotification) => boolean) | { to: string; purpose: CodePurpose };

export interface WebhookReceiver {
  /** Where to point NOTIFY_WEBHOOK_URL. */
  url: string;
  /** Accepted notifications, in arrival order. */
  received: CodeNotification[];
  /** Every request, including those answered with an error. */
  requests: ReceivedRequest[];
  /** The first received notification that matches, waiting for it if needed; rejects after `timeoutMs`. */
  waitFor(match: NotificationMatch, timeoutMs?: number): Promise<CodeNotification>;
  /** The code of the latest notification to `to` for `purpose`, waiting for one if none arrived yet. */
  codeFor(to: string, purpose: CodePurpose, timeoutMs?: number): Promise<string>;
  /** With `hold`: answers the held requests, and the next ones at once. */
  release(): void;
  close(): Promise<void>;
}

const matcher = (m: NotificationMatch) =>
  typeof m === 'function' ? m : (n: CodeNotification) => n.to === m.to && n.purpose === m.purpose;

const describeMatch = (m: NotificationMatch): string =>
  typeof m === 'function' ? 'a notification matching the predicate' : `a ${m.purpose} code for ${m.to}`;

/** A stand-in for an SMS gateway / notification webhook, on 127.0.0.1 and a free port. */
export async function startWebhookReceiver(opts: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const failStatus = opts.status ?? 503;
  let toFail = opts.failFirst ?? 0;
  let holding = opts.hold ?? false;
  const held: Array<() => void> = [];
  const received: CodeNotification[] = [];
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<{ test: (n: CodeNotification) => boolean; resolve: (n: CodeNotification) => void; reject: (e: Error) => void }>();

  const accept = (n: CodeNotification): void => {
    received.push(n);
    for (const w of waiters) if (w.test(n)) w.resolve(n);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const record: ReceivedRequest = {
        method: req.method ?? '',
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body,
        status: 204,
      };
      requests.push(record);
      const answer = (): void => {
        res.writeHead(record.status).end();
      };
      if (toFail > 0) {
        toFail--;
        record.status = failStatus;
        return answer();
      }
      let parsed: CodeNotification;
      try {
        parsed = JSON.parse(body) as CodeNotification;
      } catch {
        record.status = 400;
        return answer();
      }
      accept(parsed);
      if (holding) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const waitFor = (match: NotificationMatch, timeoutMs = 5000): Promise<CodeNotification> => {
    const test = matcher(match);
    const found = received.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        resolve: (n: CodeNotification) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(n);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const got = received.map((n) => `${n.channel}/${n.purpose} to ${n.to}`).join(', ') || 'nothing';
        waiter.reject(new Error(`webhook receiver: no ${describeMatch(match)} within ${timeoutMs} ms (received: ${got})`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  };

  return {
    url: `http://127.0.0.1:${port}/notify`,
    received,
    requests,
    waitFor,
    async codeFor(to, purpose, timeoutMs) {
      const test = matcher({ to, purpose });
      const latest = received.filter(test).at(-1);
      return (latest ?? (await waitFor(test, timeoutMs))).code;
    },
    release() {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    async close() {
      holding = false;
      for (const answer of held.splice(0)) answer();
      for (const w of waiters) w.reject(new Error('webhook receiver closed'));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
