/**
 * PNG of a view at 1×, 2× or 4× its size on screen, drawn again offscreen at that size (not
 * an upscaled screenshot): the 3-D scene through its own renderer, the contour view with fonts
 * and lines scaled, the curves through a temporary chart at that pixel ratio.
 */
import { CANVAS_FONT } from '../views/look';
import { viewTheme } from '../views/theme.svelte';
import { FrameRenderer } from './frames';
import type { ExportNote } from './overlay-content';
import type { ChartTarget, ExportTargets } from '../views/targets.svelte';
import { backgroundColor, canvasToBlob } from './tasks';
import { ellipsize } from './svg-markup';

/** A view that can be exported as an image. */
export type ImageView = '3d' | 'contour' | 'curves';

export interface PngOptions {
  view: ImageView;
  /** Image size as a multiple of the view's size on screen. @default 1 */
  scale?: number;
  /** Leave the background transparent. @default false */
  transparent?: boolean;
  /** Draw the colour scale and runs (3-D and contour). @default true */
  legend?: boolean;
  /**
   * Draw trajectories up to this step (3-D and contour). @default the replay step on show, or
   * the whole trajectories when there is none
   */
  step?: number;
  /** Curves: one chart's id ('loss', 'lr', …) or 'all' of them side by side. @default 'all' */
  chart?: string;
  /** Presentation notes pinned to the landscape (3-D and contour). @default none */
  notes?: ExportNote[];
}

/** Curves composed side by side: a title over each chart. In CSS pixels. */
const CURVES_PAD = 8;
const CURVES_GAP = 16;
const CURVES_TITLE = 18;

/** The charts an option names. */
export function pickCharts(charts: ChartTarget[], chart = 'all'): ChartTarget[] {
  const picked = chart === 'all' ? charts : charts.filter((c) => c.id === chart);
  if (picked.length === 0) throw new Error('the curves are not on show');
  return picked;
}

/** Layout of charts side by side: each chart's CSS box, and the whole size. */
export function curvesLayout(charts: ChartTarget[]): {
  width: number;
  height: number;
  boxes: { x: number; y: number; width: number; height: number; target: ChartTarget }[];
} {
  let x = CURVES_PAD;
  const height = Math.max(...charts.map((c) => c.chart.chart.height));
  const boxes = charts.map((target) => {
    const box = {
      x,
      y: CURVES_PAD + CURVES_TITLE,
      width: target.chart.chart.width,
      height: target.chart.chart.height,
      target,
    };
    x += box.width + CURVES_GAP;
    return box;
  });
  return {
    width: x - CURVES_GAP + CURVES_PAD,
    height: CURVES_PAD + CURVES_TITLE + height + CURVES_PAD,
    boxes,
  };
}

/** The curves panel (or one chart of it) as an image at `scale` × its size on screen. */
export function curvesImage(
  charts: ChartTarget[],
  options: { scale?: number; transparent?: boolean; chart?: string } = {},
): HTMLCanvasElement {
  const s = options.scale ?? 1;
  const layout = curvesLayout(pickCharts(charts, options.chart));
  const out = document.createElement('canvas');
  out.width = Math.round(layout.width * s);
  out.height = Math.round(layout.height * s);
  const ctx = out.getContext('2d')!;
  if (!options.transparent) {
    ctx.fillStyle = backgroundColor();
    ctx.fillRect(0, 0, out.width, out.height);
  }
  for (const box of layout.boxes) {
    ctx.setTransform(s, 0, 0, s, 0, 0);
    ctx.fillStyle = viewTheme.palette.muted;
    ctx.font = `12px ${CANVAS_FONT}`;
    ctx.textBaseline = 'middle';
    const title = ellipsize(box.target.title, box.width - 8, (t) => ctx.measureText(t).width);
    ctx.fillText(title, box.x, box.y - CURVES_TITLE / 2);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const image = box.target.chart.renderImage(s, { width: box.width, height: box.height });
    ctx.drawImage(image, Math.round(box.x * s), Math.round(box.y * s));
  }
  return out;
}

/** Draws a view offscreen as {@link PngOptions} say. */
export function renderViewImage(targets: ExportTargets, options: PngOptions): HTMLCanvasElement {
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 8)) throw new Error(`scale ${scale} is out of range (0, 8]`);
  if (options.view === 'curves') {
    return curvesImage(targets.charts, {
      scale,
      transparent: options.transparent,
      chart: options.chart,
    });
  }
  const target = options.view === '3d' ? targets.surface : targets.contour;
  if (!target)
    throw new Error(`the ${options.view === '3d' ? '3-D' : 'contour'} view is not on show`);
  const { width, height } = target.view.size;
  const frames = new FrameRenderer(targets, {
    view: options.view,
    width: Math.round(width * scale),
    height: Math.round(height * scale),
    pixelScale: scale,
    transparent: options.transparent,
    legend: options.legend,
    notes: options.notes,
  });
  // The frame renderer goes with this call; its canvas is the image.
  return frames.draw(options.step ?? target.source.scrubStep);
}

/** A view as a PNG file. */
export async function exportPng(targets: ExportTargets, options: PngOptions): Promise<Blob> {
  const canvas = renderViewImage(targets, options);
  try {
    return await canvasToBlob(canvas, 'image/png');
  } finally {
    canvas.width = 0;
    canvas.height = 0;
  }
}
