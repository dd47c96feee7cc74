/**
 * The 2-D contour view: a top-down heatmap of the loss with level lines and labelled axes
 * (drawn once per surface on a base canvas), and the runs on an overlay canvas redrawn per
 * frame: trajectories, current points, minima and saddles, the hovered step, step-mode arrows
 * and the basin map. Replay draws each trajectory up to a step. Exports draw with the same
 * code into a canvas of any size ({@link ContourCanvas.paintSnapshot}).
 */
import type { Point } from '../../../../electron/common/schemas';
import { basinTile, paintContourBase, type ContourLook } from './contour-base';
import {
  plotRect,
  projectTo,
  type BasinOverlay,
  type ContourFrame,
  type OverlayState,
  type PlotRect,
  type PlotReserve,
} from './contour-layout';
import { paintContourOverlay } from './contour-overlay';
import { pickTrajectoryPoint } from './critical-geometry';
import type { ValueScale } from './scale';
import { PALETTES, type ViewPalette } from './look';
import type { GridData } from './view-data';

/** What a click on the plot asks for, beside moving the start (each only where the source can). */
export interface ContourClicks {
  /** A click on a point of a trajectory drawn: that run's step. */
  trajectory?(runId: string, step: number): void;
  /** A Shift- or Alt-click anywhere on the plot: that point of the surface. */
  point?(point: Point): void;
}

