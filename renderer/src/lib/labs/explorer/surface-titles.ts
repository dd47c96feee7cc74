/**
 * The built-in surfaces' names in the UI's language. The engine names its presets in English
 * (its messages stay English); the lectures' surfaces get their Chinese here, the classic test
 * functions keep their authors' names (Rosenbrock, Himmelblau, …) in both languages.
 */
import { msg, t } from '../../i18n';

const TRANSLATED = new Set<string>([
  msg('Monkey saddle'),
  msg('Six-hump camel'),
  msg('Elongated bowl'),
  msg('Saddle'),
  msg('Plateau and cliff'),
  msg('Ravine'),
  msg('Shallow and deep minimum'),
  msg('Flat and sharp minimum'),
  msg('Saddle between two valleys'),
  msg('Softmax + cross-entropy'),
  msg('Softmax + MSE'),
]);

/** A preset's title as the page shows it. */
export function surfaceTitle(title: string): string {
  return TRANSLATED.has(title) ? t(title) : title;
}
