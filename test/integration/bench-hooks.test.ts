import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { http, matchedPair } from '../support/clients.js';

/** The benchmark-only endpoints exist only with BENCH_HOOKS=1. */
describe('bench hooks', () => {
  let off: TestServer;
  let on: TestServer;
  before(async () => {
    off = await startServer();
    on = await startServer({ BENCH_HOOKS: '1' });
  });
  after(async () => {
    await off?.close();
    await on?.close();
  });

  it('are absent by default (404)', async () => {
    expect((await http(off, 'GET', '/__bench/stats')).status).to.equal(404);
    expect((await http(off, 'POST', '/__bench/reset')).status).to.equal(404);
  });

  it('answer memory, event-loop delay, CPU time and write-coalescing counters with BENCH_HOOKS=1', async () => {
    expect((await http(on, 'POST', '/__bench/reset')).status).to.equal(200);
    const r = await http(on, 'GET', '/__bench/stats');
    expect(r.status).to.equal(200);
    expect(r.body).to.include.keys('memory', 'eventLoopDelayMs', 'cpuMs', 'sockets', 'messageWrites');
    expect(r.body.memory.heapUsed).to.be.a('number');
    expect(r.body.eventLoopDelayMs).to.include.keys('p50', 'p99', 'max');
  });

  it('time the message writes (queue wait, statement) and start them afresh on reset', async () => {
    const { a, roomId } = await matchedPair(on);
    for (let i = 0; i < 3; i++) {
      const sent = await http(on, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: a.token, body: { content: `m${i}`, client_msg_id: `c${i}` } });
      expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
    }
    const before = (await http(on, 'GET', '/__bench/stats')).body.messageWrites;
    expect(before.statementMs.count).to.be.at.least(1);
    expect(before.queuedMs.count).to.be.at.least(3);
    expect(before.statementMs.p50).to.be.greaterThan(0);
    expect((await http(on, 'POST', '/__bench/reset')).status).to.equal(200);
    const after = (await http(on, 'GET', '/__bench/stats')).body.messageWrites;
    expect(after.statementMs).to.deep.equal({ p50: 0, p90: 0, p99: 0, count: 0 });
    expect(after.messages, 'the counters are totals since start').to.equal(before.messages);
  });
});
