/**
 * The page's language: English or Simplified Chinese, one switch for the whole UI and the
 * lessons' texts. Kept in the page's storage (like a browser's own settings, per origin: the
 * desktop app's window and each browser-mode page keep theirs), and at first start taken from
 * the browser's or the OS's preferred languages.
 */

export type Language = 'en' | 'zh';

/** Where the choice is kept (localStorage). */
export const LANGUAGE_KEY = 'losslab.language';

/** `zh`, `zh-CN`, `zh-Hans-SG`, … are Simplified Chinese; anything else is English. */
export function languageOf(tag: string | undefined): Language {
  return tag !== undefined && /^zh(?:$|[-_])/i.test(tag) && !/^zh[-_](?:Hant|TW|HK|MO)/i.test(tag)
    ? 'zh'
    : 'en';
}

/** What of the page's storage the choice needs (Node's tests stub it). */
interface KeptSettings {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function storage(): KeptSettings | undefined {
  try {
    return (globalThis as { localStorage?: KeptSettings }).localStorage;
  } catch {
    return undefined; // storage denied (an opaque origin): the choice lasts the page
  }
}

/** The kept choice, else the first preferred language that is English or Chinese. */
export function initialLanguage(): Language {
  const kept = storage()?.getItem(LANGUAGE_KEY);
  if (kept === 'en' || kept === 'zh') return kept;
  const nav = (globalThis as { navigator?: { languages?: readonly string[]; language?: string } })
    .navigator;
  const tags = nav?.languages?.length ? nav.languages : nav?.language ? [nav.language] : [];
  for (const tag of tags) {
    if (/^(en|zh)/i.test(tag)) return languageOf(tag);
  }
  return 'en';
}

class Locale {
  #current = $state<Language>(initialLanguage());

  /** The language on screen; reading it in a template or effect follows the switch. */
  get current(): Language {
    return this.#current;
  }

  set current(language: Language) {
    if (language !== 'en' && language !== 'zh') return;
    this.#current = language;
    try {
      storage()?.setItem(LANGUAGE_KEY, language);
    } catch {
      // storage full or denied: the choice lasts the page
    }
    // The page's lang, for screen readers and the CJK font's shaping (none in Node's tests).
    const root = (globalThis as { document?: { documentElement: { lang: string } } }).document;
    if (root) root.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  }

  /** The BCP 47 tag Intl formats for. */
  get tag(): string {
    return this.#current === 'zh' ? 'zh-CN' : 'en';
  }
}

/** The page's one language. */
export const locale = new Locale();
