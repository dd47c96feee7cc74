/**
 * The critical-points lab on networks, end to end: a long spectral density cancelled midway;
 * the Hessian of a small network at a step of its run computed to the end, its stems drawn
 * and its figures the engine's own (read back from the WebSocket frames the page received);
 * the loss along the top eigenvector; Escape making a new run; and the minimum-ratio
 * experiment's scatter with one point per network. Screenshots at 1280×720.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CriticalAnalysis, EscapeResult } from '../../electron/common/protocol';
import { decodeFrame } from '../../electron/web/frames';
import { closeExportDialog, openExportDialog, pngSize, runExport } from './export-helpers';
import { canvasStats, loadApp, openApp, type Harness } from './harness';

let h: Harness;
/** Every critical-points reply the page received, by type, in order. */
const replies: Record<string, { id: number; [k: string]: unknown }[]> = {};

beforeAll(async () => {
  h = await openApp({ viewport: { width: 1280, height: 720 } });
  h.page.on('websocket', (ws) =>
    ws.on('framereceived', ({ payload }) => {
      if (typeof payload === 'string') return;
      const decoded = decodeFrame(new Uint8Array(payload));
      if (!('message' in decoded)) return;
      const m = decoded.message as { type?: string; id: number };
      if (typeof m.type === 'string' && m.type.startsWith('critical.')) {
        (replies[m.type] ??= []).push(m);
      }
    }),
  );
  await loadApp(h);
  await h.page.getByRole('tab', { name: 'Network lab' }).click();
  await h.page.getByTestId('net-summary').waitFor({ timeout: 60_000 });
});
afterAll(() => h?.close());

const text = async (locator: { textContent(): Promise<string | null> }) =>
  ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
const runs = () => h.page.getByRole('region', { name: /^Run \d+:/ });
const netStep = async () =>
  Number(/step (\d+)/.exec((await h.page.getByTestId('net-step-count').textContent()) ?? '')?.[1]);

/** The same number as the panel prints it (three significant digits, or exponent notation). */
const shown = (v: number) =>
  v === 0 ? '0' : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toPrecision(3);

