/**
 * The legend exports draw into their images (on screen it is HTML over the view): the colour
 * map with its range, and each run's colour and name. Drawn in CSS pixels under whatever
 * transform the caller set, so it scales with the image.
 */
import { CANVAS_FONT } from '../views/look';
import { formatTick } from '../views/scale';
import { legendLabel, viridisColor, type LegendContent } from './overlay-content';
import { t } from '../i18n';

const FONT = `11px ${CANVAS_FONT}`;
const PAD = 7;
const BAR_W = 140;
const BAR_H = 7;
const ROW = 15;

/**
 * The legend's box in CSS pixels (0 × 0 when it has nothing to show), so a frame can keep that
 * room free of the view it describes.
 */
export function legendSize(
  ctx: CanvasRenderingContext2D,
  content: LegendContent,
): { width: number; height: number } {
  const { scale, runs } = content;
  if (!scale && runs.length === 0) return { width: 0, height: 0 };
  ctx.save();
  ctx.font = FONT;
  const innerW = Math.max(
    scale ? BAR_W : 0,
    ...runs.map((r) => Math.min(240, ctx.measureText(legendLabel(r)).width + 13)),
  );
  ctx.restore();
  const barBlock = scale ? BAR_H + 2 * 13 + 4 : 0;
  return {
    width: innerW + 2 * PAD,
    height: barBlock + runs.length * ROW + 2 * PAD - (scale && runs.length ? 0 : 2),
  };
}

/**
 * Draws the legend with its top corner at (x, y): its left edge there for `corner: 'left'`,
 * its right edge for `'right'`.
 */
export function drawLegend(
  ctx: CanvasRenderingContext2D,
  content: LegendContent,
  at: { x: number; y: number; corner: 'left' | 'right' },
): void {
  const { scale, runs } = content;
  if (!scale && runs.length === 0) return;
  const { width: w, height: h } = legendSize(ctx, content);
  ctx.save();
  ctx.font = FONT;
  const labels = runs.map(legendLabel);
  const innerW = w - 2 * PAD;
  const left = at.corner === 'left' ? at.x : at.x - w;
  const top = at.y;

  ctx.fillStyle = 'rgba(15, 19, 32, 0.78)';
  ctx.strokeStyle = '#2a3147';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.roundRect(left, top, w, h, 6);
  ctx.fill();
  ctx.stroke();

  let y = top + PAD;
  if (scale) {
    const gradient = ctx.createLinearGradient(left + PAD, 0, left + PAD + BAR_W, 0);
    for (let k = 0; k <= 10; k++) gradient.addColorStop(k / 10, viridisColor(k / 10));
    ctx.fillStyle = gradient;
    ctx.fillRect(left + PAD, y, BAR_W, BAR_H);
    y += BAR_H + 2;
    ctx.fillStyle = '#a8b3cf';
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    ctx.fillText(formatTick(scale.min), left + PAD, y);
    ctx.textAlign = 'center';
    ctx.fillText(formatTick(scale.invert(0.5)), left + PAD + BAR_W / 2, y);
    ctx.textAlign = 'right';
    ctx.fillText(formatTick(scale.max), left + PAD + BAR_W, y);
    y += 13;
    ctx.textAlign = 'left';
    ctx.fillText(scale.log ? t('loss (log)') : t('loss'), left + PAD, y);
    y += 13 + 4;
  }
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  runs.forEach((run, k) => {
    const cy = y + k * ROW + ROW / 2 - 1;
    ctx.fillStyle = run.color;
    ctx.beginPath();
    ctx.arc(left + PAD + 4, cy, 4, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = run.diverged ? '#f87171' : '#e6eaf3';
    ctx.fillText(labels[k], left + PAD + 13, cy, innerW - 13);
  });
  ctx.restore();
}

/** "step k" in a box whose top corner is at (x, y): its left edge for 'left', right for 'right'. */
export function drawStepLabel(
  ctx: CanvasRenderingContext2D,
  step: number,
  at: { x: number; y: number; corner: 'left' | 'right' },
): void {
  const text = t('step {step}', { step });
  ctx.save();
  ctx.font = '13px ui-monospace, monospace';
  const w = ctx.measureText(text).width + 12;
  const left = at.corner === 'left' ? at.x : at.x - w;
  ctx.fillStyle = 'rgba(15, 19, 32, 0.78)';
  ctx.beginPath();
  ctx.roundRect(left, at.y, w, 22, 5);
  ctx.fill();
  ctx.fillStyle = '#e6eaf3';
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  ctx.fillText(text, left + 6, at.y + 11);
  ctx.restore();
}
