import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DOC = path.join(ROOT, 'docs', 'deploy.md');

/** The one fenced block of `lang` in docs/deploy.md, as written there. */
export function docBlock(lang: 'nginx' | 'haproxy'): string {
  const blocks = [...readFileSync(DOC, 'utf8').matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))];
  if (blocks.length !== 1) throw new Error(`docs/deploy.md should hold exactly one \`\`\`${lang} block, found ${blocks.length}`);
  return blocks[0]![1]!;
}

/**
 * Swaps what only fits a real deployment for local stand-ins, and nothing else: the documented
 * example addresses (10.0.0.11..13:8091) become the test's nodes, the TLS listener a plain one on
 * `port`. Each swap must find its target, so a changed document fails here rather than silently
 * testing something else.
 */
function swap(text: string, from: RegExp, to: string, what: string): string {
  if (!from.test(text)) throw new Error(`docs/deploy.md changed: cannot find ${what} to replace`);
  return text.replace(from, to);
}

function nodes(text: string, ports: readonly number[]): string {
  let out = text;
  ports.forEach((p, i) => (out = swap(out, new RegExp(`10\\.0\\.0\\.1${i + 1}:8091`, 'g'), `127.0.0.1:${p}`, `node ${i + 1}'s address`)));
  return out;
}

export function renderNginx(ports: readonly number[], port: number, dir: string): string {
  let block = nodes(docBlock('nginx'), ports);
  block = swap(block, /listen 443 ssl;/, `listen 127.0.0.1:${port};`, 'the TLS listen line');
  block = swap(block, /\n\s*server_name [^;]+;/, '', 'server_name');
  return [
    // One process, in the foreground, everything under the test's own directory: no system config,
    // no system service, no user switch.
    'daemon off;',
    'master_process off;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
    block,
    '}',
  ].join('\n');
}

export function renderHaproxy(ports: readonly number[], port: number, dir: string): string {
  let block = nodes(docBlock('haproxy'), ports);
  block = swap(block, /bind :443 ssl crt \S+/, `bind 127.0.0.1:${port}`, 'the TLS bind line');
  return [`global`, `    pidfile ${dir}/haproxy.pid`, '', block].join('\n');
}

export interface LoadBalancer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts Debian's nginx or haproxy with the rendered configuration, as a child of the test. */
export async function startLoadBalancer(kind: 'nginx' | 'haproxy', ports: readonly number[], port: number): Promise<LoadBalancer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `gby-${kind}-`));
  const conf = path.join(dir, `${kind}.conf`);
  await writeFile(conf, kind === 'nginx' ? renderNginx(ports, port, dir) : renderHaproxy(ports, port, dir));
  const bin = kind === 'nginx' ? '/usr/sbin/nginx' : '/usr/sbin/haproxy';
  const args = kind === 'nginx' ? ['-c', conf, '-p', dir, '-e', `${dir}/error.log`] : ['-f', conf, '-db'];
  const proc: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    proc.once('spawn', resolve);
    proc.once('error', (e) => reject(new Error(`cannot start ${bin} (install it: apt-get install -y nginx haproxy): ${e.message}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${kind} exited at start:\n${out}\n--- config ---\n${readFileSync(conf, 'utf8')}`);
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${kind} did not answer /healthz:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