export class ContourCanvas {
  readonly base: HTMLCanvasElement;
  readonly overlay: HTMLCanvasElement;
  private grid: GridData | undefined;
  private look: ContourLook = {
    palette: PALETTES.dark,
    fontScale: 1,
  };
  private scale: ValueScale | undefined;
  private showContours = true;
  private basins: BasinOverlay | undefined;
  private state: OverlayState | undefined;
  private width = 0;
  private height = 0;
  private dpr = 1;
  /** Plot rectangle in CSS pixels, the domain letterboxed at equal scale on both axes. */
  private plot: PlotRect = { x: 0, y: 0, w: 1, h: 1 };
  private frameRequested = false;
  private readonly resizeObserver: ResizeObserver;
  private reserve: PlotReserve = { top: 0, right: 0 };
  /** What clicks on the plot ask for besides moving the start (the source's, set by the view). */
  clicks: ContourClicks = {};
  /** Milliseconds the last overlay draw took. */
  lastDrawMs = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly onPick: (point: Point, phase: 'start' | 'move' | 'end') => void,
    /** Told the plot rectangle (CSS pixels) whenever the layout changes. */
    private readonly onLayout: (plot: PlotRect) => void = () => undefined,
  ) {
    this.base = document.createElement('canvas');
    this.overlay = document.createElement('canvas');
    for (const c of [this.base, this.overlay]) {
      c.style.position = 'absolute';
      c.style.inset = '0';
      c.style.width = '100%';
      c.style.height = '100%';
      container.appendChild(c);
    }
    this.overlay.style.cursor = 'crosshair';
    this.overlay.addEventListener('pointerdown', this.pointerDown);
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();
    // Text drawn before the bundled font arrived used a fallback: draw it again once it has.
    void document.fonts?.ready.then(() => {
      this.drawBase();
      this.requestDraw();
    });
  }

  /**
   * A press on the plot. Shift- or Alt-click: the source's `point` (the Hessian there). On a
   * trajectory point: a click is the source's `trajectory` (that run's step), a drag from it
   * still moves the start. Elsewhere: the press and the drag move the start, as always.
   */
  private readonly pointerDown = (event: PointerEvent) => {
    if (event.button !== 0) return;
    const point = this.toDomain(event.offsetX, event.offsetY);
    if (!point) return;
    if ((event.shiftKey || event.altKey) && this.clicks.point) {
      event.preventDefault();
      this.clicks.point(point);
      return;
    }
    const hit =
      this.clicks.trajectory && this.state && this.grid
        ? pickTrajectoryPoint(
            this.state.runs,
            this.grid.domain,
            this.plot,
            event.offsetX,
            event.offsetY,
            this.state.scrubStep,
          )
        : undefined;
    this.overlay.setPointerCapture(event.pointerId);
    let dragging = !hit;
    if (dragging) this.onPick(point, 'start');
    const move = (e: PointerEvent) => {
      if (!dragging) {
        if (Math.hypot(e.offsetX - event.offsetX, e.offsetY - event.offsetY) < 4) return;
        dragging = true;
        this.onPick(point, 'start');
      }
      const p = this.toDomain(e.offsetX, e.offsetY, true);
      if (p) this.onPick(p, 'move');
    };
    const up = (e: PointerEvent) => {
      this.overlay.removeEventListener('pointermove', move);
      this.overlay.removeEventListener('pointerup', up);
      if (!dragging && hit) {
        this.clicks.trajectory?.(hit.runId, hit.step);
        return;
      }
      const p = this.toDomain(e.offsetX, e.offsetY, true);
      if (p) this.onPick(p, 'end');
    };
    this.overlay.addEventListener('pointermove', move);
    this.overlay.addEventListener('pointerup', up);
  };

  setGrid(grid: GridData, scale: ValueScale, showContours: boolean): void {
    this.grid = grid;
    this.scale = scale;
    this.showContours = showContours;
    this.layout();
    this.drawBase();
    this.requestDraw();
  }

  /** The theme's axis colours and presentation mode's type size; redraws the base. */
  setLook(palette: ViewPalette, fontScale: number): void {
    if (this.look.palette === palette && this.look.fontScale === fontScale) return;
    this.look = { palette, fontScale };
    this.drawBase();
  }

  setBasins(basins: BasinOverlay | undefined): void {
    this.basins = basins;
    this.drawBase();
  }

  setOverlay(state: OverlayState): void {
    this.state = state;
    this.requestDraw();
  }

  /** The view's size in CSS pixels. */
  get size(): { width: number; height: number } {
    return { width: this.width, height: this.height };
  }

  /** The grid on show. */
  get gridData(): GridData | undefined {
    return this.grid;
  }

  /** The value scale of the heatmap and level lines. */
  get valueScale(): ValueScale | undefined {
    return this.scale;
  }

  /** Whether level lines are drawn. */
  get contoursShown(): boolean {
    return this.showContours;
  }

  /** What the overlay draws: runs, settings, replay step. */
  get overlayState(): OverlayState | undefined {
    return this.state;
  }

  /** The basin map on show, if any. */
  get basinOverlay(): BasinOverlay | undefined {
    return this.basins;
  }

  /**
   * Draws the view into `ctx` for an export, as {@link ContourFrame} says: fonts, line widths
   * and markers scale with `pixelScale`, the layout follows the frame's CSS size. The base
   * (heatmap, level lines, basins, axes), the overlay (critical points and the runs, each up
   * to `step`; the hovered step left out) or both; nothing is cleared first.
   */
  paintSnapshot(
    ctx: CanvasRenderingContext2D,
    frame: ContourFrame,
    options: { base?: boolean; overlay?: boolean; step?: number; reserve?: PlotReserve } = {},
  ): void {
    const plot = this.plotFor(frame.width, frame.height, options.reserve);
    ctx.save();
    ctx.setTransform(
      frame.pixelScale,
      0,
      0,
      frame.pixelScale,
      frame.originX ?? 0,
      frame.originY ?? 0,
    );
    if (options.base !== false) this.paintBase(ctx, plot);
    if (options.overlay !== false && this.state) {
      const reserve = options.reserve ?? this.reserve;
      const room = {
        x: 0,
        y: reserve.top,
        w: frame.width - reserve.right,
        h: frame.height - reserve.top,
      };
      this.paintOverlay(ctx, plot, { ...this.state, hoverStep: undefined }, options.step, room);
    }
    ctx.restore();
  }

  /**
   * Keeps room free of the plot for overlays (see {@link PlotReserve}); the plot shrinks or
   * moves, and the view is laid out and drawn again.
   */
  setReserve(reserve: PlotReserve): void {
    if (reserve.top === this.reserve.top && reserve.right === this.reserve.right) return;
    this.reserve = { ...reserve };
    this.layout();
    this.drawBase();
    this.requestDraw();
  }

  /** The room kept free of the plot on screen. */
  get plotReserve(): PlotReserve {
    return { ...this.reserve };
  }

  /**
   * The plot rectangle for a view of `width` × `height` CSS pixels, keeping `reserve` free
   * (by default the room kept on screen).
   */
  plotFor(width: number, height: number, reserve: PlotReserve = this.reserve): PlotRect {
    return plotRect(width, height, this.grid?.domain, reserve);
  }

  /** Domain coordinates of a CSS-pixel position in the plot, or undefined outside it. */
  toDomain(px: number, py: number, clamp = false): Point | undefined {
    const grid = this.grid;
    if (!grid) return undefined;
    const { x, y, w, h } = this.plot;
    let u = (px - x) / w;
    let v = 1 - (py - y) / h;
    if (!clamp && (u < 0 || u > 1 || v < 0 || v > 1)) return undefined;
    u = Math.min(1, Math.max(0, u));
    v = Math.min(1, Math.max(0, v));
    const [[x0, x1], [y0, y1]] = grid.domain;
    return [x0 + u * (x1 - x0), y0 + v * (y1 - y0)];
  }

  /** CSS-pixel position of domain coordinates (may lie outside the plot). */
  toScreen(px: number, py: number): [number, number] {
    return this.project(this.plot, px, py);
  }

  /** Position of domain coordinates in a plot rectangle. */
  private project(plot: PlotRect, px: number, py: number): [number, number] {
    return projectTo(this.grid!.domain, plot, px, py);
  }

  private resize(): void {
    const { clientWidth: w, clientHeight: h } = this.container;
    if (w === 0 || h === 0) return;
    this.width = w;
    this.height = h;
    this.dpr = Math.min(window.devicePixelRatio || 1, 2);
    for (const c of [this.base, this.overlay]) {
      c.width = Math.round(w * this.dpr);
      c.height = Math.round(h * this.dpr);
    }
    this.layout();
    this.drawBase();
    this.requestDraw();
  }

  private layout(): void {
    this.plot = this.plotFor(this.width, this.height);
    const { x, y, w, h } = this.plot;
    this.container.dataset.plot = [x, y, w, h].map((v) => v.toFixed(1)).join(',');
    this.onLayout({ ...this.plot });
  }

  /** The plot rectangle on screen, in CSS pixels of the view. */
  get plotRect(): PlotRect {
    return { ...this.plot };
  }

  /** Heatmap, level lines with labels, basins, axes: everything that changes with the surface. */
  private drawBase(): void {
    const ctx = this.base.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    this.paintBase(ctx, this.plot);
  }

  requestDraw(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      const t0 = performance.now();
      this.drawOverlay();
      this.lastDrawMs = performance.now() - t0;
      performance.measure('losslab:draw-contour', { start: t0, end: t0 + this.lastDrawMs });
    });
  }

  /** Draws the overlay now (exports call this before reading the canvas). */
  drawOverlay(): void {
    const ctx = this.overlay.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    const room = {
      x: 0,
      y: this.reserve.top,
      w: this.width - this.reserve.right,
      h: this.height - this.reserve.top,
    };
    if (this.state) this.paintOverlay(ctx, this.plot, this.state, this.state.scrubStep, room);
  }

  /** The base in CSS pixels (the caller has set the transform) around a plot rectangle. */
  private paintBase(ctx: CanvasRenderingContext2D, plot: PlotRect): void {
    if (!this.grid || !this.scale) return;
    paintContourBase(ctx, plot, {
      grid: this.grid,
      scale: this.scale,
      contours: this.showContours,
      basins: this.basins,
      look: this.look,
    });
  }

  /** The basin map as an n × n image, y up (also embedded in SVG exports). */
  basinTile(): HTMLCanvasElement {
    return basinTile(this.basins!);
  }

  /**
   * The runs in CSS pixels (the caller has set the transform), each trajectory up to `step`
   * (its current point there) or whole when undefined; step labels within `room`.
   */
  private paintOverlay(
    ctx: CanvasRenderingContext2D,
    plot: PlotRect,
    state: OverlayState,
    step: number | undefined,
    room: PlotRect,
  ): void {
    if (!this.grid) return;
    const layout = paintContourOverlay(ctx, plot, this.grid, state, step, room);
    if (ctx.canvas === this.overlay) {
      this.container.dataset.stepLabels = JSON.stringify(layout.steps);
      const critical = layout.critical;
      // What the Hessian's picture drew (tests read it): θ, the arrows, labels and level lines.
      if (critical) {
        this.container.dataset.critical = JSON.stringify({
          at: critical.at,
          arrows: critical.arrows.map((a) => ({
            index: a.index,
            from: a.from,
            to: a.to,
            color: a.color,
            dashed: a.dashed,
          })),
          labels: critical.labels.map((l) => l.text),
          levels: critical.levels.map((l) => ({ side: l.side, segments: l.segments.length / 4 })),
          patch: critical.patch,
        });
      } else delete this.container.dataset.critical;
    }
  }

  dispose(): void {
    this.resizeObserver.disconnect();
    this.overlay.removeEventListener('pointerdown', this.pointerDown);
    this.base.remove();
    this.overlay.remove();
  }
}
