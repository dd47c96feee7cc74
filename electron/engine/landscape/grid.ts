/**
 * A network's loss landscape: L(θ* + α d₁ + β d₂) on a grid of (α, β), first coarse (a quick
 * preview on a subset of the grid's own points), then every other point row by row, with
 * progress after each row and cancellation between rows (and, in workers, between points).
 * The grid is shared by the machine's cores through a LandscapePool where the worker bundle
 * exists; otherwise (running from source, or on tfjs-node, which parallelizes inside each op)
 * it is computed in this thread, yielding to the event loop between rows.
 */
import os from 'node:os';
import type { LandscapeGridSpec } from '../../common/network';
import type { BackendName } from '../../common/protocol';
import type { SplitName } from '../datasets';
import type { NetworkProblem } from '../network/problem';
import { LandscapeError, type Directions } from './directions';
import { LandscapeEvaluator, type LandscapeData } from './evaluator';
import { ImportedEvaluator } from './imported';
import { WorkerError } from '../core/worker-pool';
import { landscapeCancelled, landscapePool, type LandscapePool } from './pool';

export interface LandscapeOptions extends Partial<LandscapeGridSpec> {
  /**
   * Worker threads sharing the grid; 0 computes in this thread.
   * @default the machine's available parallelism
   */
  threads?: number;
  /**
   * Precompute the first layer's products once per landscape.
   * @default from the fan-in (see LandscapeEvaluator)
   */
  precompute?: boolean;
  /** A pool to use instead of the process's shared one (tests, benchmarks). */
  pool?: LandscapePool;
  signal?: AbortSignal;
  onProgress?(progress: LandscapeProgress): void;
}

export interface LandscapeProgress {
  phase: 'coarse' | 'full';
  /** Grid points computed so far, of `total`. */
  done: number;
  total: number;
  /** The grid so far (live, NaN where not computed yet; copy it to keep it). */
  values: Float32Array;
  /** When the coarse pass has just completed: its own small grid. */
  coarse?: LandscapeGrid;
}

export interface LandscapeGrid {
  resolution: number;
  /** α values (columns), then β values (rows). */
  alphas: Float64Array;
  betas: Float64Array;
  /** L at (α_i, β_j) in values[j · resolution + i]; NaN where it is not finite. */
  values: Float32Array;
  /** Range of the finite values. */
  min: number;
  max: number;
  /** L(θ*) itself, evaluated directly (not through the landscape path). */
  centerLoss: number;
  split: SplitName;
  /** Wall time of the grid, ms. */
  ms: number;
  /** Worker threads that computed it (0: this thread). */
  threads: number;
}

const DEFAULTS: LandscapeGridSpec = {
  resolution: 51,
  range: [
    [-1, 1],
    [-1, 1],
  ],
  coarse: 11,
  split: 'train',
};

/** What a worker needs to evaluate the landscape of `problem` around `center`. */
export function landscapeData(
  problem: NetworkProblem,
  center: Float64Array,
  directions: Pick<Directions, 'd1' | 'd2'>,
  split: SplitName,
): LandscapeData {
  const s = problem.split(split);
  if (s.n === 0) throw new LandscapeError('split', `the ${split} split is empty`);
  const { depth, width, activation, residual, l2 } = problem.model;
  return {
    inputDim: problem.dataset.inputDim,
    outputDim: problem.dataset.outputDim,
    model: { depth, width, activation, residual, l2 },
    loss: problem.lossKind,
    x: s.x,
    y: s.y,
    center: Float64Array.from(center),
    d1: Float64Array.from(directions.d1),
    d2: Float64Array.from(directions.d2),
  };
}

/** Axis values lo … hi at `count` evenly spaced points, both ends included. */
export function axis([lo, hi]: readonly [number, number], count: number): Float64Array {
  return Float64Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
}

