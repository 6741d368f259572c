import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import pino from 'pino';
import { isAppError } from '../../src/core/errors.js';
import { MemoryMatchPool } from '../../src/infra/match-pool.memory.js';
import { reloadAfterOutage } from '../../src/infra/match-pool.reload.js';
import type { RedisClient } from '../../src/infra/redis.js';
import type { MatchPool } from '../../src/core/ports.js';

describe('reloadAfterOutage (the pool after Redis comes back)', () => {
  const log = pino({ level: 'silent' });

  function setup(reload: () => Promise<void>, inner: MatchPool = new MemoryMatchPool()) {
    const link = new EventEmitter();
    const pool = reloadAfterOutage(inner, link as unknown as RedisClient, reload, log);
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

  it('also loads the blocks again when a touch finds the pool forgotten while the link stayed up (a flush)', async () => {
    const mem = new MemoryMatchPool();
    let forgot = false;
    const forgetful: MatchPool = Object.assign(Object.create(mem) as MatchPool, {
      touch: async (uids: readonly string[], now: number) => ({ ...(await mem.touch(uids, now)), forgot }),
    });
    let finish!: () => void;
    let reloads = 0;
    const { pool } = setup(() => (reloads++, new Promise<void>((resolve) => (finish = resolve))), forgetful);
    expect(await pool.touch(['a'], 1)).to.deep.equal({ waiting: [], forgot: false });
    expect(reloads).to.equal(0);
    forgot = true;
    expect((await pool.touch(['a'], 2)).forgot, 'the caller is told too').to.equal(true);
    expect(reloads).to.equal(1);
    expect(await code(pool.enqueue('a', 3)), 'pairs nobody until the blocks are back').to.equal('UNAVAILABLE');
    finish();
    await new Promise((r) => setImmediate(r));
    expect(await pool.enqueue('a', 4)).to.equal(null);
  });
});
