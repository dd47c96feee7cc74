/**
 * The critical-points lab's pure parts, network side: the spectrum's stems and their classes
 * (which must count exactly what the engine's classification counts), the signed-log axis, the
 * experiments' tables and CSV, the scatter's groups, and the lessons' verdicts on results whose
 * phenomenon is known by construction.
 */
import { describe, expect, it } from 'vitest';
import type {
  CriticalAnalysis,
  CriticalExperimentResult,
  MinimumRatioPoint,
  PointClassification,
} from '../../electron/common/protocol';
import {
  EXPERIMENT_CHARTS,
  chartContents,
} from '../../renderer/src/lib/labs/critical/experiment-charts';
import {
  experimentCsv,
  experimentTable,
  experimentsJson,
  minimumRatioGroups,
  pageTable,
  rises,
  secondHalfMean,
} from '../../renderer/src/lib/labs/critical/experiment-data';
import {
  formatEta,
  formatValue,
  fractionDone,
  isCancellation,
} from '../../renderer/src/lib/labs/jobs';
import { criticalLessons, lessonById } from '../../renderer/src/lib/labs/critical/lessons';
import {
  densityPoints,
  eigenClass,
  signedLog,
  signedLogInverse,
  signedLogTicks,
  spectrumStems,
  stemPositions,
  tickLabel,
} from '../../renderer/src/lib/labs/critical/spectrum';

/** A classification as the engine makes it: b = τ·max|λ|, counts by strict inequality. */
function classify(eigenvalues: number[], tau: number): PointClassification {
  const scale = Math.max(...eigenvalues.map(Math.abs));
  const b = tau * scale;
  const positive = eigenvalues.filter((l) => l > b).length;
  const negative = eigenvalues.filter((l) => l < -b).length;
  const count = eigenvalues.length;
  return {
    kind: negative > 0 ? 'saddle' : 'minimum',
    gradNorm: 0,
    count,
    positive,
    negative,
    flat: count - positive - negative,
    minimumRatio: positive / count,
    index: negative / count,
    tau,
    scale,
    lambdaMax: Math.max(...eigenvalues),
    lambdaMin: Math.min(...eigenvalues),
  };
}

function analysis(eigenvalues: number[], parameters: number, tau = 1e-2): CriticalAnalysis {
  return {
    target: { lab: 'network', runId: 'net-1', step: 10 },
    parameters,
    loss: 0.1,
    gradNorm: 1e-4,
    method: eigenvalues.length === parameters ? 'exact' : 'lanczos',
    eigenvalues: Float64Array.from(eigenvalues),
    eigenvectors: new Float64Array(0),
    vectorIndices: [],
    trace: eigenvalues.reduce((a, b) => a + b, 0),
    traceMethod: 'exact',
    classification: classify(eigenvalues, tau),
    ms: 12,
  };
}

describe('spectrum stems', () => {
  it('counts each class exactly as the classification does, band edges flat', () => {
    // max|λ| = 10, τ = 1e-2: the band is ±0.1; ±0.1 itself is flat (strict inequalities).
    const values = [-2, -0.1, -0.05, 0, 0.1, 0.11, 3, 10];
    const a = analysis(values, values.length);
    const s = spectrumStems(a);
    expect(s.band).toBeCloseTo(0.1, 15);
    expect(s.stems.negative.map((x) => x.lambda)).toEqual([-2]);
    expect(s.stems.flat.map((x) => x.lambda)).toEqual([-0.1, -0.05, 0, 0.1]);
    expect(s.stems.positive.map((x) => x.lambda)).toEqual([0.11, 3, 10]);
    expect(s.stems.negative.length).toBe(a.classification.negative);
    expect(s.stems.flat.length).toBe(a.classification.flat);
    expect(s.stems.positive.length).toBe(a.classification.positive);
    expect(s.complete).toBe(true);
    // x is the 1-based position among the ascending eigenvalues.
    expect(s.stems.positive.map((x) => x.x)).toEqual([6, 7, 8]);
  });

  it('puts Lanczos extremes at both ends of the P positions', () => {
    expect(stemPositions(4, 4)).toEqual([1, 2, 3, 4]);
    // k = 3 smallest and 3 largest of P = 100.
    expect(stemPositions(6, 100)).toEqual([1, 2, 3, 98, 99, 100]);
    const s = spectrumStems(analysis([-1, 0, 1, 5, 6, 7], 1000));
    expect(s.complete).toBe(false);
    expect(
      [...s.stems.negative, ...s.stems.flat, ...s.stems.positive]
        .map((x) => x.x)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 3, 998, 999, 1000]);
  });

  it('classifies by the band, not by sign', () => {
    expect(eigenClass(1e-9, 1e-6)).toBe('flat');
    expect(eigenClass(-1e-9, 1e-6)).toBe('flat');
    expect(eigenClass(2e-6, 1e-6)).toBe('positive');
    expect(eigenClass(-2e-6, 1e-6)).toBe('negative');
  });
});

