import { expect } from 'chai';
import net from 'node:net';
import { coalesceWrites } from '../../src/realtime/write-coalescing.js';

/** src/realtime/write-coalescing.ts: the writes of one turn of the event loop leave in one writev. */
describe('WebSocket write coalescing', () => {
  async function pair(): Promise<{ client: net.Socket; received: Buffer[]; close(): Promise<void> }> {
    const received: Buffer[] = [];
    const server = net.createServer((s) => s.on('data', (d) => received.push(d)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((r) => client.once('connect', r));
    return {
      client,
      received,
      close: async () => {
        client.destroy();
        await new Promise((r) => server.close(r));
      },
    };
  }

  it('sends the frames written in one turn with one system call, in order, and nothing is lost', async () => {
    const p = await pair();
    coalesceWrites(p.client);
    const calls: number[] = [];
    const sock = p.client as unknown as { _writev: (chunks: unknown[], cb: () => void) => void; _write: (...a: unknown[]) => void };
    const writev = sock._writev.bind(p.client);
    const write = sock._write.bind(p.client);
    sock._writev = (chunks, cb) => {
      calls.push(chunks.length);
      writev(chunks, cb);
    };
    sock._write = (...a) => {
      calls.push(1);
      write(...a);
    };
    p.client.write('one,');
    p.client.write('two,');
    p.client.write('three');
    expect(calls).to.deep.equal([]); // nothing left yet: corked until the end of this turn
    await new Promise((r) => setImmediate(r));
    expect(calls).to.deep.equal([3]);
    p.client.write('; next turn');
    await new Promise((r) => setTimeout(r, 50));
    expect(Buffer.concat(p.received).toString()).to.equal('one,two,three; next turn');
    await p.close();
  });

  it('leaves a destroyed socket alone', async () => {
    const p = await pair();
    coalesceWrites(p.client);
    p.client.destroy();
    expect(() => p.client.write('late')).to.not.throw();
    await new Promise((r) => setImmediate(r));
    await p.close();
  });
});
