/**
 * The explorer's critical point, end to end: a click on a trajectory's point gives the Hessian
 * at that step (the engine's closed form, checked against the surface's own), drawn as
 * eigenvector arrows and the Taylor quadric on both views; Hessian here and H read the
 * selected run's step on show and the point follows the timeline; a Shift-click at the saddle
 * says saddle point; Escape restarts every run from the point it reaches, with the predicted
 * change beside the actual one, and the runs then descend; PNG and SVG exports show the
 * picture. The surface is saddle-valley, L = ½x² + ¼(y² − 1)²: ∇L = (x, y³ − y) and
 * H = diag(1, 3y² − 1), minima (0, ±1), a saddle at the origin.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openExportDialog, closeExportDialog, runExport } from './export-helpers';
import {
  exportTrajectories,
  loadApp,
  openApp,
  playUntil,
  pressShortcut,
  stepCount,
  type Harness,
} from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp({ viewport: { width: 1440, height: 900 } });
  await loadApp(h);
});
afterAll(() => h?.close());

const domain: [[number, number], [number, number]] = [
  [-2, 2],
  [-1.6, 1.6],
];

interface Analysis {
  kind: string;
  eigenvalues: number[];
  gradNorm: number;
  loss: number;
  point: [number, number];
  runId?: string;
  step: number;
}

interface ContourPicture {
  at: [number, number];
  arrows: { index: number; from: number[]; to: number[]; color: string; dashed: boolean }[];
  labels: string[];
  levels: { side: string; segments: number }[];
}

const card = () => h.page.getByTestId('critical-card');
const badge = () => h.page.getByTestId('critical-badge');

/** The card's analysis (the engine's numbers), once its status is done. */
async function analysis(): Promise<Analysis> {
  await expect.poll(() => card().getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
  return JSON.parse((await card().getAttribute('data-analysis'))!) as Analysis;
}

async function contourPicture(): Promise<ContourPicture | undefined> {
  const text = await h.page.getByTestId('contour-view').getAttribute('data-critical');
  return text ? (JSON.parse(text) as ContourPicture) : undefined;
}

async function surfacePicture(): Promise<
  { arrows: number; labels: string[]; quadricTriangles: number; point: number[] } | undefined
> {
  const text = await h.page.getByTestId('surface-view').getAttribute('data-critical');
  return text ? JSON.parse(text) : undefined;
}

/** Where a point of the surface is on the page, in the contour view. */
async function onContour(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  return page.getByTestId('contour-view').evaluate(
    (el, [x, y, [[x0, x1], [y0, y1]]]) => {
      const [px, py, w, hh] = ((el as HTMLElement).dataset.plot ?? '').split(',').map(Number);
      const r = el.getBoundingClientRect();
      return {
        x: r.left + px + ((x - x0) / (x1 - x0)) * w,
        y: r.top + py + (1 - (y - y0) / (y1 - y0)) * hh,
      };
    },
    [x, y, domain] as [number, number, typeof domain],
  );
}

/** saddle-valley's Hessian eigenvalues at (x, y), ascending. */
const eigenvaluesAt = (y: number) => [1, 3 * y * y - 1].sort((a, b) => a - b);

/** Pixels of a PNG within `tolerance` (RGB distance) of a colour, decoded in the page. */
async function pixelsNear(bytes: Buffer, color: [number, number, number], tolerance = 40) {
  return h.page.evaluate(
    async ([base64, [r, g, b], tol]) => {
      // Decoded from the bytes in the page: the page's CSP lets it fetch nothing.
      const raw = atob(base64);
      const bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      const blob = new Blob([bytes], { type: 'image/png' });
      const bitmap = await createImageBitmap(blob);
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.hypot(data[i] - r, data[i + 1] - g, data[i + 2] - b) < tol && data[i + 3] > 200)
          n++;
      }
      return n;
    },
    [bytes.toString('base64'), color, tolerance] as [string, [number, number, number], number],
  );
}

/** The dark theme's negative-curvature colour (its danger red, #f87171). */
const NEGATIVE: [number, number, number] = [248, 113, 113];

