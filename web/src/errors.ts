import { ChatError } from '../../client/src/index.js';
import { t } from './i18n.js';

/** What to tell a person about a failure, in their language; never a field's internal name. */
export function humanError(e: unknown): string {
  if (!(e instanceof ChatError)) return t('error.generic');
  switch (e.code) {
    case 'NETWORK':
    case 'TIMEOUT':
      return t('error.network');
    case 'RATE_LIMITED':
      return t('error.rate', { seconds: Math.max(1, Math.ceil((e.retryAfterMs ?? 1000) / 1000)) });
    case 'UNAVAILABLE':
    case 'INTERNAL':
      return t('error.unavailable');
    case 'INVALID_ARGUMENT':
      return t('error.invalid');
    default:
      return t('error.generic');
  }
}

/** The invalid fields the server named (INVALID_ARGUMENT's `error`), to point at the right input. */
export function invalidFields(e: unknown): string[] {
  if (!(e instanceof ChatError) || e.code !== 'INVALID_ARGUMENT') return [];
  const d = e.details as { fields?: Array<{ field?: string; path?: string }> } | Array<{ field?: string; path?: string }> | undefined;
  const list = Array.isArray(d) ? d : Array.isArray(d?.fields) ? d.fields : [];
  return list.map((f) => String(f.field ?? f.path ?? ''));
}
