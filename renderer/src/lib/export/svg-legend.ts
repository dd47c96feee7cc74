/**
 * What SVG exports draw over a view: the legend (colour bar with its range, each run's colour
 * and name) and presentation notes, laid out as the raster exports lay them out. Pure.
 */
import type { Point } from '../../../../electron/common/schemas';
import type { ViewPalette } from '../views/look';
import { formatTick, type ValueScale } from '../views/scale';
import { legendLabel, viridisColor, type ExportNote, type LegendRun } from './overlay-content';
import { el, esc, num, type TextWidth } from './svg-markup';
import { t } from '../i18n';

/** The legend's box in CSS pixels (0 × 0 when it has nothing to show). */
export function svgLegendSize(
  scale: ValueScale | undefined,
  runs: LegendRun[],
  textWidth: TextWidth,
): { width: number; height: number } {
  if (!scale && runs.length === 0) return { width: 0, height: 0 };
  const innerW = Math.max(
    scale ? 140 : 0,
    ...runs.map((r) => Math.min(240, 1.1 * textWidth(legendLabel(r), 11) + 16)),
  );
  const barBlock = scale ? 7 + 2 * 13 + 4 : 0;
  return { width: innerW + 14, height: barBlock + runs.length * 15 + 14 };
}

/** The legend: colour bar and runs, as SVG, its top corner at (x, y). */
export function svgLegend(
  scale: ValueScale | undefined,
  runs: (LegendRun & { dashed?: boolean })[],
  at: { x: number; y: number; corner: 'left' | 'right' },
  textWidth: TextWidth,
): string {
  if (!scale && runs.length === 0) return '';
  const PAD = 7;
  const BAR_W = 140;
  const ROW = 15;
  const { width: w, height: h } = svgLegendSize(scale, runs, textWidth);
  const left = at.corner === 'left' ? at.x : at.x - w;
  const parts: string[] = [
    el('rect', {
      class: 'legend-box',
      x: left,
      y: at.y,
      width: w,
      height: h,
      rx: 6,
      fill: '#0f1320',
      'fill-opacity': 0.78,
      stroke: '#2a3147',
    }),
  ];
  let y = at.y + PAD;
  if (scale) {
    const stops = Array.from({ length: 11 }, (_, k) =>
      el('stop', { offset: `${k * 10}%`, 'stop-color': viridisColor(k / 10) }),
    );
    parts.push(
      el('defs', {}, el('linearGradient', { id: 'colormap', x1: 0, x2: 1, y1: 0, y2: 0 }, stops)),
      el('rect', {
        class: 'colormap',
        x: left + PAD,
        y,
        width: BAR_W,
        height: 7,
        fill: 'url(#colormap)',
      }),
    );
    y += 9;
    const tick = (x: number, anchor: string, text: string) =>
      el(
        'text',
        { x, y: y + 9, 'text-anchor': anchor, 'font-size': 11, fill: '#a8b3cf' },
        esc(text),
      );
    parts.push(
      tick(left + PAD, 'start', formatTick(scale.min)),
      tick(left + PAD + BAR_W / 2, 'middle', formatTick(scale.invert(0.5))),
      tick(left + PAD + BAR_W, 'end', formatTick(scale.max)),
    );
    y += 13;
    parts.push(
      el(
        'text',
        { x: left + PAD, y: y + 9, 'font-size': 11, fill: '#a8b3cf' },
        scale.log ? t('loss (log)') : t('loss'),
      ),
    );
    y += 17;
  }
  runs.forEach((run, k) => {
    const cy = y + k * ROW + ROW / 2 - 1;
    parts.push(
      run.dashed === undefined
        ? el('circle', { cx: left + PAD + 4, cy, r: 4, fill: run.color })
        : el('line', {
            x1: left + PAD,
            x2: left + PAD + 10,
            y1: cy,
            y2: cy,
            stroke: run.color,
            'stroke-width': 2,
            'stroke-dasharray': run.dashed ? '6 4' : undefined,
          }),
      el(
        'text',
        {
          x: left + PAD + 14,
          y: cy + 4,
          'font-size': 11,
          fill: run.diverged ? '#f87171' : '#e6eaf3',
        },
        esc(legendLabel(run)),
      ),
    );
  });
  return el('g', { id: 'legend' }, parts);
}

/**
 * Presentation notes as SVG: each a text box with an arrow to its point, as on screen and in
 * the raster exports.
 */
export function notesSvg(
  notes: ExportNote[],
  place: (at: Point) => [number, number],
  p: ViewPalette,
  textWidth: TextWidth,
): string {
  const parts = notes.map((note) => {
    const [ax, ay] = place(note.at);
    const bx = ax + note.offset[0];
    const by = ay + note.offset[1];
    const w = 1.1 * textWidth(note.text, 15) + 18;
    const dx = ax - bx;
    const dy = ay - by;
    const length = Math.hypot(dx, dy) || 1;
    const [ux, uy] = [dx / length, dy / length];
    const [tx, ty] = [ax - ux * 6, ay - uy * 6];
    return el('g', { class: 'note' }, [
      length > 8
        ? el('line', {
            x1: bx,
            y1: by,
            x2: tx - ux * 8,
            y2: ty - uy * 8,
            stroke: p.text,
            'stroke-width': 2.5,
          })
        : '',
      length > 8
        ? el('path', {
            d: `M${num(tx)} ${num(ty)}L${num(tx - ux * 10 - uy * 5)} ${num(ty - uy * 10 + ux * 5)}L${num(tx - ux * 10 + uy * 5)} ${num(ty - uy * 10 - ux * 5)}Z`,
            fill: p.text,
          })
        : '',
      el('circle', { cx: ax, cy: ay, r: 4, fill: p.accent, stroke: p.panel }),
      el('rect', {
        x: bx - w / 2,
        y: by - 14,
        width: w,
        height: 28,
        rx: 8,
        fill: p.panel,
        stroke: p.text,
        'stroke-width': 2,
      }),
      el(
        'text',
        { x: bx, y: by + 5, 'text-anchor': 'middle', 'font-size': 15, fill: p.text },
        esc(note.text),
      ),
    ]);
  });
  return el('g', { id: 'notes' }, parts);
}
