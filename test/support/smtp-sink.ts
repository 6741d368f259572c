import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** One message as the sink received it. */
export interface SmtpMessage {
  from: string;
  to: string[];
  /** The raw message (headers and body), dot-unstuffed, lines joined with \r\n. */
  data: string;
}

export interface SmtpSinkOptions {
  /** Refuse the recipient of the first `rejectFirst` messages with `rejectCode`, to exercise retries. */
  rejectFirst?: number;
  /** Reply code of those refusals (default 451, transient; 550 is permanent). */
  rejectCode?: number;
}

export interface SmtpSink {
  /** Where to point SMTP_URL (plain smtp://, no auth, no TLS). */
  url: string;
  messages: SmtpMessage[];
  /** Number of RCPT commands refused because of `rejectFirst`. */
  rejected: number;
  /** The first message matching `predicate`, waiting for it if needed; rejects after `timeoutMs`. */
  waitForMessage(predicate: (m: SmtpMessage) => boolean, timeoutMs?: number): Promise<SmtpMessage>;
  close(): Promise<void>;
}

const address = (arg: string): string => /<([^>]*)>/.exec(arg)?.[1] ?? arg.trim();

/**
 * A minimal SMTP server for tests (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
 * QUIT) on 127.0.0.1 and a free port. It keeps messages in memory and delivers nothing.
 */
export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const rejectCode = opts.rejectCode ?? 451;
  let toReject = opts.rejectFirst ?? 0;
  const messages: SmtpMessage[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<net.Socket>();
  const sink = { rejected: 0 };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const reply = (line: string): void => {
      if (!socket.destroyed) socket.write(`${line}\r\n`);
    };
    let buffer = '';
    let inData = false;
    let from = '';
    let to: string[] = [];
    let dataLines: string[] = [];

    const command = (line: string): void => {
      const verb = line.slice(0, 4).toUpperCase();
      const arg = line.slice(line.indexOf(':') + 1);
      switch (verb) {
        case 'EHLO':
        case 'HELO':
          return reply('250 sink.local');
        case 'MAIL':
          from = address(arg);
          to = [];
          return reply('250 OK');
        case 'RCPT':
          if (toReject > 0) {
            toReject--;
            sink.rejected++;
            return reply(`${rejectCode} ${rejectCode >= 500 ? 'mailbox unavailable' : 'try again later'}`);
          }
          to.push(address(arg));
          return reply('250 OK');
        case 'DATA':
          if (to.length === 0) return reply('554 no valid recipients');
          inData = true;
          dataLines = [];
          return reply('354 end data with <CR><LF>.<CR><LF>');
        case 'RSET':
          from = '';
          to = [];
          return reply('250 OK');
        case 'NOOP':
          return reply('250 OK');
        case 'QUIT':
          reply('221 bye');
          socket.end();
          return;
        default:
          return reply('502 command not implemented');
      }
    };

    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let eol: number;
      while ((eol = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        if (!inData) {
          command(line);
        } else if (line === '.') {
          inData = false;
          messages.push({ from, to, data: dataLines.join('\r\n') });
          for (const w of waiters) w();
          reply('250 OK queued');
        } else {
          dataLines.push(line.startsWith('..') ? line.slice(1) : line);
        }
      }
    });
    reply('220 sink.local ESMTP test sink');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get rejected() {
      return sink.rejected;
    },
    waitForMessage(predicate, timeoutMs = 5000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = messages.find(predicate);
          if (!m) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(m);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`smtp sink: no matching message within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
