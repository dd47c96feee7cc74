/**
 * The contour view's base, drawn once per surface (on screen and into exports): the heatmap,
 * the basin map, level lines with their labels, and the axes with ticks and names.
 */
import {
  CONTOUR_LEVELS,
  levelLabels,
  projectTo,
  type BasinOverlay,
  type PlotRect,
} from './contour-layout';
import { levelLines } from './contours';
import { sharedHeatmapTile } from './heatmap';
import { contourLevels, formatTick, niceTicks, type ValueScale } from './scale';
import { CANVAS_FONT, type ViewPalette } from './look';
import type { GridData } from './view-data';

/** The theme's axis colours and presentation mode's type size. */
export interface ContourLook {
  palette: ViewPalette;
  fontScale: number;
}

/** What the base shows: the surface, its colour scale, and what is drawn over the heatmap. */
export interface ContourBase {
  grid: GridData;
  scale: ValueScale;
  /** Whether level lines are drawn. */
  contours: boolean;
  basins: BasinOverlay | undefined;
  look: ContourLook;
}

/** The base in CSS pixels (the caller has set the transform) around a plot rectangle. */
export function paintContourBase(
  ctx: CanvasRenderingContext2D,
  plot: PlotRect,
  base: ContourBase,
): void {
  const { grid, scale, look } = base;
  paintHeatmap(ctx, plot, grid.values, grid.resolution, scale, base);
  drawAxes(ctx, plot, grid, look);
}

/**
 * An n × n grid's heatmap stretched over a plot rectangle (j = 0, the lowest y, at the bottom),
 * the basin map over it, and the level lines with their labels: the contour view's picture
 * without its axes (the experiments' heatmap figures draw it inside a chart's axes).
 */
export function paintHeatmap(
  ctx: CanvasRenderingContext2D,
  plot: PlotRect,
  values: Float32Array,
  n: number,
  scale: ValueScale,
  layers: { contours: boolean; basins?: BasinOverlay },
): void {
  const { x, y, w, h } = plot;
  // Heatmap: one pixel per grid value, j = 0 (y min) at the bottom.
  const tile = sharedHeatmapTile(values, n, scale);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tile, x, y, w, h);

  if (layers.basins) {
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(basinTile(layers.basins), x, y, w, h);
    ctx.imageSmoothingEnabled = true;
  }

  if (layers.contours) {
    const levels = contourLevels(scale, CONTOUR_LEVELS);
    const lines = levelLines(values, n, levels);
    const sx = w / (n - 1);
    const sy = h / (n - 1);
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.38)';
    ctx.beginPath();
    const seg = lines.segments;
    for (let k = 0; k < seg.length; k += 4) {
      ctx.moveTo(x + seg[k] * sx, y + h - seg[k + 1] * sy);
      ctx.lineTo(x + seg[k + 2] * sx, y + h - seg[k + 3] * sy);
    }
    ctx.stroke();
    ctx.font = `10px ${CANVAS_FONT}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const labels = levelLabels(lines, levels, n, plot, (text) => ctx.measureText(text).width);
    for (const label of labels) {
      ctx.fillStyle = 'rgba(15, 19, 32, 0.75)';
      ctx.fillRect(label.x - label.width / 2, label.y - 6, label.width, 12);
      ctx.fillStyle = '#e6eaf3';
      ctx.fillText(label.text, label.x, label.y);
    }
  }
}

/** The basin map as an n × n image, y up (also embedded in SVG exports). */
export function basinTile(basins: BasinOverlay): HTMLCanvasElement {
  const n = basins.resolution;
  const image = new ImageData(n, n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const label = basins.labels[j * n + i];
      const k = 4 * ((n - 1 - j) * n + i);
      const color =
        label >= 0
          ? basins.colors[label % basins.colors.length]
          : label === -2
            ? '#ff3b3b'
            : '#000000';
      const r = parseInt(color.slice(1, 3), 16);
      const g = parseInt(color.slice(3, 5), 16);
      const b = parseInt(color.slice(5, 7), 16);
      image.data[k] = r;
      image.data[k + 1] = g;
      image.data[k + 2] = b;
      image.data[k + 3] = label === -1 ? 150 : 190;
    }
  }
  const tile = document.createElement('canvas');
  tile.width = n;
  tile.height = n;
  tile.getContext('2d')!.putImageData(image, 0, 0);
  return tile;
}

function drawAxes(
  ctx: CanvasRenderingContext2D,
  plot: PlotRect,
  grid: GridData,
  look: ContourLook,
): void {
  const domain = grid.domain;
  const { x, y, w, h } = plot;
  const [[x0, x1], [y0, y1]] = grid.domain;
  const { palette, fontScale } = look;
  ctx.strokeStyle = palette.axis;
  ctx.lineWidth = 1;
  ctx.strokeRect(x, y, w, h);
  ctx.fillStyle = palette.muted;
  ctx.font = `${Math.round(11 * fontScale)}px ${CANVAS_FONT}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of niceTicks(x0, x1, Math.max(2, Math.floor(w / 70)))) {
    const [px] = projectTo(domain, plot, t, y0);
    ctx.beginPath();
    ctx.moveTo(px, y + h);
    ctx.lineTo(px, y + h + 4);
    ctx.stroke();
    ctx.fillText(formatTick(t), px, y + h + 6);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of niceTicks(y0, y1, Math.max(2, Math.floor(h / 50)))) {
    const [, py] = projectTo(domain, plot, x0, t);
    ctx.beginPath();
    ctx.moveTo(x - 4, py);
    ctx.lineTo(x, py);
    ctx.stroke();
    ctx.fillText(formatTick(t), x - 6, py);
  }
  ctx.font = `italic ${Math.round(12 * fontScale)}px ${CANVAS_FONT}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(grid.info.axes?.[0] ?? 'x', x + w / 2, y + h + 34);
  ctx.save();
  ctx.translate(14, y + h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(grid.info.axes?.[1] ?? 'y', 0, 0);
  ctx.restore();
}