/** The loss over the plane θ* + α d₁ + β d₂ around `center`. */
export async function computeLandscape(
  problem: NetworkProblem,
  center: Float64Array,
  directions: Pick<Directions, 'd1' | 'd2'>,
  options: LandscapeOptions = {},
): Promise<LandscapeGrid> {
  const t0 = performance.now();
  const spec: LandscapeGridSpec = {
    resolution: options.resolution ?? DEFAULTS.resolution,
    range: options.range ?? DEFAULTS.range,
    coarse: options.coarse ?? DEFAULTS.coarse,
    split: options.split ?? DEFAULTS.split,
  };
  const { resolution: r, split } = spec;
  if (options.signal?.aborted) throw landscapeCancelled();
  const alphas = axis(spec.range[0], r);
  const betas = axis(spec.range[1], r);
  const values = new Float32Array(r * r).fill(NaN);
  const data = landscapeData(problem, center, directions, split);
  if (options.precompute !== undefined) data.precompute = options.precompute;

  // Tasks: the coarse grid's rows (a subset of the grid's own points), then what each row lacks.
  const coarseIndex =
    spec.coarse >= 2 && spec.coarse < r
      ? Array.from({ length: spec.coarse }, (_, m) => Math.round((m * (r - 1)) / (spec.coarse - 1)))
      : [];
  const isCoarse = new Uint8Array(r);
  for (const i of coarseIndex) isCoarse[i] = 1;
  const tasks: { cells: Int32Array; coarse: boolean }[] = [];
  for (const j of coarseIndex) {
    tasks.push({ cells: Int32Array.from(coarseIndex, (i) => j * r + i), coarse: true });
  }
  for (let j = 0; j < r; j++) {
    const cells: number[] = [];
    for (let i = 0; i < r; i++) if (!(isCoarse[i] && isCoarse[j])) cells.push(j * r + i);
    tasks.push({ cells: Int32Array.from(cells), coarse: false });
  }
  const points = tasks.map(({ cells }) => {
    const p = new Float64Array(2 * cells.length);
    cells.forEach((cell, k) => {
      p[2 * k] = alphas[cell % r];
      p[2 * k + 1] = betas[Math.floor(cell / r)];
    });
    return p;
  });

  const total = r * r;
  let done = 0;
  let coarseLeft = coarseIndex.length;
  const finished = new Uint8Array(tasks.length);
  const onTask = (t: number, v: Float32Array) => {
    if (finished[t]) return;
    finished[t] = 1;
    tasks[t].cells.forEach((cell, k) => (values[cell] = v[k]));
    done += v.length;
    let coarse: LandscapeGrid | undefined;
    if (tasks[t].coarse && --coarseLeft === 0) {
      coarse = coarseGrid(values, r, coarseIndex, alphas, betas, split, t0);
    }
    options.onProgress?.({
      phase: coarseLeft > 0 ? 'coarse' : 'full',
      done,
      total,
      values,
      ...(coarse ? { coarse } : {}),
    });
  };

  const threads = options.threads ?? os.availableParallelism();
  const backend = problem.tf.getBackend() as BackendName;
  // tfjs-node already spreads each op over the cores, and works once per process.
  // The workers build MLPs: an imported model's own graph is evaluated here.
  const pool =
    backend === 'tensorflow' || threads < 1 || problem.imported?.net
      ? undefined
      : (options.pool ?? landscapePool(threads));
  let used = 0;
  if (pool) {
    try {
      await pool.run({ backend, data, tasks: points, signal: options.signal, onTask });
      used = Math.min(pool.size, tasks.length);
    } catch (err) {
      if (!(err instanceof WorkerError)) throw err;
      // A worker could not run: compute whatever is left here.
    }
  }
  if (finished.some((f) => f === 0)) {
    await inThread(problem, data, points, finished, onTask, options.signal);
  }

  const centerLoss = problem.evaluate(center, split).loss;
  const [min, max] = finiteRange(values);
  return {
    resolution: r,
    alphas,
    betas,
    values,
    min,
    max,
    centerLoss,
    split,
    ms: performance.now() - t0,
    threads: used,
  };
}

/** The tasks not done yet, in this thread, yielding to the event loop between them. */
async function inThread(
  problem: NetworkProblem,
  data: LandscapeData,
  points: Float64Array[],
  finished: Uint8Array,
  onTask: (t: number, v: Float32Array) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const evaluator = evaluatorOf(problem, data);
  try {
    for (let t = 0; t < points.length; t++) {
      if (finished[t]) continue;
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw landscapeCancelled();
      onTask(t, evaluator.evaluate(points[t]) as Float32Array);
    }
  } finally {
    evaluator.dispose();
  }
}

