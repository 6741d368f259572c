import type { Socket } from 'socket.io-client';
import { startCluster, type Cluster, type ClusterNode } from '../multinode/support/cluster.js';

/** The three nodes of a multinode `describe`, filled in by its `before` hook. */
export interface ThreeNodes {
  cluster: Cluster;
  A: ClusterNode;
  B: ClusterNode;
  C: ClusterNode;
  /** Sockets pushed here are closed after each test. */
  sockets: Socket[];
}

/**
 * Starts three nodes (with `env`) once for the calling `describe` and stops them after it; read the
 * fields inside tests or later hooks.
 */
export function threeNodes(env: Record<string, string>): ThreeNodes {
  const nodes = { sockets: [] as Socket[] } as ThreeNodes;
  before(async () => {
    nodes.cluster = await startCluster({ nodes: 3, env });
    [nodes.A, nodes.B, nodes.C] = nodes.cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
  });
  afterEach(() => {
    for (const s of nodes.sockets.splice(0)) s.close();
  });
  after(async () => {
    await nodes.cluster?.stop();
  });
  return nodes;
}
