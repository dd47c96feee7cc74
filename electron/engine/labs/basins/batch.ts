/**
 * The core of a basin map: one optimizer configuration stepped from many starts at once. θ for
 * every start lies side by side in one Float64Array, so the very update rule that steps a single
 * run (electron/engine/optim) steps the whole batch in one call; each start's arithmetic is the
 * same as an AnalyticRun's from that start, bit for bit, whatever else is in the batch.
 *
 * No Node or worker API here: the same class runs in the engine's thread and in basins workers.
 */
import type { Hyper, OptimizerName, Point, Schedule } from '../../../common/schemas';
import { rules, scheduledLr, type RuleState, type UpdateRule } from '../../optim';
import type { Surface } from '../../problems/surface';
import { buildBallIndex, CELL_SEVERAL, type BallIndex } from './minima';
import { lossBound } from '../../problems/divergence';

/** Label of a start that ended away from every known minimum. */
export const LABEL_NONE = -1;
/** Label of a start whose θ, loss or gradient stopped being finite. */
export const LABEL_DIVERGED = -2;

/** What to run from every start. */
export interface BasinsProblem {
  surface: Surface;
  optimizer: OptimizerName;
  /** Full hyperparameters (torch defaults already filled in). */
  hyper: Hyper;
  schedule: Schedule;
  /** Optimizer steps per start. */
  steps: number;
  /** Known minima to attribute starts to; a start's label is an index into this list. */
  minima: readonly Point[];
  /** A start has reached a minimum when it is within this Euclidean distance of it. */
  radius: number;
}

/** Per-start outcome, indexed like the starts. */
export interface BasinsOutcome {
  /** k ≥ 0: reached minima[k]; LABEL_NONE (−1): ended elsewhere; LABEL_DIVERGED (−2). */
  labels: Int16Array;
  /**
   * For a minimum: the first step after which the start stayed within the radius (0 if it
   * started there). For `none`: the steps taken. For `diverged`: the step whose result was not
   * finite (0 if the loss at the start was not finite).
   */
  steps: Uint32Array;
  /** (x, y) per start after the last step; a diverged start keeps its last finite point. */
  finals: Float64Array;
}

/**
 * Steps a batch of starts, resumably (`advance` a few steps at a time, so callers can report
 * progress and honour a cancel between chunks).
 *
 * Diverged starts are compacted out of the batch: θ, the gradient and every per-coordinate
 * state buffer of the live starts are moved down over them, and the rule is then given views
 * of the live prefix. So a NaN never enters another start's arithmetic (the rules are
 * elementwise anyway) and dead starts cost nothing more.
 */
export class BasinsBatch {
  /** Starts in the batch. */
  readonly count: number;
  private readonly rule: UpdateRule;
  private readonly state: RuleState;
  /** θ, g, the last finite θ and every per-coordinate state buffer: what compaction moves. */
  private readonly movable: Float64Array[];
  private readonly theta: Float64Array;
  private readonly grad: Float64Array;
  /** θ at the last finite point of each live slot. */
  private readonly last: Float64Array;
  /** Slot → start index (the live starts, in order). */
  private readonly ids: Int32Array;
  /** Per slot: the minimum the start is within the radius of, or LABEL_NONE. */
  private readonly near: Int16Array;
  /** Per slot: the step since which the start has been near `near`. */
  private readonly since: Uint32Array;
  /** Per live start: the largest |loss| before it counts as diverged (AnalyticRun's rule). */
  private readonly bound: Float64Array;
  private readonly minX: Float64Array;
  private readonly minY: Float64Array;
  private readonly radius2: number;
  /** No point can be within the radius of two minima, so "still near the same one" suffices. */
  private readonly disjoint: boolean;
  private readonly balls: BallIndex;
  private readonly out: BasinsOutcome;
  private thetaView: Float64Array;
  private gradView: Float64Array;
  private live: number;
  /** Steps taken so far. */
  step = 0;

  constructor(
    private readonly problem: BasinsProblem,
    starts: Float64Array,
  ) {
    if (starts.length % 2 !== 0) throw new RangeError('starts must hold (x, y) pairs');
    const n = starts.length / 2;
    this.count = n;
    this.rule = rules[problem.optimizer];
    this.state = this.rule.init(2 * n, problem.hyper);
    this.theta = Float64Array.from(starts);
    this.grad = new Float64Array(2 * n);
    this.last = Float64Array.from(starts);
    this.movable = [this.theta, this.grad, this.last, ...perCoordinateArrays(this.state, 2 * n)];
    this.ids = new Int32Array(n);
    this.near = new Int16Array(n).fill(LABEL_NONE);
    this.since = new Uint32Array(n);
    this.bound = new Float64Array(n).fill(Infinity);
    const k = problem.minima.length;
    if (k > 0x7fff) throw new RangeError('too many minima');
    this.minX = Float64Array.from(problem.minima, (m) => m[0]);
    this.minY = Float64Array.from(problem.minima, (m) => m[1]);
    this.radius2 = problem.radius * problem.radius;
    this.disjoint = minSeparation(problem.minima) > 2 * problem.radius;
    this.balls = buildBallIndex(problem.minima, problem.radius);
    this.out = {
      labels: new Int16Array(n).fill(LABEL_NONE),
      steps: new Uint32Array(n),
      finals: new Float64Array(2 * n),
    };
    for (let s = 0; s < n; s++) this.ids[s] = s;
    this.live = n;
    this.thetaView = this.theta;
    this.gradView = this.grad;
    // Step 0: the gradient at every start, and which start already sits at a minimum.
    this.check(0);
  }

  /** True once every start has taken all its steps or diverged. */
  get done(): boolean {
    return this.live === 0 || this.step >= this.problem.steps;
  }

