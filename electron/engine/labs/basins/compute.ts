/**
 * Basin maps ("basins"): one optimizer configuration run from every point of an N × N grid over
 * a surface's domain, all at once. Each start ends at a known minimum (which one, and after how
 * many steps), elsewhere, or diverged. Rows are split into bands computed on worker threads
 * when the built worker bundle is there and the map is big enough; otherwise in this thread,
 * in chunks that yield to the event loop. Both give identical results: each start's arithmetic
 * does not depend on which batch it is in.
 */
import type {
  Domain,
  Hyper,
  OptimizerName,
  Point,
  Schedule,
  SurfaceSpec,
} from '../../../common/schemas';
import { DEFAULT_BASINS_TOLERANCE, type BasinCounts, type BasinsSpec } from '../../../common/spec';
import { resolveHyper } from '../../optim';
import { constantSchedule } from '../../optim/schedules';
import { resolveSurface } from '../../problems';
import type { Surface } from '../../problems/surface';
import { LABEL_DIVERGED, LABEL_NONE, type BasinsOutcome } from './batch';
import { runBand, type BandJob } from './band';
import { CancelledError } from '../../core/errors';
import { WorkerError } from '../../core/worker-pool';
import { sharedBasinsPool, type BasinsPool } from './pool';

export { LABEL_DIVERGED, LABEL_NONE } from './batch';

/**
 * Below this many point-steps (N² × steps) a map is computed in-thread: a worker's start-up
 * (tens of ms) would cost more than it saves.
 */
export const MIN_WORKER_POINT_STEPS = 2_000_000;
/**
 * A typed expression makes each fresh worker load mathjs (over half a second), so expressions
 * go to workers only when the map is this big.
 */
export const MIN_WORKER_POINT_STEPS_EXPRESSION = 50_000_000;

/**
 * Bands per worker thread in `auto` mode. Free workers take the next band from a queue, so with
 * several bands each a thread slowed by other work on the machine takes fewer of them, instead
 * of the whole map waiting for its one band.
 */
export const BANDS_PER_WORKER = 4;

/** A validated, resolved basin map, ready to compute. */
export interface BasinsPlan {
  surfaceSpec: SurfaceSpec;
  surface: Surface;
  optimizer: OptimizerName;
  hyper: Hyper;
  schedule: Schedule;
  resolution: number;
  steps: number;
  domain: Domain;
  minima: Point[];
  /** tolerance × the domain's longer side. */
  radius: number;
  tolerance: number;
}

/** A finished basin map. Per-start arrays are row-major, y the slow axis: [j * N + i]. */
export interface BasinsResult extends BasinsOutcome {
  /** The preset's name or the expression. */
  surface: string;
  resolution: number;
  domain: Domain;
  minima: Point[];
  radius: number;
  tolerance: number;
  counts: BasinCounts;
  elapsedMs: number;
  /** Bands of rows computed on worker threads (0: all in the calling thread). */
  workers: number;
}

export interface BasinsOptions {
  /** Aborting rejects the computation with CancelledError within a chunk of steps. */
  signal?: AbortSignal;
  /** Point-steps done out of N² × steps, between chunks. */
  onProgress?(done: number, total: number): void;
  /**
   * Bands of rows to compute on worker threads: 0 computes in this thread; `auto` gives every
   * worker of the pool BANDS_PER_WORKER bands when there is a pool and the map is big enough
   * (MIN_WORKER_POINT_STEPS).
   * @default 'auto'
   */
  workers?: number | 'auto';
  /** The worker pool. @default the process-wide pool over dist/engine/basins-worker.js */
  pool?: BasinsPool;
}

/**
 * Resolves and checks a spec. Throws ExpressionError (surface), HyperError (optimizer) or
 * RangeError (resolution, steps, tolerance) before any work starts.
 */
export function planBasins(spec: BasinsSpec): BasinsPlan {
  const { resolution, steps } = spec;
  if (!Number.isInteger(resolution) || resolution < 2) {
    throw new RangeError(`resolution must be an integer ≥ 2, got ${resolution}`);
  }
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`steps must be an integer ≥ 1, got ${steps}`);
  }
  const tolerance = spec.tolerance ?? DEFAULT_BASINS_TOLERANCE;
  if (!(tolerance > 0)) throw new RangeError(`tolerance must be > 0, got ${tolerance}`);
  const surface = resolveSurface(spec.surface);
  const hyper = resolveHyper(spec.optimizer);
  const domain = surface.info.domain;
  const side = Math.max(domain[0][1] - domain[0][0], domain[1][1] - domain[1][0]);
  return {
    surfaceSpec: spec.surface,
    surface,
    optimizer: spec.optimizer.optimizer,
    hyper,
    schedule: spec.optimizer.schedule ?? constantSchedule,
    resolution,
    steps,
    domain,
    minima: surface.info.minima.map((m) => [m[0], m[1]] as Point),
    radius: tolerance * side,
    tolerance,
  };
}

