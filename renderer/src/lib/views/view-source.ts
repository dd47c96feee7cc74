/**
 * What the 3-D and contour views draw, whoever provides it: the explorer (an analytic surface
 * and its runs) or the network lab (a loss landscape and the runs projected onto its plane).
 * Views read the source from context, so the same components serve both.
 */
import { getContext, setContext } from 'svelte';
import type { RunInspection } from '../../../../electron/common/protocol';
import type { Point } from '../../../../electron/common/schemas';
import type { CriticalOverlay, ViewGrid, ViewRun, ViewSettingsLike } from './view-data';

export type { CriticalOverlay, ViewGrid, ViewRun, ViewSettingsLike } from './view-data';

/** Where the 3-D camera looks from: angles in degrees, and its distance from the origin. */
export interface CameraPose {
  azimuth: number;
  elevation: number;
  /** In scene units (the surface spans 2). @default 3.1 */
  distance?: number;
}

/** A camera pose read from a file: its numbers finite, the distance within reach; else none. */
export function cameraPoseFrom(value: unknown): CameraPose | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { azimuth, elevation, distance } = value as Record<string, unknown>;
  if (typeof azimuth !== 'number' || !Number.isFinite(azimuth)) return undefined;
  if (typeof elevation !== 'number' || !Number.isFinite(elevation)) return undefined;
  const pose: CameraPose = { azimuth, elevation: Math.min(89, Math.max(-89, elevation)) };
  if (typeof distance === 'number' && Number.isFinite(distance)) {
    pose.distance = Math.min(20, Math.max(0.5, distance));
  }
  return pose;
}

export interface ViewSource {
  readonly viewGrid: ViewGrid | undefined;
  readonly viewRuns: ViewRun[];
  /** Bumped whenever a trajectory changes. */
  readonly dataVersion: number;
  readonly hoverStep: number | undefined;
  readonly view: ViewSettingsLike;
  readonly inspections: Record<string, RunInspection>;
  readonly cameraVersion: number;
  readonly cameraPose: CameraPose | undefined;
  /**
   * Replay: draw every trajectory only up to this step (its point there is the "current" one);
   * undefined draws them whole.
   */
  readonly scrubStep?: number;
  /** Moves the start point, where the source has one. */
  pick?(point: Point): void;
  /** The Hessian at a point of the surface on show, drawn by both views (where the source has one). */
  readonly critical?: CriticalOverlay;
  /** A click on a trajectory's point: the Hessian at that run's step (where the source can). */
  analyzeRun?(runId: string, step: number): void;
  /** A Shift- or Alt-click on the surface: the Hessian at that point (where the source can). */
  analyzePoint?(point: Point): void;
}

const key = Symbol('view-source');

export function setViewSource(source: ViewSource): ViewSource {
  setContext(key, source);
  return source;
}

export function useViewSource(): ViewSource {
  const source = getContext<ViewSource | undefined>(key);
  if (!source) throw new Error('useViewSource() needs setViewSource() in an ancestor component');
  return source;
}
