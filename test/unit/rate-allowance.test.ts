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
