/**
 * What every update rule shares: torch's defaults, agreement with the independent references
 * over hundreds of steps with hyperparameters changed mid-run, the elementwise property (a batch
 * of points laid side by side steps exactly like each point alone), and the reported η/σ.
 */
import { describe, expect, it } from 'vitest';
import type { Hyper, HyperPatch, OptimizerSpec } from '../../../electron/common/schemas';
import { optimizerSpecSchema } from '../../../electron/common/schemas';
import { AnalyticRun } from '../../../electron/engine/labs/explorer/analytic-run';
import {
  HyperError,
  LECTURE_EPS,
  Optimizer,
  patchHyper,
  resolveHyper,
  torchDefaults,
} from '../../../electron/engine/optim';
import { SeededRandom } from '../problems/seeded-random';
import { referenceFor } from './reference';

/** A spread of configurations covering every rule, variant and option. */
const configs: OptimizerSpec[] = [
  { optimizer: 'sgd', lr: 0.05 },
  { optimizer: 'sgd', lr: 0.05, momentum: 0.9 },
  { optimizer: 'sgd', lr: 0.05, momentum: 0.8, dampening: 0.3 },
  { optimizer: 'sgd', lr: 0.02, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
  { optimizer: 'adagrad', lr: 0.1 },
  { optimizer: 'adagrad', lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.5, weightDecay: 0.1 },
  { optimizer: 'adagrad', lr: 0.1, variant: 'lecture' },
  { optimizer: 'rmsprop', lr: 0.01 },
  { optimizer: 'rmsprop', lr: 0.01, centered: true },
  { optimizer: 'rmsprop', lr: 0.01, momentum: 0.9, weightDecay: 0.05 },
  { optimizer: 'rmsprop', lr: 0.01, momentum: 0.5, centered: true, alpha: 0.9 },
  { optimizer: 'rmsprop', lr: 0.01, variant: 'lecture', alpha: 0.9 },
  { optimizer: 'adam', lr: 0.01 },
  { optimizer: 'adam', lr: 0.01, amsgrad: true, weightDecay: 0.1 },
  { optimizer: 'adam', lr: 0.01, betas: [0.5, 0.9], eps: 1e-6 },
  { optimizer: 'adamw', lr: 0.01 },
  { optimizer: 'adamw', lr: 0.01, weightDecay: 0.3, amsgrad: true },
];

const label = (spec: OptimizerSpec) => JSON.stringify(spec);

/** Random gradients of assorted sizes, some coordinates tiny, some large, a few exactly 0. */
function gradientStream(rng: SeededRandom, n: number): number[] {
  return Array.from({ length: n }, () => {
    if (rng.chance(0.05)) return 0;
    const scale = 10 ** rng.uniform(-3, 1);
    return (rng.next() - 0.5) * 2 * scale;
  });
}

/** Mid-run patches each rule reads, applied at the given steps. */
function patchesFor(spec: OptimizerSpec): Map<number, HyperPatch> {
  const patches = new Map<number, HyperPatch>([
    [37, { lr: (spec.lr ?? 0.01) * 0.3, weightDecay: 0.02 }],
    [150, { lr: (spec.lr ?? 0.01) * 2 }],
  ]);
  switch (spec.optimizer) {
    case 'sgd':
      if (spec.nesterov) patches.set(90, { momentum: 0.5 });
      else patches.set(90, { momentum: 0.6, dampening: 0.1 });
      break;
    case 'adagrad':
      patches.set(90, spec.variant === 'lecture' ? { eps: 1e-3 } : { lrDecay: 0.05, eps: 1e-6 });
      break;
    case 'rmsprop':
      patches.set(
        90,
        spec.variant === 'lecture'
          ? { alpha: 0.5 }
          : { alpha: 0.8, centered: !spec.centered, momentum: 0.3 },
      );
      break;
    case 'adam':
    case 'adamw':
      patches.set(90, { betas: [0.8, 0.99], eps: 1e-4, amsgrad: !spec.amsgrad });
      break;
  }
  return patches;
}

function closeArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= 1e-11 * (1 + Math.abs(expected[i])))) {
      throw new Error(`${what}[${i}]: ${actual[i]}, reference ${expected[i]}`);
    }
  }
}

