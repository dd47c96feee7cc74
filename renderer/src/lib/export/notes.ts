/**
 * Presentation notes in exported images and videos: the same text box and arrow as on screen
 * (AnnotationLayer), pinned to the same point of the landscape, drawn in CSS pixels of the
 * frame (the caller's transform scales them).
 */
import { CANVAS_FONT, type ViewPalette } from '../views/look';
import type { ExportNote } from './overlay-content';

const FONT_PX = 15;
const PAD_X = 9;
const BOX_H = 28;

/** Draws one note whose point is at `at` (CSS pixels of the frame). */
export function drawNote(
  ctx: CanvasRenderingContext2D,
  note: ExportNote,
  at: [number, number],
  palette: ViewPalette,
): void {
  const box: [number, number] = [at[0] + note.offset[0], at[1] + note.offset[1]];
  ctx.save();
  // The arrow first, from the box's centre (hidden under the box) to just short of the point.
  const dx = at[0] - box[0];
  const dy = at[1] - box[1];
  const length = Math.hypot(dx, dy);
  if (length > 8) {
    const ux = dx / length;
    const uy = dy / length;
    const tip: [number, number] = [at[0] - ux * 6, at[1] - uy * 6];
    ctx.strokeStyle = palette.text;
    ctx.fillStyle = palette.text;
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    ctx.moveTo(box[0], box[1]);
    ctx.lineTo(tip[0] - ux * 8, tip[1] - uy * 8);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(tip[0], tip[1]);
    ctx.lineTo(tip[0] - ux * 10 - uy * 5, tip[1] - uy * 10 + ux * 5);
    ctx.lineTo(tip[0] - ux * 10 + uy * 5, tip[1] - uy * 10 - ux * 5);
    ctx.closePath();
    ctx.fill();
  }
  ctx.fillStyle = palette.accent;
  ctx.strokeStyle = palette.panel;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.arc(at[0], at[1], 4, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();

  ctx.font = `${FONT_PX}px ${CANVAS_FONT}`;
  const w = ctx.measureText(note.text).width + 2 * PAD_X;
  const left = box[0] - w / 2;
  const top = box[1] - BOX_H / 2;
  ctx.fillStyle = palette.panel;
  ctx.strokeStyle = palette.text;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.roundRect(left, top, w, BOX_H, 8);
  ctx.fill();
  ctx.stroke();
  ctx.fillStyle = palette.text;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillText(note.text, left + PAD_X, box[1] + 1);
  ctx.restore();
}