/** The evaluator of a problem's plane: its MLP's, or an imported model's own graph. */
function evaluatorOf(
  problem: NetworkProblem,
  data: LandscapeData,
): Pick<LandscapeEvaluator, 'evaluate' | 'dispose'> {
  return problem.imported?.net
    ? new ImportedEvaluator(problem, data)
    : new LandscapeEvaluator(problem.tf, data);
}

function coarseGrid(
  values: Float32Array,
  r: number,
  index: number[],
  alphas: Float64Array,
  betas: Float64Array,
  split: SplitName,
  t0: number,
): LandscapeGrid {
  const c = index.length;
  const v = new Float32Array(c * c);
  index.forEach((j, n) => index.forEach((i, m) => (v[n * c + m] = values[j * r + i])));
  const [min, max] = finiteRange(v);
  return {
    resolution: c,
    alphas: Float64Array.from(index, (i) => alphas[i]),
    betas: Float64Array.from(index, (j) => betas[j]),
    values: v,
    min,
    max,
    centerLoss: NaN,
    split,
    ms: performance.now() - t0,
    threads: 0,
  };
}

function finiteRange(values: Float32Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? [min, max] : [NaN, NaN];
}

/** L along the segment from θ_a to θ_b: L((1 − t) θ_a + t θ_b) for t over `range`. */
export interface LandscapeLine {
  t: Float64Array;
  values: Float32Array;
  split: SplitName;
}

/** The axis of a line and an evaluator of L((1 − t)·from + t·to), for computeLine*. */
function lineEvaluator(
  problem: NetworkProblem,
  from: Float64Array,
  to: Float64Array,
  options: { points?: number; range?: [number, number]; split?: SplitName },
): {
  t: Float64Array;
  split: SplitName;
  evaluator: Pick<LandscapeEvaluator, 'evaluate' | 'dispose'>;
} {
  const split = options.split ?? 'train';
  const t = axis(options.range ?? [-0.25, 1.25], options.points ?? 101);
  const d1 = Float64Array.from(to, (v, i) => v - from[i]);
  const evaluator = evaluatorOf(
    problem,
    landscapeData(problem, from, { d1, d2: new Float64Array(d1.length) }, split),
  );
  return { t, split, evaluator };
}

/**
 * The same line as computeLine, in slices: after each point past `sliceMs` it yields to the
 * event loop (so the engine answers its messages), and it stops when `signal` aborts. The
 * values are those of computeLine, point for point.
 */
export async function computeLineInSlices(
  problem: NetworkProblem,
  from: Float64Array,
  to: Float64Array,
  options: {
    points?: number;
    range?: [number, number];
    split?: SplitName;
    sliceMs?: number;
    signal?: AbortSignal;
  } = {},
): Promise<LandscapeLine> {
  const { t, split, evaluator } = lineEvaluator(problem, from, to, options);
  try {
    const values = new Float32Array(t.length);
    const point = new Float64Array(2);
    let deadline = performance.now() + (options.sliceMs ?? 20);
    for (let k = 0; k < t.length; k++) {
      point[0] = t[k];
      values[k] = (evaluator.evaluate(point) as Float32Array)[0];
      if (performance.now() >= deadline) {
        await new Promise((resolve) => setImmediate(resolve));
        if (options.signal?.aborted) throw landscapeCancelled();
        deadline = performance.now() + (options.sliceMs ?? 20);
      }
    }
    return { t, values, split };
  } finally {
    evaluator.dispose();
  }
}

/** The 1-D plot between two points (init → final, or two runs' finals), in this thread. */
export function computeLine(
  problem: NetworkProblem,
  from: Float64Array,
  to: Float64Array,
  options: { points?: number; range?: [number, number]; split?: SplitName } = {},
): LandscapeLine {
  const { t, split, evaluator } = lineEvaluator(problem, from, to, options);
  try {
    const p = new Float64Array(2 * t.length);
    t.forEach((v, k) => (p[2 * k] = v));
    return { t, values: evaluator.evaluate(p) as Float32Array, split };
  } finally {
    evaluator.dispose();
  }
}
