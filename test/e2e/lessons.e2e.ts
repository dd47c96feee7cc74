/**
 * Every lesson loads from the Lesson picker and shows its phenomenon by the step where it stops
 * itself, asserted from the trajectories and curves the engine reported (exported as JSON
 * through the app), with a screenshot of each in English and one in Chinese.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrajectoryExport } from '../../renderer/src/lib/export/data';
import {
  exportTrajectories,
  loadApp,
  openApp,
  playUntil,
  stepCount,
  type Harness,
} from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp({ viewport: { width: 1440, height: 900 } });
  await loadApp(h);
});
afterAll(() => h?.close());

type Run = TrajectoryExport['runs'][number];

/** Where each lesson pauses itself (renderer/src/lib/labs/explorer/lessons.ts). */
const stopAt: Record<string, number> = {
  a: 200,
  b: 400,
  c: 400,
  d: 400,
  e: 400,
  f: 300,
  g: 600,
  h: 400,
  i: 300,
};

async function lesson(
  letter: string,
  runs: number,
  steps: number,
  stepsPerFrame = 50,
): Promise<Run[]> {
  const picker = h.page.getByRole('combobox', { name: 'Lesson' });
  const value = await picker
    .locator('option', { hasText: new RegExp(`^\\(${letter}\\)`) })
    .getAttribute('value');
  await picker.selectOption(value!);
  await h.page.getByRole('heading', { name: new RegExp(`^\\(${letter}\\)`) }).waitFor();
  await expect
    .poll(() => h.page.getByRole('region', { name: /^Run \d+:/ }).count(), { timeout: 20_000 })
    .toBe(runs);
  await playUntil(h.page, steps, stepsPerFrame);
  // Played to its end (its `stopAt`), the lesson paused itself there, to the step.
  const end = stopAt[letter];
  if (steps >= end) expect(await stepCount(h.page)).toBe(end);
  await h.shot(`lesson-${letter}`);
  const data = await exportTrajectories(h.page);
  expect(data.runs).toHaveLength(runs);
  return data.runs;
}

const last = (r: Run) => r.points[r.points.length - 1];