  /** Starts still being stepped. */
  get liveCount(): number {
    return this.live;
  }

  /** Takes up to `maxSteps` more steps (fewer at the end). Returns the steps taken. */
  advance(maxSteps: number): number {
    const { rule, state, problem } = this;
    const { hyper, schedule } = problem;
    const baseLr = hyper.lr;
    const constant = schedule.kind === 'constant';
    let taken = 0;
    while (taken < maxSteps && !this.done) {
      // η_t exactly as AnalyticRun computes it, so both agree bit for bit.
      const lr = constant ? baseLr : scheduledLr(schedule, baseLr, this.step);
      rule.step(this.thetaView, this.gradView, state, hyper, lr);
      this.step++;
      taken++;
      this.check(this.step);
    }
    return taken;
  }

  /**
   * The outcome so far; after `done`, the final one. The arrays are owned by the batch until
   * it is finished, then free to transfer.
   */
  result(): BasinsOutcome {
    const { labels, steps, finals } = this.out;
    const { theta, ids, near, since } = this;
    for (let s = 0; s < this.live; s++) {
      const p = ids[s];
      finals[2 * p] = theta[2 * s];
      finals[2 * p + 1] = theta[2 * s + 1];
      const k = near[s];
      labels[p] = k;
      steps[p] = k === LABEL_NONE ? this.step : since[s];
    }
    return this.out;
  }

  /**
   * Gradient at every live θ (left in `grad` for the next step), then divergence and minimum
   * bookkeeping. `step` is the number of steps that produced these θ.
   */
  private check(step: number): void {
    const { surface } = this.problem;
    const { theta, grad, last, near, since, bound, minX, minY, radius2, disjoint } = this;
    const { x0, y0, invW, invH, nx, ny, cells } = this.balls;
    const k = minX.length;
    const live = this.live;
    let diverged = 0;
    for (let s = 0; s < live; s++) {
      const o = 2 * s;
      const x = theta[o];
      const y = theta[o + 1];
      const loss = surface.valueAndGrad(x, y, grad, o);
      // v · 0 is NaN exactly when v is ±∞ or NaN, and a sum of (±)zeros is 0: one branch
      // instead of five.
      // A loss past the run's bound counts too, exactly as for a single run.
      if (
        loss * 0 + x * 0 + y * 0 + grad[o] * 0 + grad[o + 1] * 0 !== 0 ||
        !(Math.abs(loss) <= bound[s])
      ) {
        this.retire(s, step);
        diverged++;
        continue;
      }
      if (step === 0) bound[s] = lossBound(loss);
      last[o] = x;
      last[o + 1] = y;
      const current = near[s];
      if (disjoint && current >= 0) {
        const dx = x - minX[current];
        const dy = y - minY[current];
        if (dx * dx + dy * dy <= radius2) continue;
      }
      let best = LABEL_NONE;
      const fx = (x - x0) * invW;
      const fy = (y - y0) * invH;
      if (fx >= 0 && fx < nx && fy >= 0 && fy < ny) {
        // Both are in [0, 256): truncation is floor.
        const cell = cells[(fy | 0) * nx + (fx | 0)];
        if (cell >= 0) {
          const dx = x - minX[cell];
          const dy = y - minY[cell];
          if (dx * dx + dy * dy <= radius2) best = cell;
        } else if (cell === CELL_SEVERAL) {
          let bestD = Infinity;
          for (let m = 0; m < k; m++) {
            const dx = x - minX[m];
            const dy = y - minY[m];
            const d = dx * dx + dy * dy;
            if (d <= radius2 && d < bestD) {
              best = m;
              bestD = d;
            }
          }
        }
      }
      if (best !== current) {
        near[s] = best;
        since[s] = step;
      }
    }
    if (diverged > 0) this.compact();
  }

  /** Records a start as diverged at `step`, at its last finite point, and frees its slot. */
  private retire(slot: number, step: number): void {
    const p = this.ids[slot];
    this.out.labels[p] = LABEL_DIVERGED;
    this.out.steps[p] = step;
    this.out.finals[2 * p] = this.last[2 * slot];
    this.out.finals[2 * p + 1] = this.last[2 * slot + 1];
    this.ids[slot] = -1;
  }

  /** Moves the live slots down over the retired ones, in order, with all their state. */
  private compact(): void {
    const { ids, near, since, bound, theta, movable } = this;
    let w = 0;
    for (let s = 0; s < this.live; s++) {
      if (ids[s] < 0) continue;
      if (w !== s) {
        ids[w] = ids[s];
        near[w] = near[s];
        since[w] = since[s];
        bound[w] = bound[s];
        for (const a of movable) {
          a[2 * w] = a[2 * s];
          a[2 * w + 1] = a[2 * s + 1];
        }
      }
      w++;
    }
    this.live = w;
    this.thetaView = theta.subarray(0, 2 * w);
    this.gradView = this.grad.subarray(0, 2 * w);
  }
}

/**
 * Every Float64Array of length n in a rule's state: its named `buffers` and, in case a rule
 * keeps one outside them, its own fields. Compaction must move all of them with θ.
 */
function perCoordinateArrays(state: RuleState, n: number): Float64Array[] {
  const found = new Set<Float64Array>();
  const visit = (value: unknown) => {
    if (value instanceof Float64Array && value.length === n) found.add(value);
  };
  Object.values(state.buffers).forEach(visit);
  Object.values(state).forEach(visit);
  return [...found];
}

function minSeparation(minima: readonly Point[]): number {
  let best = Infinity;
  for (let a = 0; a < minima.length; a++) {
    for (let b = a + 1; b < minima.length; b++) {
      best = Math.min(best, Math.hypot(minima[a][0] - minima[b][0], minima[a][1] - minima[b][1]));
    }
  }
  return best;
}
