/**
 * The contour view's overlay, redrawn per frame (on screen and into exports): minima and
 * saddles, each run's trajectory with its start and current point, the hovered step, step
 * mode's arrows with their numbers in boxes placed clear of everything else, and the Hessian
 * at a chosen point (its eigenvectors as arrows, the Taylor model's level lines).
 */
import type { RunInspection, SurfaceInfo } from '../../../../electron/common/protocol';
import type { Domain } from '../../../../electron/common/schemas';
import {
  MARKER_COLORS,
  projectTo,
  type ContourRun,
  type OverlayState,
  type PlotRect,
  type StepLabelLayout,
} from './contour-layout';
import { criticalDrawing, type CriticalDrawing } from './critical-geometry';
import { CANVAS_FONT } from './look';
import { placeLabel } from './placement';
import type { GridData, TrajectoryView } from './view-data';

/** One run's step-mode drawing: its current point, arrows (pixels) and the label lines. */
interface StepArrows {
  at: [number, number];
  color: string;
  labels: [string, string][];
  arrows: [number, number, number, number][];
}

/** What the overlay drew where (CSS pixels), for tests. */
export interface OverlayLayout {
  steps: StepLabelLayout[];
  critical?: CriticalDrawing;
}

/**
 * The runs in CSS pixels (the caller has set the transform), each trajectory up to `step`
 * (its current point there) or whole when undefined.
 */
export function paintContourOverlay(
  ctx: CanvasRenderingContext2D,
  plot: PlotRect,
  grid: GridData,
  state: OverlayState,
  step: number | undefined,
  room: PlotRect,
): OverlayLayout {
  const domain = grid.domain;
  const { x, y, w, h } = plot;
  const at = (px: number, py: number) => projectTo(domain, plot, px, py);
  const steps: StepArrows[] = [];
  ctx.save();
  ctx.beginPath();
  ctx.rect(x - 8, y - 8, w + 16, h + 16);
  ctx.clip();

  drawCriticalPoints(ctx, domain, grid.info, plot);
  const critical = state.critical
    ? criticalDrawing(state.critical.overlay, state.critical.colors, domain, plot)
    : undefined;
  // The model's level lines under the runs, its arrows over them.
  if (critical) drawCriticalLevels(ctx, critical);
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
      steps.push(drawArrows(ctx, domain, plot, run, inspection, t));
  }
  if (critical) drawCriticalArrows(ctx, critical);
  ctx.restore();
  // The numbers go last, each box where it covers no arrow, no current point and no other
  // box: in the plot near its point, or in the view's free room beside it (a flat domain
  // leaves little height in the plot) with a line to its point.
  return { steps: drawStepLabels(ctx, room, steps), ...(critical ? { critical } : {}) };
}

/** The Taylor model's level lines (over a halo) and its patch's dashed outline. */
function drawCriticalLevels(ctx: CanvasRenderingContext2D, drawing: CriticalDrawing): void {
  ctx.save();
  ctx.lineCap = 'round';
  for (const level of drawing.levels) {
    const s = level.segments;
    ctx.beginPath();
    for (let k = 0; k < s.length; k += 4) {
      ctx.moveTo(s[k], s[k + 1]);
      ctx.lineTo(s[k + 2], s[k + 3]);
    }
    ctx.strokeStyle = drawing.colors.halo;
    ctx.globalAlpha = 0.55;
    ctx.lineWidth = 3.5;
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = level.color;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
  const patch = drawing.patch;
  if (patch) {
    ctx.setLineDash([4, 4]);
    ctx.strokeStyle = drawing.colors.halo;
    ctx.lineWidth = 3;
    ctx.strokeRect(patch.x, patch.y, patch.w, patch.h);
    ctx.strokeStyle = drawing.colors.text;
    ctx.lineWidth = 1;
    ctx.strokeRect(patch.x, patch.y, patch.w, patch.h);
    ctx.setLineDash([]);
  }
  ctx.restore();
}

/** The eigenvector arrows (and Escape's step) over a halo, θ ringed, and the λ labels. */
function drawCriticalArrows(ctx: CanvasRenderingContext2D, drawing: CriticalDrawing): void {
  ctx.save();
  const arrow = (
    a: CriticalDrawing['arrows'][number],
    color: string,
    width: number,
    head: number,
  ) => {
    const [px, py] = a.from;
    const [qx, qy] = a.to;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = width;
    ctx.setLineDash(a.dashed ? [6, 4] : []);
    ctx.beginPath();
    ctx.moveTo(px, py);
    ctx.lineTo(qx, qy);
    ctx.stroke();
    ctx.setLineDash([]);
    const angle = Math.atan2(qy - py, qx - px);
    ctx.beginPath();
    ctx.moveTo(qx + Math.cos(angle) * (head - 9), qy + Math.sin(angle) * (head - 9));
    ctx.lineTo(qx - head * Math.cos(angle - 0.42), qy - head * Math.sin(angle - 0.42));
    ctx.lineTo(qx - head * Math.cos(angle + 0.42), qy - head * Math.sin(angle + 0.42));
    ctx.closePath();
    ctx.fill();
  };
  ctx.lineCap = 'round';
  for (const a of drawing.arrows) arrow(a, drawing.colors.halo, 6, 12);
  for (const a of drawing.arrows) arrow(a, a.color, 2.5, 9);
  const [cx, cy] = drawing.at;
  ctx.beginPath();
  ctx.arc(cx, cy, 5, 0, 2 * Math.PI);
  ctx.fillStyle = drawing.colors.halo;
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = drawing.colors.text;
  ctx.stroke();
  ctx.font = `bold 13px ${CANVAS_FONT}`;
  ctx.lineJoin = 'round';
  for (const label of drawing.labels) {
    ctx.textAlign = label.align;
    ctx.textBaseline = label.baseline;
    ctx.strokeStyle = drawing.colors.halo;
    ctx.lineWidth = 4;
    ctx.strokeText(label.text, label.x, label.y);
    ctx.fillStyle = label.color;
    ctx.fillText(label.text, label.x, label.y);
  }
  ctx.restore();
}

/** Places and draws step mode's label boxes within `plot` (the room); returns where they went. */
function drawStepLabels(
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

function drawCriticalPoints(
  ctx: CanvasRenderingContext2D,
  domain: Domain,
  info: SurfaceInfo,
  plot: PlotRect,
): void {
  for (const [mx, my] of info.minima) {
    const [px, py] = projectTo(domain, plot, mx, my);
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
    const [px, py] = projectTo(domain, plot, sx, sy);
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
function drawArrows(
  ctx: CanvasRenderingContext2D,
  domain: Domain,
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
    const [px, py] = projectTo(domain, plot, ox, oy);
    let [qx, qy] = projectTo(domain, plot, ox + dx, oy + dy);
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
  return { at: projectTo(domain, plot, cx, cy), color: run.color, labels, arrows };
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  return abs >= 1e-3 && abs < 1e4 ? v.toPrecision(3) : v.toExponential(2);
}
