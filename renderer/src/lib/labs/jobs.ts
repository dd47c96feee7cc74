/**
 * The critical-points lab's requests and the experiments lab's are jobs: each reports progress
 * under its request's id, `job.cancel` with that id stops it, and a cancelled job's request is
 * answered by an error starting "cancelled" — which the page shows as "cancelled", not as a
 * failure. This is the state a job's panel draws, and the few words and numbers it draws with.
 * Plain data, free of Svelte, so the unit tests read it directly.
 */

import { locale, translate, type Language } from '../i18n';

/** Where a job stands; `P` is what its progress messages carry (a partial result). */
export type JobState<T, P = never> =
  | { status: 'idle' }
  | {
      status: 'running';
      /** The engine's request id: what Cancel sends. */
      id: number;
      done: number;
      total: number;
      phase?: string;
      /** Seconds left, as the engine estimates them from its pace so far. */
      eta?: number;
      /**
       * Share of the whole work done, where the engine counts it more finely than `done` of
       * `total` (an experiment counts the epochs of the trainings still going).
       */
      fraction?: number;
      partial?: P;
    }
  | { status: 'done'; value: T }
  | { status: 'cancelled'; partial?: P }
  | { status: 'failed'; message: string };

export const IDLE = { status: 'idle' } as const;

/** Whether an engine error answers a cancelled job (not a failure to show as one). */
export function isCancellation(message: string): boolean {
  return /^cancelled\b/i.test(message.trim());
}

/** Share done of a running job, in [0, 1] (0 while the total is unknown). */
export function fractionDone(job: { done: number; total: number; fraction?: number }): number {
  const share = job.fraction ?? (job.total > 0 ? job.done / job.total : 0);
  return Number.isFinite(share) ? Math.min(1, Math.max(0, share)) : 0;
}

/**
 * Time left for people: "about 40 s left", "about 3 min 5 s left"; "" when the engine has no
 * estimate yet (the first unit of work is not done) or it is not a finite number.
 */
export function formatEta(
  seconds: number | undefined,
  language: Language = locale.current,
): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.max(1, Math.round(seconds));
  const minutes = Math.floor(s / 60);
  const rest = s % 60;
  return minutes > 0
    ? translate(language, 'about {minutes} min {rest} s left', { minutes, rest })
    : translate(language, 'about {s} s left', { s });
}

/**
 * A number as the panels show it: three significant digits, exponent notation for the very
 * large and the very small (eigenvalues run from 1e-7 to 1e3), "–" for none.
 */
export function formatValue(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : v.toPrecision(3);
}

/** A share as a percentage with one decimal: 0.953 → "95.3 %". */
export function formatShare(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(1)} %`;
}

/** Milliseconds for people: "840 ms", "2.4 s", "1 min 12 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