describe('the signed-log axis', () => {
  it('is odd, monotone, log₁₀ 2 at the band edge, and inverts exactly', () => {
    const b = 1e-3;
    expect(signedLog(0, b)).toBe(0);
    expect(signedLog(b, b)).toBeCloseTo(Math.log10(2), 14);
    expect(signedLog(-b, b)).toBeCloseTo(-Math.log10(2), 14);
    // 1 + 999·b/b = 1000: three decades.
    expect(signedLog(999 * b, b)).toBeCloseTo(3, 12);
    for (const l of [-123.4, -1e-3, -7e-5, 0, 4e-6, 0.5, 2e4]) {
      expect(signedLogInverse(signedLog(l, b), b)).toBeCloseTo(l, 9);
    }
    const xs = [-10, -1, -0.01, 0, 0.01, 1, 10];
    const ys = xs.map((x) => signedLog(x, b));
    for (let i = 1; i < ys.length; i++) expect(ys[i]).toBeGreaterThan(ys[i - 1]);
    // No band (all eigenvalues 0): the identity.
    expect(signedLog(3, 0)).toBe(3);
  });

  it('ticks at 0 and ±10ᵐ from the band up, thinned, within the range', () => {
    // y spans −log₁₀ 51 … log₁₀ 20001 (6.0 units): ticks at least 0.6 apart; ±1e-3 (y ±0.30)
    // is too near 0 and goes, the rest stay.
    expect(signedLogTicks(-0.05, 20, 1e-3, 10)).toEqual([-0.01, 0, 0.01, 0.1, 1, 10]);
    // Fewer allowed: 1.2 apart, from the outermost in (1 is 1.0 from 10, −0.01 1.04 from 0).
    expect(signedLogTicks(-0.05, 20, 1e-3, 5)).toEqual([0, 0.1, 10]);
    const many = signedLogTicks(-1e3, 1e3, 1e-6, 7);
    expect(many.length).toBeLessThanOrEqual(7);
    expect(many).toContain(0);
    expect(many).toContain(1000);
    expect(many).toContain(-1000);
    expect(tickLabel(0)).toBe('0');
    expect(tickLabel(1e-4)).toBe('1e-4');
    expect(tickLabel(-1e5)).toBe('−1e5');
    expect(tickLabel(0.25)).toBe('0.25');
  });

  it('drops density values a log axis cannot show', () => {
    const d = {
      grid: Float64Array.from([0, 1, 2]),
      density: Float64Array.from([0, 0.5, 1e-30]),
      probes: 1,
      iterations: 2,
      sigma: 0.1,
    };
    const log = densityPoints(d, true);
    expect(Number.isNaN(log[0].y)).toBe(true);
    expect(log[1]).toEqual({ x: 1, y: 0.5 });
    // 29 decades under the peak: a tail, left out.
    expect(Number.isNaN(log[2].y)).toBe(true);
    const near = densityPoints({ ...d, density: Float64Array.from([0.5, 1, 2e-6]) }, true);
    expect(near.map((p) => p.y)).toEqual([0.5, 1, 2e-6]);
    expect(densityPoints(d, false)[0]).toEqual({ x: 0, y: 0 });
  });
});

