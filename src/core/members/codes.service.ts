import { AppError } from '../errors.js';
import type { Clock, CodePurpose, Notifier, NotifyChannel, RateLimiter } from '../ports.js';
import type { CodesRepo } from '../../store/codes.repo.js';
import { generateCode, hashCode } from './code-hash.js';

export interface CodeOptions {
  ttlSec: number;
  maxAttempts: number;
}

/** The one message for every failed code check: wrong, expired, used up or never issued. */
export const invalidCode = () => new AppError('INVALID_ARGUMENT', 'the verification code is invalid or has expired; request a new one');

/**
 * Issues and checks one-time codes: 6 digits, HMAC-hashed at rest, one live code per
 * (purpose, identifier), valid `ttlSec`, single use, dead after `maxAttempts` wrong tries.
 */
export class CodesService {
  constructor(
    private readonly repo: CodesRepo,
    private readonly key: Buffer,
    private readonly notifier: Notifier,
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly opts: CodeOptions,
  ) {}

  /**
   * The per-(purpose, identifier) cooldown. Callers take it before they look the account up, so
   * an unknown identifier is throttled exactly like a known one.
   */
  cooldown(purpose: CodePurpose, identifier: string): Promise<void> {
    return this.limiter.consume('code_request', `${purpose}:${identifier}`);
  }

  /** Creates a code (replacing the previous one) and hands it to the notifier. */
  async issue(purpose: CodePurpose, identifier: string, userId: string, channel: NotifyChannel): Promise<void> {
    const code = generateCode();
    await this.repo.replace({
      purpose,
      identifier,
      user_id: userId,
      code_hash: hashCode(this.key, purpose, identifier, code),
      expires_at: new Date(this.clock.now() + this.opts.ttlSec * 1000),
    });
    this.notifier.send({ channel, to: identifier, purpose, code });
  }

  /** Checks a code without using it up (a wrong one still counts); returns the user it was issued to. */
  check(purpose: CodePurpose, identifier: string, code: string): Promise<string> {
    return this.present(purpose, identifier, code, false);
  }

  /**
   * Uses a code up; returns the user it was issued to. Deliberately outside any transaction of
   * the caller: a wrong try must stay counted even when the caller's work is rolled back.
   */
  consume(purpose: CodePurpose, identifier: string, code: string): Promise<string> {
    return this.present(purpose, identifier, code, true);
  }

  private async present(purpose: CodePurpose, identifier: string, code: string, consume: boolean): Promise<string> {
    const res = await this.repo.present({
      purpose,
      identifier,
      codeHash: hashCode(this.key, purpose, identifier, code),
      now: new Date(this.clock.now()),
      maxAttempts: this.opts.maxAttempts,
      consume,
    });
    if (!res?.ok) throw invalidCode();
    return res.userId;
  }
}
