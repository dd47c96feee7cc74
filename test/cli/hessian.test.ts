/**
 * `losslab hessian` as a user runs it (main() in process, the SPEC on stdin): an explicit
 * network of the PyTorch reference file, a LossLab dataset and model — checked against the
 * same network written out explicitly, against `losslab train`'s own loss, and Lanczos and SLQ
 * against the exact spectrum — and bad SPECs, each refused with exit 2 and one line naming its
 * field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HessianOutput } from '../../electron/common/hessian-spec';
import { loadBackend } from '../../electron/engine/backend/select';
import { NetworkProblem, type Tf } from '../../electron/engine/network';
import { buildCli, runCli, spawnCli } from './harness';

interface ReferenceCase {
  name: string;
  spec: { model: { sizes: number[] }; layers: { W: number[][]; b: number[] }[]; data: object };
  expected: {
    loss: number;
    gradNorm: number;
    eigenvalues: number[];
    minimumRatio: number;
    flat: number;
    tau: number;
    parameters: number;
    trace: number;
  };
}

const reference = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/hessian.json'), 'utf8'),
) as { cases: ReferenceCase[] };

/** `losslab hessian -` on a SPEC; the parsed output, failing with stderr on a non-zero exit. */
async function hessian(spec: unknown): Promise<HessianOutput> {
  const { code, out, err } = await runCli(['hessian', '-'], JSON.stringify(spec));
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out) as HessianOutput;
}

const scaleOf = (values: number[]) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
function worst(got: number[], want: number[]): number {
  expect(got).toHaveLength(want.length);
  let d = 0;
  for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
  return d / scaleOf(want);
}
const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);

let tf: Tf;
beforeAll(async () => {
  tf = (await loadBackend()).tf;
});

describe('an explicit network (the reference format)', () => {
  it('softplus-2-3-3-2-ce: the spectrum, trace and counts of torch.autograd.functional.hessian', async () => {
    const c = reference.cases.find((r) => r.name === 'softplus-2-3-3-2-ce')!;
    const e = c.expected;
    const out = await hessian(c.spec);
    expect(out.parameters).toBe(e.parameters);
    expect(out.method).toBe('exact');
    expect(out.traceMethod).toBe('exact');
    expect(out.examples).toBe(30);
    expect(out.model).toEqual(c.spec.model);
    expect(worst(out.eigenvalues, e.eigenvalues)).toBeLessThan(1e-4);
    expect(Math.abs(out.trace - e.trace)).toBeLessThan(1e-4 * scaleOf(e.eigenvalues));
    expect(Math.abs(out.loss - e.loss) / e.loss).toBeLessThan(1e-5);
    expect(Math.abs(out.gradNorm - e.gradNorm) / e.gradNorm).toBeLessThan(1e-5);
    expect(out.minimumRatio).toBeCloseTo(e.minimumRatio, 12);
    expect(out.flat).toBe(e.flat);
    const threshold = e.tau * scaleOf(e.eigenvalues);
    expect(out.index).toBeCloseTo(
      e.eigenvalues.filter((v) => v < -threshold).length / e.parameters,
      12,
    );
    expect(out.classification.count).toBe(e.parameters);
    expect(typeof out.backend).toBe('string');
    expect(out.ms).toBeGreaterThan(0);
    expect(out.density).toBeUndefined();
    expect(out.eigenvectors).toBeUndefined();
  });

  it('judges the gradient only when given gradTolerance', async () => {
    const c = reference.cases.find((r) => r.name === 'softplus-2-3-3-2-ce')!;
    // ‖∇L‖ = 0.718.
    expect((await hessian(c.spec)).classification.kind).toBe('saddle');
    expect((await hessian({ ...c.spec, gradTolerance: 1 })).classification.kind).toBe('saddle');
    expect((await hessian({ ...c.spec, gradTolerance: 0.5 })).classification.kind).toBe(
      'not critical',
    );
  });

  it('eigenvectors on request: unit vectors with H v = λ v, checked by the spectrum of H + μ v vᵀ', async () => {
    const c = reference.cases.find((r) => r.name === 'tanh-2-4-1-mse')!;
    const out = await hessian({ ...c.spec, eigenvectors: true });
    const { indices, values, vectors } = out.eigenvectors!;
    // The most negative and the two largest.
    expect(indices).toEqual([0, 15, 16]);
    expect(values).toEqual(indices.map((i) => out.eigenvalues[i]));
    for (const v of vectors) {
      expect(v).toHaveLength(17);
      expect(Math.sqrt(sum(v.map((x) => x * x)))).toBeCloseTo(1, 9);
    }
    // Mutually orthogonal.
    for (let i = 0; i < vectors.length; i++)
      for (let j = i + 1; j < vectors.length; j++)
        expect(Math.abs(sum(vectors[i].map((x, k) => x * vectors[j][k])))).toBeLessThan(1e-6);
  });
});

