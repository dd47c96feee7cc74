/**
 * The 2-D contour view: a top-down heatmap of the loss with level lines and labelled axes
 * (drawn once per surface on a base canvas), and the runs on an overlay canvas redrawn per
 * frame: trajectories, current points, minima and saddles, the hovered step, step-mode arrows
 * and the basin map. Replay draws each trajectory up to a step. Exports draw with the same
 * code into a canvas of any size ({@link ContourCanvas.paintSnapshot}).
 */
import type { RunInspection, SurfaceInfo } from '../../../../electron/common/protocol';
import type { Point } from '../../../../electron/common/schemas';
import { marchingSquares, type ContourLines } from './contours';
import { heatmapTile } from './heatmap';
import { placeLabel } from './placement';
import { contourLevels, formatTick, niceTicks, type ValueScale } from './scale';
import { CANVAS_FONT, PALETTES, type ViewPalette } from './theme.svelte';
import type { GridData, TrajectoryView } from './view-data';

export interface ContourRun {
  runId: string;
  color: string;
  trajectory: TrajectoryView;
}

export interface BasinOverlay {
  resolution: number;
  /** Per start: index of the minimum reached, −1 none, −2 diverged; row-major, y slow. */
  labels: Int16Array;
  colors: string[];
}

export interface OverlayState {
  runs: ContourRun[];
  hoverStep: number | undefined;
  inspections: Record<string, RunInspection>;
  stepMode: boolean;
  /** Line width multiplier (presentation mode draws thicker). */
  lineScale: number;
  /** Replay: draw each trajectory up to this step (its current point there). */
  scrubStep?: number;
}

/** The plot rectangle in CSS pixels. */
export interface PlotRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Where and how large to draw the view (exports): as if it were `width` × `height` CSS pixels,
 * each `pixelScale` device pixels wide, starting at (`originX`, `originY`) device pixels.
 */
export interface ContourFrame {
  width: number;
  height: number;
  pixelScale: number;
  /** @default 0 */
  originX?: number;
  /** @default 0 */
  originY?: number;
}

const MARGIN = { left: 52, right: 12, top: 12, bottom: 40 };
export const CONTOUR_LEVELS = 14;

/**
 * Room kept free of the plot, in CSS pixels, beyond the axes' own margins: the colour bar's
 * column on the right, a band of controls at the top. Overlays sit there, never on the data.
 */
export interface PlotReserve {
  top: number;
  right: number;
}

/** Where a step-mode label box and its run's arrows were drawn (CSS pixels), for tests. */
export interface StepLabelLayout {
  box: PlotRect;
  arrows: [number, number, number, number][];
}

/** Colours of the critical points: achromatic, so no run's colour can be mistaken for one. */
export const MARKER_COLORS = { minimum: '#ffffff', saddle: '#0f1320', outline: '#0f1320' };

