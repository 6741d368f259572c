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
   * The limits on sending a code, all taken before the account is looked up, so an unknown
   * identifier is throttled exactly like a known one: per client address (one client cannot ask
   * for codes to many identifiers: SMS bombing, SMS bills), the per-(purpose, identifier)
   * cooldown, and a daily cap per identifier (each code allows `maxAttempts` guesses, so the cap
   * bounds the guesses per account per day whoever asks).
   */
  async cooldown(purpose: CodePurpose, identifier: string, client: string): Promise<void> {
    await this.limiter.consume('code_request_client', client);
    await this.limiter.consume('code_request', `${purpose}:${identifier}`);
    await this.limiter.consume('code_daily', identifier);
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
  check(purpose: CodePurpose, identifier: string, code: string, client: string): Promise<string> {
    return this.present(purpose, identifier, code, false, client);
  }

  /**
   * Uses a code up; returns the user it was issued to. Deliberately outside any transaction of
   * the caller: a wrong try must stay counted even when the caller's work is rolled back.
   */
  consume(purpose: CodePurpose, identifier: string, code: string, client: string): Promise<string> {
    return this.present(purpose, identifier, code, true, client);
  }

  /** Every check counts against the client's budget, so one client cannot guess across many identifiers. */
  private async present(purpose: CodePurpose, identifier: string, code: string, consume: boolean, client: string): Promise<string> {
    await this.limiter.consume('code_verify_client', client);
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
