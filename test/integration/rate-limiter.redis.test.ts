import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { pino } from 'pino';
import { connectRedis, type RedisConnections } from '../../src/infra/redis.js';
import { FlexibleRateLimiter, type RateRules } from '../../src/infra/rate-limiter.js';
import { AppError } from '../../src/core/errors.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

// Without REDIS_URL this file defines no tests (the runner runs this folder again with REDIS_URL
// set); with REDIS_URL set, an unreachable Redis fails the before hook.
if (process.env.REDIS_URL) {
  const url = process.env.REDIS_URL;
  const off = { points: 0, duration: 0 };
  const rules: RateRules = {
    anon_login: { points: 3, duration: 60 },
    match_join: off,
    message_send: { points: 20, duration: 60 },
    auth_login: off,
    auth_register: off,
    code_request: { points: 1, duration: 60 },
    report: off,
    block: off,
  };
  const log = pino({ level: 'silent' });
  /** Lets the limiter's increments of this turn go out (they are sent on the next one). */
  const nextTurns = async () => {
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
  };

  const outcome = (p: Promise<void>): Promise<string> =>
    p.then(
      () => 'ok',
      (e: unknown) => (e instanceof AppError ? e.code : `unexpected ${String(e)}`),
    );

  describe('rate limits kept in Redis, as several nodes see them', () => {
    const prefix = `gbyt-rl-${randomUUID()}`;
    let proxy: TcpProxy;
    let direct: RedisConnections, proxied: RedisConnections, other: RedisConnections;
    /** Three nodes' limiters on one Redis; node 2 reaches it through a proxy the test can cut. */
    let node1: FlexibleRateLimiter, node2: FlexibleRateLimiter, node3: FlexibleRateLimiter;
    /**
     * A fourth node on the direct client whose script calls (one round trip each) are counted:
     * on its command client, and on the client that carries the counts of locally answered sends.
     */
    let counted: FlexibleRateLimiter;
    const evals = { command: 0, count: 0 };

    before(async () => {
      try {
        direct = await connectRedis({ url }, log);
      } catch (e) {
        throw new Error(`REDIS_URL is set but Redis cannot be reached: ${(e as Error).message}`);
      }
      other = await connectRedis({ url }, log);
      const target = new URL(url);
      proxy = await startTcpProxy(Number(target.port || 6379), target.hostname);
      proxied = await connectRedis({ url: proxy.urlFor(url) }, log);
      node1 = new FlexibleRateLimiter(rules, direct.client, prefix);
      node2 = new FlexibleRateLimiter(rules, proxied.client, prefix);
      node3 = new FlexibleRateLimiter(rules, other.client, prefix);
      const spy = (client: object, role: keyof typeof evals) =>
        new Proxy(client, {
          get(target, prop) {
            const v = Reflect.get(target, prop, target) as unknown;
            if (typeof v !== 'function') return v;
            if (prop === 'eval' || prop === 'evalSha') return (...a: unknown[]) => (evals[role]++, (v as (...x: unknown[]) => unknown).apply(target, a));
            return (v as (...x: unknown[]) => unknown).bind(target);
          },
        });
      counted = new FlexibleRateLimiter(rules, spy(direct.client, 'command'), prefix, spy(direct.pub, 'count'));
    });

    after(async () => {
      proxy?.restore();
      if (direct) {
        // The service's client type exposes only what the service uses; cleanup needs a bit more.
        const raw = direct.client as unknown as { keys(p: string): Promise<string[]>; del(k: string[]): Promise<unknown> };
        const keys = await raw.keys(`${prefix}*`);
        if (keys.length) await raw.del(keys);
      }
      await Promise.all([direct, other, proxied].map((c) => c?.close()));
      await proxy?.close();
    });

    it('refuses a second verification code for the same identifier on another node within the cooldown', async () => {
      const key = `email_verification:${randomUUID()}@example.com`;
      expect(await outcome(node1.consume('code_request', key))).to.equal('ok');
      expect(await outcome(node3.consume('code_request', key))).to.equal('RATE_LIMITED');
      expect(await outcome(node1.consume('code_request', key))).to.equal('RATE_LIMITED');
    });

    it('spends one allowance, wherever the calls land', async () => {
      const ip = randomUUID();
      const results = [];
      for (const node of [node1, node3, node1, node3]) results.push(await outcome(node.consume('anon_login', ip)));
      expect(results).to.deep.equal(['ok', 'ok', 'ok', 'RATE_LIMITED']);
    });

    it('lets exactly the message limit through one node, answering most sends without a round trip', async () => {
      const uid = randomUUID();
      evals.command = evals.count = 0;
      const results = [];
      for (let i = 0; i < 25; i++) {
        results.push(await outcome(counted.consume('message_send', uid)));
        if (i % 2) await nextTurns(); // some sends one by one, some two in a row
      }
      expect(results).to.deep.equal([...Array<string>(20).fill('ok'), ...Array<string>(5).fill('RATE_LIMITED')]);
      expect(evals.command, 'sends that waited for Redis').to.be.below(25);
      expect(evals.count, 'counts of the sends answered locally, on the count client').to.be.above(0);
    });

    it('holds the message limit for sends alternating between two nodes', async () => {
      const uid = randomUUID();
      const results = [];
      for (let i = 0; i < 20; i++) {
        results.push(await outcome((i % 2 ? node3 : node1).consume('message_send', uid)));
        // Each send is a request of its own: its count reaches Redis before the next one arrives.
        await nextTurns();
      }
      expect(results).to.deep.equal(Array<string>(20).fill('ok'));
      // Near the limit every send is checked against Redis, on either node.
      const over = [await outcome(node1.consume('message_send', uid)), await outcome(node3.consume('message_send', uid))];
      expect(over).to.deep.equal(['RATE_LIMITED', 'RATE_LIMITED']);
    });

    it('keeps a burst through two nodes at once within the limit plus the local slack of each node', async () => {
      const uid = randomUUID();
      expect(await outcome(node1.consume('message_send', uid))).to.equal('ok');
      expect(await outcome(node3.consume('message_send', uid))).to.equal('ok');
      const burst = [...Array.from({ length: 30 }, () => node1.consume('message_send', uid)), ...Array.from({ length: 30 }, () => node3.consume('message_send', uid))];
      const passed = (await Promise.all(burst.map(outcome))).filter((o) => o === 'ok').length + 2;
      expect(passed).to.be.within(20, 20 + 2 * 2); // slack = floor(20 / 10) per node
    });

    it('falls back to limits per node while Redis is unreachable, and shares them again when it is back', async () => {
      proxy.cut();
      const deadline = Date.now() + 10_000;
      while (proxied.client.isReady && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(proxied.client.isReady, 'the proxied client noticed the cut').to.equal(false);

      // Fail open to an in-memory limiter: still limited, but per node.
      const key = `password_reset:${randomUUID()}`;
      expect(await outcome(node2.consume('code_request', key))).to.equal('ok');
      expect(await outcome(node2.consume('code_request', key))).to.equal('RATE_LIMITED');
      expect(await outcome(node1.consume('code_request', key)), 'node 1 never saw the call node 2 kept in memory').to.equal('ok');

      proxy.restore();
      const back = Date.now() + 15_000;
      while (!proxied.client.isReady && Date.now() < back) await new Promise((r) => setTimeout(r, 50));
      expect(proxied.client.isReady, 'the proxied client reconnected by itself').to.equal(true);
      const shared = `password_reset:${randomUUID()}`;
      expect(await outcome(node2.consume('code_request', shared))).to.equal('ok');
      expect(await outcome(node1.consume('code_request', shared))).to.equal('RATE_LIMITED');
    });
  });
}
