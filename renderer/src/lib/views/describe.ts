/**
 * What a view shows, in words, for screen readers: the 3-D and contour views are canvases, so
 * each carries this summary (the surface, its minima and saddles, where every run is).
 */
import type { Point } from '../../../../electron/common/schemas';
import { formatTick } from './scale';
import type { ViewSource } from './view-source';

const num = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(3)).toString() : '—');
const points = (list: Point[]) => list.map((p) => `(${num(p[0])}, ${num(p[1])})`).join(', ');

/**
 * One paragraph: `what` ("3-D view", "Contour view"), the surface and its range of loss, its
 * minima and saddles, and each run's start, current point, steps and loss.
 */
export function describeView(
  what: string,
  source: Pick<ViewSource, 'viewGrid' | 'viewRuns' | 'scrubStep'>,
  extra: string[] = [],
): string {
  const grid = source.viewGrid;
  if (!grid) return `${what}: no surface yet.`;
  const [[x0, x1], [y0, y1]] = grid.domain;
  const parts = [
    `${what} of ${grid.info.title}, x from ${num(x0)} to ${num(x1)}, y from ${num(y0)} to ${num(y1)}, loss from ${formatTick(grid.min)} to ${formatTick(grid.max)}.`,
  ];
  if (grid.info.minima.length) parts.push(`Minima (★) at ${points(grid.info.minima)}.`);
  if (grid.info.saddles.length) parts.push(`Saddles (✕) at ${points(grid.info.saddles)}.`);
  for (const run of source.viewRuns) {
    const t = run.trajectory;
    const shown =
      source.scrubStep === undefined ? t.count : Math.min(t.count, source.scrubStep + 1);
    if (shown <= 0) continue;
    const i = shown - 1;
    parts.push(
      `${run.label}: from (${num(t.x(0))}, ${num(t.y(0))}) to (${num(t.x(i))}, ${num(t.y(i))}) in ${i} steps, loss ${formatTick(t.loss(i))}${run.diverged ? ', diverged' : ''}.`,
    );
  }
  return [...parts, ...extra].join(' ');
}
