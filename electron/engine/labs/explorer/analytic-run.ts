import type {
  HyperChange,
  RunConfig,
  RunFrame,
  RunInspection,
  RunState,
} from '../../../common/protocol';
import type { HyperPatch, Point, Schedule, SurfaceSpec } from '../../../common/schemas';
import { scheduledLr } from '../../optim';
import { OptimizerRun, type RecordedSettings } from '../../optim/optimizer-run';
import { resolveSurface, type Surface } from '../../problems';
import { lossBound } from '../../problems/divergence';
import { trajectoryColumns, type TrajectoryColumns } from '../../../common/columns';
import { ColumnStore } from '../../core/columns';
import { FieldError } from '../../core/errors';

/** Rows a trajectory holds before its first advance makes room (the start and a few Steps). */
const INITIAL_ROWS = 64;

/** A run stops by itself after this many steps, so a forgotten Play cannot eat the memory. */
export const MAX_RUN_STEPS = 2_000_000;

export { DIVERGENCE_FACTOR, lossBound } from '../../problems/divergence';

/**
 * One optimizer on one analytic surface from one start: θ ∈ ℝ², stepped in plain float64 code.
 * Keeps the whole trajectory (x, y, loss per step) with the gradient norm and learning rate at
 * each point, and every hyperparameter change with the step it took effect before.
 */
export class AnalyticRun extends OptimizerRun<HyperChange> {
  readonly surface: Surface;
  /** The spec the surface came from, as given. */
  readonly surfaceSpec: SurfaceSpec;
  private start: Point;
  private readonly theta = new Float64Array(2);
  private readonly grad = new Float64Array(2);

  /**
   * The trajectory, a row per point (see trajectoryColumns). It starts small: `advance` makes
   * room for all the steps it is asked for at once, so a first advance of 10,000 steps
   * allocates its 10,001 rows (720 KB) in one go, and no default capacity of 1,024 rows (74 KB,
   * zeroed) is allocated only to be dropped.
   */
  readonly trajectory = new ColumnStore(trajectoryColumns, INITIAL_ROWS);
  /** (x, y, loss) per point; point k is θ after k steps. */
  readonly points = this.trajectory.columns.points;
  /** ‖∇L‖ at each point. */
  readonly gradNorm = this.trajectory.columns.gradNorm;
  /** η_t used by the step leaving each point. */
  readonly lr = this.trajectory.columns.lr;
  /** ∇L at each point, two entries per point. */
  readonly grads = this.trajectory.columns.grad;
  /** η/σ per coordinate for the step leaving each point (NaN for the newest), two per point. */
  readonly effSteps = this.trajectory.columns.effStep;
  private readonly eff = new Float64Array(2);
  /** θ before the last step, for the step-mode arrow. */
  private readonly previous = new Float64Array(2);
  /** Points already sent in frames. */
  private sent = 0;
  /** The largest |loss| before the run counts as diverged (see lossBound). */
  private bound = Infinity;
  /** The start of the current trajectory (sessions replay from it). */
  private originStart!: Point;

  constructor(config: RunConfig) {
    super(config, 2);
    this.surfaceSpec = config.surface;
    this.surface = resolveSurface(config.surface);
    this.start = [config.start[0], config.start[1]];
    this.restart();
  }

  /** Optimizer steps taken. */
  get step(): number {
    return this.gradNorm.length - 1;
  }

  /**
   * Back to the start (or a new one) with fresh optimizer state and the hyperparameters as they
   * are now: the sliders a user sees are the settings the new trajectory starts with. The
   * change log starts empty again.
   */
  reset(start?: Point): void {
    if (start) this.start = [start[0], start[1]];
    this.resetOptimizer();
    this.restart();
  }

  private restart(): void {
    this.trajectory.clear();
    this.sent = 0;
    this.startOver();
    this.originStart = [this.start[0], this.start[1]];
    this.theta[0] = this.previous[0] = this.start[0];
    this.theta[1] = this.previous[1] = this.start[1];
    const loss = this.surface.valueAndGrad(this.theta[0], this.theta[1], this.grad, 0);
    const problem = this.nonFinite(loss);
    if (problem) {
      throw new FieldError('start', `at the start (${this.start[0]}, ${this.start[1]}) ${problem}`);
    }
    this.bound = lossBound(loss);
    this.record(loss, this.lrAt(0));
  }