/** A LossLab network's training data and θ₀ written in the reference format. */
function explicitOf(problem: NetworkProblem, theta: Float64Array, loss: 'ce' | 'mse') {
  const { layout } = problem;
  const split = problem.split('train');
  const d = layout.inputDim;
  const layers = layout.layers.map((l) => ({
    // LossLab keeps W as [out, in] (torch.nn.Linear's order); the reference format as in × out.
    W: Array.from({ length: l.fanIn }, (_, i) =>
      Array.from({ length: l.fanOut }, (_, o) => theta[l.weight.offset + o * l.fanIn + i]),
    ),
    b: Array.from(theta.subarray(l.bias.offset, l.bias.offset + l.fanOut)),
  }));
  return {
    model: {
      sizes: [d, ...layout.layers.map((l) => l.fanOut)],
      activation: problem.model.activation,
      loss,
    },
    layers,
    data: {
      x: Array.from({ length: split.n }, (_, i) =>
        Array.from(split.x.subarray(i * d, (i + 1) * d)),
      ),
      y: Array.from(split.y, (v) => (loss === 'ce' ? v : [v])),
    },
  };
}

describe('a LossLab dataset and model', () => {
  const dataset = {
    kind: 'blobs',
    n: 48,
    classes: 3,
    spread: 0.6,
    seed: 1,
    split: { train: 1, validation: 0, test: 0 },
  };
  const model = { depth: 1, width: 5, activation: 'tanh', seed: 3 };

  it('at θ₀: the same spectrum as the same network written explicitly', async () => {
    const out = await hessian({ dataset, model });
    expect(out.point).toBe('initial');
    expect(out.split).toBe('train');
    expect(out.examples).toBe(48);
    // 2·5 + 5 + 5·3 + 3 parameters.
    expect(out.parameters).toBe(33);
    expect((out.model as { parameters: number }).parameters).toBe(33);
    expect((out.dataset as { kind: string }).kind).toBe('blobs');
    expect(out.eigenvalues).toHaveLength(33);
    expect(out.trace).toBeCloseTo(sum(out.eigenvalues), 4);

    const problem = new NetworkProblem(tf, dataset as never, model as never);
    try {
      const explicit = await hessian(explicitOf(problem, problem.initialTheta, 'ce'));
      expect(worst(out.eigenvalues, explicit.eigenvalues)).toBeLessThan(1e-5);
      expect(out.loss).toBeCloseTo(explicit.loss, 6);
      expect(out.gradNorm).toBeCloseTo(explicit.gradNorm, 6);
      expect(out.classification).toEqual(explicit.classification);
    } finally {
      problem.dispose();
    }
  });

  it("after training: the loss is `losslab train`'s final training loss, and the gradient smaller", async () => {
    const training = {
      dataset,
      model,
      steps: 200,
      batchSize: 'full',
      runs: [{ optimizer: 'adam', lr: 0.05 }],
    };
    const out = await hessian(training);
    expect(out.point).toEqual({ run: 0, at: 'final' });
    const trained = await runCli(['train', '-'], JSON.stringify({ ...training, test: false }));
    expect(trained.code).toBe(0);
    const final = (JSON.parse(trained.out) as { runs: { final: { train: { loss: number } } }[] })
      .runs[0].final.train.loss;
    expect(Math.abs(out.loss - final) / final).toBeLessThan(1e-5);
    const initial = await hessian({ dataset, model });
    expect(out.loss).toBeLessThan(initial.loss);
    expect(out.gradNorm).toBeLessThan(initial.gradNorm);
  });

  it('Lanczos and the SLQ density against the exact spectrum (regression, ReLU, 2 hidden layers)', async () => {
    const spec = {
      dataset: { kind: 'sine', n: 64, seed: 2, split: { train: 1, validation: 0, test: 0 } },
      model: { depth: 2, width: 8, activation: 'relu', seed: 1 },
      steps: 100,
      batchSize: 'full',
      runs: [{ optimizer: 'adam', lr: 0.01 }],
    };
    const exact = await hessian(spec);
    // 1·8 + 8 + 8·8 + 8 + 8·1 + 1.
    expect(exact.parameters).toBe(97);
    const density = { probes: 4, iterations: 40, bins: 81 };
    const out = await hessian({ ...spec, method: 'lanczos', k: 4, iterations: 60, density });
    expect(out.method).toBe('lanczos');
    const e = exact.eigenvalues;
    expect(worst(out.eigenvalues, [...e.slice(0, 4), ...e.slice(-4)])).toBeLessThan(1e-4);
    expect(out.lanczos!.residuals).toHaveLength(8);
    expect(out.lanczos!.converged).toBe(true);
    expect(out.traceMethod).toBe('hutchinson');
    expect(Math.abs(out.trace - exact.trace)).toBeLessThan(4 * out.traceError!);
    expect(out.loss).toBe(exact.loss);

    const d = out.density!;
    expect(d.grid).toHaveLength(81);
    expect(d.density).toHaveLength(81);
    expect(d.probes).toBe(4);
    // A density: non-negative, and its integral over the grid is 1.
    expect(Math.min(...d.density)).toBeGreaterThanOrEqual(0);
    const step = (d.grid[80] - d.grid[0]) / 80;
    expect(Math.abs(sum(d.density) * step - 1)).toBeLessThan(0.05);
    // The grid spans the spectrum.
    expect(d.grid[0]).toBeLessThanOrEqual(e[0]);
    expect(d.grid[80]).toBeGreaterThanOrEqual(e[e.length - 1]);
    // SLQ's share of the measure above τ·max|λ| estimates the exact minimum ratio.
    expect(Math.abs(d.minimumRatio - exact.minimumRatio)).toBeLessThan(0.2);
  });
});

