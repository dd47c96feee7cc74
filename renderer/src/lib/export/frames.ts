/**
 * Frames for exports: the 3-D view, the contour view, or both side by side, drawn offscreen
 * at any size with every trajectory up to a chosen step and the camera turned by a chosen
 * angle. PNG exports draw one frame; video and GIF exports draw one per output frame, offline,
 * however long each takes — never a recording of the screen.
 */
import type { Point } from '../../../../electron/common/schemas';
import type { ContourCanvas } from '../views/contour-canvas';
import type { SurfaceScene } from '../views/surface-scene';
import { viewTheme } from '../views/theme.svelte';
import { drawLegend, drawStepLabel, legendSize } from './legend';
import { drawNote } from './notes';
import { legendRuns, type ExportNote, type LegendContent } from './overlay-content';
import type { ExportTargets, ViewTarget } from '../views/targets.svelte';
import { backgroundColor } from './tasks';

/** Which view a frame shows. */
export type FrameView = '3d' | 'contour' | 'both';

/** What a video and a GIF share: the view, the steps shown over time, the camera, overlays. */
export interface AnimationOptions {
  view: FrameView;
  /** Length in seconds. */
  duration?: number;
  /** First step shown. @default 0 */
  fromStep?: number;
  /** Last step shown. @default the last step of the longest run */
  toStep?: number;
  /** Turn the 3-D camera about the vertical axis over the animation. @default false */
  orbit?: boolean;
  /** Degrees the orbit turns over the whole animation. @default 360 */
  orbitDegrees?: number;
  /** Colour scale and runs over the frame. @default true */
  legend?: boolean;
  /** "step k" in a corner. @default true */
  stepLabel?: boolean;
  /** Presentation notes pinned to the landscape. @default none */
  notes?: ExportNote[];
}

export interface FrameOptions {
  view: FrameView;
  /** Frame width in device pixels. */
  width: number;
  /** Frame height in device pixels. */
  height: number;
  /**
   * Device pixels per CSS pixel: fonts, line widths and markers grow with it, and the views
   * are laid out as if they were width / pixelScale CSS pixels wide. @default framePixelScale(height)
   */
  pixelScale?: number;
  /** Leave the background transparent (PNG). @default false */
  transparent?: boolean;
  /** Draw the colour scale and the runs. @default true */
  legend?: boolean;
  /** Draw "step k" in the bottom-right corner (videos). @default false */
  stepLabel?: boolean;
  /**
   * The frames will be read back pixel by pixel (video, GIF): keep the canvas in main memory,
   * with the 3-D image read into it and the contour base copied by its pixels, on an opaque
   * background (a `transparent` frame still draws them from the GPU).
   */
  readback?: boolean;
  /** Presentation notes pinned to the landscape. @default none */
  notes?: ExportNote[];
  /**
   * Degrees the 3-D camera will turn over the frames: the camera moves back as far as needed
   * to keep the whole surface in every frame. @default 0
   */
  orbitDegrees?: number;
}

/**
 * A pixel scale for a frame `height` device pixels tall. From 540 up, views are laid out as if
 * 540 CSS pixels tall, so a 1080p video has the on-screen proportions of text to plot at twice
 * the size. Below, text shrinks more slowly than the frame (as its square root), so a small
 * GIF keeps both a readable plot and readable labels.
 */
export function framePixelScale(height: number): number {
  return height >= 540 ? height / 540 : Math.sqrt(height / 540);
}

/** The step the longest run of a source has reached (0 when there are none). */
export function lastStep(target: {
  source: { viewRuns: { trajectory: { count: number } }[] };
}): number {
  return Math.max(0, ...target.source.viewRuns.map((r) => r.trajectory.count - 1));
}

/**
 * An animation's frame count, step range and orbit, its rate and length checked against the
 * format's limits (a clear error names what is out of range), and the options of the frames
 * it draws.
 */
