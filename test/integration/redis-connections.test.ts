import { expect } from 'chai';
import { pino } from 'pino';
import { connectRedis, type RedisConnections } from '../../src/infra/redis.js';

// Without REDIS_URL this file defines no tests (the runner runs this folder again with REDIS_URL set).
if (process.env.REDIS_URL) {
  const url = process.env.REDIS_URL;

  describe('Redis connections: which commands carry a timeout timer', () => {
    let redis: RedisConnections;
    const original = AbortSignal.timeout.bind(AbortSignal);
    let timers = 0;

    before(async () => {
      redis = await connectRedis({ url }, pino({ level: 'silent' }));
      AbortSignal.timeout = (ms: number) => (timers++, original(ms));
    });

    after(async () => {
      AbortSignal.timeout = original;
      await redis?.close();
    });

    it('publishes without a per-command timer (one per message was a tenth of a busy node)', async () => {
      timers = 0;
      for (let i = 0; i < 10; i++) await redis.pub.sPublish(`gbyt-conn-${i}`, 'x');
      expect(timers).to.equal(0);
    });

    it('keeps the timeout on the command client, so a hung Redis never hangs a request', async () => {
      timers = 0;
      await redis.ping();
      await redis.client.eval('return 1', { keys: [], arguments: [] });
      expect(timers).to.be.at.least(1);
    });
  });
}
