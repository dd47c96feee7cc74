/**
 * The experiments lab's pure parts: the forms' defaults are the protocol's, what a form sends
 * passes the protocol's schema (and a bad list is refused naming it), a figure's datasets (error
 * bars, dodged scatters, log axes), named and integer ticks, the legend of a crowded figure, and
 * the flowchart the verdict walks.
 */
import { describe, expect, it } from 'vitest';
import {
  experimentSpecSchema,
  type Figure,
  type Verdict,
} from '../../../../electron/common/protocol';
import {
  dataTicks,
  figureDatasets,
  heatmapLayer,
  legendEntries,
  namedAxis,
  distinctLabels,
} from '../../../../renderer/src/lib/labs/experiments/figure-data';
import {
  EXPERIMENT_KINDS,
  defaultSettings,
  parseList,
  settingsFrom,
  largestShift,
  shiftSizes,
  specOf,
} from '../../../../renderer/src/lib/labs/experiments/kinds';
import { runColors } from '../../../../renderer/src/lib/views/palette';
import { tableCsv } from '../../../../renderer/src/lib/labs/experiments/result-data';
import { flowOf, taken } from '../../../../renderer/src/lib/labs/experiments/verdict-flow';

describe('the forms', () => {
  it('start from the protocol’s defaults, and what they send passes its schema', () => {
    for (const kind of EXPERIMENT_KINDS) {
      const made = specOf(kind, defaultSettings());
      expect('spec' in made, kind).toBe(true);
      if (!('spec' in made)) continue;
      const sent = experimentSpecSchema.parse(made.spec);
      const defaults = experimentSpecSchema.parse({ kind });
      // Everything the form sends is what the engine would take by default.
      expect(sent, kind).toEqual(defaults);
    }
  });

  it('cross-validation candidates are model patches of the setting they vary', () => {
    const settings = defaultSettings();
    settings['cross-validation'].vary = 'depth';
    settings['cross-validation'].candidates = '1 2 3';
    const made = specOf('cross-validation', settings);
    expect(made).toMatchObject({
      spec: { candidates: [{ depth: 1 }, { depth: 2 }, { depth: 3 }] },
    });
    settings['cross-validation'].candidates = '1, 2.5';
    expect(specOf('cross-validation', settings)).toEqual({
      problem: 'Candidates: “2.5” is not one of the whole numbers from 1 to 20',
    });
  });

  it('an empty batch-size list leaves the sizes to the engine (powers of two)', () => {
    const made = specOf('batch-size', defaultSettings());
    expect(made).toMatchObject({ spec: { kind: 'batch-size' } });
    expect('spec' in made && 'sizes' in made.spec).toBe(false);
  });

  it('a finished experiment’s SPEC fills its form back, the same SPEC again', () => {
    const specs = [
      { kind: 'depth', depths: [1, 3], width: 8, residual: false, epochs: 7, seed: 4 },
      { kind: 'cross-validation', folds: 3, candidates: [{ l2: 0.1 }, { l2: 1 }], epochs: 9 },
      { kind: 'batch-size', sizes: [2, 8], timedUpdates: 4, epochs: 3, batchSize: 16 },
      { kind: 'mismatch', sizes: [0, 0.5], epochs: 11, optimizer: { optimizer: 'adam', lr: 0.03 } },
      {
        kind: 'noise',
        optimizer: { optimizer: 'sgd', lr: 0.3 },
        batchSize: 2,
        epochs: 4,
        maxUpdates: 99,
      },
      { kind: 'scaling', batchSize: 4, factor: 2, warmupEpochs: 3, epochs: 6, seed: 2 },
      { kind: 'losses', optimizer: { optimizer: 'sgd', lr: 0.2 }, batchSize: 16, epochs: 5 },
      { kind: 'adaptive', n: 20, p: 0.7, steps: 100, testPoints: 50, seed: 3 },
    ] as const;
    for (const input of specs) {
      const spec = experimentSpecSchema.parse(input);
      const made = specOf(spec.kind, settingsFrom(spec, defaultSettings()));
      expect('spec' in made && experimentSpecSchema.parse(made.spec), spec.kind).toEqual(spec);
    }
  });

  it('parseList refuses what the schema would, in words', () => {
    const bounds = { min: 0, max: 1, count: [1, 3] as [number, number] };
    expect(parseList('0, 0.5 1', bounds)).toEqual([0, 0.5, 1]);
    expect(parseList('0, 2', bounds)).toBe('“2” is not one of the numbers from 0 to 1');
    expect(parseList('', bounds)).toBe('1 to 3 numbers from 0 to 1, separated by commas');
    expect(parseList('0 0 0 0', bounds)).toBe('1 to 3 numbers from 0 to 1, separated by commas');
  });
});

const runColorOf = (group: number) => runColors[group % runColors.length];

