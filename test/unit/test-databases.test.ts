import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { isOrphan, testDatabaseName } from '../support/databases.js';

/** The test harness's own housekeeping: which leftover test databases an interrupted run left behind. */
describe('test databases left by interrupted runs', () => {
  it('counts as orphaned only a database of this machine whose process is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    expect(isOrphan(testDatabaseName(gone)), 'its process has ended').to.equal(true);
    expect(isOrphan(testDatabaseName()), 'this process runs').to.equal(false);
    const name = testDatabaseName(gone);
    const host = name.slice('gby_t_'.length, 'gby_t_'.length + 6);
    expect(isOrphan(name.replace(host, host === 'abcdef' ? '123456' : 'abcdef')), 'another machine').to.equal(false);
    expect(isOrphan(`gby_t_${'0'.repeat(12)}`), 'the old unmarked form: whose it is cannot be known').to.equal(false);
    expect(isOrphan('gby_bench_1234'), 'not a test database').to.equal(false);
  });
});