  /**
   * Changes hyperparameters (and/or the schedule) before the next step. The optimizer's state
   * (momentum buffer, σ, m, v, t) carries over; the change is recorded with its step.
   */
  update(patch: HyperPatch, schedule?: Schedule): void {
    this.applySettings(patch, schedule);
    this.changes.push({ step: this.step, patch, ...(schedule ? { schedule } : {}) });
    // The next step's η may have changed: restate it on the current point.
    this.lr.truncate(this.lr.length - 1);
    this.lr.push(this.currentLr);
    if (this.sent > this.step) this.sent = this.step;
  }

  /**
   * Takes up to n steps; stops early on divergence or the step limit. Returns steps taken. A
   * run diverges when θ, the loss or the gradient stops being finite, or when |loss| passes
   * lossBound of its start's loss; the point that did is not kept (the run ends at its last
   * point within bounds), and `reason` says what happened.
   *
   * Recording is most of what a step costs beyond the rule and the surface (a 2-D step is a few
   * dozen nanoseconds), so the loop records in place: room for every point this call may add
   * is made once, up front, and each step writes its point's values straight into the columns'
   * arrays (see `Column.buffer`), with no call, capacity check or length update per value; the
   * lengths are set once at the end. The rule writes η/σ as it steps (see `UpdateRule.step`),
   * and each η is computed once, for the point it is recorded on and the step that leaves it.
   */
  advance(n: number): number {
    if (this.status !== 'ok' || !(n > 0)) return 0;
    const { theta, grad, surface, optimizer, eff, previous, bound } = this;
    const { rule, hyper } = optimizer;
    const state = optimizer.state;
    const sched = this.schedule;
    const constant = sched.kind === 'constant';
    const baseLr = hyper.lr;
    const first = this.step;
    const room = Math.max(0, Math.min(n, MAX_RUN_STEPS - first));
    this.trajectory.reserve(room);
    const points = this.points.buffer;
    const gradNorm = this.gradNorm.buffer;
    const grads = this.grads.buffer;
    const lrs = this.lr.buffer;
    const effSteps = this.effSteps.buffer;
    const end = first + room;
    // η of the step leaving point t.
    let lr = constant ? baseLr : scheduledLr(sched, baseLr, first);
    let t = first;
    while (t < end) {
      previous[0] = theta[0];
      previous[1] = theta[1];
      rule.step(theta, grad, state, hyper, lr, eff);
      // The step leaving point t is taken: its η/σ is known, whatever becomes of the point.
      effSteps[2 * t] = eff[0];
      effSteps[2 * t + 1] = eff[1];
      const loss = surface.valueAndGrad(theta[0], theta[1], grad, 0);
      const x = theta[0];
      const y = theta[1];
      const gx = grad[0];
      const gy = grad[1];
      // NaN fails the comparison too.
      if (!(Math.abs(loss) <= bound && Number.isFinite(gx + gy + x + y))) {
        this.status = 'diverged';
        const what =
          this.nonFinite(loss) ??
          `the loss is ${loss.toPrecision(3)}: |L| passed 10¹² × |L₀| + 10¹² = ${bound.toPrecision(3)}`;
        this.reason = `${what} after step ${t + 1} (learning rate ${lr})`;
        // The last point's η/σ is known now (its step was taken and failed): the next frame
        // restates it, as a session saves it.
        this.sent = Math.min(this.sent, t);
        break;
      }
      t++;
      lr = constant ? baseLr : scheduledLr(sched, baseLr, t);
      // Point t, as `record` appends it.
      points[3 * t] = x;
      points[3 * t + 1] = y;
      points[3 * t + 2] = loss;
      gradNorm[t] = Math.sqrt(gx * gx + gy * gy);
      grads[2 * t] = gx;
      grads[2 * t + 1] = gy;
      lrs[t] = lr;
      effSteps[2 * t] = NaN;
      effSteps[2 * t + 1] = NaN;
    }
    this.trajectory.resize(t + 1);
    if (t === end && end < first + n) {
      this.status = 'finished';
      this.reason = `reached the limit of ${MAX_RUN_STEPS.toLocaleString('en')} steps`;
    }
    return t - first;
  }