export function animationPlan(
  targets: Pick<ExportTargets, 'surface' | 'contour'>,
  options: AnimationOptions & { fps: number; duration: number; width: number; height: number },
  limits: { maxFps: number; maxDuration: number },
): { frames: number; from: number; to: number; orbit: number; frame: FrameOptions } {
  const { fps, duration } = options;
  if (!(fps > 0 && fps <= limits.maxFps)) {
    throw new Error(`frame rate ${fps} is out of range (0, ${limits.maxFps}]`);
  }
  if (!(duration > 0 && duration <= limits.maxDuration)) {
    throw new Error(`duration ${duration} s is out of range (0, ${limits.maxDuration}]`);
  }
  const target = options.view === 'contour' ? targets.contour : targets.surface;
  if (!target) throw new Error('the view is not on show');
  const to = options.toStep ?? lastStep(target);
  const orbit = options.orbit && options.view !== 'contour' ? (options.orbitDegrees ?? 360) : 0;
  return {
    frames: Math.max(1, Math.round(duration * fps)),
    from: Math.min(options.fromStep ?? 0, to),
    to,
    orbit,
    frame: {
      view: options.view,
      width: options.width,
      height: options.height,
      legend: options.legend,
      stepLabel: options.stepLabel ?? true,
      orbitDegrees: orbit,
      notes: options.notes,
    },
  };
}

/**
 * The step frame `index` of `frames` shows, going evenly from `from` to `to` (both included:
 * the first frame shows `from`, the last `to`).
 */
export function frameStep(index: number, frames: number, from: number, to: number): number {
  if (frames <= 1) return to;
  return Math.round(from + ((to - from) * index) / (frames - 1));
}

interface Panel {
  kind: '3d' | 'contour';
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A rectangle in device pixels. */
interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Draws frames of one or two views into a canvas of the requested size. Make one per export,
 * draw as many frames as needed, then dispose it.
 */
export class FrameRenderer {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly panels: Panel[];
  private readonly pixelScale: number;
  private readonly surface: ViewTarget<SurfaceScene> | undefined;
  private readonly contour: ViewTarget<ContourCanvas> | undefined;
  /** The contour view's heatmap, level lines and axes, drawn once per export. */
  private contourBase: HTMLCanvasElement | undefined;
  /** How far the 3-D camera moves back so an orbit keeps the surface in frame. */
  private readonly distanceScale: number;
  /** Where the 3-D image goes in its panel (device pixels): beside or under its legend. */
  private readonly image3d: Rect | undefined;
  /** The contour plot's room kept free for its legend (CSS pixels), a column on the right. */
  private readonly contourReserve = { top: 0, right: 0 };

  constructor(
    targets: Pick<ExportTargets, 'surface' | 'contour'>,
    private readonly options: FrameOptions,
  ) {
    const { view, width, height } = options;
    if (!(width >= 1 && height >= 1)) throw new Error(`a frame of ${width}×${height} is empty`);
    this.surface = view === 'contour' ? undefined : targets.surface;
    this.contour = view === '3d' ? undefined : targets.contour;
    if (view !== 'contour' && !this.surface) throw new Error('the 3-D view is not on show');
    if (view !== '3d' && !this.contour) throw new Error('the contour view is not on show');
    this.pixelScale = options.pixelScale ?? framePixelScale(height);
    const half = Math.round(width / 2);
    this.panels =
      view === 'both'
        ? [
            { kind: '3d', x: 0, y: 0, w: half, h: height },
            { kind: 'contour', x: half, y: 0, w: width - half, h: height },
          ]
        : [{ kind: view, x: 0, y: 0, w: width, h: height }];
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    const ctx = this.canvas.getContext('2d', {
      alpha: true,
      willReadFrequently: options.readback ?? false,
    });
    if (!ctx) throw new Error('no 2-D canvas context for export frames');
    this.ctx = ctx;
    const legend = options.legend ?? true;
    const s = this.pixelScale;
    const panel3d = this.panels.find((p) => p.kind === '3d');
    if (panel3d) {
      // The legend keeps its room: a column on its left in a wide panel, a band above in a
      // narrow one; the surface is rendered in the rest, so the legend never covers it.
      const size = legend ? legendSize(ctx, this.legend3d()) : { width: 0, height: 0 };
      const column = (size.width + 16) * s;
      const band = (size.height + 16) * s;
      this.image3d =
        size.width === 0
          ? { x: 0, y: 0, w: panel3d.w, h: panel3d.h }
          : panel3d.w / panel3d.h >= 1.2 && column < panel3d.w / 2
            ? { x: Math.round(column), y: 0, w: Math.round(panel3d.w - column), h: panel3d.h }
            : { x: 0, y: Math.round(band), w: panel3d.w, h: Math.round(panel3d.h - band) };
    }
    if (legend && view === 'contour') {
      const size = legendSize(ctx, this.legendContour());
      if (size.width > 0) this.contourReserve.right = size.width + 8;
    }
    this.distanceScale =
      this.image3d && options.orbitDegrees
        ? this.surface!.view.orbitDistanceScale(
            this.image3d.w / this.image3d.h,
            options.orbitDegrees,
          )
        : 1;
  }

