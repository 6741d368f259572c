import { describeConsistency } from './support/consistency.js';

// Runs only with both services configured (test/run.mjs phase 3); an unreachable one fails the before hook.
if (process.env.DATABASE_URL && process.env.REDIS_URL) {
  describeConsistency('two nodes over one Redis: seq, immediate revocation, shared limits');
}
