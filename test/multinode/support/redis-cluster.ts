import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../support/free-port.js';
import { watchdog } from './watchdog.js';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 30_000;

export interface RedisCluster {
  /** redis://127.0.0.1:<port> of every master, for REDIS_CLUSTER_NODES. */
  urls: string[];
  /** The index (in `urls`) of the master that serves `key`'s hash slot. */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs master `index` (its slots go down with it: there are no replicas). */
  kill(index: number): Promise<void>;
  /** Starts a killed master again on its ports, with its cluster config (same slots, no data), and waits for cluster_state:ok. */
  start(index: number): Promise<void>;
  stop(): Promise<void>;
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 15_000 });
  return stdout;
}

async function poll(what: string, deadline: number, probe: () => Promise<boolean>): Promise<void> {
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`Redis Cluster test harness: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every server process and directory of every cluster of this process, for the exit handler. */
const live = new Map<ChildProcess, string>();
process.once('exit', () => {
  for (const [p, dir] of live) {
    p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A throwaway Redis Cluster of `masters` masters (no replicas) from the installed `redis-server`:
 * each on its own free ports (client and cluster bus), in a temporary directory, with nothing
 * persisted but the cluster config; `stop` kills them and removes the directory, and so does the
 * exit of this process (or a watchdog, when this process is killed outright). Fails with a clear
 * message when redis-server or redis-cli is missing.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gby-redis-cluster-'));
  const procs: Array<ChildProcess | undefined> = [];
  const ports: number[] = [];
  const buses: number[] = [];

  const exited = (p: ChildProcess | undefined) =>
    new Promise<void>((resolve) => {
      if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });

  async function spawnServer(i: number): Promise<void> {
    const nodeDir = path.join(dir, String(ports[i]));
    await mkdir(nodeDir, { recursive: true });
    const p = spawn('redis-server', [
      '--port', String(ports[i]), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(buses[i]),
      '--cluster-config-file', path.join(nodeDir, 'nodes.conf'), '--cluster-node-timeout', '2000',
      '--dir', nodeDir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', path.join(nodeDir, 'log'),
    ], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      p.once('spawn', resolve);
      p.once('error', (e) => reject(new Error(`cannot start redis-server for the Redis Cluster tests (is it installed?): ${e.message}`)));
    });
    procs[i] = p;
    live.set(p, dir);
    p.once('exit', () => live.delete(p));
    await poll(`redis-server on port ${ports[i]} did not start`, Date.now() + READY_TIMEOUT_MS, async () => (await redisCli(ports[i]!, 'ping')).includes('PONG'));
  }

  const whole = () => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    return Promise.all(ports.map((port) =>
      poll(`the Redis Cluster did not reach cluster_state:ok on port ${port}`, deadline, async () => (await redisCli(port, 'cluster', 'info')).includes('cluster_state:ok')),
    ));
  };

  const stop = async () => {
    await Promise.all(procs.map(exited));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    for (let i = 0; i < masters; i++) {
      ports.push(await freePort());
      buses.push(await freePort());
      await spawnServer(i);
    }
    watchdog(procs.map((p) => p!.pid!), 'redis-server', dir);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await whole();
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    urls: ports.map((p) => `redis://127.0.0.1:${p}`),
    async masterOf(key) {
      const slot = Number((await redisCli(ports[0]!, 'cluster', 'keyslot', key)).trim());
      // CLUSTER NODES: "<id> <ip:port@bus> <flags> ... <from>-<to> ..." per node.
      for (const line of (await redisCli(ports[0]!, 'cluster', 'nodes')).split('\n')) {
        const f = line.trim().split(' ');
        const port = Number(/:(\d+)@/.exec(f[1] ?? '')?.[1]);
        for (const range of f.slice(8)) {
          const [from, to = from] = range.split('-').map(Number);
          if (slot >= from! && slot <= to!) return ports.indexOf(port);
        }
      }
      throw new Error(`no master serves slot ${slot}`);
    },
    kill: (i) => exited(procs[i]),
    async start(i) {
      await spawnServer(i);
      watchdog([procs[i]!.pid!], 'redis-server', dir);
      await whole();
    },
    stop,
  };
}
