import { expect } from 'chai';
import type { MatchPool } from '../../src/core/ports.js';

export interface MatchPoolFixture {
  pool: MatchPool;
  cleanup: () => Promise<void>;
}

/**
 * The behaviour every MatchPool must have (the doc comments of `MatchPool` in ports.ts).
 * `make` is called before each test and must return an empty pool; `cleanup` runs after it.
 */
export function matchPoolContract(name: string, make: () => Promise<MatchPoolFixture>): void {
  describe(`${name} (MatchPool contract)`, () => {
    let pool: MatchPool;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      const fixture = await make();
      pool = fixture.pool;
      cleanup = fixture.cleanup;
    });

    afterEach(async () => {
      const done = cleanup;
      cleanup = undefined;
      if (done) await done();
    });

    /** Blocks every pair among `uids` until `untilMs`, so they can all wait at once. */
    async function blockAll(uids: readonly string[], untilMs: number): Promise<void> {
      for (let i = 0; i < uids.length; i++) {
        for (let j = i + 1; j < uids.length; j++) await pool.block(uids[i]!, uids[j]!, untilMs);
      }
    }

    describe('enqueue', () => {
      it('puts the first user in the pool and pairs the second one with it', async () => {
        expect(await pool.enqueue('a', 100)).to.equal(null);
        expect(await pool.isWaiting('a')).to.equal(true);
        expect(await pool.enqueue('b', 200)).to.equal('a');
        expect(await pool.isWaiting('a')).to.equal(false);
        expect(await pool.isWaiting('b')).to.equal(false);
        expect(await pool.size()).to.equal(0);
      });

      it('pairs newcomers with the waiting users first come, first served', async () => {
        await pool.block('a', 'b', 10_000);
        expect(await pool.enqueue('a', 100)).to.equal(null);
        expect(await pool.enqueue('b', 200)).to.equal(null);
        expect(await pool.enqueue('c', 300)).to.equal('a');
        expect(await pool.enqueue('d', 400)).to.equal('b');
        expect(await pool.size()).to.equal(0);
      });

      it('never pairs a user with itself, so enqueuing twice keeps it waiting', async () => {
        expect(await pool.enqueue('a', 100)).to.equal(null);
        expect(await pool.enqueue('a', 200)).to.equal(null);
        expect(await pool.size()).to.equal(1);
        expect(await pool.isWaiting('a')).to.equal(true);
      });

      it('keeps the queue position of a user who enqueues again', async () => {
        await pool.block('a', 'b', 10_000);
        await pool.enqueue('a', 100);
        await pool.enqueue('b', 200);
        expect(await pool.enqueue('a', 300)).to.equal(null);
        expect(await pool.size()).to.equal(2);
        expect(await pool.enqueue('c', 400)).to.equal('a');
        expect(await pool.enqueue('d', 500)).to.equal('b');
      });

      it('skips a blocked partner and takes the next one in line', async () => {
        await pool.block('a', 'b', 10_000);
        await pool.block('c', 'a', 10_000);
        await pool.enqueue('a', 100);
        await pool.enqueue('b', 200);
        expect(await pool.enqueue('c', 300)).to.equal('b');
        expect(await pool.isWaiting('a')).to.equal(true);
        expect(await pool.size()).to.equal(1);
      });

      it('pairs a user already waiting with an earlier compatible user when it enqueues again', async () => {
        await pool.block('a', 'b', 1_000);
        await pool.enqueue('a', 100);
        await pool.enqueue('b', 200);
        expect(await pool.enqueue('b', 1_000)).to.equal('a');
        expect(await pool.size()).to.equal(0);
      });

      it('never hands the same partner to two concurrent callers', async () => {
        const uids = Array.from({ length: 40 }, (_, i) => `u${i}`);
        const partners = await Promise.all(uids.map((uid) => pool.enqueue(uid, 100)));
        const paired = new Map<string, string>();
        partners.forEach((partner, i) => {
          if (partner === null) return;
          const uid = uids[i]!;
          expect(partner).to.not.equal(uid);
          expect(paired.has(uid), `${uid} paired twice`).to.equal(false);
          expect(paired.has(partner), `${partner} paired twice`).to.equal(false);
          paired.set(uid, partner).set(partner, uid);
        });
        expect(paired.size).to.equal(40);
        expect(await pool.size()).to.equal(0);
      });
    });

    describe('block', () => {
      it('prevents pairing until the block ends, then enqueue pairs them', async () => {
        await pool.block('a', 'b', 1_000);
        expect(await pool.enqueue('a', 100)).to.equal(null);
        expect(await pool.enqueue('b', 999)).to.equal(null);
        expect(await pool.size()).to.equal(2);
        await pool.remove('b');
        expect(await pool.enqueue('b', 1_000)).to.equal('a');
      });

      it('blocks a pair either way round', async () => {
        await pool.block('b', 'a', 1_000);
        expect(await pool.enqueue('a', 100)).to.equal(null);
        expect(await pool.enqueue('b', 200)).to.equal(null);
        expect(await pool.size()).to.equal(2);
      });

      it('extends a block when the pair is blocked again for longer', async () => {
        await pool.block('a', 'b', 1_000);
        await pool.block('b', 'a', 5_000);
        await pool.enqueue('a', 100);
        expect(await pool.enqueue('b', 1_000)).to.equal(null);
        await pool.remove('b');
        expect(await pool.enqueue('b', 5_000)).to.equal('a');
      });

      it('never shortens a block: a short cooldown after a lasting block leaves it lasting', async () => {
        await pool.block('a', 'b', Infinity);
        await pool.block('b', 'a', 1_000);
        await pool.enqueue('a', 100);
        expect(await pool.enqueue('b', 1_000_000)).to.equal(null);
        expect(await pool.pairWaiting(2_000_000)).to.deep.equal([]);
      });

      it('unblock ends a block at once, either way round', async () => {
        await pool.block('a', 'b', Infinity);
        await pool.enqueue('a', 100);
        expect(await pool.enqueue('b', 200)).to.equal(null);
        await pool.unblock('b', 'a');
        expect(await pool.pairWaiting(300)).to.deep.equal([['a', 'b']]);
      });

      it('unblocking a pair that was never blocked is harmless', async () => {
        await pool.unblock('a', 'b');
        await pool.enqueue('a', 100);
        expect(await pool.enqueue('b', 200)).to.equal('a');
      });

      it('leaves other pairs free to match', async () => {
        await pool.block('a', 'b', 10_000);
        await pool.enqueue('a', 100);
        expect(await pool.enqueue('c', 200)).to.equal('a');
      });
    });

    describe('pairWaiting', () => {
      it('pairs a blocked pair once the block has ended', async () => {
        await pool.block('a', 'b', 1_000);
        await pool.enqueue('a', 100);
        await pool.enqueue('b', 200);
        expect(await pool.pairWaiting(999)).to.deep.equal([]);
        expect(await pool.size()).to.equal(2);
        expect(await pool.pairWaiting(1_000)).to.deep.equal([['a', 'b']]);
        expect(await pool.size()).to.equal(0);
        expect(await pool.isWaiting('a')).to.equal(false);
        expect(await pool.isWaiting('b')).to.equal(false);
      });

      it('does not pair a pair that is still blocked', async () => {
        await pool.block('a', 'b', 10_000);
        await pool.block('a', 'c', 1_000);
        await pool.block('b', 'c', 1_000);
        for (const uid of ['a', 'b', 'c']) await pool.enqueue(uid, 100);
        expect(await pool.pairWaiting(500)).to.deep.equal([]);
        expect(await pool.pairWaiting(1_000)).to.deep.equal([['a', 'c']]);
        expect(await pool.isWaiting('b')).to.equal(true);
        expect(await pool.size()).to.equal(1);
      });

      it('pairs waiting users in queue order', async () => {
        const uids = ['a', 'b', 'c', 'd', 'e'];
        await blockAll(uids, 1_000);
        for (const uid of uids) expect(await pool.enqueue(uid, 100)).to.equal(null);
        expect(await pool.pairWaiting(2_000)).to.deep.equal([
          ['a', 'b'],
          ['c', 'd'],
        ]);
        expect(await pool.isWaiting('e')).to.equal(true);
        expect(await pool.size()).to.equal(1);
      });

      it('returns no pairs from an empty pool', async () => {
        expect(await pool.pairWaiting(1_000)).to.deep.equal([]);
      });
    });

    describe('remove', () => {
      it('takes a waiting user out of the pool and says whether it was waiting', async () => {
        await pool.enqueue('a', 100);
        expect(await pool.remove('a')).to.equal(true);
        expect(await pool.isWaiting('a')).to.equal(false);
        expect(await pool.remove('a')).to.equal(false);
        expect(await pool.remove('nobody')).to.equal(false);
        expect(await pool.enqueue('b', 200)).to.equal(null);
      });

      it('sends a user who comes back to the end of the queue', async () => {
        await blockAll(['a', 'b'], 10_000);
        await pool.enqueue('a', 100);
        await pool.enqueue('b', 200);
        await pool.remove('a');
        await pool.enqueue('a', 300);
        expect(await pool.enqueue('c', 400)).to.equal('b');
      });
    });

    describe('isWaiting', () => {
      it('is true only while the user waits', async () => {
        expect(await pool.isWaiting('a')).to.equal(false);
        await pool.enqueue('a', 100);
        expect(await pool.isWaiting('a')).to.equal(true);
        expect(await pool.isWaiting('b')).to.equal(false);
        await pool.enqueue('b', 200);
        expect(await pool.isWaiting('a')).to.equal(false);
        expect(await pool.isWaiting('b')).to.equal(false);
      });
    });

    describe('expire and touch', () => {
      it('removes and returns only the users last seen before the cutoff', async () => {
        await blockAll(['a', 'b', 'c'], 10_000);
        await pool.enqueue('a', 100);
        await pool.enqueue('b', 200);
        await pool.enqueue('c', 300);
        expect(await pool.expire(100)).to.deep.equal([]);
        expect(await pool.expire(250)).to.have.members(['a', 'b']).and.to.have.lengthOf(2);
        expect(await pool.isWaiting('a')).to.equal(false);
        expect(await pool.isWaiting('b')).to.equal(false);
        expect(await pool.isWaiting('c')).to.equal(true);
        expect(await pool.size()).to.equal(1);
      });

      it('keeps touched users alive and ignores unknown ones', async () => {
        await blockAll(['a', 'b'], 10_000);
        await pool.enqueue('a', 100);
        await pool.enqueue('b', 200);
        expect(await pool.touch(['a', 'ghost'], 500), 'answers who of them waits').to.deep.equal({ waiting: ['a'], forgot: false });
        expect(await pool.expire(300)).to.deep.equal(['b']);
        expect(await pool.isWaiting('a')).to.equal(true);
        expect(await pool.isWaiting('ghost')).to.equal(false);
        expect(await pool.size()).to.equal(1);
        expect(await pool.expire(501)).to.deep.equal(['a']);
      });

      it('accepts touching nobody', async () => {
        await pool.enqueue('a', 100);
        expect(await pool.touch([], 500)).to.deep.equal({ waiting: [], forgot: false });
        expect(await pool.expire(200)).to.deep.equal(['a']);
      });

      it('counts a repeated enqueue as a sign of life', async () => {
        await pool.enqueue('a', 100);
        await pool.enqueue('a', 500);
        expect(await pool.expire(300)).to.deep.equal([]);
        expect(await pool.isWaiting('a')).to.equal(true);
      });

      it('does not pair expired users any more', async () => {
        await pool.enqueue('a', 100);
        await pool.expire(200);
        expect(await pool.enqueue('b', 300)).to.equal(null);
        expect(await pool.isWaiting('b')).to.equal(true);
      });
    });

    describe('size', () => {
      it('counts the waiting users', async () => {
        expect(await pool.size()).to.equal(0);
        await pool.block('a', 'b', 10_000);
        await pool.enqueue('a', 100);
        expect(await pool.size()).to.equal(1);
        await pool.enqueue('b', 200);
        expect(await pool.size()).to.equal(2);
        await pool.enqueue('c', 300);
        expect(await pool.size()).to.equal(1);
        await pool.remove('b');
        expect(await pool.size()).to.equal(0);
      });
    });
  });
}