describe("torch.optim's defaults", () => {
  it('match torch 2.x for every rule', () => {
    const d = torchDefaults;
    expect([d.sgd.lr, d.sgd.momentum, d.sgd.dampening, d.sgd.nesterov, d.sgd.weightDecay]).toEqual([
      1e-3,
      0,
      0,
      false,
      0,
    ]);
    expect([
      d.adagrad.lr,
      d.adagrad.lrDecay,
      d.adagrad.weightDecay,
      d.adagrad.initialAccumulatorValue,
      d.adagrad.eps,
    ]).toEqual([1e-2, 0, 0, 0, 1e-10]);
    expect([
      d.rmsprop.lr,
      d.rmsprop.alpha,
      d.rmsprop.eps,
      d.rmsprop.weightDecay,
      d.rmsprop.momentum,
      d.rmsprop.centered,
    ]).toEqual([1e-2, 0.99, 1e-8, 0, 0, false]);
    for (const name of ['adam', 'adamw'] as const) {
      expect([d[name].lr, d[name].betas, d[name].eps, d[name].amsgrad]).toEqual([
        1e-3,
        [0.9, 0.999],
        1e-8,
        false,
      ]);
    }
    expect(d.adam.weightDecay).toBe(0);
    expect(d.adamw.weightDecay).toBe(1e-2);
    for (const h of Object.values(d)) expect(h.variant).toBe('pytorch');
  });

  it('fill what a spec leaves out; the lecture variants default ε to 1e-10', () => {
    expect(resolveHyper({ optimizer: 'adam', lr: 0.1 })).toEqual({
      ...torchDefaults.adam,
      lr: 0.1,
    });
    expect(resolveHyper({ optimizer: 'rmsprop', variant: 'lecture' }).eps).toBe(LECTURE_EPS);
    expect(resolveHyper({ optimizer: 'adagrad', variant: 'lecture' }).eps).toBe(1e-10);
    expect(resolveHyper({ optimizer: 'rmsprop', variant: 'lecture', eps: 1e-3 }).eps).toBe(1e-3);
  });

  it('refuse what torch refuses, naming the field', () => {
    const nesterov = () => resolveHyper({ optimizer: 'sgd', nesterov: true });
    expect(nesterov).toThrow(HyperError);
    expect(nesterov).toThrow(/nesterov/);
    expect(() =>
      resolveHyper({ optimizer: 'sgd', momentum: 0.9, nesterov: true, dampening: 0.1 }),
    ).toThrow(/dampening/);
    expect(() => resolveHyper({ optimizer: 'adam', variant: 'lecture' })).toThrow(/variant/);
    const h = resolveHyper({ optimizer: 'sgd', momentum: 0.9, nesterov: true });
    expect(() => patchHyper('sgd', h, { momentum: 0 })).toThrow(HyperError);
  });
});

describe('every rule against its reference, with hyperparameters changed mid-run', () => {
  for (const spec of configs) {
    it(label(spec), () => {
      const rng = new SeededRandom(2024);
      const n = 6;
      let hyper = resolveHyper(optimizerSpecSchema.parse(spec));
      const optimizer = new Optimizer(spec.optimizer, hyper, n);
      const reference = referenceFor(spec.optimizer, hyper, n);
      const theta = Float64Array.from({ length: n }, () => rng.uniform(-2, 2));
      const refTheta = Array.from(theta);
      const patches = patchesFor(spec);
      for (let t = 0; t < 300; t++) {
        const patch = patches.get(t);
        if (patch) {
          const buffersBefore = Object.values(optimizer.state.buffers).map((b) => b.slice());
          const tBefore = optimizer.state.t;
          hyper = patchHyper(spec.optimizer, hyper, patch);
          optimizer.hyper = hyper;
          // The change touches hyperparameters only: the state carries over untouched.
          expect(optimizer.state.t).toBe(tBefore);
          Object.values(optimizer.state.buffers).forEach((b, i) =>
            expect(Array.from(b)).toEqual(Array.from(buffersBefore[i])),
          );
        }
        const grad = gradientStream(rng, n);
        optimizer.step(theta, Float64Array.from(grad), hyper.lr);
        reference(refTheta, grad, hyper, hyper.lr);
        closeArrays(theta, refTheta, `θ after step ${t + 1}`);
      }
      expect(optimizer.state.t).toBe(300);
    });
  }

  it('the step right after a change uses the new value, not the old one', () => {
    for (const spec of configs) {
      const hyper = resolveHyper(optimizerSpecSchema.parse(spec));
      const run = (changed: boolean) => {
        const optimizer = new Optimizer(spec.optimizer, hyper, 2);
        const theta = Float64Array.of(1, -1);
        for (let t = 0; t < 5; t++) optimizer.step(theta, Float64Array.of(0.3, -0.2), hyper.lr);
        if (changed) optimizer.hyper = patchHyper(spec.optimizer, hyper, { lr: hyper.lr * 10 });
        const before = theta.slice();
        optimizer.step(theta, Float64Array.of(0.3, -0.2), optimizer.hyper.lr);
        return [theta[0] - before[0], theta[1] - before[1]];
      };
      const [same, changed] = [run(false), run(true)];
      // Every rule's step is linear in η (AdamW's decay θ ← θ(1 − ηλ) too).
      for (let i = 0; i < 2; i++) expect(changed[i] / same[i], label(spec)).toBeCloseTo(10, 9);
    }
  });
});