const figure = (over: Partial<Figure>): Figure => ({
  id: 'f',
  title: 'F',
  x: { label: 'x' },
  y: { label: 'y' },
  kind: 'line',
  series: [],
  ...over,
});

describe('figures', () => {
  it('error bars are segments from y − e to y + e, apart from each other and unnamed', () => {
    const f = figure({
      kind: 'scatter',
      x: { label: 'candidate (0: width 2; 1: width 8)', ticks: 'integer' },
      series: [{ label: 'mean', x: [0, 1], y: [0.5, 0.4], error: [0.1, 0.2] }],
    });
    const [bars, points] = figureDatasets(f, { xLog: false, yLog: false });
    expect(bars.label).toBe('');
    expect(bars.data.map((p) => p.y)).toEqual([0.4, 0.6, NaN, 0.2, 0.6000000000000001, NaN]);
    expect(bars.spanGaps).toBe(false);
    expect(points.label).toBe('mean');
    expect(points.showLine).toBe(false);
  });

  it('a heatmap draws its series as given (points or lines), each over a dark edge under it', () => {
    const f = figure({
      kind: 'heatmap',
      series: [
        { label: 'path', x: [0, 1, 2], y: [0, 1, 0] },
        { label: 'examples', x: [2, 0, 1], y: [1, 0, 2], points: true, group: 3 },
      ],
      grid: { x: [0, 1], y: [0, 1], z: [1, 2, 3, 4], label: 'loss' },
    });
    const sets = figureDatasets(f, { xLog: false, yLog: false });
    expect(sets.map((d) => [d.label, d.order, d.showLine])).toEqual([
      ['', 1, true],
      ['', 1, false],
      ['path', 0, true],
      ['examples', 0, false],
    ]);
    const [pathEdge, pointEdge, path, points] = sets;
    // The edges: wider, darker, under (order 1 is painted first), the same points.
    expect(pathEdge.borderWidth).toBeGreaterThan(path.borderWidth);
    expect(pathEdge.data).toEqual(path.data);
    expect(pathEdge.pointRadius).toBe(0);
    expect(pointEdge.pointRadius).toBeGreaterThan(points.pointRadius);
    expect(points.pointRadius).toBeGreaterThan(0);
    expect(points.borderColor).toBe(runColorOf(3));
    expect(legendEntries(f).map((e) => e.mark)).toEqual(['line', 'dot']);
  });

  it("a heatmap's colours span its grid's range, or the range it shares; nulls are NaN", () => {
    const grid = { x: [0, 1], y: [0, 1], z: [0.5, null, 4, 2], label: 'training loss' };
    const own = heatmapLayer(grid, false);
    expect([own.n, own.scale.min, own.scale.max, own.scale.log]).toEqual([2, 0.5, 4, false]);
    expect(Array.from(own.values)).toEqual([0.5, NaN, 4, 2]);
    expect(own.scale(2.25)).toBeCloseTo(0.5, 12);
    const shared = heatmapLayer({ ...grid, range: [0.1, 40] }, true);
    expect([shared.scale.min, shared.scale.max, shared.scale.log]).toEqual([0.1, 40, true]);
    expect(shared.label).toBe('training loss');
  });

  it('a scatter over integer positions draws its series side by side, centred', () => {
    const f = figure({
      kind: 'scatter',
      x: { label: 'split', ticks: 'integer' },
      series: [
        { label: 'a', x: [0, 1], y: [1, 2] },
        { label: 'b', x: [0, 1], y: [1, 2] },
        { label: 'c', x: [0, 1], y: [1, 2] },
      ],
    });
    const xs = figureDatasets(f, { xLog: false, yLog: false }).map((d) => d.data[0].x);
    expect(xs[0]).toBeLessThan(0);
    expect(xs[1]).toBe(0);
    expect(xs[2]).toBeCloseTo(-xs[0], 12);
  });

  it('a log axis leaves out values ≤ 0 and nulls, keeping the points’ places', () => {
    const f = figure({ series: [{ label: 'a', x: [1, 2, 3], y: [1, 0, null] }] });
    const [d] = figureDatasets(f, { xLog: false, yLog: true });
    expect(d.data).toEqual([
      { x: 1, y: 1 },
      { x: 2, y: NaN },
      { x: 3, y: NaN },
    ]);
  });

  it('a line figure draws examples scattered over a curve as points, a path that turns back as a line', () => {
    const margins = [0.3, -0.8, 0.1, 0.9, -0.4, 0.6, -0.1, 0.5];
    const examples = {
      label: 'examples',
      x: margins,
      y: margins.map((m) => Math.log1p(Math.exp(-m))),
    };
    const t = Array.from({ length: 50 }, (_, i) => i / 49);
    const path = { label: 'trajectory', x: t.map((u) => Math.sin(3 * u)), y: t };
    const [a, b] = figureDatasets(figure({ series: [examples, path] }), {
      xLog: false,
      yLog: false,
    });
    expect(a.showLine).toBe(false);
    expect(b.showLine).toBe(true);
  });

  it('named positions come from the axis title, only on integer axes', () => {
    expect(namedAxis('split (0 training, 1 validation, 2 test)', 'integer')).toEqual({
      title: 'split',
      names: new Map([
        [0, 'training'],
        [1, 'validation'],
        [2, 'test'],
      ]),
    });
    expect(namedAxis('candidate (0: width 2; 1: width 8)', 'integer')?.names.get(1)).toBe(
      'width 8',
    );
    expect(namedAxis('shift size (0 none, 1 the largest)', undefined)).toBeUndefined();
    expect(namedAxis('epoch', 'integer')).toBeUndefined();
  });

  it('log ticks at the data’s positions, none printed over its neighbour', () => {
    const f = figure({
      x: { label: 'batch size', log: true, ticks: 'integer' },
      series: [{ label: 'a', x: [1, 2, 4, 8, 16, 32, 64, 128, 140], y: [] }],
    });
    // 140 (the whole set) beside 128: the last one is kept.
    expect(dataTicks(f)).toEqual([1, 2, 4, 8, 16, 32, 64, 140]);
  });

  it('a crowded figure’s legend names its colour groups and line styles', () => {
    const series = [2, 8].flatMap((w, g) =>
      [1, 2, 3, 4, 5].flatMap((k) => [
        { label: `width ${w}, fold ${k} — training`, x: [1], y: [1], group: g },
        { label: `width ${w}, fold ${k} — validation`, x: [1], y: [1], group: g, dashed: true },
      ]),
    );
    expect(legendEntries(figure({ series })).map((e) => `${e.mark} ${e.label}`)).toEqual([
      'line width 2',
      'line width 8',
      'line solid: training',
      'dash dashed: validation',
    ]);
  });
});

