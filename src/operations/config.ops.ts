import { publicOp } from '../core/operation.js';
import type { AppConfig, ProviderConfig } from '../config.js';

export type PlatformProvider = 'google' | 'apple' | 'line';

/** Everything a browser needs to send someone to a provider's sign-in page (OpenID Connect). */
export interface PlatformFlow {
  provider: PlatformProvider;
  authorize_url: string;
  client_id: string;
  scope: string;
  response_type: 'id_token' | 'code id_token' | 'code';
  response_mode: 'fragment' | 'form_post' | 'query';
  /** The code flow only: send a PKCE code_challenge (S256). */
  pkce: boolean;
}

export interface PublicConfig {
  /** The platform sign-ins this server can verify (the others answer 400), so clients show only those buttons. */
  platform_providers: PlatformProvider[];
  /** The redirect sign-ins a browser can complete here (a subset of platform_providers). */
  platform_flows: PlatformFlow[];
}

/**
 * How each provider's web sign-in goes. Google hands the ID token back in the fragment. Apple
 * sends the e-mail only with `response_mode=form_post` (our POST /auth/callback turns it into a
 * fragment). LINE has the code flow only: the code is traded at its token endpoint with the
 * channel secret, so LINE is offered only when that secret is configured.
 */
function flowOf(provider: PlatformProvider, c: ProviderConfig): PlatformFlow | null {
  if (!c.authorizeUrl) return null;
  const base = { provider, authorize_url: c.authorizeUrl, client_id: c.clientId };
  switch (provider) {
    case 'google':
      return { ...base, scope: 'openid email', response_type: 'id_token', response_mode: 'fragment', pkce: false };
    case 'apple':
      return { ...base, scope: 'name email', response_type: 'code id_token', response_mode: 'form_post', pkce: false };
    case 'line':
      return c.clientSecret && c.tokenUrl ? { ...base, scope: 'openid email', response_type: 'code', response_mode: 'query', pkce: true } : null;
  }
}

/** What a client may know about this server before signing in. Nothing secret: which features are on and public client ids. */
export function configOperations(config: Pick<AppConfig, 'providers'>) {
  const configured = (['google', 'apple', 'line'] as const).filter((p) => config.providers[p] !== undefined);
  const answer: PublicConfig = Object.freeze({
    platform_providers: configured,
    platform_flows: configured.map((p) => flowOf(p, config.providers[p]!)).filter((f): f is PlatformFlow => f !== null),
  }) as PublicConfig;
  return {
    publicConfig: publicOp('public_config', null, async () => answer),
  };
}

export type ConfigOperations = ReturnType<typeof configOperations>;