describe('the Hessian of a network', () => {
  it('Cancel stops a long spectral density and says "cancelled", not an error', async () => {
    // The lab's first network (1,218 parameters) and an SLQ density of 100 probes × 300
    // Lanczos steps: tens of thousands of Hessian-vector products, long enough to cancel.
    await h.page.getByRole('tab', { name: 'Hessian' }).click();
    const form = h.page.getByRole('form', { name: 'Hessian settings' });
    await form.getByRole('combobox', { name: 'Spectrum method' }).selectOption('lanczos');
    await form.getByRole('checkbox', { name: 'Spectral density (SLQ)' }).check();
    await form.getByRole('spinbutton', { name: 'SLQ probes' }).fill('100');
    await form.getByRole('spinbutton', { name: 'SLQ iterations' }).fill('300');
    await form.getByRole('button', { name: 'Compute Hessian' }).click();
    const bar = form.getByRole('progressbar', { name: 'Hessian progress' });
    await bar.waitFor({ timeout: 30_000 });
    // It reports how far it has come as it goes.
    await expect
      .poll(async () => Number(await bar.getAttribute('data-total')), { timeout: 60_000 })
      .toBeGreaterThan(0);
    await form.getByRole('button', { name: 'Cancel' }).click();
    await bar.waitFor({ state: 'detached', timeout: 30_000 });
    expect(await text(form.getByRole('status'))).toBe('cancelled');
    expect(await form.getByRole('alert').count()).toBe(0);
    expect(replies['critical.result'] ?? []).toHaveLength(0);
    // Back to an exact spectrum for what follows.
    await form.getByRole('checkbox', { name: 'Spectral density (SLQ)' }).uncheck();
    await form.getByRole('combobox', { name: 'Spectrum method' }).selectOption('auto');
    await h.page.getByRole('tab', { name: 'Loss landscape' }).click();
  });

  it('builds a small network and trains it a little', async () => {
    const details = h.page.locator('details.setup');
    if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
    const form = h.page.getByRole('form', { name: 'Dataset and model' });
    await form.getByRole('combobox', { name: 'Dataset' }).selectOption('moons');
    await form.getByRole('spinbutton', { name: 'Points' }).fill('120');
    await form.getByRole('spinbutton', { name: 'Hidden layers' }).fill('1');
    await form.getByRole('spinbutton', { name: 'Width' }).fill('8');
    await form.getByRole('button', { name: /Rebuild data and network/ }).click();
    // 2 inputs → 8 tanh units → 2 classes: 2·8 + 8 + 8·2 + 2 = 42 parameters.
    await expect
      .poll(() => text(h.page.getByTestId('net-summary')), { timeout: 60_000 })
      .toMatch(/42 parameters/);
    await expect.poll(() => runs().count()).toBe(2);
    const step = h.page.getByRole('button', { name: 'Step', exact: true });
    for (let i = 0; i < 10; i++) await step.click();
    await expect.poll(netStep).toBe(10);
  });

  it('computes the exact spectrum to the end: stems drawn, the figures the engine sent', async () => {
    await h.page.getByRole('tab', { name: 'Hessian' }).click();
    const form = h.page.getByRole('form', { name: 'Hessian settings' });
    await form.getByRole('button', { name: 'Compute Hessian' }).click();
    const result = h.page.getByTestId('hessian-result');
    await result.waitFor({ timeout: 60_000 });
    const reply = replies['critical.result']!.at(-1)! as unknown as { analysis: CriticalAnalysis };
    const a = reply.analysis;
    const c = a.classification;
    expect(a.method).toBe('exact');
    expect(a.parameters).toBe(42);
    expect(a.target.step).toBe(10);
    expect(c.positive + c.negative + c.flat).toBe(42);
    const figure = (name: string) => text(result.locator(`[data-figure="${name}"]`));
    expect(await figure('kind')).toBe(c.kind);
    expect(await figure('minimum-ratio')).toBe(`${(c.minimumRatio * 100).toFixed(1)} %`);
    expect(await figure('index')).toBe(`${(c.index * 100).toFixed(1)} % (${c.negative} of 42)`);
    expect(await figure('flat')).toBe(String(c.flat));
    expect(await text(result.locator('p.flat'))).toMatch(/float32 cannot sign them$/);
    expect(await figure('lambda-max')).toBe(shown(c.lambdaMax));
    expect(await figure('lambda-min')).toBe(shown(c.lambdaMin));
    expect(await figure('trace')).toBe(shown(a.trace));
    // Every eigenvalue is a stem, and the canvas shows them.
    const chart = h.page.getByTestId('spectrum-chart');
    expect(Number(await chart.getAttribute('data-stems'))).toBe(42);
    const stats = await canvasStats(h.page, '[data-testid="spectrum-chart"] canvas');
    expect(stats.covered).toBeGreaterThan(0.01);
    await h.shot('critical-network-spectrum');
  });

  it('draws the loss along the top eigenvector beside a random direction', async () => {
    await h.page.getByRole('button', { name: 'Draw' }).click();
    await expect
      .poll(() => (replies['critical.line.result'] ?? []).length, { timeout: 60_000 })
      .toBe(1);
    await h.page.waitForTimeout(300);
    const stats = await canvasStats(h.page, '[data-testid="critical-line"] canvas');
    expect(stats.covered).toBeGreaterThan(0.01);
  });

  it('Escape along the most negative eigenvector makes a new run', async () => {
    const escape = h.page.getByRole('button', { name: 'Escape', exact: true });
    // Ten steps from a random θ₀: the Hessian has negative eigenvalues to escape along.
    const reply = replies['critical.result']!.at(-1)! as unknown as { analysis: CriticalAnalysis };
    expect(reply.analysis.classification.negative).toBeGreaterThan(0);
    await escape.click();
    const result = h.page.getByTestId('escape-result');
    await result.waitFor({ timeout: 60_000 });
    await expect.poll(() => runs().count()).toBe(3);
    const e = (replies['critical.escaped']!.at(-1)! as unknown as { escape: EscapeResult }).escape;
    // The network lab's next id (its first two runs were made again for the small network).
    expect(e.newRunId).toBe('net-5');
    expect(await runs().nth(2).getAttribute('aria-label')).toMatch(/^Run 3:/);
    expect(await text(result.locator('[data-figure="predicted"]'))).toBe(shown(e.predicted));
    expect(await text(result.locator('[data-figure="actual"]'))).toBe(shown(e.actual));
    // ½·λ_min·t²: the lecture's prediction, negative.
    expect(e.predicted).toBeCloseTo(0.5 * e.lambda * e.t * e.t, 12);
    expect(e.predicted).toBeLessThan(0);
    await h.shot('critical-network-escape');
  });
});

