import { en, type StringKey } from './strings-en.js';
import { zhTW } from './strings-zh-tw.js';

export type Lang = 'en' | 'zh-TW';
export const LANGS: Record<Lang, { label: string; strings: Record<StringKey, string> }> = {
  'zh-TW': { label: '繁體中文', strings: zhTW },
  en: { label: 'English', strings: en },
};

const KEY = 'gby.lang';
let lang: Lang = detect();
const listeners = new Set<() => void>();

/** The saved choice, else the browser's first language we have (any Chinese gets zh-TW), else English. */
function detect(): Lang {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === 'en' || saved === 'zh-TW') return saved;
  } catch {
    // storage disabled: follow the browser
  }
  for (const l of navigator.languages ?? [navigator.language]) {
    if (/^zh\b/i.test(l)) return 'zh-TW';
    if (/^en\b/i.test(l)) return 'en';
  }
  return 'en';
}

export const currentLang = (): Lang => lang;

export function t(key: StringKey, vars: Record<string, string | number> = {}): string {
  const s = LANGS[lang].strings[key] ?? en[key];
  return s.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

export function setLang(next: Lang): void {
  lang = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // the choice lasts for this page only
  }
  applyStatic();
  for (const fn of listeners) fn();
}

/** Re-render dynamic text when the language changes. */
export function onLangChange(fn: () => void): void {
  listeners.add(fn);
}

/**
 * Fills the page's fixed text from data attributes: data-i18n (text), data-i18n-placeholder,
 * data-i18n-label (aria-label), data-i18n-title.
 */
export function applyStatic(root: ParentNode = document): void {
  document.documentElement.lang = lang;
  document.title = t('app.title');
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as StringKey);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-placeholder]')) el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder as StringKey));
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel as StringKey));
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle as StringKey);
}

/** Time of day in the current language ("下午04:47" / "4:47 PM"). */
export function formatTime(ms: number, now = new Date()): string {
  const d = new Date(ms);
  const time = d.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === now.toDateString()) return time;
  return `${d.toLocaleDateString(lang, { month: 'short', day: 'numeric' })} ${time}`;
}