describe('the flowchart', () => {
  const step = (question: string, answer: boolean) => ({ question, answer, evidence: 'e' });

  it('places each of the verdict’s answers on its question, the arrows it took', () => {
    const verdict: Verdict = {
      branch: 'overfitting',
      steps: [
        step('Is the training loss large?', false),
        step('Is the validation loss large next to the training loss?', true),
      ],
      advice: 'Overfitting: …',
    };
    const flow = flowOf(verdict);
    expect(flow.questions.large.answer).toBe(false);
    expect(flow.questions.overfit.answer).toBe(true);
    expect(flow.questions.smaller.answer).toBeUndefined();
    expect(taken(flow, 'large', false)).toBe(true);
    expect(taken(flow, 'large', true)).toBe(false);
    expect(taken(flow, 'mismatch', true)).toBe(false);
    expect(flow.other).toEqual([]);
  });

  it('a question not on the chart is listed below it', () => {
    const flow = flowOf({ branch: 'fine', steps: [step('Is it raining?', false)], advice: '' });
    expect(flow.other).toHaveLength(1);
  });
});

it('a table as CSV: nulls empty, text with commas quoted', () => {
  expect(
    tableCsv({
      columns: ['candidate', 'loss'],
      rows: [
        ['width 2, deep', 0.5],
        ['x', null],
      ],
    }),
  ).toBe('candidate,loss\n"width 2, deep",0.5\nx,\n');
});

describe('distinctLabels', () => {
  it('prints 3 significant digits, more only where ticks would read alike', () => {
    expect(distinctLabels([0.1, 0.2, 0.5, 1])).toEqual(['0.1', '0.2', '0.5', '1']);
    // A sharpness moving in its fourth digit.
    expect(distinctLabels([0.499, 0.4995, 0.5, 0.5005, 0.501])).toEqual([
      '0.499',
      '0.4995',
      '0.5',
      '0.5005',
      '0.501',
    ]);
    expect(distinctLabels([0, 12345, 0.0001])).toEqual(['0', '1e4', '1e-4']);
    // Equal values may print alike.
    expect(distinctLabels([2, 2])).toEqual(['2', '2']);
  });
});

describe('the mismatch form’s slider', () => {
  it('writes six sizes from 0 to the largest, and reads the largest back', () => {
    expect(shiftSizes(1)).toBe('0, 0.2, 0.4, 0.6, 0.8, 1');
    expect(shiftSizes(0.5)).toBe('0, 0.1, 0.2, 0.3, 0.4, 0.5');
    expect(shiftSizes(0)).toBe('0');
    expect(largestShift('0, 0.1, 0.35')).toBe(0.35);
    expect(largestShift('nonsense')).toBe(1);
    expect(largestShift(shiftSizes(0.75))).toBe(0.75);
  });
});