function point(over: Partial<MinimumRatioPoint>): MinimumRatioPoint {
  return {
    seed: 1,
    steps: 100,
    loss: 0.1,
    gradNorm: 1e-4,
    minimumRatio: 0.9,
    flat: 2,
    index: 0.05,
    kind: 'saddle',
    converged: true,
    ...over,
  };
}

const eos = (
  series: { lr: number; sharpness: number[]; loss: number[]; diverged?: boolean }[],
): CriticalExperimentResult => ({
  kind: 'edge-of-stability',
  parameters: 50,
  series: series.map((s) => ({
    lr: s.lr,
    threshold: 2 / s.lr,
    steps: Float64Array.from(s.loss, (_, i) => i),
    loss: Float64Array.from(s.loss),
    sharpnessSteps: Float64Array.from(s.sharpness, (_, i) => i * 10),
    sharpness: Float64Array.from(s.sharpness),
    ...(s.diverged ? { diverged: true } : {}),
  })),
});

describe('experiment tables', () => {
  it('minimum ratio: one row per network, CSV with its header and nothing rounded', () => {
    const result: CriticalExperimentResult = {
      kind: 'minimum-ratio',
      architecture: '1x4 tanh crossEntropy l2=0',
      points: [
        point({ seed: 1, loss: 0.123456789 }),
        point({ seed: 2, kind: 'minimum', minimumRatio: 1, index: 0 }),
      ],
      tau: 1e-4,
      gradTolerance: 1e-3,
      parameters: 25,
    };
    const csv = experimentCsv(result).trim().split('\n');
    expect(csv[0]).toBe('seed,steps,loss,grad_norm,minimum_ratio,index,flat,kind,converged');
    expect(csv).toHaveLength(3);
    expect(csv[1]).toBe('1,100,0.123456789,0.0001,0.9,0.05,2,saddle,true');
    expect(pageTable(result)).toEqual(experimentTable(result));
  });

  it('edge of stability: a CSV row per step (λ_max where measured), a page row per η', () => {
    const result = eos([
      { lr: 0.5, sharpness: [1, 3], loss: Array.from({ length: 12 }, (_, i) => 1 / (i + 1)) },
    ]);
    const rows = experimentTable(result).rows;
    expect(rows).toHaveLength(12);
    expect(rows[0]).toEqual([0.5, 4, 0, 1, 1]);
    expect(rows[10]).toEqual([0.5, 4, 10, 1 / 11, 3]);
    expect(Number.isNaN(rows[1][4])).toBe(true);
    // NaN goes into the CSV as an empty field.
    expect(experimentCsv(result).split('\n')[2]).toBe('0.5,4,1,0.5,');
    const page = pageTable(result);
    expect(page.rows).toHaveLength(1);
    // Second half: steps ≥ (0 + 10)/2 → only step 10, λ_max 3; the loss only falls.
    expect(page.rows[0].slice(0, 4)).toEqual([0.5, 4, 3, 3]);
    expect(page.rows[0][6]).toBe(false);
  });

  it('JSON holds plain arrays and no NaN', () => {
    const result = eos([{ lr: 0.1, sharpness: [NaN, 2], loss: [1, 0.5] }]);
    const json = experimentsJson([
      { spec: { kind: 'edge-of-stability', lrs: [0.1], steps: 10, every: 1, seed: 0 }, result },
    ]);
    const text = JSON.stringify(json);
    expect(text).not.toContain('NaN');
    const back = JSON.parse(text) as { runs: { result: { series: { sharpness: unknown[] }[] } }[] };
    expect(back.runs[0].result.series[0].sharpness).toEqual([null, 2]);
  });

  it('helpers: second-half mean, rises', () => {
    expect(secondHalfMean([0, 1, 2, 3, 4], [9, 9, 1, 2, 3])).toBe(2);
    expect(Number.isNaN(secondHalfMean([], []))).toBe(true);
    expect(rises([3, 2, 1])).toBe(false);
    expect(rises([3, 2, 2.5, 1])).toBe(true);
    // Float noise is not a rise.
    expect(rises([1, 1 + 1e-9])).toBe(false);
  });
});

