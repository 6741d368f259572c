import { describeConsistency } from './support/consistency.js';
import { startRedisCluster, type RedisCluster } from './support/redis-cluster.js';

// The multinode phase only (test/run.mjs phase 3). The Redis Cluster is started here from the
// installed redis-server (3 masters on ports of their own) and torn down after.
if (process.env.DATABASE_URL && process.env.REDIS_URL) {
  describe('on a 3-master Redis Cluster (REDIS_CLUSTER_NODES)', function () {
    this.timeout(90_000);
    let redis: RedisCluster | undefined;
    before(async () => {
      redis = await startRedisCluster(3);
    });
    after(async () => redis?.stop());

    describeConsistency('two nodes: sharded adapter, hash-tagged match pool, limits and revocation on the Cluster', () => ({ redisCluster: redis!.urls }));
  });
}
