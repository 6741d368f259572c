import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../support/free-port.js';
import { pino } from 'pino';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { anonLogin, connect, http } from '../support/clients.js';
import { createDatabase } from '../../src/store/db.js';

function startProcess(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitHealthy(url: string, exited: Promise<unknown>): Promise<void> {
  let dead = false;
  void exited.then(() => (dead = true));
  for (let i = 0; i < 200 && !dead; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server process did not become ready');
}

describe('the server process', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => db.drop());

  it('serves, then shuts down cleanly on SIGTERM: sockets closed, exit code 0, database closed', async () => {
    const port = await freePort();
    const p = startProcess({ ...db.env, PORT: String(port), HOST: '127.0.0.1' });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitHealthy(url, p.exited);
      const u = await anonLogin(url);
      const s = await connect(url, '/rooms', u.token);
      const disconnected = new Promise((resolve) => s.once('disconnect', resolve));
      p.child.kill('SIGTERM');
      expect(await p.exited).to.equal(0);
      await disconnected;
      expect(p.output()).to.include('shut down cleanly');
      // The data written before the shutdown is intact: a new process accepts the old token.
      const again = startProcess({ ...db.env, PORT: String(port), HOST: '127.0.0.1' });
      await waitHealthy(url, again.exited);
      expect((await http(url, 'GET', '/api/v1/matchmaking/status', { token: u.token })).status).to.equal(200);
      again.child.kill('SIGTERM');
      expect(await again.exited).to.equal(0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('refuses to start in production without JWT_SECRET, saying why', async () => {
    const p = startProcess({ ...db.env, NODE_ENV: 'production', PORT: '0' });
    expect(await p.exited).to.equal(1);
    expect(p.output()).to.include('JWT_SECRET is required when NODE_ENV=production');
  });

  it('refuses to start with an invalid variable, naming it', async () => {
    const p = startProcess({ ...db.env, PORT: 'eighty', RATE_MESSAGE_SEND: 'many' });
    expect(await p.exited).to.equal(1);
    expect(p.output()).to.match(/PORT/).and.to.match(/RATE_MESSAGE_SEND/);
  });

  it('applies migrations once when several nodes start at the same time', async function () {
    const log = pino({ level: 'silent' });
    if (db.env.DATABASE_URL) {
      const nodes = [1, 2, 3].map(() => createDatabase({ databaseUrl: db.env.DATABASE_URL, dataDir: db.env.DATA_DIR!, log }));
      await Promise.all(nodes.map((n) => n.migrate()));
      const rows = await nodes[0]!.knex('knex_migrations').select('name');
      expect(rows.map((r: { name: string }) => r.name)).to.deep.equal(['001_chat', ...rows.slice(1).map((r: { name: string }) => r.name)]);
      expect(new Set(rows.map((r: { name: string }) => r.name)).size).to.equal(rows.length);
      await Promise.all(nodes.map((n) => n.close()));
    } else {
      // The embedded store belongs to one process; starting it twice in a row is a no-op the second time.
      for (let i = 0; i < 2; i++) {
        const n = createDatabase({ dataDir: db.env.DATA_DIR!, log });
        await n.migrate();
        const rows = await n.knex('knex_migrations').select('name');
        expect(new Set(rows.map((r: { name: string }) => r.name)).size).to.equal(rows.length);
        await n.close();
      }
    }
  });
});
