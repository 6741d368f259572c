import { expect } from 'chai';
import { FairQueue } from '../../src/core/members/fair-queue.js';
import { AppError } from '../../src/core/errors.js';

/** A job the test finishes by hand, recording when it started. */
function gate(started: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return { work: async () => void (started.push(name), await done), open };
}

const settle = () => new Promise((r) => setImmediate(r));

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(AppError);
    return e as AppError;
  }
  return expect.fail('expected a refusal');
}

describe('FairQueue (the password hashing queue)', () => {
  it('hands a freed slot to the clients in turn, so one client\'s burst does not delay another\'s single job', async () => {
    const q = new FairQueue({ concurrency: 1, maxWaiting: 100, perClient: 100 });
    const started: string[] = [];
    const jobs = [gate(started, 'a1'), gate(started, 'a2'), gate(started, 'a3'), gate(started, 'a4')];
    const runs = jobs.map((j) => q.run('attacker', j.work));
    const member = gate(started, 'm1');
    const memberRun = q.run('member', member.work);
    await settle();
    expect(started).to.deep.equal(['a1']);
    jobs[0]!.open();
    await settle();
    expect(started).to.deep.equal(['a1', 'm1']); // not a2: the member's turn comes first
    member.open();
    await memberRun;
    for (const j of jobs.slice(1)) j.open();
    await Promise.all(runs);
    expect(started).to.deep.equal(['a1', 'm1', 'a2', 'a3', 'a4']);
  });

  it('refuses a client past its share with RATE_LIMITED and a retry hint, without queueing it', async () => {
    const q = new FairQueue({ concurrency: 1, maxWaiting: 100, perClient: 2 });
    const started: string[] = [];
    const [x, y] = [gate(started, 'x'), gate(started, 'y')];
    const runs = [q.run('c', x.work), q.run('c', y.work)];
    const err = await refusal(q.run('c', async () => undefined));
    expect([err.code, err.retryAfter]).to.deep.equal(['RATE_LIMITED', 1]);
    const other = q.run('other', async () => 'served'); // another client is queued, not refused
    x.open();
    y.open();
    await Promise.all(runs);
    expect(await other).to.equal('served');
    expect(await q.run('c', async () => 'again')).to.equal('again');
  });

  it('answers UNAVAILABLE with a retry hint when the whole queue is full, instead of queueing forever', async () => {
    const q = new FairQueue({ concurrency: 1, maxWaiting: 2, perClient: 100 });
    const started: string[] = [];
    const held = [gate(started, '1'), gate(started, '2'), gate(started, '3')];
    const runs = held.map((g, i) => q.run(`c${i}`, g.work));
    const err = await refusal(q.run('late', async () => undefined));
    expect([err.code, err.retryAfter]).to.deep.equal(['UNAVAILABLE', 1]);
    for (const g of held) g.open();
    await Promise.all(runs);
    expect(started).to.deep.equal(['1', '2', '3']);
  });

  it('frees the slot and the client\'s share when a job fails', async () => {
    const q = new FairQueue({ concurrency: 1, maxWaiting: 1, perClient: 1 });
    await refusal(q.run('c', async () => Promise.reject(new AppError('INTERNAL', 'boom'))));
    expect(await q.run('c', async () => 'ok')).to.equal('ok');
  });
});