  private legend3d(): LegendContent {
    return {
      scale: this.surface!.view.valueScale,
      runs: legendRuns(this.surface!.source.viewRuns, true),
    };
  }

  private legendContour(): LegendContent {
    return {
      scale: this.contour!.view.valueScale,
      runs: legendRuns(this.contour!.source.viewRuns),
    };
  }

  /**
   * Draws a frame: every trajectory up to `step` (whole when undefined), the 3-D camera turned
   * by `azimuthOffset` degrees from where it is on screen. Returns the frame's canvas.
   */
  draw(step?: number, azimuthOffset = 0): HTMLCanvasElement {
    const { ctx, canvas, pixelScale: s } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!this.options.transparent) {
      ctx.fillStyle = backgroundColor();
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    }
    const legend = this.options.legend ?? true;
    for (const panel of this.panels) {
      if (panel.kind === '3d') {
        const scene = this.surface!.view;
        const image3d = this.image3d!;
        const t0 = performance.now();
        const snapshot = {
          width: image3d.w,
          height: image3d.h,
          pixelScale: s,
          step,
          azimuthOffset,
          distanceScale: this.distanceScale,
        };
        // Frames read back in main memory take the 3-D image's pixels over an opaque
        // background (see SurfaceScene.snapshotPixels); only the legend and notes go over it.
        if (this.options.readback && !this.options.transparent) {
          const image = scene.snapshotPixels(snapshot, backgroundColor());
          ctx.putImageData(image, panel.x + image3d.x, panel.y + image3d.y);
        } else {
          ctx.drawImage(scene.renderSnapshot(snapshot), panel.x + image3d.x, panel.y + image3d.y);
        }
        performance.measure('losslab:export-3d', { start: t0, end: performance.now() });
        this.drawNotes(panel, (at) => {
          const p = scene.snapshotScreenOf(at[0], at[1], {
            width: image3d.w,
            height: image3d.h,
            azimuthOffset,
            distanceScale: this.distanceScale,
          });
          return p && [(p[0] + image3d.x) / s, (p[1] + image3d.y) / s];
        });
        if (legend) {
          ctx.setTransform(s, 0, 0, s, panel.x, panel.y);
          drawLegend(ctx, this.legend3d(), { x: 8, y: 8, corner: 'left' });
          ctx.setTransform(1, 0, 0, 1, 0, 0);
        }
      } else {
        const view = this.contour!.view;
        const frame = { width: panel.w / s, height: panel.h / s, pixelScale: s };
        const reserve = this.contourReserve;
        if (!this.contourBase) {
          this.contourBase = document.createElement('canvas');
          this.contourBase.width = panel.w;
          this.contourBase.height = panel.h;
          view.paintSnapshot(this.contourBase.getContext('2d')!, frame, {
            overlay: false,
            reserve,
          });
          if (this.options.readback) this.contourBase = inMainMemory(this.contourBase);
        }
        ctx.drawImage(this.contourBase, panel.x, panel.y);
        view.paintSnapshot(
          ctx,
          { ...frame, originX: panel.x, originY: panel.y },
          { base: false, step, reserve },
        );
        const plot = view.plotFor(frame.width, frame.height, reserve);
        this.drawNotes(panel, (at) => {
          const grid = view.gridData;
          if (!grid) return undefined;
          const [[x0, x1], [y0, y1]] = grid.domain;
          if (at[0] < x0 || at[0] > x1 || at[1] < y0 || at[1] > y1) return undefined;
          return [
            plot.x + ((at[0] - x0) / (x1 - x0)) * plot.w,
            plot.y + (1 - (at[1] - y0) / (y1 - y0)) * plot.h,
          ];
        });
        // Side by side, the 3-D panel's legend already names the runs. Alone, the legend
        // stands in the column the plot left free on its right.
        if (legend && this.options.view !== 'both') {
          ctx.setTransform(s, 0, 0, s, panel.x, panel.y);
          drawLegend(ctx, this.legendContour(), {
            x: frame.width - 8,
            y: plot.y,
            corner: 'right',
          });
          ctx.setTransform(1, 0, 0, 1, 0, 0);
        }
      }
    }
    if (this.options.stepLabel && step !== undefined) this.drawStep(step);
    return canvas;
  }

