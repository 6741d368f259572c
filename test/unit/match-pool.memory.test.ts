import { MemoryMatchPool } from '../../src/infra/match-pool.memory.js';
import { matchPoolContract } from '../support/match-pool.contract.js';

matchPoolContract('MemoryMatchPool', async () => ({
  pool: new MemoryMatchPool(),
  cleanup: async () => {},
}));
