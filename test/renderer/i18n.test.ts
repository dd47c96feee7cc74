/**
 * The UI in English and Simplified Chinese: no Svelte template shows text that does not go
 * through `t(...)`, every key used has a Chinese entry that is not empty and keeps the key's
 * parameters, the dictionary holds nothing unused, and `t`, `plural`, the number and date
 * formats and the language choice behave as documented.
 */

import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  formatDate,
  formatNumber,
  languageOf,
  LANGUAGE_KEY,
  locale,
  plural,
  t,
  translate,
} from '../../renderer/src/lib/i18n';
import { initialLanguage } from '../../renderer/src/lib/i18n/locale.svelte';
import { zh } from '../../renderer/src/lib/i18n/zh';
import {
  keysInScript,
  keysInSvelte,
  needsTranslation,
  untranslated,
  type KeyUse,
} from '../helpers/ui-strings';

const ROOT = join(import.meta.dirname, '../..');
const SRC = join(ROOT, 'renderer/src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(svelte|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const files = sources(SRC).filter((f) => !f.includes('/lib/i18n/'));
const svelteFiles = files.filter((f) => f.endsWith('.svelte'));
const name = (f: string) => relative(ROOT, f);

/** Every key used, with where. */
const uses = new Map<string, string[]>();
for (const file of files) {
  const source = readFileSync(file, 'utf8');
  const found = file.endsWith('.svelte') ? keysInSvelte(source, file) : keysInScript(source, file);
  for (const k of found.keys as KeyUse[]) {
    uses.set(k.key, [...(uses.get(k.key) ?? []), `${name(file)}:${k.line}`]);
  }
}

const params = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('every UI string goes through t()', () => {
  it.each(svelteFiles.map((f) => [name(f), f]))('%s', (_, file) => {
    const found = untranslated(readFileSync(file, 'utf8')).map(
      (f) => `line ${f.line} (${f.where}): ${JSON.stringify(f.text)}`,
    );
    expect(found).toEqual([]);
  });

  it('the check itself finds text outside t() and lets through what needs none', () => {
    const source = `<script lang="ts">import { t } from './i18n';</script>
<button title="Play the runs">Play</button>
<p aria-label={busy ? 'Computing the Hessian…' : t('Done')}>{t('Step {n}', { n })} of {total}</p>
<span>{t('{kind} run', { kind: net ? 'network' : 'surface' })}</span>
<p>{t('Loss')} θ = ∇²L · 3 px</p><kbd>Space</kbd><code>x**2 + y</code>
<input placeholder={t('Title')} aria-label={x === 'Busy text' ? t('A') : t('B')} />`;
    expect(untranslated(source).map((f) => [f.line, f.where, f.text])).toEqual([
      [2, 'title', 'Play the runs'],
      [2, 'text', 'Play'],
      [3, 'aria-label', 'Computing the Hessian…'],
      [3, 'text', 'of'],
      [4, 'expression', 'network'],
      [4, 'expression', 'surface'],
    ]);
    expect(needsTranslation('Adam η=0.01, SGD · PNG 2×')).toBe(false);
    expect(needsTranslation('Adam with warm-up')).toBe(true);
    expect(needsTranslation('中文')).toBe(false);
    expect(needsTranslation('观察')).toBe(true);
  });
});

describe('the Chinese dictionary', () => {
  it('has every key used in the renderer, none empty, with the same parameters', () => {
    const missing = [...uses].filter(([key]) => !(key in zh)).map(([k, at]) => `${k}  (${at[0]})`);
    expect(missing).toEqual([]);
    const empty = Object.entries(zh).filter(([, v]) => v.trim() === '');
    expect(empty).toEqual([]);
    const wrongParams = Object.entries(zh).filter(
      ([k, v]) => params(k).join() !== params(v).join(),
    );
    expect(wrongParams).toEqual([]);
  });

  it('holds no entry that nothing uses', () => {
    expect(Object.keys(zh).filter((k) => !uses.has(k))).toEqual([]);
  });

  it('is Chinese: every entry of words has Chinese characters', () => {
    const notChinese = Object.entries(zh).filter(
      ([k, v]) => needsTranslation(k) && !/[\u3400-\u9fff]/.test(v),
    );
    expect(notChinese).toEqual([]);
  });
});

describe('t, plural and the formats', () => {
  let saved: 'en' | 'zh';
  beforeEach(() => {
    saved = locale.current;
  });
  afterEach(() => {
    locale.current = saved;
  });

  it('fills parameters and follows the language', () => {
    locale.current = 'en';
    expect(t('Run {n}: {label}', { n: 3, label: 'Adam η=0.01' })).toBe('Run 3: Adam η=0.01');
    locale.current = 'zh';
    expect(t('Run {n}: {label}', { n: 3, label: 'Adam η=0.01' })).toBe('运行 3：Adam η=0.01');
    expect(t('step {step}', { step: 12 })).toBe('第 12 步');
    expect(translate('en', 'Cancel')).toBe('Cancel');
    expect(translate('zh', 'Cancel')).toBe('取消');
    // A key the dictionary lacks shows its English rather than nothing.
    expect(translate('zh', 'no such key {x}', { x: 'y' })).toBe('no such key y');
  });

  it('picks the English plural and the one Chinese form', () => {
    locale.current = 'en';
    expect(plural(1, '{n} run', '{n} runs')).toBe('1 run');
    expect(plural(0, '{n} run', '{n} runs')).toBe('0 runs');
    expect(plural(12_345, '{n} run', '{n} runs')).toBe('12345 runs');
    locale.current = 'zh';
    expect(plural(1, '{n} run', '{n} runs')).toBe('1 个运行');
    expect(plural(2, '{n} run', '{n} runs')).toBe('2 个运行');
  });

  it('formats numbers and dates for the language', () => {
    locale.current = 'en';
    expect(formatNumber(1234)).toBe('1,234');
    expect(formatNumber(1_234_567)).toBe('1,234,567');
    expect(formatNumber(0.125, 2)).toBe('0.13');
    expect(formatNumber(Number.NaN)).toBe('NaN');
    const when = new Date(2026, 11, 7, 21, 5);
    expect(formatDate(when)).toBe('Dec 7, 2026, 9:05 PM');
    locale.current = 'zh';
    expect(formatNumber(1_234_567)).toBe('1,234,567');
    expect(formatDate(when)).toBe('2026年12月7日 21:05');
    expect(formatDate('not a date')).toBe('not a date');
  });
});

describe('the language choice', () => {
  const store = new Map<string, string>();
  beforeEach(() => {
    store.clear();
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
    });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('reads Simplified Chinese tags as zh and everything else as en', () => {
    expect(['zh', 'zh-CN', 'zh-Hans', 'zh_SG', 'ZH-hans-CN'].map(languageOf)).toEqual([
      'zh',
      'zh',
      'zh',
      'zh',
      'zh',
    ]);
    expect(['en-GB', 'de', 'zh-TW', 'zh-Hant-HK', 'zhx', undefined].map(languageOf)).toEqual([
      'en',
      'en',
      'en',
      'en',
      'en',
      'en',
    ]);
  });

  it('starts from the browser languages, then keeps the choice', () => {
    vi.stubGlobal('navigator', { languages: ['fr-FR', 'zh-CN', 'en'], language: 'fr-FR' });
    expect(initialLanguage()).toBe('zh');
    vi.stubGlobal('navigator', { languages: ['de'], language: 'de' });
    expect(initialLanguage()).toBe('en');
    const before = locale.current;
    locale.current = 'zh';
    expect(store.get(LANGUAGE_KEY)).toBe('zh');
    expect(initialLanguage()).toBe('zh');
    locale.current = 'en';
    expect(initialLanguage()).toBe('en');
    locale.current = before;
  });
});