  /** Appends θ's point; `nextLr` is the η of the step that will leave it. */
  private record(loss: number, nextLr: number): void {
    const { theta, grad } = this;
    const gx = grad[0];
    const gy = grad[1];
    this.points.push3(theta[0], theta[1], loss);
    this.gradNorm.push(Math.sqrt(gx * gx + gy * gy));
    this.grads.push2(gx, gy);
    this.lr.push(nextLr);
    this.effSteps.push2(NaN, NaN);
  }

  /** The optimizer between two steps: θ, ∇L, the step just taken and every buffer. */
  inspect(): RunInspection {
    const { optimizer } = this;
    const buffers: Record<string, Float64Array> = {};
    for (const [name, buffer] of Object.entries(optimizer.state.buffers))
      buffers[name] = buffer.slice();
    const n = this.step;
    return {
      runId: this.runId,
      step: n,
      theta: this.theta.slice(),
      grad: this.grad.slice(),
      lastStep: Float64Array.of(this.theta[0] - this.previous[0], this.theta[1] - this.previous[1]),
      effectiveStep: n > 0 ? this.effSteps.slice(2 * n - 2, 2 * n) : Float64Array.of(NaN, NaN),
      buffers,
      t: optimizer.state.t,
    };
  }

  /** Describes the first non-finite quantity at θ, or returns undefined if all are finite. */
  private nonFinite(loss: number): string | undefined {
    const { theta, grad } = this;
    if (!Number.isFinite(theta[0]) || !Number.isFinite(theta[1])) {
      return `θ is (${theta[0]}, ${theta[1]})`;
    }
    if (!Number.isFinite(loss)) return `the loss is ${loss}`;
    if (!Number.isFinite(grad[0]) || !Number.isFinite(grad[1])) {
      return `the gradient is (${grad[0]}, ${grad[1]})`;
    }
    return undefined;
  }

  /** The points since the last frame, or undefined if there are none and nothing changed. */
  takeFrame(): RunFrame | undefined {
    const count = this.gradNorm.length;
    if (this.sent >= count) return undefined;
    // Restate the previously newest point: its η/σ is known now that its step is taken.
    const from = Math.max(0, Math.min(this.sent, count) - 1);
    this.sent = count;
    return {
      runId: this.runId,
      fromStep: from,
      ...this.trajectory.slice(from, count),
      status: this.status,
    };
  }

  /** Everything from the start again (a client that lost track, or a reset). */
  rewindFrames(): void {
    this.sent = 0;
  }

  state(): RunState {
    return {
      runId: this.runId,
      surface: this.surfaceSpec,
      status: this.status,
      step: this.step,
      ...this.settingsState(),
      start: this.start,
      changes: this.changes,
      ...this.notes(),
    };
  }

  /**
   * The configuration the current trajectory started from (at creation, or at the latest
   * reset): replaying `changes` on it, each at its step, reproduces the run bit for bit.
   */
  initialConfig(): RunConfig {
    const start = this.originStart;
    return {
      runId: this.runId,
      surface: this.surfaceSpec,
      start: [start[0], start[1]],
      optimizer: this.originSpec(),
      ...(this.label !== undefined ? { label: this.label } : {}),
    };
  }

  /**
   * Shows a recorded trajectory in place of this run's own, for a recording that replaying
   * does not reproduce (made by another LossLab, say). Its optimizer state is unknown, so a
   * run recorded as still running becomes `finished`, with `reason` saying why it cannot go on.
   * `settings` are the hyperparameters and schedule in effect after the recorded changes.
   */
  adoptRecording(recording: RecordedSettings<HyperChange> & TrajectoryColumns): void {
    this.trajectory.assign(recording);
    this.adoptSettings(recording);
    const n = this.points.length;
    this.theta[0] = this.previous[0] = this.points.at(n - 3);
    this.theta[1] = this.previous[1] = this.points.at(n - 2);
    const g = this.grads.length;
    this.grad[0] = this.grads.at(g - 2);
    this.grad[1] = this.grads.at(g - 1);
    if (n >= 6) {
      this.previous[0] = this.points.at(n - 6);
      this.previous[1] = this.points.at(n - 5);
    }
    this.sent = 0;
  }
}
