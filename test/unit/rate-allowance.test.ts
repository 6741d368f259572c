import { expect } from 'chai';
import { LocalAllowance } from '../../src/infra/rate-allowance.js';

describe('LocalAllowance: answering a Redis-counted limit locally while far from it', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('answers nothing locally for a key Redis has not counted yet, or a limit under 10', () => {
    const a = new LocalAllowance(40, now);
    expect(a.tryLocal('k')).to.equal(false);
    const small = new LocalAllowance(9, now);
    small.counted('k', 0, 1, 10_000, clock);
    expect(small.slack).to.equal(0);
    expect(small.tryLocal('k')).to.equal(false);
  });

  it('answers at most `slack` consumes before Redis has counted them', () => {
    const a = new LocalAllowance(40, now); // slack 4
    a.counted('k', 0, 1, 10_000, clock);
    const local = Array.from({ length: 6 }, () => a.tryLocal('k'));
    expect(local).to.deep.equal([true, true, true, true, false, false]);
    expect(a.take('k')).to.equal(4);
    expect(a.tryLocal('k'), 'still in flight to Redis').to.equal(false);
    a.counted('k', 4, 5, 9_000, clock);
    expect(a.tryLocal('k')).to.equal(true);
  });

  it('keeps the last `slack` points of the window for Redis to check', () => {
    const a = new LocalAllowance(40, now);
    a.counted('k', 0, 35, 10_000, clock);
    expect(a.tryLocal('k'), '35 + 1 <= 36').to.equal(true);
    expect(a.tryLocal('k'), '35 + 2 > 36').to.equal(false);
    a.counted('k', a.take('k'), 36, 10_000, clock);
    expect(a.tryLocal('k')).to.equal(false);
  });

  it('ends with the window Redis reported, measured from when the increment was sent', () => {
    const a = new LocalAllowance(40, now);
    const sentAt = clock;
    clock += 50; // the answer took 50 ms
    a.counted('k', 0, 1, 10_000, sentAt);
    clock = sentAt + 9_999;
    expect(a.tryLocal('k')).to.equal(true);
    a.counted('k', a.take('k'), 2, 1, sentAt + 9_999);
    clock = sentAt + 10_000;
    expect(a.tryLocal('k')).to.equal(false);
  });

  it('counts consumes waiting for Redis as on their way, so one node never passes more than the limit', () => {
    // 100 points, slack 10. Turn 1: ten answered here, their count goes out; turn 2: ninety wait
    // for Redis on the other connection; the first (older, lower) answer comes back first.
    const a = new LocalAllowance(100, now);
    a.counted('k', 1, 1, 10_000, clock);
    const local = Array.from({ length: 10 }, () => a.tryLocal('k'));
    expect(local.every(Boolean)).to.equal(true);
    expect(a.take('k', 0)).to.equal(10);
    expect(a.take('k', 89), 'nothing new answered here').to.equal(0);
    a.counted('k', 10, 11, 9_000, clock);
    expect(a.tryLocal('k'), '89 still on their way to Redis').to.equal(false);
    a.counted('k', 89, 100, 9_000, clock);
    expect(a.tryLocal('k'), 'the limit is reached').to.equal(false);
  });

  it('keeps the highest counter of a window when answers arrive out of order', () => {
    const a = new LocalAllowance(40, now);
    a.counted('k', 1, 1, 10_000, clock);
    a.take('k', 5);
    a.take('k', 20);
    a.counted('k', 20, 26, 9_000, clock + 1); // the later increment answers first
    a.counted('k', 5, 6, 9_500, clock); // then the earlier one, with the older counter
    expect(a.tryLocal('k'), '26 + 1 <= 36').to.equal(true);
    a.counted('k', a.take('k'), 36, 9_000, clock + 2);
    expect(a.tryLocal('k'), 'at 36 of 40, Redis decides').to.equal(false);
  });

  it('forgets a key on a failed increment or a reset', () => {
    const a = new LocalAllowance(40, now);
    a.counted('k', 0, 1, 10_000, clock);
    a.failed('k');
    expect(a.tryLocal('k')).to.equal(false);
    a.counted('k', 0, 1, 10_000, clock);
    a.forget('k');
    expect(a.tryLocal('k')).to.equal(false);
  });
});
