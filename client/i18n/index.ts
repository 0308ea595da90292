import { en } from './en.ts';
import { id, type MessageKey } from './id.ts';

export type Lang = 'id' | 'en';
export type { MessageKey };

const catalogs: Record<Lang, Record<MessageKey, string>> = { id, en };
const STORAGE_KEY = 'kv.lang';

export function currentLang(): Lang {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl === 'id' || fromUrl === 'en') return fromUrl;
  return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'id';
}

/** Text for a key, with {name} placeholders filled in. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return catalogs[currentLang()][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

/** Fills every [data-i18n] element and sets <html lang>. Call again after switching. */
export function applyTranslations(root: ParentNode = document): void {
  document.documentElement.lang = currentLang();
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n as MessageKey);
  }
}

/** A button that toggles Bahasa Indonesia / English and re-renders through `onChange`. */
export function languageToggle(onChange: () => void): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'lang-toggle';
  const label = () => (button.textContent = t('lang.switch'));
  label();
  button.addEventListener('click', () => {
    localStorage.setItem(STORAGE_KEY, currentLang() === 'id' ? 'en' : 'id');
    label();
    onChange();
  });
  return button;
}