describe('the minimum-ratio scatter', () => {
  it('puts every point in exactly one group, rings for the step budget', () => {
    const points = [
      point({ kind: 'saddle' }),
      point({ kind: 'saddle', converged: false }),
      point({ kind: 'minimum', minimumRatio: 1 }),
      point({ kind: 'degenerate' }),
      point({ kind: 'saddle' }),
    ];
    const groups = minimumRatioGroups(points);
    expect(groups.reduce((n, g) => n + g.points.length, 0)).toBe(points.length);
    const budget = groups.filter((g) => g.hollow);
    expect(budget.map((g) => g.points.length)).toEqual([1]);
    const contents = chartContents(
      {
        kind: 'minimum-ratio',
        architecture: '1x4 tanh crossEntropy l2=0',
        points,
        tau: 1e-4,
        gradTolerance: 1e-3,
        parameters: 9,
      },
      1,
    );
    const c = contents['minimum-ratio'];
    expect(c.type).toBe('points');
    if (c.type === 'points') expect(c.groups.flatMap((g) => g.points)).toHaveLength(5);
  });

  it('every chart an experiment declares gets content', () => {
    const results: CriticalExperimentResult[] = [
      {
        kind: 'minimum-ratio',
        architecture: '1x4 tanh crossEntropy l2=0',
        points: [point({})],
        tau: 1e-4,
        gradTolerance: 1e-3,
        parameters: 9,
      },
      {
        kind: 'saddle-escape',
        saddle: { loss: 1, gradNorm: 0, lambdaMin: -1, lambdaMax: 2, index: 0.1 },
        steps: Float64Array.from([0, 1]),
        plain: Float64Array.from([1, 1]),
        escaped: Float64Array.from([0.9, 0.5]),
        predicted: -0.125,
        actual: -0.1,
        t: 0.5,
      },
      eos([{ lr: 0.1, sharpness: [1, 2], loss: [1, 0.5] }]),
      {
        kind: 'sharpness',
        runId: 'net-1',
        steps: Float64Array.from([0, 5]),
        lambdaMax: Float64Array.from([1, 2]),
        trace: Float64Array.from([3, 4]),
        loss: Float64Array.from([1, 0.5]),
      },
    ];
    for (const r of results) {
      const contents = chartContents(r, 1);
      expect(Object.keys(contents).sort()).toEqual(
        EXPERIMENT_CHARTS[r.kind].map((c) => c.id).sort(),
      );
    }
    // The dashed 2/η line spans the steps at the threshold.
    const eosContent = chartContents(results[2], 1)['eos-sharpness'];
    if (eosContent.type !== 'curves') throw new Error('curves expected');
    const threshold = eosContent.series.find((s) => s.id === 'threshold-0')!;
    expect(threshold.dashed).toBe(true);
    expect([threshold.value(0), threshold.value(1)]).toEqual([20, 20]);
    expect([threshold.x!(0), threshold.x!(1)]).toEqual([0, 1]);
  });
});