describe('the explorer’s critical point', () => {
  it('a click on a trajectory’s point gives the Hessian at that step, drawn on both views', async () => {
    await h.page.getByRole('combobox', { name: 'Surface' }).selectOption('saddle-valley');
    await expect.poll(() => h.page.getByRole('region', { name: /^Run \d+:/ }).count()).toBe(3);
    // The runs' panels wait while the runs move to the new surface: Play only after that.
    const optimizer = h.page
      .getByRole('region', { name: /^Run 3:/ })
      .getByRole('combobox', { name: 'Optimizer' });
    await expect.poll(() => optimizer.isEnabled(), { timeout: 30_000 }).toBe(true);
    await playUntil(h.page, 120, 5);
    const data = await exportTrajectories(h.page);
    // The Adam run's step 10, well clear of the others.
    const run = data.runs.find((r) => /adam/i.test(r.label))!;
    const [x, y] = run.points[10];
    const at = await onContour(h.page, x, y);
    await h.page.mouse.click(at.x, at.y);
    const a = await analysis();
    expect(a.runId).toBe(run.runId);
    // Where the run is piled up on one pixel, the latest step there is picked.
    expect(Math.abs(a.step - 10)).toBeLessThanOrEqual(3);
    const [px, py] = run.points[a.step];
    expect(a.point[0]).toBeCloseTo(px, 12);
    expect(a.point[1]).toBeCloseTo(py, 12);
    const expected = eigenvaluesAt(py);
    expect(a.eigenvalues[0]).toBeCloseTo(expected[0], 10);
    expect(a.eigenvalues[1]).toBeCloseTo(expected[1], 10);
    expect(a.gradNorm).toBeCloseTo(Math.hypot(px, py * (py * py - 1)), 10);
    // Both views draw it: two arrows per eigenvector (and Escape's dashed preview, if any),
    // the λ labels, the model's level rings; the quadric's triangles in 3-D.
    await expect.poll(async () => (await contourPicture())?.labels.length).toBe(2);
    const contour = (await contourPicture())!;
    expect(contour.arrows.filter((arrow) => arrow.index >= 0)).toHaveLength(4);
    expect(contour.levels.length).toBeGreaterThan(0);
    const surface = (await surfacePicture())!;
    expect(surface.point).toEqual(a.point);
    expect(surface.arrows).toBeGreaterThanOrEqual(4);
    expect(surface.quadricTriangles).toBeGreaterThan(100);
    expect(surface.labels).toEqual(contour.labels);
    // The quadric can be hidden; the arrows stay.
    await card().getByRole('checkbox', { name: 'Taylor quadric on the views' }).uncheck();
    await expect.poll(async () => (await surfacePicture())?.quadricTriangles).toBe(0);
    await expect.poll(async () => (await contourPicture())?.levels.length).toBe(0);
    await card().getByRole('checkbox', { name: 'Taylor quadric on the views' }).check();
    await h.shot('critical-explorer-click');
  });

  it('Hessian here and H read the selected run’s step on show, and the point follows the timeline', async () => {
    const run1 = h.page.getByRole('region', { name: /^Run 1:/ });
    await run1.getByRole('button', { name: /^Select run/ }).click();
    const data = await exportTrajectories(h.page);
    const last = data.runs[0].points.length - 1;
    await h.page.getByTestId('hessian-here').click();
    await expect.poll(async () => (await analysis()).step).toBe(last);
    expect((await analysis()).runId).toBe(data.runs[0].runId);
    // Scrubbed back to step 40: H reads the Hessian there …
    const scrubber = h.page.getByTestId('scrubber');
    await scrubber.fill('40');
    await pressShortcut(h.page, 'h');
    await expect.poll(async () => (await analysis()).step).toBe(40);
    const [x, y] = data.runs[0].points[40];
    expect((await analysis()).point).toEqual([x, y]);
    // … and scrubbing on moves it along the run.
    await scrubber.fill('75');
    await expect.poll(async () => (await analysis()).step).toBe(75);
    await h.page.getByRole('button', { name: 'Live', exact: true }).click();
  });

  it('a Shift-click at the saddle says saddle point, one negative eigenvalue', async () => {
    const at = await onContour(h.page, 0, 0);
    await h.page.keyboard.down('Shift');
    await h.page.mouse.click(at.x, at.y);
    await h.page.keyboard.up('Shift');
    await expect.poll(() => badge().textContent(), { timeout: 20_000 }).toBe('saddle point');
    const a = await analysis();
    expect(a.runId).toBeUndefined();
    // A pixel from the origin: H = diag(1, 3y² − 1) ≈ diag(1, −1).
    expect(Math.hypot(...a.point)).toBeLessThan(0.03);
    expect(a.eigenvalues[0]).toBeCloseTo(3 * a.point[1] ** 2 - 1, 12);
    expect(a.eigenvalues[1]).toBeCloseTo(1, 12);
    expect(a.eigenvalues[0]).toBeLessThan(-0.99);
    const contour = (await contourPicture())!;
    expect(contour.labels).toEqual(['λ₁ = −1', 'λ₂ = 1']);
    // λ₁ < 0: its arrows (and Escape's dashed preview) in the negative colour, λ₂'s not.
    const colorOf = (index: number) => contour.arrows.find((arrow) => arrow.index === index)!.color;
    expect(colorOf(0)).toBe('#f87171');
    expect(colorOf(1)).not.toBe('#f87171');
    expect(contour.arrows.find((arrow) => arrow.index === -1)?.dashed).toBe(true);
    expect(contour.levels.map((l) => l.side)).toContain('below');
    await h.shot('critical-explorer-saddle');
  });

  it('PNG and SVG exports of the views show the picture', async () => {
    const dialog = await openExportDialog(h.page, 'Vector image (SVG)…');
    const svg = (await runExport(h.page, dialog)).toString('utf8');
    expect(svg).toContain('id="hessian-arrows"');
    expect(svg).toContain('id="hessian-model"');
    expect(svg.match(/class="eigenvector lambda-1"/g)).toHaveLength(2);
    expect(svg.match(/class="eigenvector lambda-2"/g)).toHaveLength(2);
    expect(svg).toContain('>λ₁ = −1</text>');
    await dialog.getByRole('combobox', { name: 'What to export' }).selectOption('png-contour');
    const contourPng = await runExport(h.page, dialog);
    await dialog.getByRole('combobox', { name: 'What to export' }).selectOption('png-3d');
    const surfacePng = await runExport(h.page, dialog);
    await closeExportDialog(dialog);
    // The negative colour is nowhere in viridis: its pixels are the λ₁ arrows and labels.
    expect(await pixelsNear(contourPng, NEGATIVE)).toBeGreaterThan(100);
    expect(await pixelsNear(surfacePng, NEGATIVE)).toBeGreaterThan(100);
  });

  it('Escape restarts every run from the point it reaches, and the runs descend from there', async () => {
    const before = await exportTrajectories(h.page);
    await card().getByRole('spinbutton', { name: 'Escape step length t' }).fill('0.3');
    await card().getByRole('button', { name: 'Escape', exact: true }).click();
    await expect.poll(() => card().getAttribute('data-escape'), { timeout: 20_000 }).toBeTruthy();
    const escape = JSON.parse((await card().getAttribute('data-escape'))!) as {
      lambda: number;
      t: number;
      predicted: number;
      actual: number;
      lossBefore: number;
      lossAfter: number;
      point: [number, number];
      direction: [number, number];
    };
    expect(escape.t).toBe(0.3);
    expect(escape.predicted).toBeCloseTo(0.5 * escape.lambda * 0.09, 12);
    // Along ±y from (x, y ≈ 0): the actual change is −½t²·(1 − 3y²) + O(y t³) + ¼t⁴.
    expect(escape.actual).toBeLessThan(0);
    expect(Math.abs(escape.actual - escape.predicted)).toBeLessThan(0.3 ** 3);
    expect(Math.abs(escape.direction[1])).toBeCloseTo(1, 6);
    expect(await h.page.getByTestId('escape-predicted').textContent()).toMatch(
      /½λt² = .* = −0\.045/,
    );
    // Every run starts again from the escaped point, and plays on from there.
    await expect
      .poll(async () => (await exportTrajectories(h.page)).start, { timeout: 20_000 })
      .toEqual(escape.point);
    // Escape plays the runs on: let them take 150 steps, then pause.
    await expect.poll(() => stepCount(h.page), { timeout: 60_000 }).toBeGreaterThanOrEqual(150);
    const play = h.page.getByTestId('play-pause');
    if ((await play.textContent()) === 'Pause') await play.click();
    await expect.poll(() => play.textContent()).toBe('Play');
    const after = await exportTrajectories(h.page);
    for (const run of after.runs) {
      expect(run.points[0][0]).toBeCloseTo(escape.point[0], 12);
      expect(run.points[0][1]).toBeCloseTo(escape.point[1], 12);
      const old = before.runs.find((r) => r.runId === run.runId)!;
      expect(run.points[0]).not.toEqual(old.points[0]);
      const end = run.points[run.points.length - 1];
      // Down the valley Escape pointed into: below the escaped point's loss, towards y = ±1.
      expect(end[2]).toBeLessThan(escape.lossAfter);
      expect(Math.sign(end[1])).toBe(Math.sign(escape.direction[1]));
    }
    // The card still shows the saddle and the step taken (solid now).
    const contour = (await contourPicture())!;
    expect(contour.arrows.find((arrow) => arrow.index === -1)?.dashed).toBe(false);
    await h.shot('critical-explorer-escaped');
  });

  it('Escape is refused at a minimum, saying why', async () => {
    const at = await onContour(h.page, 0, 1);
    await h.page.keyboard.down('Shift');
    await h.page.mouse.click(at.x, at.y);
    await h.page.keyboard.up('Shift');
    await expect.poll(() => badge().textContent(), { timeout: 20_000 }).toBe('minimum');
    const escape = card().getByRole('button', { name: 'Escape', exact: true });
    expect(await escape.isDisabled()).toBe(true);
    expect(await card().locator('.why').getAttribute('title')).toMatch(/^No negative eigenvalue/);
    await card().getByRole('button', { name: 'Close the critical point' }).click();
    await expect.poll(() => card().count()).toBe(0);
    await expect.poll(() => contourPicture()).toBeUndefined();
    await expect.poll(() => surfacePicture()).toBeUndefined();
  });

  it('logged no errors', () => {
    expect(h.problems).toEqual([]);
  });
});