describe('mid-run changes through a run (AnalyticRun.update)', () => {
  it('Adam on the bowl: η changes before step 10 and β₁ before step 20, state carries over', () => {
    const run = new AnalyticRun({
      runId: 'a',
      surface: 'bowl',
      start: [-3, 1],
      optimizer: { optimizer: 'adam', lr: 0.1 },
    });
    run.advance(10);
    run.update({ lr: 0.02 });
    run.advance(10);
    run.update({ betas: [0.5, 0.999] });
    run.advance(10);
    expect(run.changes.map((c) => c.step)).toEqual([10, 20]);

    let h: Hyper = resolveHyper({ optimizer: 'adam', lr: 0.1 });
    const step = referenceFor('adam', h, 2);
    const theta = [-3, 1];
    const points = run.points.view();
    for (let t = 0; t < 30; t++) {
      if (t === 10) h = { ...h, lr: 0.02 };
      if (t === 20) h = { ...h, betas: [0.5, 0.999] };
      step(theta, [theta[0], 25 * theta[1]], h, h.lr);
      closeArrays([points[3 * (t + 1)], points[3 * (t + 1) + 1]], theta, `step ${t + 1}`);
    }
  });

  it('switching on momentum with dampening mid-run starts the buffer as torch does (b ← g)', () => {
    const run = new AnalyticRun({
      runId: 'm',
      surface: 'bowl',
      start: [-3, 1],
      optimizer: { optimizer: 'sgd', lr: 0.01 },
    });
    run.advance(5);
    run.update({ momentum: 0.9, dampening: 0.5 });
    run.advance(5);
    let h: Hyper = resolveHyper({ optimizer: 'sgd', lr: 0.01 });
    const step = referenceFor('sgd', h, 2);
    const theta = [-3, 1];
    const points = run.points.view();
    for (let t = 0; t < 10; t++) {
      if (t === 5) h = { ...h, momentum: 0.9, dampening: 0.5 };
      step(theta, [theta[0], 25 * theta[1]], h, h.lr);
      closeArrays([points[3 * (t + 1)], points[3 * (t + 1) + 1]], theta, `step ${t + 1}`);
    }
  });

  it('a schedule set mid-run is a function of the run’s step count: step 3 uses η γ³', () => {
    const run = new AnalyticRun({
      runId: 's',
      surface: 'bowl',
      start: [-3, 1],
      optimizer: { optimizer: 'sgd', lr: 0.01 },
    });
    run.advance(3);
    run.update({}, { kind: 'exponential', gamma: 0.5 });
    run.advance(3);
    const points = run.points.view();
    // SGD on the bowl: x ← x − η_t x, so each step's η is 1 − x_{t+1}/x_t.
    const etas = [0, 1, 2, 3, 4, 5].map((t) => 1 - points[3 * (t + 1)] / points[3 * t]);
    const want = [0.01, 0.01, 0.01, 0.01 * 0.5 ** 3, 0.01 * 0.5 ** 4, 0.01 * 0.5 ** 5];
    etas.forEach((eta, t) => expect(eta, `step ${t}`).toBeCloseTo(want[t], 14));
    expect(run.currentLr).toBeCloseTo(0.01 * 0.5 ** 6, 16);
  });
});

