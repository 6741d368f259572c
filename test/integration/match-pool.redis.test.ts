import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createClient } from 'redis';
import { RedisMatchPool } from '../../src/infra/match-pool.redis.js';
import type { RedisScriptClient } from '../../src/infra/redis-script.js';
import { matchPoolContract } from '../support/match-pool.contract.js';

const newClient = (url: string) =>
  createClient({ url, socket: { connectTimeout: 5_000, reconnectStrategy: false } });
type Client = ReturnType<typeof newClient>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// Without REDIS_URL this file defines no tests: the runner runs the integration folder again
// with REDIS_URL set. With REDIS_URL set, an unreachable Redis fails the `before` hook.
if (process.env.REDIS_URL) {
  const url = process.env.REDIS_URL;
  const runPrefix = `gby:mm:test:${randomUUID()}:`;
  const clients: Client[] = [];
  let poolSeq = 0;
  const nextPrefix = (): string => `${runPrefix}${++poolSeq}:`;

  const where = (): string => {
    try {
      return new URL(url).host;
    } catch {
      return 'REDIS_URL';
    }
  };

  async function connect(): Promise<Client> {
    const client = newClient(url);
    // connect() and the commands reject with the error; the listener only keeps the emitter from throwing.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      throw new Error(`REDIS_URL is set but Redis at ${where()} cannot be reached: ${String(err)}`);
    }
    clients.push(client);
    return client;
  }

  async function dropKeys(client: Client, prefix: string): Promise<void> {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(keys);
  }

  describe('RedisMatchPool on Redis', () => {
    let client: Client;

    before(async () => {
      client = await connect();
    });

    after(async () => {
      if (clients.length > 0) await dropKeys(clients[0]!, runPrefix);
      await Promise.all(clients.splice(0).map((c) => c.close()));
    });

    matchPoolContract('RedisMatchPool', async () => {
      const prefix = nextPrefix();
      return { pool: new RedisMatchPool(client, { prefix }), cleanup: () => dropKeys(client, prefix) };
    });

    describe('across several nodes', () => {
      let nodes: Client[];
      let prefix: string;

      before(async () => {
        nodes = [client, await connect(), await connect()];
      });

      beforeEach(() => {
        prefix = nextPrefix();
      });

      afterEach(async () => {
        await dropKeys(client, prefix);
      });

      it('pairs 100 users enqueuing at once through 3 clients without sharing or self-pairing anyone', async () => {
        const pools = nodes.map((c) => new RedisMatchPool(c, { prefix }));
        const uids = Array.from({ length: 100 }, (_, i) => `user-${i}`);
        // A random delay of up to 10 ms spreads the arrivals, so enqueues meet a non-empty queue.
        const partners = await Promise.all(
          uids.map(async (uid, i) => {
            await sleep(Math.random() * 10);
            return pools[i % 3]!.enqueue(uid, 1_000 + i);
          }),
        );

        const pairCount = new Map<string, number>();
        partners.forEach((partner, i) => {
          if (partner === null) return;
          const uid = uids[i]!;
          expect(partner, `${uid} paired with itself`).to.not.equal(uid);
          expect(uids).to.include(partner);
          // The partner was waiting, so its own enqueue returned null.
          expect(partners[uids.indexOf(partner)], `${partner} both waited and took a partner`).to.equal(null);
          for (const u of [uid, partner]) pairCount.set(u, (pairCount.get(u) ?? 0) + 1);
        });
        for (const [u, n] of pairCount) expect(n, `${u} is in ${n} pairs`).to.equal(1);

        const waiting: string[] = [];
        for (const uid of uids) {
          const isWaiting = await pools[0]!.isWaiting(uid);
          if (isWaiting) waiting.push(uid);
          expect(isWaiting !== pairCount.has(uid), `${uid} must be either paired or waiting`).to.equal(true);
        }
        expect(waiting.length).to.be.at.most(1);
        expect(await pools[0]!.size()).to.equal(waiting.length);
        expect(pairCount.size + waiting.length).to.equal(100);
      });

      it('never pairs a blocked pair nor leaves two compatible users waiting under concurrent enqueues', async () => {
        const pools = nodes.map((c) => new RedisMatchPool(c, { prefix }));
        const uids = Array.from({ length: 60 }, (_, i) => `user-${i}`);
        const blocked = new Set<string>();
        const key = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);
        // Everyone is blocked with the 3 users after it (in a ring), so many enqueues must skip.
        for (let i = 0; i < uids.length; i++) {
          for (let d = 1; d <= 3; d++) {
            const a = uids[i]!;
            const b = uids[(i + d) % uids.length]!;
            blocked.add(key(a, b));
            await pools[i % 3]!.block(a, b, 1_000_000);
          }
        }
        const partners = await Promise.all(
          uids.map(async (uid, i) => {
            await sleep(Math.random() * 10);
            return pools[i % 3]!.enqueue(uid, 1_000);
          }),
        );

        const seen = new Set<string>();
        partners.forEach((partner, i) => {
          if (partner === null) return;
          const uid = uids[i]!;
          expect(partner).to.not.equal(uid);
          expect(blocked.has(key(uid, partner)), `${uid} was paired with blocked ${partner}`).to.equal(false);
          expect(seen.has(uid) || seen.has(partner), `${uid} or ${partner} is in two pairs`).to.equal(false);
          seen.add(uid).add(partner);
        });

        const waiting: string[] = [];
        for (const uid of uids) if (await pools[1]!.isWaiting(uid)) waiting.push(uid);
        for (const w of waiting) expect(seen.has(w), `${w} is both paired and waiting`).to.equal(false);
        for (let i = 0; i < waiting.length; i++) {
          for (let j = i + 1; j < waiting.length; j++) {
            expect(blocked.has(key(waiting[i]!, waiting[j]!)), `${waiting[i]} and ${waiting[j]} could have been paired`).to.equal(true);
          }
        }
        expect(seen.size + waiting.length).to.equal(uids.length);
      });
    });

    describe('Redis specifics', () => {
      let prefix: string;

      beforeEach(() => {
        prefix = nextPrefix();
      });

      afterEach(async () => {
        await dropKeys(client, prefix);
      });

      it('keeps every key under its prefix and shares nothing with a pool of another prefix', async () => {
        const pool = new RedisMatchPool(client, { prefix });
        const other = new RedisMatchPool(client, { prefix: `${prefix}other:` });
        await pool.block('a', 'b', 10_000);
        await pool.enqueue('a', 100);
        expect(await other.isWaiting('a')).to.equal(false);
        expect(await other.enqueue('b', 200)).to.equal(null);
        expect(await pool.isWaiting('a')).to.equal(true);
        const keys = (await client.keys(`${prefix}*`)).filter((k) => !k.startsWith(`${prefix}other:`));
        expect(keys.sort()).to.deep.equal([`${prefix}{pool}blocks`, `${prefix}{pool}queue`, `${prefix}{pool}seen`, `${prefix}{pool}seq`]);
      });

      it('says when Redis lost the pool since its last touch (a restart without persistence), and only then', async () => {
        const pool = new RedisMatchPool(client, { prefix });
        const other = new RedisMatchPool(client, { prefix });
        await pool.block('a', 'b', 10_000);
        await pool.enqueue('a', 100);
        expect(await pool.touch(['a'], 200), 'a first touch has nothing to have forgotten').to.deep.equal({ waiting: ['a'], forgot: false });
        expect(await pool.touch(['a', 'b'], 300)).to.deep.equal({ waiting: ['a'], forgot: false });
        expect(await other.touch(['a'], 300), "another node's pool object keeps a mark of its own").to.deep.equal({ waiting: ['a'], forgot: false });
        await dropKeys(client, prefix); // what a Redis restarted empty holds
        expect(await pool.touch(['a'], 400)).to.deep.equal({ waiting: [], forgot: true });
        expect(await pool.touch(['a'], 500), 'told once').to.deep.equal({ waiting: [], forgot: false });
        expect(await other.touch(['a'], 500), 'and every pool object is told').to.deep.equal({ waiting: [], forgot: true });
        const marks = (await client.keys(`${prefix}{pool}mark:*`)).length;
        expect(marks, 'one mark per pool object, which expires unless touched').to.equal(2);
        expect(await client.pTTL((await client.keys(`${prefix}{pool}mark:*`))[0]!)).to.be.within(1, 3_600_000);
      });

      it('leaves no last-seen entry or ended block behind', async () => {
        const pool = new RedisMatchPool(client, { prefix });
        await pool.block('a', 'b', 1_000);
        await pool.enqueue('a', 100);
        await pool.enqueue('b', 200);
        expect(await pool.enqueue('c', 300)).to.equal('a');
        expect(await pool.remove('b')).to.equal(true);
        expect(await pool.enqueue('d', 400)).to.equal(null);
        expect(await pool.expire(1_000)).to.deep.equal(['d']);
        expect(await client.zCard(`${prefix}{pool}seen`)).to.equal(0);
        expect(await client.zCard(`${prefix}{pool}queue`)).to.equal(0);
        expect(await client.zCard(`${prefix}{pool}blocks`)).to.equal(0);
      });

      it('returns expired users in queue order', async () => {
        const pool = new RedisMatchPool(client, { prefix });
        await pool.block('a', 'b', 10_000);
        await pool.enqueue('a', 300);
        await pool.enqueue('b', 100);
        expect(await pool.expire(400)).to.deep.equal(['a', 'b']);
      });

      it('looks only at the first scanLimit waiting users', async () => {
        const pool = new RedisMatchPool(client, { prefix, scanLimit: 2 });
        for (const [a, b] of [['a', 'b'], ['a', 'x'], ['b', 'x'], ['a', 'y'], ['b', 'y']] as const) {
          await pool.block(a, b, 10_000);
        }
        for (const uid of ['a', 'b', 'x']) expect(await pool.enqueue(uid, 100)).to.equal(null);
        // x is compatible with y but third in line, beyond the scan.
        expect(await pool.enqueue('y', 200)).to.equal(null);
        expect(await pool.pairWaiting(300)).to.deep.equal([]);
        await pool.remove('a');
        await pool.remove('b');
        expect(await pool.pairWaiting(300)).to.deep.equal([['x', 'y']]);
      });

      it('rejects a scanLimit that is not a positive integer', () => {
        expect(() => new RedisMatchPool(client, { prefix, scanLimit: 0 })).to.throw(RangeError);
        expect(() => new RedisMatchPool(client, { prefix, scanLimit: 1.5 })).to.throw(RangeError);
      });

      it('rejects a time that is not a number', async () => {
        const pool = new RedisMatchPool(client, { prefix });
        let error: unknown;
        try {
          await pool.enqueue('a', Number.NaN);
        } catch (err) {
          error = err;
        }
        expect(error).to.be.instanceOf(RangeError);
        expect(await pool.size()).to.equal(0);
      });

      it('accepts a block that never ends', async () => {
        const pool = new RedisMatchPool(client, { prefix });
        await pool.block('a', 'b', Infinity);
        await pool.enqueue('a', 100);
        expect(await pool.enqueue('b', Number.MAX_SAFE_INTEGER)).to.equal(null);
        expect(await pool.pairWaiting(Number.MAX_SAFE_INTEGER)).to.deep.equal([]);
      });

      it('gets NOSCRIPT from Redis for a script it does not know', async () => {
        let error: unknown;
        try {
          await client.evalSha('0'.repeat(40), { keys: [], arguments: [] });
        } catch (err) {
          error = err;
        }
        expect(error).to.be.instanceOf(Error);
        expect((error as Error).message).to.match(/^NOSCRIPT/);
      });

      it('falls back to EVAL when Redis has forgotten its scripts', async () => {
        let evals = 0;
        const forgetful: RedisScriptClient = {
          evalSha: async (sha1) => {
            throw new Error(`NOSCRIPT No matching script for ${sha1}. Please use EVAL.`);
          },
          eval: async (script, options) => {
            evals++;
            return client.eval(script, options);
          },
        };
        const pool = new RedisMatchPool(forgetful, { prefix });
        expect(await pool.enqueue('a', 100)).to.equal(null);
        expect(await pool.enqueue('b', 200)).to.equal('a');
        expect(evals).to.equal(2);
      });

      it('passes other Redis errors on instead of retrying them', async () => {
        let evals = 0;
        const broken: RedisScriptClient = {
          evalSha: async () => {
            throw new Error('READONLY You cannot write against a read only replica.');
          },
          eval: async () => {
            evals++;
            return null;
          },
        };
        const pool = new RedisMatchPool(broken, { prefix });
        let error: unknown;
        try {
          await pool.enqueue('a', 100);
        } catch (err) {
          error = err;
        }
        expect((error as Error | undefined)?.message).to.match(/^READONLY/);
        expect(evals).to.equal(0);
      });
    });
  });
}