  /** The notes over a panel, each where `place` puts its point (CSS pixels of the panel). */
  private drawNotes(panel: Panel, place: (at: Point) => [number, number] | undefined): void {
    const notes = this.options.notes ?? [];
    if (notes.length === 0) return;
    const { ctx, pixelScale: s } = this;
    ctx.save();
    ctx.beginPath();
    ctx.rect(panel.x, panel.y, panel.w, panel.h);
    ctx.clip();
    ctx.setTransform(s, 0, 0, s, panel.x, panel.y);
    for (const note of notes) {
      const at = place(note.at);
      if (at) drawNote(ctx, note, at, viewTheme.palette);
    }
    ctx.restore();
  }

  /**
   * "step k": at the bottom right of the 3-D panel (an empty corner there), else under the
   * contour view's legend (or, without one, at the bottom left inside the plot).
   */
  private drawStep(step: number): void {
    const { ctx, pixelScale: s } = this;
    const panel = this.panels[0];
    ctx.setTransform(s, 0, 0, s, panel.x, panel.y);
    if (panel.kind === '3d') {
      drawStepLabel(ctx, step, { x: panel.w / s - 8, y: panel.h / s - 30, corner: 'right' });
    } else {
      const plot = this.contour!.view.plotFor(panel.w / s, panel.h / s, this.contourReserve);
      // Under the legend in the column the plot leaves free; without one, in the plot's corner.
      if (this.contourReserve.right > 0) {
        drawStepLabel(ctx, step, { x: panel.w / s - 8, y: plot.y + plot.h - 22, corner: 'right' });
      } else {
        drawStepLabel(ctx, step, { x: plot.x + 8, y: plot.y + plot.h - 30, corner: 'left' });
      }
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }

  /** Frees the frame memory (a 4K frame holds 33 MB). */
  dispose(): void {
    this.contourBase = undefined;
    this.canvas.width = 0;
    this.canvas.height = 0;
  }
}

/**
 * A copy of `canvas` on a canvas in main memory that never drew from the GPU. The contour base
 * draws its heatmap from GPU canvases, and Chromium moves a canvas that draws a GPU image onto
 * the GPU, even one made `willReadFrequently`: the frames it went into went with it, and each
 * was then copied back through the GPU process to be read (250–350 ms a 1080p frame on a
 * software rasterizer). Copied by its pixels, the base keeps the frames in main memory.
 */
function inMainMemory(canvas: HTMLCanvasElement): HTMLCanvasElement {
  const { width, height } = canvas;
  const pixels = canvas.getContext('2d')!.getImageData(0, 0, width, height);
  const copy = document.createElement('canvas');
  copy.width = width;
  copy.height = height;
  copy.getContext('2d', { willReadFrequently: true })!.putImageData(pixels, 0, 0);
  canvas.width = canvas.height = 0;
  return copy;
}