describe('jobs', () => {
  it('tells a cancellation from a failure', () => {
    expect(isCancellation('cancelled')).toBe(true);
    expect(isCancellation('cancelled: the user stopped it')).toBe(true);
    expect(isCancellation('Cancelled by request')).toBe(true);
    expect(isCancellation('run "net-3" was cancelledish')).toBe(false);
    expect(isCancellation('target.runId: no run "x"')).toBe(false);
  });

  it('formats progress, time left and values', () => {
    expect(fractionDone({ done: 3, total: 12 })).toBe(0.25);
    expect(fractionDone({ done: 3, total: 0 })).toBe(0);
    expect(formatEta(undefined)).toBe('');
    expect(formatEta(Infinity)).toBe('');
    expect(formatEta(0.2)).toBe('about 1 s left');
    expect(formatEta(125)).toBe('about 2 min 5 s left');
    expect(formatEta(40, 'zh')).toBe('约剩 40 秒');
    expect(formatValue(1234.5)).toBe('1.23e+3');
    expect(formatValue(12345)).toBe('1.23e+4');
    expect(formatValue(2e-5)).toBe('2.00e-5');
    expect(formatValue(0)).toBe('0');
    expect(formatValue(NaN)).toBe('–');
  });
});

describe('lessons', () => {
  it('(j) holds when most ratios are in (0.5, 1) and some point has negative eigenvalues', () => {
    const j = lessonById('minimum-ratio')!;
    expect(j.letter).toBe('j');
    const result = (ratios: number[], negative: boolean[]): CriticalExperimentResult => ({
      kind: 'minimum-ratio',
      architecture: '1x4 tanh crossEntropy l2=0',
      points: ratios.map((r, i) =>
        point({
          minimumRatio: r,
          index: negative[i] ? 0.01 : 0,
          kind: negative[i] ? 'saddle' : 'degenerate',
        }),
      ),
      tau: 1e-4,
      gradTolerance: 1e-3,
      parameters: 25,
    });
    expect(j.verdict(result([0.9, 0.95, 0.8, 1], [true, false, false, false])).holds).toBe(true);
    // Every network a minimum: the lecture's reading does not hold.
    expect(j.verdict(result([1, 1, 1], [false, false, false])).holds).toBe(false);
    // High ratios but no negative eigenvalue anywhere.
    expect(j.verdict(result([0.9, 0.9], [false, false])).holds).toBe(false);
    const text = j.verdict(result([0.9, 0.95, 0.8, 1], [true, false, false, false])).text;
    expect(text.en).toMatch(/^3 of 4 networks \(75 %\)/);
    expect(text.zh).toMatch(/4 个网络中有 3 个/);
  });

  it('(k) holds when λ_max hovers at 2/η late and the loss rises on its way down', () => {
    const k = lessonById('edge-of-stability')!;
    const sharpening = (lr: number) =>
      Array.from({ length: 20 }, (_, i) => (2 / lr) * Math.min(1, 0.2 + i / 8));
    const bumpy = [1, 0.8, 0.9, 0.6, 0.65, 0.4, 0.3];
    expect(k.verdict(eos([{ lr: 0.1, sharpness: sharpening(0.1), loss: bumpy }])).holds).toBe(true);
    // A monotone loss is gradient descent below the edge, not at it.
    expect(
      k.verdict(eos([{ lr: 0.1, sharpness: sharpening(0.1), loss: [1, 0.8, 0.5] }])).holds,
    ).toBe(false);
    // Sharpness far below 2/η.
    expect(
      k.verdict(eos([{ lr: 0.1, sharpness: sharpening(0.1).map((v) => v / 3), loss: bumpy }]))
        .holds,
    ).toBe(false);
    expect(
      k.verdict(eos([{ lr: 0.1, sharpness: sharpening(0.1), loss: bumpy, diverged: true }])).holds,
    ).toBe(false);
  });

  it('both lessons have text in both languages and small settings', () => {
    expect(criticalLessons.map((l) => l.letter)).toEqual(['j', 'k']);
    for (const l of criticalLessons) {
      for (const t of [l.title, l.body, l.watch]) {
        expect(t.en.length).toBeGreaterThan(10);
        expect(t.zh.length).toBeGreaterThan(4);
        expect(/[\u4e00-\u9fff]/.test(t.zh)).toBe(true);
      }
    }
  });
});
