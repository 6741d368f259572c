/**
 * Child processes of a benchmark run: server nodes, the bare peer and load generators. Each one
 * is started through `bash -c 'ulimit -n …; exec taskset -c <cpu> node …'`, so it gets the
 * file-descriptor limit that 10,000 sockets need and a core of its own (when taskset exists and
 * the machine has more than one core). Every child is killed when the run ends, however it ends.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/free-port.js';

export { freePort };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const hasTaskset = spawnSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' }).status === 0;
export const CPUS = os.availableParallelism();
/** Server processes on core 0, load generators on core 1 (when there are two cores or more). */
export const PIN = hasTaskset && CPUS >= 2;
export const SERVER_CPU = '0';
export const LOADGEN_CPU = '1';
const NOFILE = 20_000;

const live = new Set<ChildProcess>();
export function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
}
process.once('exit', killAll);

/**
 * Ctrl-C, SIGTERM or a closed output pipe: kill the children, then let `cleanup` drop what the
 * run created (database, Redis keys) before exiting.
 */
export function onInterrupt(cleanup: () => Promise<void>): void {
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    killAll();
    const hard = setTimeout(() => process.exit(code), 15_000);
    cleanup().finally(() => {
      clearTimeout(hard);
      process.exit(code);
    });
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => stop(130));
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => stop(1));
}

export interface Child {
  name: string;
  proc: ChildProcess;
  readonly alive: boolean;
  output(): string;
  /** Resolves with the first stdout line matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** Experiment knobs (BENCH_DRAIN_MS, ...) reach the children; nothing else of this environment does. */
const passThrough = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_') && k !== 'BENCH_HOOKS')) as Record<string, string>;

export function start(name: string, nodeArgs: string[], env: Record<string, string>, cpu: string | null): Child {
  const shellCmd = `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec ${PIN && cpu !== null ? `taskset -c ${cpu} ` : ''}"$@"`;
  const proc = spawn('bash', ['-c', shellCmd, 'bash', process.execPath, ...nodeArgs], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...passThrough(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  let out = '';
  let alive = true;
  const lineWaiters: Array<{ re: RegExp; resolve(m: RegExpExecArray): void }> = [];
  let pending = '';
  proc.stdout!.on('data', (d: Buffer) => {
    const s = d.toString();
    out = (out + s).slice(-32_000);
    pending += s;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      for (let i = lineWaiters.length - 1; i >= 0; i--) {
        const m = lineWaiters[i]!.re.exec(line);
        if (m) {
          lineWaiters[i]!.resolve(m);
          lineWaiters.splice(i, 1);
        }
      }
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${line}\n`);
    }
  });
  proc.stderr!.on('data', (d: Buffer) => {
    out = (out + d.toString()).slice(-32_000);
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}!] ${d}`);
  });
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      alive = false;
      live.delete(proc);
      resolve(code);
    }),
  );
  return {
    name,
    proc,
    get alive() {
      return alive;
    },
    output: () => out,
    exited,
    waitFor(re, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${name}: no line matching ${re} within ${timeoutMs} ms:\n${out.slice(-4000)}`)), timeoutMs);
        exited.then(() => reject(new Error(`${name} exited:\n${out.slice(-4000)}`)));
        lineWaiters.push({
          re,
          resolve: (m) => {
            clearTimeout(t);
            resolve(m);
          },
        });
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 8000) {
      if (!alive) return;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}


export async function waitReady(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!child.alive) throw new Error(`${child.name} exited during startup:\n${child.output().slice(-4000)}`);
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${child.name} not ready within ${timeoutMs} ms:\n${child.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
