import { startRedisCluster, type RedisCluster } from './redis-cluster.js';

/**
 * Which Redis the multinode suite runs on: MULTINODE_REDIS unset, the one at REDIS_URL; `cluster`
 * (test/run.mjs's last phase), a 3-master Redis Cluster started from the installed redis-server
 * on ports of its own when the first test needs it, shared by the whole run, and torn down when
 * the run ends (support/redis-cluster.ts: also when it fails or is interrupted).
 */
const mode = process.env.MULTINODE_REDIS ?? '';
if (mode !== '' && mode !== 'cluster') throw new Error(`MULTINODE_REDIS must be unset or "cluster", got "${mode}"`);

export const onRedisCluster = mode === 'cluster';

let shared: Promise<RedisCluster> | undefined;

/** The run's Redis Cluster when MULTINODE_REDIS=cluster, else undefined. */
export function phaseRedisCluster(): Promise<RedisCluster | undefined> {
  if (!onRedisCluster) return Promise.resolve(undefined);
  shared ??= startRedisCluster(3);
  return shared;
}
