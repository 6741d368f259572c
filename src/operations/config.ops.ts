import { publicOp } from '../core/operation.js';
import type { AppConfig } from '../config.js';

export type PlatformProvider = 'google' | 'apple' | 'line';

export interface PublicConfig {
  /** The platform sign-ins this server can verify (the others answer 400), so clients show only those buttons. */
  platform_providers: PlatformProvider[];
}

/** What a client may know about this server before signing in. Nothing secret: only which features are on. */
export function configOperations(config: Pick<AppConfig, 'providers'>) {
  const answer: PublicConfig = Object.freeze({
    platform_providers: (['google', 'apple', 'line'] as const).filter((p) => config.providers[p] !== undefined),
  }) as PublicConfig;
  return {
    publicConfig: publicOp('public_config', null, async () => answer),
  };
}

export type ConfigOperations = ReturnType<typeof configOperations>;