describe('the elementwise property', () => {
  for (const spec of configs) {
    it(`${label(spec)}: K points in one array step exactly as each alone`, () => {
      const rng = new SeededRandom(77);
      const K = 40;
      const hyper = resolveHyper(optimizerSpecSchema.parse(spec));
      const batch = new Optimizer(spec.optimizer, hyper, 2 * K);
      const singles = Array.from({ length: K }, () => new Optimizer(spec.optimizer, hyper, 2));
      const theta = Float64Array.from({ length: 2 * K }, () => rng.uniform(-3, 3));
      const alone = Array.from({ length: K }, (_, k) => theta.slice(2 * k, 2 * k + 2));
      for (let t = 0; t < 60; t++) {
        const grad = Float64Array.from(gradientStream(rng, 2 * K));
        const lr = hyper.lr * (1 + 0.01 * t);
        batch.step(theta, grad, lr);
        singles.forEach((o, k) => o.step(alone[k], grad.slice(2 * k, 2 * k + 2), lr));
      }
      const joined = new Float64Array(2 * K);
      alone.forEach((a, k) => joined.set(a, 2 * k));
      expect(Buffer.from(theta.buffer).equals(Buffer.from(joined.buffer))).toBe(true);
      // And every state buffer, bit for bit.
      for (const [name, buffer] of Object.entries(batch.state.buffers)) {
        const parts = new Float64Array(2 * K);
        singles.forEach((o, k) => parts.set(o.state.buffers[name], 2 * k));
        expect(Buffer.from(buffer.buffer).equals(Buffer.from(parts.buffer)), name).toBe(true);
      }
    });
  }
});

