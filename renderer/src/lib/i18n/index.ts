/**
 * The UI's strings in English and Simplified Chinese. Every string the page shows goes through
 * `t`, keyed by its English text; `zh.ts` holds the Chinese of each (a unit test fails when a
 * string used has none). Parameters are written `{name}` in both texts:
 *
 *   t('step {scrubStep} / {last}', { scrubStep, last })  →  "step 3 / 200" / "第 3 / 200 步"
 *   plural(n, '{n} run', '{n} runs')                     →  "1 run", "2 runs" / "2 个运行"
 *   msg('Moons')  — a key for a table, translated where it is shown: t(kind.label)
 *
 * Reading `t` in a template or an effect follows the language switch (`locale.current`).
 * Numbers and dates are formatted for the language with Intl (`formatNumber`, `formatDate`).
 */

import { locale, type Language } from './locale.svelte';
import { zh } from './zh';

export { locale, languageOf, LANGUAGE_KEY, type Language } from './locale.svelte';

/**
 * A parameter's value, shown as a template would show it: `String(value)`, nothing for
 * undefined and null (numbers are not regrouped: step numbers and sizes stay plain; pass
 * `formatNumber(n)` where grouping is wanted).
 */
export type Param = string | number | undefined | null;

const PARAM = /\{(\w+)\}/g;

function fill(text: string, params: Record<string, Param> | undefined): string {
  if (!params) return text;
  return text.replace(PARAM, (whole, name: string) => {
    if (!(name in params)) return whole;
    const value = params[name];
    // As a template shows them: nothing for undefined and null.
    return value === undefined || value === null ? '' : String(value);
  });
}

/**
 * Marks `english` as a key without translating it: for tables of strings that `t` is later
 * called on with a variable (`t(kinds[k].label)`). The i18n test collects these keys too.
 */
export function msg<const S extends string>(english: S): S {
  return english;
}

/** `english` in the language on screen, with its `{name}` parameters filled in. */
export function t(english: string, params?: Record<string, Param>): string {
  return translate(locale.current, english, params);
}

/** `english` in `language` (for what does not follow the switch, such as tests). */
export function translate(
  language: Language,
  english: string,
  params?: Record<string, Param>,
): string {
  const text = language === 'zh' ? (zh[english] ?? english) : english;
  return fill(text, params);
}

/**
 * `one` when `n` takes the singular in English, else `other`; `{n}` is filled in. Chinese has
 * one form: its dictionary's entry for `other` (and for `one`, when the two differ in words).
 */
export function plural(
  n: number,
  one: string,
  other: string,
  params?: Record<string, Param>,
): string {
  const form = new Intl.PluralRules('en').select(n) === 'one' ? one : other;
  return t(form, { n, ...params });
}

/**
 * `value` for the language on screen (digit grouping, decimal sign), to at most `digits`
 * decimals (default 6). English and Chinese both group by thousands: "12,345.5".
 */
export function formatNumber(value: number, digits = 6): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString(locale.tag, { maximumFractionDigits: digits });
}

/** A date and time for the language on screen ("Dec 7, 2026, 9:05 PM" / "2026年12月7日 21:05"). */
export function formatDate(date: Date | string | number): string {
  const d = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(d.getTime())) return String(date);
  return d.toLocaleString(locale.tag, { dateStyle: 'medium', timeStyle: 'short' });
}
