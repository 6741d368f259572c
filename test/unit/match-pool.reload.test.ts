import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import pino from 'pino';
import { isAppError } from '../../src/core/errors.js';
import { MemoryMatchPool } from '../../src/infra/match-pool.memory.js';
import { reloadAfterOutage } from '../../src/infra/match-pool.reload.js';
import type { RedisClient } from '../../src/infra/redis.js';

describe('reloadAfterOutage (the pool after Redis comes back)', () => {
  const log = pino({ level: 'silent' });

  function setup(reload: () => Promise<void>) {
    const link = new EventEmitter();
    const pool = reloadAfterOutage(new MemoryMatchPool(), link as unknown as RedisClient, reload, log);
    return { link, pool };
  }

  const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (isAppError(e) ? e.code : String(e)));

  it('pairs nobody from the moment the link is lost until the blocks are loaded again, then pairs as before', async () => {
    let finish!: () => void;
    let reloads = 0;
    const { link, pool } = setup(() => (reloads++, new Promise<void>((resolve) => (finish = resolve))));
    expect(await pool.enqueue('a', 1)).to.equal(null);
    link.emit('node-error', new Error('ECONNREFUSED'));
    expect(await code(pool.enqueue('b', 2))).to.equal('UNAVAILABLE');
    expect(await code(pool.pairWaiting(2))).to.equal('UNAVAILABLE');
    expect(await pool.isWaiting('a'), 'the other calls pass through').to.equal(true);
    link.emit('node-ready');
    expect(reloads).to.equal(1);
    expect(await code(pool.enqueue('b', 3)), 'still reloading').to.equal('UNAVAILABLE');
    finish();
    await new Promise((r) => setImmediate(r));
    expect(await pool.enqueue('b', 4)).to.equal('a');
  });

  it('tries the reload again until it succeeds (a Cluster refuses commands for a moment after a master is back)', async () => {
    let tries = 0;
    const { link, pool } = setup(async () => {
      if (++tries < 2) throw new Error('CLUSTERDOWN The cluster is down');
    });
    link.emit('error', new Error('ECONNRESET'));
    link.emit('ready');
    for (let i = 0; i < 40 && (await code(pool.enqueue('c', 1))) === 'UNAVAILABLE'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(tries).to.equal(2);
    expect(await pool.isWaiting('c')).to.equal(true);
  });
});
