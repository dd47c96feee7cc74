/**
 * The explorer's part of a session's view state (the renderer's own part of a `.losslab`
 * file), and how it is read back: anyone can write a file, so what does not have the shape
 * expected is left unknown rather than trusted.
 */
import type { RunSettings } from '../../state/optimizers';
import type { CameraPose } from '../../views/view-source';
import type { Language } from './lessons';
import type { ViewSettings } from './types';

/** The explorer's part of a session's view state. */
export interface ExplorerViewState {
  settings?: Partial<ViewSettings>;
  stepsPerFrame?: number;
  /** Run ids in the order shown. */
  order?: string[];
  labels?: Record<string, string>;
  selectedRunId?: string;
  basinsLabel?: string;
  camera?: CameraPose;
  scrubStep?: number;
  /** The lesson on show (its id) and the language of its text. */
  lesson?: string;
  language?: Language;
  /** Each run's settings at its start (see ExplorerRuns.origins). */
  origins?: Record<string, RunSettings>;
  /** The settings each run's own label was given for (see ExplorerRuns.truthfulLabel). */
  labelSettings?: Record<string, string>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The run origins a session's view holds, those that have the shape of settings (the view is
 * the renderer's own part of a file, which anyone can write): the rest are left unknown.
 */
export function savedOrigins(saved: unknown): Record<string, RunSettings> {
  if (!isRecord(saved)) return {};
  const out: Record<string, RunSettings> = {};
  for (const [runId, value] of Object.entries(saved)) {
    if (!isRecord(value) || !isRecord(value.hyper) || !isRecord(value.schedule)) continue;
    if (typeof value.hyper.lr !== 'number' || typeof value.schedule.kind !== 'string') continue;
    out[runId] = value as unknown as RunSettings;
  }
  return out;
}

/** The settings keys a session's view holds for the runs' labels, those that are strings. */
export function savedLabelSettings(saved: unknown): Record<string, string> {
  if (!isRecord(saved)) return {};
  return Object.fromEntries(
    Object.entries(saved).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}
