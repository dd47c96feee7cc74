/**
 * What exports draw over a view besides the view itself: the legend (the colour map's range,
 * each run's colour and name) and presentation notes. Plain data and colours, free of the DOM,
 * shared by the raster and the SVG exports.
 */
import { viridis } from '../views/palette';
import type { ValueScale } from '../views/scale';
import type { ViewRun } from '../views/view-data';
import { t } from '../i18n';

export interface LegendRun {
  label: string;
  color: string;
  diverged?: boolean;
}

export interface LegendContent {
  /** The colour map's scale; no colour bar when undefined. */
  scale?: ValueScale;
  runs: LegendRun[];
}

/** The legend's runs from a view source's runs (only those on the surface, for the 3-D view). */
export function legendRuns(runs: ViewRun[], onSurfaceOnly = false): LegendRun[] {
  return runs
    .filter((r) => !onSurfaceOnly || r.onSurface)
    .map((r) => ({ label: r.label, color: r.color, diverged: r.diverged }));
}

/** CSS colour of the colour map at t ∈ [0, 1]. */
export function viridisColor(t: number): string {
  const rgb = [0, 0, 0];
  viridis(t, rgb);
  return `rgb(${Math.round(rgb[0] * 255)}, ${Math.round(rgb[1] * 255)}, ${Math.round(rgb[2] * 255)})`;
}

/** A run's line in the legend: its label, saying so when it diverged. */
export const legendLabel = (run: LegendRun) =>
  run.diverged ? t('{label} — diverged', { label: run.label }) : run.label;

export type { ExportNote } from '../views/view-data';