describe('effective step η/σ', () => {
  /** Steps a 2-vector with a fixed gradient stream, returns the optimizer. */
  function stepped(spec: OptimizerSpec, grads: number[][]): Optimizer {
    const o = new Optimizer(spec.optimizer, resolveHyper(optimizerSpecSchema.parse(spec)), 2);
    const theta = Float64Array.of(0.5, -0.5);
    for (const g of grads) o.step(theta, Float64Array.from(g), o.hyper.lr);
    return o;
  }

  function eff(o: Optimizer, lr = o.hyper.lr): number[] {
    const out = new Float64Array(2);
    o.rule.effectiveStep(o.state, o.hyper, lr, out);
    return Array.from(out);
  }

  const grads = [
    [0.5, -2],
    [0.1, 3],
    [-0.4, 1],
  ];

  it('SGD: η, always', () => {
    expect(eff(stepped({ optimizer: 'sgd', lr: 0.3, momentum: 0.9 }, grads))).toEqual([0.3, 0.3]);
  });

  it('Adagrad: η_t / (√Σg² + ε), with the next step’s decayed η', () => {
    const o = stepped(
      { optimizer: 'adagrad', lr: 0.1, lrDecay: 0.5, initialAccumulatorValue: 1 },
      grads,
    );
    const clr = 0.1 / (1 + 3 * 0.5);
    const want = [0, 1].map(
      (i) => clr / (Math.sqrt(1 + grads.reduce((s, g) => s + g[i] ** 2, 0)) + 1e-10),
    );
    closeArrays(eff(o), want, 'η/σ');
  });

  it('Adagrad (lecture): η / (RMS of past g + ε); η before the first step', () => {
    expect(eff(stepped({ optimizer: 'adagrad', lr: 0.1, variant: 'lecture' }, []))).toEqual([
      0.1, 0.1,
    ]);
    const o = stepped({ optimizer: 'adagrad', lr: 0.1, variant: 'lecture' }, grads);
    const want = [0, 1].map(
      (i) => 0.1 / (Math.sqrt(grads.reduce((s, g) => s + g[i] ** 2, 0) / 3) + 1e-10),
    );
    closeArrays(eff(o), want, 'η/σ');
  });

  it('RMSProp: η / (√v + ε), centred √(v − ḡ²); lecture σ₀ = |g₀|', () => {
    const alpha = 0.9;
    let v = [0, 0];
    let m = [0, 0];
    for (const g of grads) {
      v = v.map((x, i) => alpha * x + (1 - alpha) * g[i] ** 2);
      m = m.map((x, i) => alpha * x + (1 - alpha) * g[i]);
    }
    const plain = stepped({ optimizer: 'rmsprop', lr: 0.01, alpha }, grads);
    closeArrays(
      eff(plain),
      v.map((x) => 0.01 / (Math.sqrt(x) + 1e-8)),
      'η/σ',
    );
    const centered = stepped({ optimizer: 'rmsprop', lr: 0.01, alpha, centered: true }, grads);
    closeArrays(
      eff(centered),
      v.map((x, i) => 0.01 / (Math.sqrt(x - m[i] ** 2) + 1e-8)),
      'η/σ',
    );
    const lecture = stepped({ optimizer: 'rmsprop', lr: 0.01, alpha, variant: 'lecture' }, grads);
    let s2 = grads[0].map((g) => g * g);
    for (const g of grads.slice(1)) s2 = s2.map((x, i) => alpha * x + (1 - alpha) * g[i] ** 2);
    closeArrays(
      eff(lecture),
      s2.map((x) => 0.01 / (Math.sqrt(x) + 1e-10)),
      'η/σ',
    );
  });

  it('Adam: (η / (1 − β₁ᵗ)) / (√v̂ / √(1 − β₂ᵗ) + ε), v̂ the running max with amsgrad', () => {
    for (const amsgrad of [false, true]) {
      const o = stepped({ optimizer: 'adam', lr: 0.01, amsgrad }, grads);
      let v = [0, 0];
      let vMax = [0, 0];
      for (const g of grads) {
        v = v.map((x, i) => 0.999 * x + 0.001 * g[i] ** 2);
        vMax = vMax.map((x, i) => Math.max(x, v[i]));
      }
      const vHat = amsgrad ? vMax : v;
      const want = vHat.map(
        (x) => 0.01 / (1 - 0.9 ** 3) / (Math.sqrt(x) / Math.sqrt(1 - 0.999 ** 3) + 1e-8),
      );
      closeArrays(eff(o), want, `η/σ amsgrad=${amsgrad}`);
    }
  });

  it('written by the step itself (its `eff`) is effectiveStep after it, bit for bit', () => {
    // The explorer records η/σ from the step; effectiveStep reports it between steps
    // (inspection, sessions): the two must never disagree, whatever changes mid-run.
    for (const spec of configs) {
      const rng = new SeededRandom(5);
      const n = 4;
      const schema = optimizerSpecSchema.parse(spec);
      const fused = new Optimizer(spec.optimizer, resolveHyper(schema), n);
      const plain = new Optimizer(spec.optimizer, resolveHyper(schema), n);
      const theta = Float64Array.from({ length: n }, () => rng.uniform(-2, 2));
      const twin = theta.slice();
      const patches = patchesFor(spec);
      const written = new Float64Array(n);
      const reported = new Float64Array(n);
      for (let t = 0; t < 400; t++) {
        const patch = patches.get(t);
        if (patch) fused.hyper = plain.hyper = patchHyper(spec.optimizer, fused.hyper, patch);
        const grad = Float64Array.from(gradientStream(rng, n));
        const lr = fused.hyper.lr * (1 + 0.01 * (t % 7));
        fused.rule.step(theta, grad, fused.state, fused.hyper, lr, written);
        plain.step(twin, grad, lr);
        plain.rule.effectiveStep(plain.state, plain.hyper, lr, reported);
        const what = `${label(spec)} step ${t + 1}`;
        expect(Buffer.from(written.buffer).equals(Buffer.from(reported.buffer)), what).toBe(true);
        expect(Buffer.from(theta.buffer).equals(Buffer.from(twin.buffer)), what).toBe(true);
      }
    }
  });

  it('is the step per unit gradient SGD actually takes', () => {
    const o = stepped({ optimizer: 'sgd', lr: 0.25 }, grads);
    const theta = Float64Array.of(1, 1);
    const [e0, e1] = eff(o);
    o.step(theta, Float64Array.of(0.4, -0.8), 0.25);
    expect(1 - theta[0]).toBeCloseTo(e0 * 0.4, 15);
    expect(1 - theta[1]).toBeCloseTo(e1 * -0.8, 15);
  });
});