/** Computes a basin map. Rejects with CancelledError when `options.signal` aborts. */
export async function computeBasins(
  spec: BasinsSpec | BasinsPlan,
  options: BasinsOptions = {},
): Promise<BasinsResult> {
  const t0 = performance.now();
  const plan = 'surfaceSpec' in spec ? spec : planBasins(spec);
  if (options.signal?.aborted) throw new CancelledError();
  // Aborted by the caller, or by this function when one band fails: the others stop too.
  const inner = new AbortController();
  const { signal } = inner;
  const forward = () => inner.abort();
  options.signal?.addEventListener('abort', forward, { once: true });
  try {
    return await compute(plan, options, signal, t0);
  } catch (err) {
    inner.abort();
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', forward);
  }
}

async function compute(
  plan: BasinsPlan,
  options: BasinsOptions,
  signal: AbortSignal,
  t0: number,
): Promise<BasinsResult> {
  const { resolution: n, steps } = plan;
  const total = n * n * steps;
  const pool = options.pool ?? sharedBasinsPool();
  const bands = Math.min(n, bandCount(plan, options.workers ?? 'auto', pool));

  // Progress: per band, the steps its starts have taken.
  const bandSteps = new Float64Array(Math.max(1, bands));
  const rowsOf = (b: number) => bandRows(n, Math.max(1, bands), b);
  const report = () => {
    if (!options.onProgress) return;
    let done = 0;
    for (let b = 0; b < bandSteps.length; b++) {
      const [r0, r1] = rowsOf(b);
      done += bandSteps[b] * (r1 - r0) * n;
    }
    options.onProgress(done, total);
  };
  const track = (b: number) => (step: number) => {
    bandSteps[b] = step;
    report();
  };

  const jobOf = (rowStart: number, rowEnd: number): BandJob => ({
    surface: plan.surfaceSpec,
    optimizer: plan.optimizer,
    hyper: plan.hyper,
    schedule: plan.schedule,
    steps,
    resolution: n,
    domain: plan.domain,
    rowStart,
    rowEnd,
    minima: plan.minima,
    radius: plan.radius,
  });
  const inThread = (job: BandJob, b: number) =>
    runBand(job, plan.surface, {
      cancelled: () => signal.aborted,
      onProgress: track(b),
      pause: yieldToEventLoop,
    });

  let outcomes: BasinsOutcome[];
  let workers = 0;
  if (bands === 0 || !pool) {
    outcomes = [await inThread(jobOf(0, n), 0)];
  } else {
    outcomes = await Promise.all(
      Array.from({ length: bands }, async (_, b) => {
        const [r0, r1] = rowsOf(b);
        const job = jobOf(r0, r1);
        try {
          const outcome = await pool.run(job, { signal, onProgress: track(b) });
          workers++;
          return outcome;
        } catch (err) {
          // A worker that died (or a bundle that cannot run here) must not lose the map.
          if (err instanceof WorkerError) return inThread(job, b);
          throw err;
        }
      }),
    );
  }
  if (signal.aborted) throw new CancelledError();

  const labels = new Int16Array(n * n);
  const stepsOut = new Uint32Array(n * n);
  const finals = new Float64Array(2 * n * n);
  outcomes.forEach((o, b) => {
    const [r0] = rowsOf(b);
    labels.set(o.labels, r0 * n);
    stepsOut.set(o.steps, r0 * n);
    finals.set(o.finals, 2 * r0 * n);
  });
  return {
    surface: plan.surface.info.name,
    resolution: n,
    domain: plan.domain,
    minima: plan.minima,
    radius: plan.radius,
    tolerance: plan.tolerance,
    labels,
    steps: stepsOut,
    finals,
    counts: countLabels(labels, plan.minima.length),
    elapsedMs: performance.now() - t0,
    workers,
  };
}

/** How many starts ended at each minimum, elsewhere, or diverged. */
export function countLabels(labels: Int16Array, minima: number): BasinCounts {
  const counts: BasinCounts = { minima: new Array<number>(minima).fill(0), none: 0, diverged: 0 };
  for (const label of labels) {
    if (label === LABEL_NONE) counts.none++;
    else if (label === LABEL_DIVERGED) counts.diverged++;
    else counts.minima[label]++;
  }
  return counts;
}

function bandCount(
  plan: BasinsPlan,
  workers: number | 'auto',
  pool: BasinsPool | undefined,
): number {
  if (!pool) return 0;
  if (workers !== 'auto') return Math.max(0, Math.floor(workers));
  const work = plan.resolution * plan.resolution * plan.steps;
  const min =
    typeof plan.surfaceSpec === 'string'
      ? MIN_WORKER_POINT_STEPS
      : MIN_WORKER_POINT_STEPS_EXPRESSION;
  return work >= min ? pool.size * BANDS_PER_WORKER : 0;
}

/** Rows [start, end) of band b when n rows are split into `bands` near-equal bands. */
function bandRows(n: number, bands: number, b: number): [number, number] {
  return [Math.floor((n * b) / bands), Math.floor((n * (b + 1)) / bands)];
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
