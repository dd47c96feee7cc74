/**
 * What a view shows, in words, for screen readers: the 3-D and contour views are canvases, so
 * each carries this summary (the surface, its minima and saddles, where every run is).
 */
import type { Point } from '../../../../electron/common/schemas';
import { formatTick } from './scale';
import type { ViewSource } from './view-source';
import { t } from '../i18n';

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
  if (!grid) return t('{what}: no surface yet.', { what });
  const [[x0, x1], [y0, y1]] = grid.domain;
  const parts = [
    t('{what} of {title}, x from {x0} to {x1}, y from {y0} to {y1}, loss from {min} to {max}.', {
      what,
      title: grid.info.title,
      x0: num(x0),
      x1: num(x1),
      y0: num(y0),
      y1: num(y1),
      min: formatTick(grid.min),
      max: formatTick(grid.max),
    }),
  ];
  if (grid.info.minima.length)
    parts.push(t('Minima (★) at {points}.', { points: points(grid.info.minima) }));
  if (grid.info.saddles.length)
    parts.push(t('Saddles (✕) at {points}.', { points: points(grid.info.saddles) }));
  for (const run of source.viewRuns) {
    const traj = run.trajectory;
    const shown =
      source.scrubStep === undefined ? traj.count : Math.min(traj.count, source.scrubStep + 1);
    if (shown <= 0) continue;
    const i = shown - 1;
    parts.push(
      t(
        run.diverged
          ? '{run}: from ({x0}, {y0}) to ({x}, {y}) in {steps} steps, loss {loss}, diverged.'
          : '{run}: from ({x0}, {y0}) to ({x}, {y}) in {steps} steps, loss {loss}.',
        {
          run: run.label,
          x0: num(traj.x(0)),
          y0: num(traj.y(0)),
          x: num(traj.x(i)),
          y: num(traj.y(i)),
          steps: i,
          loss: formatTick(traj.loss(i)),
        },
      ),
    );
  }
  return [...parts, ...extra].join(' ');
}
