/**
 * A recorded race for the recording tests: analytic runs with mid-run hyperparameter changes,
 * schedules (set at the start and changed mid-run), a reset, a divergence, a typed
 * expression, and a small basin map.
 */
import type { OptimizerSpec, Point } from '../../../electron/common/schemas';
import type { JsonObject, SessionData, SessionTypedArray } from '../../../electron/common/session';
import { AnalyticRun } from '../../../electron/engine/labs/explorer/analytic-run';
import { computeBasins } from '../../../electron/engine/labs/basins/compute';
import {
  computeLandscape,
  projectTrajectory,
  randomDirections,
} from '../../../electron/engine/landscape';
import { NetworkProblem, NetworkRun, type Tf } from '../../../electron/engine/network';
import { sessionFromRuns, type LiveBasinMap } from '../../../electron/engine/recording';

export const start: Point = [-1.5, 2];

/** Live runs, each stepped with changes along the way. */
export function raceRuns(): { run: AnalyticRun; color: string }[] {
  const adam = new AnalyticRun({
    runId: 'adam',
    surface: 'rosenbrock',
    start,
    optimizer: { optimizer: 'adam', lr: 0.05 },
    label: 'Adam',
  });
  adam.advance(40);
  adam.update({ lr: 0.02 });
  adam.advance(40);
  adam.update({}, { kind: 'cosine', tMax: 200, etaMin: 0.001 });
  adam.advance(20);
  adam.update({ betas: [0.8, 0.99], amsgrad: true });
  adam.advance(57);

  const nesterov = new AnalyticRun({
    runId: 'nesterov',
    surface: 'rosenbrock',
    start,
    optimizer: {
      optimizer: 'sgd',
      lr: 5e-4,
      momentum: 0.9,
      nesterov: true,
      schedule: { kind: 'step', stepSize: 50, gamma: 0.5 },
    },
  });
  // A change before the first step.
  nesterov.update({ weightDecay: 0.01 });
  nesterov.advance(60);
  nesterov.update({ momentum: 0.5 });
  nesterov.advance(90);

  const rmsprop = new AnalyticRun({
    runId: 'rmsprop-lecture',
    surface: {
      expr: 'x^2 - y^2 + 0.1*y^4 + 0.3*x*y',
      domain: [
        [-3, 3],
        [-3, 3],
      ],
    },
    start: [0.5, 0.01],
    optimizer: {
      optimizer: 'rmsprop',
      lr: 0.01,
      variant: 'lecture',
      schedule: {
        kind: 'warmupDecay',
        warmupSteps: 10,
        decay: 'invSqrt',
        totalSteps: 1000,
        etaMin: 0,
      },
    },
  });
  rmsprop.advance(120);

  // Reset after changes: the recording starts from the settings at the reset.
  const adagrad = new AnalyticRun({
    runId: 'adagrad',
    surface: 'himmelblau',
    start: [0, 0],
    optimizer: { optimizer: 'adagrad', lr: 0.5 },
  });
  adagrad.advance(30);
  adagrad.update({ lr: 0.3, lrDecay: 0.01 }, { kind: 'exponential', gamma: 0.99 });
  adagrad.advance(10);
  adagrad.reset([1, -1]);
  adagrad.advance(25);
  adagrad.update({ initialAccumulatorValue: 0.1, eps: 1e-8 });
  adagrad.advance(25);

  // A learning rate far too large: diverges, with a change recorded after it did.
  const diverging = new AnalyticRun({
    runId: 'sgd-diverges',
    surface: 'rosenbrock',
    start,
    optimizer: { optimizer: 'sgd', lr: 0.001, momentum: 0.3 },
  });
  diverging.advance(5);
  diverging.update({ lr: 0.05 });
  diverging.advance(500);
  diverging.update({ lr: 0.001 });

  const adamw = new AnalyticRun({
    runId: 'adamw',
    surface: 'rosenbrock',
    start,
    optimizer: {
      optimizer: 'adamw',
      lr: 0.01,
      schedule: { kind: 'linear', startFactor: 0.1, endFactor: 1, totalIters: 30 },
    },
  });
  adamw.advance(80);

  const colors = ['#e4572e', '#29335c', '#f3a712', '#669bbc', '#a8c686', '#8e3b46'];
  return [adam, nesterov, rmsprop, adagrad, diverging, adamw].map((run, i) => ({
    run,
    color: colors[i],
  }));
}