describe('the built binary', () => {
  it('reads a SPEC file, prints the analysis and exits 0; a bad one exits 2 with one line', async () => {
    const { bin, remove } = await buildCli('cli-hessian');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-hessian-'));
    try {
      const c = reference.cases.find((r) => r.name === 'relu-2-6-1-mse')!;
      const file = path.join(dir, 'relu.json');
      fs.writeFileSync(file, JSON.stringify(c.spec));
      const ok = await spawnCli(bin, ['hessian', file], { timeoutMs: 120_000 });
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      const out = JSON.parse(ok.stdout) as HessianOutput;
      expect(worst(out.eigenvalues, c.expected.eigenvalues)).toBeLessThan(1e-4);
      expect(out.flat).toBe(c.expected.flat);

      const bad = await spawnCli(bin, ['hessian', '-'], {
        input: JSON.stringify({ ...c.spec, method: 'lanczos', k: 13 }),
        timeoutMs: 120_000,
      });
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toMatch(
        /^losslab hessian: spec\.k: 2k = 26 eigenvalues are more than the 25 parameters; [^\n]*\n$/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      remove();
    }
  }, 300_000);
});

describe('refusals: exit 2, one line naming the field', () => {
  const tiny = reference.cases.find((r) => r.name === 'tanh-2-4-1-mse')!.spec;
  const layer0 = tiny.layers[0];
  const trainable = { dataset: { kind: 'xor', n: 40 }, model: { width: 4 } };
  const cases: [string, unknown, RegExp][] = [
    ['neither form', { method: 'exact' }, /^spec: give "dataset"/],
    ['not an object', [1, 2], /^spec: must be a JSON object/],
    ['too few layers', { ...tiny, layers: [layer0] }, /^spec\.layers: has 1 layers/],
    [
      'W with the wrong rows',
      { ...tiny, layers: [{ ...layer0, W: [layer0.W[0]] }, tiny.layers[1]] },
      /^spec\.layers\.0\.W: has 1 rows; model\.sizes says 2 inputs/,
    ],
    [
      'a row of W too short',
      { ...tiny, layers: [layer0, { ...tiny.layers[1], W: [[1], [2], [3], []] }] },
      /^spec\.layers\.1\.W\.3: has 0 entries/,
    ],
    [
      'b of the wrong length',
      { ...tiny, layers: [{ ...layer0, b: [0, 0] }, tiny.layers[1]] },
      /^spec\.layers\.0\.b: has 2 entries; model\.sizes says 4/,
    ],
    [
      'an input row of the wrong width',
      { ...tiny, data: { x: [[1, 2], [3]], y: [[0], [1]] } },
      /^spec\.data\.x\.1: has 1 entries; model\.sizes says 2/,
    ],
    [
      'fewer targets than inputs',
      { ...tiny, data: { x: [[1, 2]], y: [[0], [1]] } },
      /^spec\.data\.y: has 2 entries; data\.x has 1 rows/,
    ],
    [
      'a class index out of range',
      {
        model: { sizes: [2, 2], activation: 'linear', loss: 'ce' },
        layers: [
          {
            W: [
              [1, 0],
              [0, 1],
            ],
            b: [0, 0],
          },
        ],
        data: { x: [[1, 2]], y: [2] },
      },
      /^spec\.data\.y\.0: must be a class index, an integer from 0 to 1/,
    ],
    [
      'cross-entropy on one output',
      { ...tiny, model: { ...tiny.model, loss: 'ce' } },
      /^spec\.model\.sizes: ce needs at least 2 outputs/,
    ],
    [
      'an unknown activation',
      { ...tiny, model: { ...tiny.model, activation: 'gelu' } },
      /^spec\.model\.activation: /,
    ],
    ['an unknown method', { ...tiny, method: 'qr' }, /^spec\.method: /],
    ['a negative τ', { ...tiny, tau: -1 }, /^spec\.tau: /],
    ['k = 0', { ...tiny, k: 0 }, /^spec\.k: /],
    ['SLQ without probes', { ...tiny, density: { probes: 0 } }, /^spec\.density\.probes: /],
    ['an unknown field', { ...tiny, vectors: true }, /^spec: .*vectors/],
    [
      'Lanczos asked for more eigenvalues than parameters',
      { ...tiny, method: 'lanczos', k: 10 },
      /^spec\.k: 2k = 20 eigenvalues are more than the 17 parameters/,
    ],
    [
      'Lanczos with fewer iterations than eigenvalues',
      { ...tiny, method: 'lanczos', k: 4, iterations: 6 },
      /^spec\.iterations: 6 Lanczos iterations cannot give 2k = 8 eigenvalues/,
    ],
    [
      'an exact Hessian too large to hold',
      {
        model: { sizes: [1, 4096, 1], activation: 'tanh', loss: 'mse' },
        layers: [
          { W: [Array<number>(4096).fill(0.1)], b: Array<number>(4096).fill(0) },
          { W: Array.from({ length: 4096 }, () => [0.1]), b: [0] },
        ],
        data: { x: [[1]], y: [[0]] },
        method: 'exact',
      },
      /^spec\.method: an exact Hessian of 12,289 parameters needs 2\.4 GB .*use "lanczos"/,
    ],
    [
      'a loss that overflows float32',
      {
        model: { sizes: [1, 1], activation: 'linear', loss: 'mse' },
        layers: [{ W: [[1e30]], b: [0] }],
        data: { x: [[1e30]], y: [[0]] },
      },
      /^spec: the loss or its gradient at θ is not finite \(float32 overflows past 3\.4e38\)/,
    ],
    [
      'a θ of the wrong length',
      { ...trainable, theta: [1, 2, 3] },
      /^spec\.theta: has 3 entries; this model's θ has /,
    ],
    [
      'a point in a run that is not there',
      { ...trainable, steps: 5, runs: [{ optimizer: 'sgd', lr: 0.1 }], point: { run: 1 } },
      /^spec\.point\.run: there is no run 1 \(1 given\)/,
    ],
    [
      'both θ and a point',
      { ...trainable, theta: [0], point: { at: 'initial' } },
      /^spec\.point: give theta or point, not both/,
    ],
    [
      'runs without steps or epochs',
      { ...trainable, runs: [{ optimizer: 'sgd', lr: 0.1 }] },
      /^spec\.steps: give exactly one of steps and epochs/,
    ],
    [
      'an empty validation split',
      {
        ...trainable,
        dataset: { kind: 'xor', n: 40, split: { train: 1, validation: 0, test: 0 } },
        split: 'validation',
      },
      /^spec\.split: the validation split of this dataset is empty/,
    ],
    ['an unknown dataset', { dataset: { kind: 'mnist' } }, /^spec\.dataset\.kind: /],
    [
      'a model field of train that is not there',
      { ...trainable, model: { sizes: [2, 1] } },
      /^spec\.model: .*sizes/,
    ],
  ];

  for (const [name, spec, message] of cases) {
    it(name, async () => {
      const { code, out, err } = await runCli(['hessian', '-'], JSON.stringify(spec));
      expect(out).toBe('');
      expect(code).toBe(2);
      expect(err.split('\n')).toHaveLength(2);
      expect(err.endsWith('\n')).toBe(true);
      expect(err.startsWith('losslab hessian: ')).toBe(true);
      expect(err.slice('losslab hessian: '.length)).toMatch(message);
    });
  }

  it('--help shows the SPEC of both forms; the usage lists the command', async () => {
    const help = await runCli(['hessian', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: losslab hessian SPEC\.json\|-/);
    expect(help.out).toContain('"layers"');
    expect(help.out).toContain('"dataset"');
    const usage = await runCli(['--help']);
    expect(usage.out).toMatch(/\n {2}hessian {6}a network's Hessian at a point/);
  });
});