/** The critical point card's analysis (the engine's numbers), once computed. */
async function criticalAnalysis(): Promise<{
  kind: string;
  eigenvalues: number[];
  gradNorm: number;
  runId?: string;
  step: number;
}> {
  const card = h.page.getByTestId('critical-card');
  await expect.poll(() => card.getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
  return JSON.parse((await card.getAttribute('data-analysis'))!);
}

/** Where a point of saddle-valley is on the page, in the contour view. */
async function contourPoint(x: number, y: number): Promise<{ x: number; y: number }> {
  return h.page.getByTestId('contour-view').evaluate(
    (el, [x, y]) => {
      const [px, py, w, hh] = ((el as HTMLElement).dataset.plot ?? '').split(',').map(Number);
      const r = el.getBoundingClientRect();
      // saddle-valley's domain, [−2, 2] × [−1.6, 1.6].
      return {
        x: r.left + px + ((x + 2) / 4) * w,
        y: r.top + py + (1 - (y + 1.6) / 3.2) * hh,
      };
    },
    [x, y],
  );
}
const stepLengths = (r: Run) =>
  r.points.slice(1).map((p, k) => Math.hypot(p[0] - r.points[k][0], p[1] - r.points[k][1]));

describe('lessons', () => {
  it('(a) momentum leaves the shallow minimum where gradient descent stops', async () => {
    const [gd, momentum] = await lesson('a', 2, 200);
    expect(last(gd)[0]).toBeCloseTo(-2, 2);
    expect(last(gd)[2]).toBeCloseTo(16 / 3, 3);
    expect(last(momentum)[0]).toBeCloseTo(2, 2);
    expect(last(momentum)[2]).toBeLessThan(1e-4);
  });

  it('(b) in the ravine, fixed η keeps a large gradient while its loss stalls; Adam and RMSProp descend', async () => {
    const [gd, rmsprop, adam] = await lesson('b', 3, 400);
    const late = gd.gradNorm.slice(200) as number[];
    expect(Math.min(...late)).toBeGreaterThan(3);
    const lossAt200 = gd.points[200][2];
    expect(Math.abs(last(gd)[2] - lossAt200)).toBeLessThan(0.15);
    expect(last(gd)[2]).toBeGreaterThan(0.5);
    expect(last(adam)[2]).toBeLessThan(0.01);
    expect(last(rmsprop)[2]).toBeLessThan(0.05);
  });

  it('(c) the elongated bowl: large η oscillates, small η stalls, adaptive methods arrive', async () => {
    const [large, small, adagrad, rmsprop, adam] = await lesson('c', 5, 400, 20);
    const flips = large.points.slice(1, 100).filter((p, k) => p[1] * large.points[k][1] < 0).length;
    expect(flips).toBeGreaterThan(95);
    expect(large.points[100][2]).toBeGreaterThan(1);
    expect(small.points[400][2]).toBeGreaterThan(1);
    for (const run of [adagrad, rmsprop, adam]) expect(run.points[400][2]).toBeLessThan(1e-3);
  });

  it("(d) the lecture's Adagrad step spikes; with η/√(t+1) it does not", async () => {
    const [constant, decayed] = await lesson('d', 2, 400, 20);
    const spikes = stepLengths(constant).slice(30);
    const calm = stepLengths(decayed).slice(30);
    expect(Math.max(...spikes)).toBeGreaterThan(1);
    expect(Math.max(...calm)).toBeLessThan(0.05);
    // The explosion shows in η/σ too: it grows along the valley floor before the spike.
    // η/σ across the valley grows while the run sits on its floor: σ, the RMS of all past
    // gradients, shrinks as small gradients pile up (σ ≈ 25/√t from the first one).
    const etaOverSigma = (t: number) => constant.effStep[t][1] ?? NaN;
    expect(etaOverSigma(60)).toBeGreaterThan(2 * etaOverSigma(1));
    expect(Math.max(...constant.points.slice(30).map((p) => p[2]))).toBeGreaterThan(5);
  });

  it('(e) without warm-up Adam is thrown into the shallow minimum; with warm-up it reaches the deep one', async () => {
    const [plain, warm] = await lesson('e', 2, 400);
    expect(stepLengths(plain)[0]).toBeCloseTo(2 * Math.SQRT2, 2);
    expect(stepLengths(warm)[0]).toBeCloseTo(0.02 * Math.SQRT2, 3);
    expect(warm.lr[0]).toBeCloseTo(0.02, 10);
    expect(warm.lr[300]).toBeCloseTo(2, 10);
    expect(last(plain)[0]).toBeCloseTo(-2, 1);
    expect(last(plain)[2]).toBeCloseTo(16 / 3, 2);
    expect(last(warm)[2]).toBeLessThan(0.01);
  });

  it('(f) gradient descent crawls past the saddle; momentum escapes far sooner', async () => {
    const [gd, momentum] = await lesson('f', 2, 300, 20);
    const escaped = (r: Run) => r.points.findIndex((p) => Math.abs(p[1]) > 0.95);
    expect(escaped(momentum)).toBeGreaterThan(0);
    expect(escaped(gd)).toBeGreaterThan(3 * escaped(momentum));
    // Near the saddle the gradient nearly vanishes for gradient descent.
    expect(Math.min(...(gd.gradNorm.slice(0, escaped(gd)) as number[]))).toBeLessThan(0.03);
  });

  it('(g) far from the target, MSE has almost no gradient and cross-entropy a large one', async () => {
    const [ce, mse] = await lesson('g', 2, 200, 20);
    expect(mse.gradNorm[0]).toBeLessThan(0.01);
    expect(ce.gradNorm[0]).toBeGreaterThan(1);
    expect(ce.points[100][2]).toBeLessThan(0.05);
    expect(mse.points[100][2]).toBeGreaterThan(1.9);
    // The lesson shows either surface; both runs stay on screen in the contour view.
    await h.page
      .getByRole('group', { name: 'Surface shown' })
      .getByRole('button', { name: 'Cross-entropy' })
      .click();
    await expect
      .poll(() => h.page.getByRole('combobox', { name: 'Surface' }).inputValue())
      .toBe('softmax-ce');
    await h.shot('lesson-g-cross-entropy');
  });

  it('shows a lesson in Simplified Chinese', async () => {
    // The lesson's switch is the UI's (the header has the same one: one language for all).
    await h.page.getByRole('group', { name: 'Lesson language' }).getByText('中文').click();
    await expect(h.page.getByRole('heading', { name: /^\(g\)/ }).textContent()).resolves.toMatch(
      /交叉熵/,
    );
    await h.shot('lesson-g-zh');
    await h.page.getByTestId('language-en').click();
  });

  it('(h) the saddle where run 1 stopped has one negative eigenvalue, the minimum run 2 reached none', async () => {
    const [ridge, beside] = await lesson('h', 2, 400, 20);
    // Run 1 never leaves the ridge y = 0 (∂L/∂y = y³ − y is 0 there): it ends at the saddle.
    expect(ridge.points.every((p) => p[1] === 0)).toBe(true);
    expect(Math.abs(last(ridge)[0])).toBeLessThan(1e-6);
    expect(last(beside)[1]).toBeCloseTo(1, 6);
    // At its end the lesson read the Hessian where run 1 stands: the engine's closed form,
    // H = diag(1, 3y² − 1) = diag(1, −1).
    const saddle = await criticalAnalysis();
    expect(saddle.runId).toBe(ridge.runId);
    expect(saddle.step).toBe(400);
    expect(saddle.kind).toBe('saddle');
    expect(saddle.eigenvalues[0]).toBeCloseTo(-1, 12);
    expect(saddle.eigenvalues[1]).toBeCloseTo(1, 12);
    expect(saddle.gradNorm).toBeLessThan(1e-6);
    expect(await h.page.getByTestId('critical-badge').textContent()).toBe('saddle point');
    // The end of run 2, clicked in the contour view: the minimum (0, 1), H = diag(1, 2).
    const at = await contourPoint(last(beside)[0], last(beside)[1]);
    await h.page.mouse.click(at.x, at.y);
    await expect
      .poll(() => h.page.getByTestId('critical-badge').textContent(), { timeout: 20_000 })
      .toBe('minimum');
    const minimum = await criticalAnalysis();
    expect(minimum.runId).toBe(beside.runId);
    expect(minimum.step).toBe(400);
    expect(minimum.eigenvalues[0]).toBeCloseTo(1, 6);
    expect(minimum.eigenvalues[1]).toBeCloseTo(2, 6);
    await h.shot('lesson-h-minimum');
  });

  it('(i) runs stuck on the saddle escape along the negative eigenvector and reach a minimum', async () => {
    const [gd, momentum] = await lesson('i', 2, 300, 20);
    for (const run of [gd, momentum]) {
      expect(run.points.every((p) => p[1] === 0)).toBe(true);
      expect(last(run)[2]).toBeCloseTo(0.25, 10);
    }
    const saddle = await criticalAnalysis();
    expect(saddle.kind).toBe('saddle');
    expect(saddle.eigenvalues[0]).toBeCloseTo(-1, 10);
    // Escape with the lesson's t = 0.2: to second order ½λt² = −0.02; along y from the saddle
    // the loss changes by exactly −½t² + ¼t⁴ = −0.0196.
    const card = h.page.getByTestId('critical-card');
    expect(await card.getByRole('spinbutton', { name: 'Escape step length t' }).inputValue()).toBe(
      '0.2',
    );
    await card.getByRole('button', { name: 'Escape', exact: true }).click();
    await expect.poll(() => card.getAttribute('data-escape'), { timeout: 20_000 }).toBeTruthy();
    const escape = JSON.parse((await card.getAttribute('data-escape'))!) as {
      predicted: number;
      actual: number;
      t: number;
      point: [number, number];
    };
    expect(escape.t).toBe(0.2);
    expect(escape.predicted).toBeCloseTo(-0.02, 10);
    expect(escape.actual).toBeCloseTo(-0.0196, 9);
    expect(Math.abs(escape.actual - escape.predicted)).toBeLessThan(0.2 ** 3);
    expect(Math.abs(escape.point[1])).toBeCloseTo(0.2, 9);
    // The runs play on from there to the lesson's end, where it reads the Hessian again.
    await expect
      .poll(() => h.page.getByTestId('critical-badge').textContent(), { timeout: 60_000 })
      .toBe('minimum');
    expect(await stepCount(h.page)).toBe(300);
    const minimum = await criticalAnalysis();
    expect(minimum.eigenvalues[0]).toBeCloseTo(1, 6);
    expect(minimum.eigenvalues[1]).toBeCloseTo(2, 6);
    const after = await exportTrajectories(h.page);
    for (const run of after.runs) {
      expect(run.points[0][1]).toBe(escape.point[1]);
      expect(Math.abs(last(run)[1])).toBeCloseTo(1, 4);
      expect(last(run)[2]).toBeLessThan(1e-6);
    }
    await h.shot('lesson-i-escaped');
  });

  it('logged no errors', () => {
    expect(h.problems).toEqual([]);
  });
});