export async function basinMap(): Promise<LiveBasinMap> {
  const spec = {
    surface: 'himmelblau',
    optimizer: { optimizer: 'adam', lr: 0.1, schedule: { kind: 'invSqrt' } } as OptimizerSpec,
    resolution: 9,
    steps: 60,
  };
  const result = await computeBasins(spec, { workers: 0 });
  return { spec, result };
}

export const view: JsonObject = {
  camera: { position: [3, -4, 5], target: [0, 0, 0], zoom: 1.25 },
  toggles: { contour: true, arrows: false },
  theme: 'dark',
  presentation: { title: 'Adam vs SGD on Rosenbrock', fontScale: 1.6 },
  labels: { adam: 'Adam (β₁ = 0.8 later)', nesterov: 'Nesterov' },
  annotations: [
    { kind: 'text', text: 'plateau', at: [0.2, 0.04], offset: [12, -8] },
    { kind: 'arrow', from: [-1, 1], to: [1, 1], note: null },
  ],
};

export async function raceSession(): Promise<{
  data: SessionData;
  runs: ReturnType<typeof raceRuns>;
}> {
  const runs = raceRuns();
  const data = sessionFromRuns({
    createdAt: '2025-03-04T05:06:07.089Z',
    app: { name: 'LossLab', version: '0.1.0-test' },
    title: 'Optimizer race',
    explorer: { surface: 'rosenbrock', start, runs, basins: await basinMap() },
    view,
  });
  return { data, runs };
}

/** Every typed array in a session, by its path in the object. */
export function arraysOf(value: unknown, at = '', out = new Map<string, SessionTypedArray>()) {
  if (ArrayBuffer.isView(value)) {
    out.set(at, value as SessionTypedArray);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => arraysOf(v, `${at}[${i}]`, out));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) arraysOf(v, at ? `${at}.${k}` : k, out);
  }
  return out;
}

/** The bytes of a typed array, for bit-for-bit comparison. */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Asserts two sessions hold the same arrays (same paths, types and bytes). */
export function sameArrays(a: unknown, b: unknown): string[] {
  const x = arraysOf(a);
  const y = arraysOf(b);
  const problems: string[] = [];
  for (const [k, v] of x) {
    const w = y.get(k);
    if (!w) problems.push(`${k}: missing`);
    else if (w.constructor !== v.constructor) problems.push(`${k}: ${w.constructor.name}`);
    else if (Buffer.compare(bytesOf(v), bytesOf(w)) !== 0) problems.push(`${k}: bytes differ`);
  }
  for (const k of y.keys()) if (!x.has(k)) problems.push(`${k}: extra`);
  return problems;
}

/**
 * A network session through the recording functions: a classification run with θ snapshots,
 * one that diverges, and a landscape with the runs projected on it; or (`sine`) a regression
 * with no validation split, whose accuracies and validation values are all NaN.
 */
export async function networkSession(
  tf: Tf,
  kind: 'moons' | 'sine' = 'moons',
): Promise<{ data: SessionData; problem: NetworkProblem }> {
  const problem = new NetworkProblem(
    tf,
    kind === 'moons'
      ? { kind: 'moons', n: 80, seed: 3 }
      : { kind: 'sine', n: 60, seed: 2, split: { train: 0.8, validation: 0, test: 0.2 } },
    { depth: 1, width: 6, seed: 5 },
  );
  const adam = new NetworkRun(problem, {
    runId: 'adam',
    optimizer: { optimizer: 'adam', lr: 0.02 },
    batchSize: 16,
    seed: 4,
    snapshotEvery: 3,
  });
  adam.advance(20);
  adam.update({ hyper: { lr: 0.01 } });
  adam.advance(10);
  const wild = new NetworkRun(problem, {
    runId: 'wild',
    optimizer: { optimizer: 'sgd', lr: 1e6 },
    batchSize: 'full',
  });
  wild.advance(40);
  const center = adam.theta.slice();
  const directions = randomDirections(problem.layout, center, 7);
  const grid = await computeLandscape(problem, center, directions, {
    resolution: 5,
    coarse: 0,
    threads: 0,
    range: [
      [-1, 1],
      [-1, 1],
    ],
  });
  const data = sessionFromRuns({
    createdAt: '2025-03-04T05:06:07.089Z',
    network: {
      problem,
      runs: [adam, wild],
      landscapes: [
        {
          grid,
          directions,
          center,
          projections: [adam, wild].map((r) =>
            projectTrajectory(r, center, directions, { lossOn: 'train' }),
          ),
        },
      ],
    },
    view: {},
  });
  return { data, problem };
}
