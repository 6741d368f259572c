import type { Clock } from '../ports.js';
import type { RetentionRepo } from '../../store/retention.repo.js';
import type { Logger } from '../../logger.js';

const BATCH = 5000;
/** Batches per run, so one run never holds the database for long; the next run goes on. */
const MAX_BATCHES = 200;

/**
 * MESSAGE_RETENTION_DAYS: deletes the messages of rooms closed longer ago than that, in small
 * batches. Every node schedules it; an advisory lock lets one node at a time do the work.
 */
export class RetentionJob {
  constructor(
    private readonly repo: Pick<RetentionRepo, 'deleteBatch'>,
    private readonly clock: Clock,
    private readonly days: number,
    private readonly log: Logger,
  ) {}

  /** Returns how many messages were deleted (0 when off, or when another node is at it). */
  async run(): Promise<number> {
    if (this.days <= 0) return 0;
    const cutoff = new Date(this.clock.now() - this.days * 86_400_000);
    let total = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const n = await this.repo.deleteBatch(cutoff, BATCH);
      if (n === null) break;
      total += n;
      if (n < BATCH) break;
    }
    if (total) this.log.info({ deleted: total, cutoff }, 'retention: deleted old messages');
    return total;
  }
}