describe('the landscape along the top Hessian eigenvectors', () => {
  it('computes the plane of the two largest eigenvalues, which it names', async () => {
    await h.page.getByRole('tab', { name: 'Loss landscape' }).click();
    const settings = h.page.getByRole('form', { name: 'Landscape settings' });
    await settings.getByRole('combobox', { name: 'Directions' }).selectOption('hessian');
    await settings.getByRole('combobox', { name: 'Landscape resolution' }).selectOption('11');
    await settings.getByRole('button', { name: 'Compute landscape' }).click();
    const result = h.page.getByTestId('landscape-result');
    await result.waitFor({ timeout: 90_000 });
    const [, l1, l2] = /λ₁ = (\S+), λ₂ = (\S+)/.exec(await text(result))!;
    expect(Number(l1)).toBeGreaterThanOrEqual(Number(l2));
    expect(Number(l1)).toBeGreaterThan(0);
  });
});

describe('the minimum-ratio experiment', () => {
  it('draws one point per network on the scatter, and a table row each', async () => {
    await h.page.getByRole('tab', { name: 'Critical points' }).click();
    await h.page.getByRole('tab', { name: 'Minimum ratio at "convergence"' }).click();
    const form = h.page.getByRole('form', { name: 'Experiment settings' });
    await form.getByRole('spinbutton', { name: 'Networks K' }).fill('4');
    await form.getByRole('spinbutton', { name: 'Step budget' }).fill('150');
    await form.getByRole('button', { name: 'Run' }).click();
    const bar = form.getByRole('progressbar', { name: 'Experiment progress' });
    await bar.waitFor({ timeout: 30_000 });
    await bar.waitFor({ state: 'detached', timeout: 120_000 });
    const chart = h.page.getByTestId('chart-minimum-ratio');
    await expect.poll(() => chart.getAttribute('data-points')).toBe('4');
    expect(await h.page.getByTestId('experiment-table').locator('tbody tr').count()).toBe(4);
    const stats = await canvasStats(h.page, '[data-testid="chart-minimum-ratio"] canvas');
    expect(stats.covered).toBeGreaterThan(0.005);
    expect(h.problems).toEqual([]);
    await h.shot('critical-minimum-ratio');
  });

  it('exports the scatter as PNG and SVG (a circle per network) and its table as CSV', async () => {
    const dialog = await openExportDialog(h.page, 'Vector image (SVG)…');
    const what = dialog.getByRole('combobox', { name: 'What to export' });
    expect(await what.locator('option').allTextContents()).toEqual([
      'PNG image of the charts',
      'SVG of the charts',
      'Experiments (JSON)',
      'Experiment table (CSV)',
    ]);
    const svg = (await runExport(h.page, dialog)).toString('utf8');
    const points = /<g class="points"[^>]*>(.*?)<\/g>/gs;
    const circles = [...svg.matchAll(points)].reduce(
      (n, m) => n + (m[1].match(/<circle /g)?.length ?? 0),
      0,
    );
    expect(circles).toBe(4);
    await what.selectOption('png-curves');
    const png = await runExport(h.page, dialog);
    expect(pngSize(png).width).toBeGreaterThan(400);
    await closeExportDialog(dialog);
    await h.page.getByRole('button', { name: 'Export ▾' }).click();
    const [download] = await Promise.all([
      h.page.waitForEvent('download'),
      h.page.getByRole('menuitem', { name: 'Experiment table (CSV)' }).click(),
    ]);
    const csv = fs
      .readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('seed,steps,loss,grad_norm,minimum_ratio,index,flat,kind,converged');
    expect(csv).toHaveLength(5);
  });
});
