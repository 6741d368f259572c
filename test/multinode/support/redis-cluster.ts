import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../support/free-port.js';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 30_000;

export interface RedisCluster {
  /** redis://127.0.0.1:<port> of every master, for REDIS_CLUSTER_NODES. */
  urls: string[];
  stop(): Promise<void>;
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 15_000 });
  return stdout;
}

/**
 * A throwaway Redis Cluster of `masters` masters (no replicas) from the installed `redis-server`:
 * each on its own free ports (client and cluster bus), in a temporary directory, with nothing
 * persisted; `stop` kills them and removes the directory. Fails with a clear message when
 * redis-server or redis-cli is missing.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gby-redis-cluster-'));
  const procs: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill('SIGKILL');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      const bus = await freePort();
      const nodeDir = path.join(dir, String(port));
      await run('mkdir', ['-p', nodeDir]);
      const p = spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(bus),
        '--cluster-config-file', path.join(nodeDir, 'nodes.conf'), '--cluster-node-timeout', '2000',
        '--dir', nodeDir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', path.join(nodeDir, 'log'),
      ], { stdio: 'ignore' });
      const spawned = new Promise<void>((resolve, reject) => {
        p.once('spawn', resolve);
        p.once('error', (e) => reject(new Error(`cannot start redis-server for the Redis Cluster test (is it installed?): ${e.message}`)));
      });
      procs.push(p);
      await spawned;
      ports.push(port);
    }
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (const port of ports) {
      for (;;) {
        try {
          if ((await redisCli(port, 'ping')).includes('PONG')) break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    for (const port of ports) {
      for (;;) {
        if ((await redisCli(port, 'cluster', 'info')).includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`the Redis Cluster did not reach cluster_state:ok on port ${port}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { urls: ports.map((p) => `redis://127.0.0.1:${p}`), stop };
}
