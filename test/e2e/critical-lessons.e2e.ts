/**
 * The critical-points lessons, one click each, with their phenomenon asserted from the data the
 * engine reported (exported as JSON through the app's Export menu), as lessons.e2e.ts does for
 * the explorer's: (j) networks that training calls converged sit at points whose minimum ratio
 * is high but below 1 — saddles, not minima; (k) full-batch gradient descent drives λ_max up
 * to 2/η, where it hovers while the loss keeps falling, non-monotonically. The lesson text is
 * shown in English and in Chinese, with the language switch the explorer's lessons share.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApp, openApp, shotsDir, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp({ viewport: { width: 1280, height: 720 } });
  await loadApp(h);
  await h.page.getByRole('tab', { name: 'Critical points' }).click();
  await h.page.getByTestId('critical-problem').waitFor();
});
afterAll(() => h?.close());

/** The experiments file (renderer/src/lib/labs/critical/experiment-data.ts, ExperimentsExport). */
interface ExperimentsExport {
  format: 'losslab-critical-experiments';
  runs: { kind: string; spec: unknown; result: unknown }[];
}

/** The experiments on show, through Export → Experiments (JSON). */
async function exported(): Promise<ExperimentsExport> {
  await h.page.getByRole('button', { name: 'Export ▾' }).click();
  const [download] = await Promise.all([
    h.page.waitForEvent('download'),
    h.page.getByRole('menuitem', { name: 'Experiments (JSON)' }).click(),
  ]);
  return JSON.parse(fs.readFileSync((await download.path())!, 'utf8')) as ExperimentsExport;
}

/** Opens a lesson and waits until its experiment has its result (the verdict shows). */
async function lesson(letter: string, timeout = 240_000): Promise<void> {
  await h.page.getByRole('button', { name: new RegExp(`^\\(${letter}\\)`) }).click();
  await h.page.getByRole('heading', { name: new RegExp(`^\\(${letter}\\)`) }).waitFor();
  await h.page.getByTestId('lesson-verdict').waitFor({ timeout });
}

interface RatioPoint {
  minimumRatio: number;
  index: number;
  loss: number;
  converged: boolean;
}
interface EosSeries {
  lr: number;
  threshold: number;
  steps: number[];
  loss: number[];
  sharpnessSteps: number[];
  sharpness: number[];
  diverged?: boolean;
}

describe('critical-points lessons', () => {
  it('(j) at "convergence" most networks have a minimum ratio in (0.5, 1), some with negative eigenvalues', async () => {
    await lesson('j');
    const data = await exported();
    const run = data.runs.find((r) => r.kind === 'minimum-ratio')!;
    const points = (run.result as { points: RatioPoint[] }).points;
    const spec = run.spec as { count: number };
    expect(points).toHaveLength(spec.count);
    const high = points.filter((p) => p.minimumRatio > 0.5 && p.minimumRatio < 1);
    expect(high.length).toBeGreaterThan(points.length / 2);
    expect(points.some((p) => p.index > 0)).toBe(true);
    // The page draws every network, and says the same.
    expect(await h.page.getByTestId('chart-minimum-ratio').getAttribute('data-points')).toBe(
      String(points.length),
    );
    expect(await h.page.getByTestId('lesson-verdict').textContent()).toMatch(
      new RegExp(`${high.length} of ${points.length} networks`),
    );
    await h.shot('critical-lesson-j');
    // Chinese, with the switch the explorer's lessons share.
    await h.page.getByTestId('language-zh').click();
    await expect
      .poll(() => h.page.getByTestId('lesson-verdict').textContent())
      .toMatch(new RegExp(`${points.length} 个网络中有 ${high.length} 个`));
    await h.shot('critical-lesson-j-zh');
    await h.page.getByTestId('language-en').click();
  });

  it('(k) λ_max rises to 2/η and hovers there while the loss falls, non-monotonically', async () => {
    await lesson('k');
    const data = await exported();
    const run = data.runs.find((r) => r.kind === 'edge-of-stability')!;
    const series = (run.result as { series: EosSeries[] }).series;
    expect(series.length).toBeGreaterThanOrEqual(2);
    for (const s of series) {
      expect(s.diverged ?? false).toBe(false);
      expect(s.threshold).toBeCloseTo(2 / s.lr, 9);
      // Sharpness: below 2/η where it starts, near it in the second half.
      const middle = (s.sharpnessSteps[0] + s.sharpnessSteps.at(-1)!) / 2;
      const late = s.sharpness.filter((_, i) => s.sharpnessSteps[i] >= middle);
      const mean = late.reduce((a, b) => a + b, 0) / late.length;
      expect(s.sharpness[0]).toBeLessThan(s.threshold);
      expect(mean / s.threshold).toBeGreaterThan(0.85);
      expect(mean / s.threshold).toBeLessThan(1.15);
      // The loss: lower at the end, but it went up somewhere on the way.
      expect(s.loss.at(-1)!).toBeLessThan(s.loss[0]);
      expect(s.loss.some((l, i) => i > 0 && l > s.loss[i - 1] * (1 + 1e-3))).toBe(true);
    }
    await h.shot('critical-lesson-k');
  });

  it('a session keeps the experiments and brings the page back as it was', async () => {
    const before = await exported();
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    const [download] = await Promise.all([
      h.page.waitForEvent('download'),
      h.page.getByRole('menuitem', { name: 'Save session…' }).click(),
    ]);
    const file = path.join(shotsDir, 'critical-lessons.losslab');
    await download.saveAs(file);
    // A new page (a new engine): nothing of the lab is left.
    await loadApp(h);
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    const [chooser] = await Promise.all([
      h.page.waitForEvent('filechooser'),
      h.page.getByRole('menuitem', { name: 'Open session…' }).click(),
    ]);
    await chooser.setFiles(file);
    // The experiments page, on the edge of stability, with its lesson and its verdict.
    await h.page.getByRole('heading', { name: /^\(k\)/ }).waitFor({ timeout: 60_000 });
    expect(
      await h.page.getByRole('tab', { name: 'Critical points' }).getAttribute('aria-selected'),
    ).toBe('true');
    await h.page.getByTestId('lesson-verdict').waitFor();
    const after = await exported();
    expect(after.runs.map((r) => r.kind).sort()).toEqual(before.runs.map((r) => r.kind).sort());
    expect(after).toEqual(before);
  });

  it("the language switch is the explorer lessons' own", async () => {
    await h.page.getByRole('group', { name: 'Lesson language' }).getByText('中文').click();
    await h.page.getByRole('heading', { name: /^\(k\) 稳定性边缘/ }).waitFor();
    // One language for the whole UI: the tabs and the lesson picker are in Chinese too.
    await h.page.getByRole('tab', { name: '曲面' }).click();
    const picker = h.page.getByRole('combobox', { name: '课程' });
    const value = await picker.locator('option', { hasText: /^\(a\)/ }).getAttribute('value');
    await picker.selectOption(value!);
    await h.page.getByRole('heading', { name: /^\(a\) 动量/ }).waitFor();
    await h.page.getByTestId('language-en').click();
    await h.page.getByRole('tab', { name: 'Surfaces' }).waitFor();
    expect(h.problems).toEqual([]);
  });
});