export class ContourCanvas {
  readonly base: HTMLCanvasElement;
  readonly overlay: HTMLCanvasElement;
  private grid: GridData | undefined;
  private look: { palette: ViewPalette; fontScale: number } = {
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

  private readonly pointerDown = (event: PointerEvent) => {
    if (event.button !== 0) return;
    const point = this.toDomain(event.offsetX, event.offsetY);
    if (!point) return;
    this.overlay.setPointerCapture(event.pointerId);
    this.onPick(point, 'start');
    const move = (e: PointerEvent) => {
      const p = this.toDomain(e.offsetX, e.offsetY, true);
      if (p) this.onPick(p, 'move');
    };
    const up = (e: PointerEvent) => {
      this.overlay.removeEventListener('pointermove', move);
      this.overlay.removeEventListener('pointerup', up);
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
    const grid = this.grid;
    const left = MARGIN.left;
    const top = MARGIN.top + reserve.top;
    const availW = Math.max(1, width - left - MARGIN.right - reserve.right);
    const availH = Math.max(1, height - top - MARGIN.bottom);
    if (!grid) return { x: left, y: top, w: availW, h: availH };
    const [[x0, x1], [y0, y1]] = grid.domain;
    const aspect = (x1 - x0) / (y1 - y0);
    let w = availW;
    let h = w / aspect;
    if (h > availH) {
      h = availH;
      w = h * aspect;
    }
    return { x: left + (availW - w) / 2, y: top + (availH - h) / 2, w, h };
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
    const grid = this.grid!;
    const [[x0, x1], [y0, y1]] = grid.domain;
    const { x, y, w, h } = plot;
    return [x + ((px - x0) / (x1 - x0)) * w, y + (1 - (py - y0) / (y1 - y0)) * h];
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

  /** The base in CSS pixels (the caller has set the transform) around a plot rectangle. */
  private paintBase(ctx: CanvasRenderingContext2D, plot: PlotRect): void {
    const grid = this.grid;
    const scale = this.scale;
    if (!grid || !scale) return;
    const n = grid.resolution;
    const { x, y, w, h } = plot;

    // Heatmap: one pixel per grid value, j = 0 (y min) at the bottom.
    const tile = heatmapTile(grid.values, n, scale);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tile, x, y, w, h);

    if (this.basins) this.drawBasins(ctx, plot);

    if (this.showContours) {
      const levels = contourLevels(scale, CONTOUR_LEVELS);
      const lines = marchingSquares(grid.values, n, levels);
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

    this.drawAxes(ctx, plot);
  }

  private drawBasins(ctx: CanvasRenderingContext2D, plot: PlotRect): void {
    const { x, y, w, h } = plot;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.basinTile(), x, y, w, h);
    ctx.imageSmoothingEnabled = true;
  }

  /** The basin map as an n × n image, y up (also embedded in SVG exports). */
  basinTile(): HTMLCanvasElement {
    const basins = this.basins!;
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

  private drawAxes(ctx: CanvasRenderingContext2D, plot: PlotRect): void {
    const grid = this.grid!;
    const { x, y, w, h } = plot;
    const [[x0, x1], [y0, y1]] = grid.domain;
    const { palette, fontScale } = this.look;
    ctx.strokeStyle = palette.axis;
    ctx.lineWidth = 1;
    ctx.strokeRect(x, y, w, h);
    ctx.fillStyle = palette.muted;
    ctx.font = `${Math.round(11 * fontScale)}px ${CANVAS_FONT}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of niceTicks(x0, x1, Math.max(2, Math.floor(w / 70)))) {
      const [px] = this.project(plot, t, y0);
      ctx.beginPath();
      ctx.moveTo(px, y + h);
      ctx.lineTo(px, y + h + 4);
      ctx.stroke();
      ctx.fillText(formatTick(t), px, y + h + 6);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of niceTicks(y0, y1, Math.max(2, Math.floor(h / 50)))) {
      const [, py] = this.project(plot, x0, t);
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

  /**
   * The runs in CSS pixels (the caller has set the transform), each trajectory up to `step`
   * (its current point there) or whole when undefined.
   */
  private paintOverlay(
    ctx: CanvasRenderingContext2D,
    plot: PlotRect,
    state: OverlayState,
    step: number | undefined,
    room: PlotRect,
  ): void {
    const grid = this.grid;
    if (!grid) return;
    const { x, y, w, h } = plot;
    const at = (px: number, py: number) => this.project(plot, px, py);
    const steps: StepArrows[] = [];
    ctx.save();
    ctx.beginPath();
    ctx.rect(x - 8, y - 8, w + 16, h + 16);
    ctx.clip();

    this.drawCriticalPoints(ctx, grid.info, plot);
    const [[x0, x1], [y0, y1]] = grid.domain;
    const ax = w / (x1 - x0);
    const ay = h / (y1 - y0);
    const lw = state.lineScale;

    for (const run of state.runs) {
      const t = run.trajectory;
      const count = step === undefined ? t.count : Math.min(t.count, step + 1);
      if (count <= 0) continue;
      ctx.strokeStyle = run.color;
      ctx.lineWidth = 2 * lw;
      ctx.lineJoin = 'round';
      ctx.beginPath();
      // One vertex per pixel at most: a 10,000-step run costs what its visible path costs.
      let lastX = NaN;
      let lastY = NaN;
      const pts = t.points;
      for (let i = 0; i < count; i++) {
        const px = x + (pts[3 * i] - x0) * ax;
        const py = y + h - (pts[3 * i + 1] - y0) * ay;
        if (i > 0 && i < count - 1 && Math.abs(px - lastX) < 0.75 && Math.abs(py - lastY) < 0.75)
          continue;
        if (i === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
        lastX = px;
        lastY = py;
      }
      ctx.stroke();
      // Start (hollow) and current point (filled).
      const [sx, sy] = at(t.x(0), t.y(0));
      ctx.lineWidth = 1.5 * lw;
      ctx.beginPath();
      ctx.arc(sx, sy, 4 * lw, 0, 2 * Math.PI);
      ctx.stroke();
      const [cx, cy] = at(t.x(count - 1), t.y(count - 1));
      ctx.fillStyle = run.color;
      ctx.beginPath();
      ctx.arc(cx, cy, 5 * lw, 0, 2 * Math.PI);
      ctx.fill();
      ctx.strokeStyle = '#0f1320';
      ctx.lineWidth = 1.5;
      ctx.stroke();

      const hover = state.hoverStep;
      if (hover !== undefined && hover < count) {
        const [hx, hy] = at(t.x(hover), t.y(hover));
        ctx.strokeStyle = '#ffffff';
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(hx, hy, 8, 0, 2 * Math.PI);
        ctx.stroke();
      }

      const inspection = state.stepMode ? state.inspections[run.runId] : undefined;
      if (inspection && inspection.step === count - 1 && count === t.count)
        steps.push(this.drawArrows(ctx, plot, run, inspection, t));
    }
    ctx.restore();
    // The numbers go last, each box where it covers no arrow, no current point and no other
    // box: in the plot near its point, or in the view's free room beside it (a flat domain
    // leaves little height in the plot) with a line to its point.
    const layout = this.drawStepLabels(ctx, room, steps);
    if (ctx.canvas === this.overlay) {
      this.container.dataset.stepLabels = JSON.stringify(layout);
    }
  }

  /** Places and draws step mode's label boxes within `plot` (the room); returns where they went. */
  private drawStepLabels(
    ctx: CanvasRenderingContext2D,
    plot: PlotRect,
    steps: StepArrows[],
  ): StepLabelLayout[] {
    if (steps.length === 0) return [];
    ctx.font = '12px ui-monospace, monospace';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    const segments = steps.flatMap((s) => s.arrows);
    const points = steps.map((s) => s.at);
    const placed: PlotRect[] = [];
    const layout: StepLabelLayout[] = [];
    for (const step of steps) {
      const w = Math.max(...step.labels.map(([, text]) => ctx.measureText(text).width)) + 12;
      const h = step.labels.length * 16 + 8;
      const box = placeLabel(step.at, w, h, plot, segments, points, placed);
      placed.push(box);
      const [px, py] = step.at;
      const nx = Math.min(box.x + box.w, Math.max(box.x, px));
      const ny = Math.min(box.y + box.h, Math.max(box.y, py));
      if (Math.hypot(nx - px, ny - py) > 12) {
        ctx.strokeStyle = step.color;
        ctx.lineWidth = 1;
        ctx.setLineDash([2, 3]);
        ctx.beginPath();
        ctx.moveTo(nx, ny);
        ctx.lineTo(px, py);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      ctx.fillStyle = 'rgba(15, 19, 32, 0.85)';
      ctx.fillRect(box.x, box.y, box.w, box.h);
      ctx.strokeStyle = step.color;
      ctx.lineWidth = 1;
      ctx.strokeRect(box.x + 0.5, box.y + 0.5, box.w - 1, box.h - 1);
      step.labels.forEach(([color, text], k) => {
        ctx.fillStyle = color;
        ctx.fillText(text, box.x + 6, box.y + 5 + 16 * k);
      });
      layout.push({ box, arrows: step.arrows });
    }
    return layout;
  }

  private drawCriticalPoints(
    ctx: CanvasRenderingContext2D,
    info: SurfaceInfo,
    plot: PlotRect,
  ): void {
    for (const [mx, my] of info.minima) {
      const [px, py] = this.project(plot, mx, my);
      ctx.fillStyle = MARKER_COLORS.minimum;
      ctx.strokeStyle = MARKER_COLORS.outline;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      // A star: the minimum.
      for (let k = 0; k < 10; k++) {
        const r = k % 2 === 0 ? 7 : 3;
        const a = -Math.PI / 2 + (k * Math.PI) / 5;
        ctx.lineTo(px + r * Math.cos(a), py + r * Math.sin(a));
      }
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
    }
    for (const [sx, sy] of info.saddles) {
      const [px, py] = this.project(plot, sx, sy);
      const cross = () => {
        ctx.beginPath();
        ctx.moveTo(px - 6, py - 6);
        ctx.lineTo(px + 6, py + 6);
        ctx.moveTo(px + 6, py - 6);
        ctx.lineTo(px - 6, py + 6);
        ctx.stroke();
      };
      // Dark on a light halo: unlike the white ★ and unlike every run's colour.
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 5;
      cross();
      ctx.strokeStyle = MARKER_COLORS.saddle;
      ctx.lineWidth = 2.5;
      cross();
    }
  }

  /**
   * Step mode: at the current point, the step just taken (solid, from the previous point),
   * −η∇L (where plain gradient descent would go next, dashed white) and the momentum or first
   * moment −η·b (dashed, run colour), each with its numbers.
   */
  private drawArrows(
    ctx: CanvasRenderingContext2D,
    plot: PlotRect,
    run: ContourRun,
    inspection: RunInspection,
    t: TrajectoryView,
  ): StepArrows {
    const i = t.count - 1;
    const [cx, cy] = [t.x(i), t.y(i)];
    const eta = t.lr[i];
    const labels: [string, string][] = [];
    const arrows: [number, number, number, number][] = [];
    const arrow = (
      dx: number,
      dy: number,
      color: string,
      dashed: boolean,
      from?: [number, number],
    ) => {
      const [ox, oy] = from ?? [cx, cy];
      const [px, py] = this.project(plot, ox, oy);
      let [qx, qy] = this.project(plot, ox + dx, oy + dy);
      // Keep arrows visible: at least 10 px, at most 40% of the plot.
      const len = Math.hypot(qx - px, qy - py);
      if (!(len > 0)) return;
      const maxLen = 0.4 * Math.min(plot.w, plot.h);
      const scaled = Math.min(maxLen, Math.max(10, len));
      qx = px + ((qx - px) / len) * scaled;
      qy = py + ((qy - py) / len) * scaled;
      arrows.push([px, py, qx, qy]);
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 2.5;
      ctx.setLineDash(dashed ? [5, 4] : []);
      ctx.beginPath();
      ctx.moveTo(px, py);
      ctx.lineTo(qx, qy);
      ctx.stroke();
      ctx.setLineDash([]);
      const a = Math.atan2(qy - py, qx - px);
      ctx.beginPath();
      ctx.moveTo(qx, qy);
      ctx.lineTo(qx - 9 * Math.cos(a - 0.4), qy - 9 * Math.sin(a - 0.4));
      ctx.lineTo(qx - 9 * Math.cos(a + 0.4), qy - 9 * Math.sin(a + 0.4));
      ctx.closePath();
      ctx.fill();
    };
    const [sx, sy] = inspection.lastStep;
    if (sx !== 0 || sy !== 0) {
      arrow(sx, sy, run.color, false, [cx - sx, cy - sy]);
      labels.push([run.color, `Δθ = (${fmt(sx)}, ${fmt(sy)})`]);
    }
    const [gx, gy] = inspection.grad;
    arrow(-eta * gx, -eta * gy, '#ffffff', true);
    labels.push(['#ffffff', `∇L = (${fmt(gx)}, ${fmt(gy)})`]);
    const moment = inspection.buffers.b ?? inspection.buffers.m;
    if (moment && (moment[0] !== 0 || moment[1] !== 0)) {
      arrow(-eta * moment[0], -eta * moment[1], run.color, true);
      labels.push([
        run.color,
        `${inspection.buffers.b ? 'b' : 'm'} = (${fmt(moment[0])}, ${fmt(moment[1])})`,
      ]);
    }
    const [ex, ey] = inspection.effectiveStep;
    labels.push(['#a8b3cf', `η/σ = (${fmt(ex)}, ${fmt(ey)})`]);
    return { at: this.project(plot, cx, cy), color: run.color, labels, arrows };
  }

  dispose(): void {
    this.resizeObserver.disconnect();
    this.overlay.removeEventListener('pointerdown', this.pointerDown);
    this.base.remove();
    this.overlay.remove();
  }
}

/** A level line's label: its text, centre and box width in CSS pixels. */
export interface LevelLabel {
  text: string;
  x: number;
  y: number;
  width: number;
}

/**
 * Where the level labels go (canvas and SVG alike): every other level once, at a segment well
 * inside the plot, away from the labels already placed, preferring a diagonal sweep so labels
 * spread across the view. `measure` gives a text's width at 10 px.
 */
export function levelLabels(
  lines: ContourLines,
  levels: number[],
  n: number,
  plot: PlotRect,
  measure: (text: string) => number,
): LevelLabel[] {
  const { x, y, w, h } = plot;
  const seg = lines.segments;
  const placed: { x0: number; y0: number; x1: number; y1: number }[] = [];
  const labels: LevelLabel[] = [];
  for (let li = 1; li < levels.length; li += 2) {
    const text = formatTick(levels[li]);
    const tw = measure(text) + 4;
    const target = 0.2 + (0.6 * li) / levels.length;
    let best = -1;
    let bestScore = Infinity;
    for (let k = 0, s = 0; k < seg.length; k += 4, s++) {
      if (lines.level[s] !== li) continue;
      const u = seg[k] / (n - 1);
      const v = seg[k + 1] / (n - 1);
      if (u < 0.06 || u > 0.94 || v < 0.06 || v > 0.94) continue;
      const lx = x + u * w;
      const ly = y + h - v * h;
      const overlaps = placed.some(
        (r) => lx + tw / 2 > r.x0 && lx - tw / 2 < r.x1 && ly + 8 > r.y0 && ly - 8 < r.y1,
      );
      if (overlaps) continue;
      const score = Math.abs(u - target) + Math.abs(v - target);
      if (score < bestScore) {
        bestScore = score;
        best = k;
      }
    }
    if (best < 0) continue;
    const lx = x + (seg[best] / (n - 1)) * w;
    const ly = y + h - (seg[best + 1] / (n - 1)) * h;
    placed.push({ x0: lx - tw / 2, y0: ly - 6, x1: lx + tw / 2, y1: ly + 6 });
    labels.push({ text, x: lx, y: ly, width: tw });
  }
  return labels;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  return abs >= 1e-3 && abs < 1e4 ? v.toPrecision(3) : v.toExponential(2);
}

/** One run's step-mode drawing: its current point, arrows (pixels) and the label lines. */
interface StepArrows {
  at: [number, number];
  color: string;
  labels: [string, string][];
  arrows: [number, number, number, number][];
}
