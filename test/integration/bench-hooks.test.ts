import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { http } from '../support/clients.js';

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
});
