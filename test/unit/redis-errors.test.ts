import { expect } from 'chai';
import { ClientClosedError, ClientOfflineError, ErrorReply, SocketClosedUnexpectedlyError, TimeoutError } from 'redis';
import { AppError } from '../../src/core/errors.js';
import { isRedisUnavailable, mapRedisOutage } from '../../src/infra/redis-errors.js';

const netError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code });

describe('Redis outage errors', () => {
  describe('isRedisUnavailable', () => {
    it('recognises a lost or unreachable connection and a command without an answer', () => {
      for (const e of [new ClientOfflineError(), new ClientClosedError(), new SocketClosedUnexpectedlyError(), new TimeoutError(), netError('ECONNREFUSED'), netError('ECONNRESET')]) {
        expect(isRedisUnavailable(e), String(e)).to.equal(true);
      }
    });

    it('recognises the replies with which a reachable Redis says "not now"', () => {
      expect(isRedisUnavailable(new ErrorReply('LOADING Redis is loading the dataset in memory'))).to.equal(true);
      expect(isRedisUnavailable(new ErrorReply('BUSY Redis is busy running a script'))).to.equal(true);
    });

    it('leaves bugs and everything else alone', () => {
      for (const e of [new ErrorReply('ERR Error running script'), new TypeError('x is not a function'), new AppError('NOT_FOUND', 'no'), 'ECONNRESET', null]) {
        expect(isRedisUnavailable(e), String(e)).to.equal(false);
      }
    });
  });

  describe('mapRedisOutage', () => {
    class FakePool {
      #calls = 0;
      constructor(private readonly fail: unknown) {}
      async size(): Promise<number> {
        this.#calls++;
        if (this.fail) throw this.fail;
        return this.#calls;
      }
      label(): string {
        return `pool after ${this.#calls} calls`;
      }
    }

    it('turns a Redis connection error of any method into UNAVAILABLE with a retry hint', async () => {
      const pool = mapRedisOutage(new FakePool(new ClientOfflineError()), 'matchmaking');
      const err = await pool.size().then(() => null, (e: unknown) => e);
      expect(err).to.be.instanceOf(AppError);
      expect((err as AppError).code).to.equal('UNAVAILABLE');
      expect((err as AppError).status).to.equal(503);
      expect((err as AppError).retryAfter).to.be.at.least(1);
      expect((err as AppError).message).to.match(/^matchmaking is temporarily unavailable/);
      expect((err as AppError).cause).to.be.instanceOf(ClientOfflineError);
    });

    it('passes other errors through unchanged, so bugs still surface as INTERNAL', async () => {
      const bug = new ErrorReply('ERR Error running script');
      const err = await mapRedisOutage(new FakePool(bug), 'matchmaking').size().then(() => null, (e: unknown) => e);
      expect(err).to.equal(bug);
    });

    it('passes results through and keeps the target as `this`, private fields included', async () => {
      const pool = mapRedisOutage(new FakePool(null), 'matchmaking');
      expect(await pool.size()).to.equal(1);
      expect(pool.label()).to.equal('pool after 1 calls');
    });
  });
});
