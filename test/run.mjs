#!/usr/bin/env node
// Runs the whole suite in phases:
//   1. unit + integration on the embedded defaults (PGlite, in-process pub/sub), always;
//   2. integration again on Postgres (and Redis, when REDIS_URL is set) when DATABASE_URL is set;
//   3. the multinode suite when both DATABASE_URL and REDIS_URL are set (it also starts Debian's
//      nginx and haproxy);
//   4. the multinode suite again on a 3-master Redis Cluster (MULTINODE_REDIS=cluster): the phase
//      starts the Cluster from the installed redis-server on ports of its own and tears it down
//      after (test/multinode/support/redis-mode.ts).
// A phase whose service cannot be reached fails loudly; nothing is skipped silently.
// Extra arguments are passed to mocha and restrict phase 1 to them (e.g. a single file).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
const args = process.argv.slice(2);
const { DATABASE_URL, REDIS_URL } = process.env;

function phase(name, files, env) {
  return new Promise((resolve) => {
    console.log(`\n=== ${name} ===`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', mocha, '--recursive', '--extension', 'ts', '--timeout', '30000', '--exit', ...files],
      { cwd: root, env: { ...env, NODE_ENV: 'test' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      out += d.toString();
    });
    child.on('close', (code) => {
      const strip = out.replace(/\x1b\[[0-9;]*m/g, '');
      const passed = Number(/(\d+) passing/.exec(strip)?.[1] ?? 0);
      const failed = Number(/(\d+) failing/.exec(strip)?.[1] ?? 0);
      resolve({ name, code: code ?? 1, passed, failed: code && !failed ? failed + 1 : failed });
    });
  });
}

const base = { ...process.env };
delete base.MULTINODE_REDIS;
delete base.DATABASE_URL;
delete base.REDIS_URL;

const results = [];
if (args.length) {
  results.push(await phase('selected (embedded)', args, base));
} else {
  const first = ['test/unit', 'test/integration', ...(existsSync(path.join(root, 'test/e2e')) ? ['test/e2e'] : [])];
  results.push(await phase('unit + integration + e2e (embedded PGlite, in-process)', first, base));
  if (DATABASE_URL) {
    const env = { ...base, DATABASE_URL, ...(REDIS_URL ? { REDIS_URL } : {}) };
    const label = REDIS_URL ? 'Postgres + Redis' : 'Postgres';
    results.push(await phase(`integration (${label})`, ['test/integration'], env));
  }
  if (DATABASE_URL && REDIS_URL) {
    results.push(await phase('multinode (Postgres + Redis, several processes)', ['test/multinode'], { ...base, DATABASE_URL, REDIS_URL }));
    results.push(await phase('multinode (Postgres + 3-master Redis Cluster)', ['test/multinode'], { ...base, DATABASE_URL, REDIS_URL, MULTINODE_REDIS: 'cluster' }));
  } else {
    console.log('\n(multinode suite not run: it needs both DATABASE_URL and REDIS_URL; .ci/run sets them)');
  }
}

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log('');
for (const r of results) console.log(`${r.name}: ${r.passed} passed, ${r.failed} failed (exit ${r.code})`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.code === 0) && passed > 0 ? 0 : 1);
