/**
 * The engine side of the network lab: one dataset and a default model (a NetworkProblem),
 * several training runs — each of the lab's model or of its own, on the same data (uploaded
 * once) — their data views, landscapes and lines. The engine routes the `net.*` messages here
 * and trains the runs while playing (see Engine).
 *
 * A landscape is around one run's θ, on that run's architecture: only runs of the same
 * architecture (same θ layout and loss, see architectureKey) are projected onto its plane.
 */
import { FieldError } from '../../core/errors';
import type {
  EngineMessage,
  NetworkLandscape,
  NetworkProblemInfo,
  NetworkRunFrame,
  NetworkSplitData,
  NetworkView,
  ValidClientMessage,
} from '../../../common/protocol';
import type {
  DatasetSpec,
  ModelSpec,
  ModelSpecInput,
  NetworkRunConfigInput,
  NetworkRunUpdate,
} from '../../../common/network';
import type { Domain } from '../../../common/schemas';
import type { SplitName } from '../../datasets';
import {
  computeLandscape,
  computeLineInSlices,
  LandscapeCancelledError,
  landscapePool,
  pcaDirections,
  projectTrajectory,
  randomDirections,
  type Directions,
} from '../../landscape';
import { ModelError, NetworkProblem, NetworkRun, type Tf } from '../../network';
import {
  BudgetError,
  checkLandscape,
  checkPass,
  formatBytes,
  HOST_RUN_BYTES,
  runHostBytes,
} from '../../network/budget';
import type { ForkOrigin, LandscapeRecording, NetworkRunRecording } from '../../../common/session';
import {
  recordNetworkRun,
  resumeNetworkRun,
  type LiveLandscape,
  type RestoredNetwork,
} from './recording';

type Post = (message: EngineMessage, transfer?: ArrayBuffer[]) => void;
type Msg<T extends ValidClientMessage['type']> = Extract<ValidClientMessage, { type: T }>;

/** Most network runs at once. */
export const MAX_NETWORK_RUNS = 8;

export class NetworkLab {
  private problem: NetworkProblem | undefined;
  readonly runs = new Map<string, NetworkRun>();
  /**
   * Directions of finished landscapes by request id (to save), and saved ones by name, each
   * with the architecture whose θ they span.
   */
  private readonly landscapeDirections = new Map<
    number,
    { directions: Directions; architecture: string }
  >();
  private readonly saved = new Map<string, { directions: Directions; architecture: string }>();
  private readonly jobs = new Map<number, AbortController>();
  /** The last finished landscape, whole, for a session to save. */
  private lastLandscape: LiveLandscape | undefined;
  /** Runs restored from a session, with what the session said of them. */
  private readonly restored = new Map<
    string,
    { color?: string; forkedFrom?: ForkOrigin; recording?: NetworkRunRecording }
  >();

  constructor(
    private readonly tf: () => Promise<Tf>,
    private readonly post: Post,
  ) {}

  get hasProblem(): boolean {
    return this.problem !== undefined;
  }

  private requireProblem(): NetworkProblem {
    if (!this.problem)
      throw new FieldError(undefined, 'set up a dataset and model first (net.setup)');
    return this.problem;
  }

  private run(runId: string): NetworkRun {
    const run = this.runs.get(runId);
    if (!run) throw new FieldError('runId', `no network run "${runId}"`);
    return run;
  }

  /** A new dataset and model: every run, landscape and saved direction of the old one goes. */
  async setup(message: Msg<'net.setup'>): Promise<void> {
    const tf = await this.tf();
    const problem = new NetworkProblem(tf, message.dataset, message.model);
    for (const job of this.jobs.values()) job.abort();
    for (const runId of [...this.runs.keys()]) this.remove(runId);
    this.problem?.dispose();
    this.problem = problem;
    this.saved.clear();
    this.landscapeDirections.clear();
    this.lastLandscape = undefined;
    this.restored.clear();
    // Start the landscape workers now, so the first landscape does not pay for them.
    if (tf.getBackend() !== 'tensorflow') landscapePool()?.warm(tf.getBackend() as 'wasm' | 'cpu');
    const info = describeProblem(problem, message.dataset, message.model);
    this.post({ type: 'net.problem', id: message.id, problem: info });
  }

  create(config: NetworkRunConfigInput): void {
    const problem = this.requireProblem();
    if (this.runs.has(config.runId))
      throw new FieldError('run.runId', `a run "${config.runId}" already exists`);
    if (this.runs.size >= MAX_NETWORK_RUNS)
      throw new FieldError('run', `at most ${MAX_NETWORK_RUNS} network runs at once`);
    const architecture = architectureOf(problem, config.model);
    // Each run keeps its own θ, buffers and snapshots, of its own architecture's size.
    const perRun = runHostBytes(architecture.layout.size);
    let used = 0;
    for (const run of this.runs.values()) used += runHostBytes(run.theta.length);
    if (used + perRun > HOST_RUN_BYTES) {
      throw new BudgetError(
        'run',
        `each run of this network keeps about ${formatBytes(perRun)} (θ, its optimizer's buffers, snapshots); with the ${this.runs.size} runs here (${formatBytes(used)}) it would pass the ${formatBytes(HOST_RUN_BYTES)} the lab allows`,
      );
    }
    const run = new NetworkRun(problem, config);
    this.runs.set(run.runId, run);
    this.post({ type: 'net.run.state', run: run.state() });
  }

  update(runId: string, change: NetworkRunUpdate): void {
    const run = this.run(runId);
    run.update(change);
    this.post({ type: 'net.run.state', run: run.state() });
  }

  remove(runId: string): void {
    this.run(runId);
    this.runs.delete(runId);
    this.restored.delete(runId);
    this.post({ type: 'net.run.removed', runId });
  }

  /** The problem and runs as they are now, for a session. */
  live(): { problem: NetworkProblem; runs: NetworkRun[] } | undefined {
    if (!this.problem) return undefined;
    return { problem: this.problem, runs: [...this.runs.values()] };
  }

  /** The last finished landscape, whole (center and directions included). */
  get landscapeToSave(): LiveLandscape | undefined {
    return this.lastLandscape;
  }

  /** What the session said about a restored run (its colour, its fork origin). */
  restoredInfo(runId: string): { color?: string; forkedFrom?: ForkOrigin } | undefined {
    return this.restored.get(runId);
  }

  /**
   * Replaces the problem and every run with a session's (already rebuilt and checked). The
   * runs' states and curves go out on the client's next `sync`; nothing is posted now but the
   * old runs' removal.
   */
  adopt(network: RestoredNetwork, recordings: readonly NetworkRunRecording[]): NetworkProblemInfo {
    for (const job of this.jobs.values()) job.abort();
    for (const runId of [...this.runs.keys()]) this.remove(runId);
    this.problem?.dispose();
    this.problem = network.problem;
    this.saved.clear();
    this.landscapeDirections.clear();
    this.restored.clear();
    network.runs.forEach((r, i) => {
      this.runs.set(r.run.runId, r.run);
      this.restored.set(r.run.runId, {
        // What resume must reproduce: the recording as saved (a run still going was "ok").
        ...(recordings[i] ? { recording: recordings[i] } : {}),
        ...(r.color !== undefined ? { color: r.color } : {}),
        ...(r.forkedFrom ? { forkedFrom: r.forkedFrom } : {}),
      });
    });
    const last = network.landscapes.at(-1);
    this.lastLandscape = last ? liveLandscape(last) : undefined;
    return describeProblem(
      network.problem,
      network.problem.dataset.spec as DatasetSpec,
      network.problem.model,
    );
  }

  /** Every run's state, and its curves again from the start. */
  sync(): void {
    for (const run of this.runs.values()) this.post({ type: 'net.run.state', run: run.state() });
    this.rewindFrames();
  }

  /**
   * Retrains a run restored from a session, checking every step against the recording; then it
   * can go on training. Progress is reported as net.resume.progress.
   */
  async resume(id: number, runId: string): Promise<void> {
    const problem = this.requireProblem();
    const run = this.run(runId);
    if (this.jobs.has(id)) throw new FieldError('id', `request ${id} is already running`);
    const controller = new AbortController();
    this.jobs.set(id, controller);
    let lastPost = 0;
    try {
      const info = this.restored.get(runId);
      const recording = info?.recording ?? recordNetworkRun(run);
      const resumed = await resumeNetworkRun(problem, recording, {
        signal: controller.signal,
        onProgress: (done, total) => {
          const now = performance.now();
          if (now - lastPost < 100 && done < total) return;
          lastPost = now;
          this.post({ type: 'net.resume.progress', id, runId, done, total });
        },
      });
      if (this.runs.get(runId) !== run) {
        throw new FieldError('runId', `run "${runId}" was removed while it was retrained`);
      }
      this.runs.set(runId, resumed.run);
      if (info && resumed.resumable) {
        const { recording: _done, ...rest } = info;
        this.restored.set(runId, rest);
      }
      this.post({ type: 'net.run.state', run: resumed.run.state() });
      resumed.run.rewindFrames();
      if (!resumed.resumable) {
        throw new FieldError(
          'runId',
          `run "${runId}" cannot be resumed: ${resumed.note ?? 'retraining did not reproduce it'}`,
        );
      }
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') {
        throw new FieldError(undefined, `cancelled: resuming "${runId}" was cancelled`);
      }
      throw err;
    } finally {
      this.jobs.delete(id);
    }
  }

  /** Back to θ₀ with fresh optimizer state; `runId` undefined: every run. */
  reset(runId?: string): void {
    const targets = runId ? [this.run(runId)] : [...this.runs.values()];
    for (const run of targets) {
      run.reset();
      this.post({ type: 'net.run.state', run: run.state() });
    }
  }

  /**
   * Steps one run, at most `steps` updates and at most until `deadline` (performance.now()):
   * a network update costs milliseconds, and the engine must keep answering. Returns the
   * updates taken.
   */
  advance(run: NetworkRun, steps: number, deadline = Infinity): number {
    const before = run.status;
    let taken = 0;
    try {
      while (taken < steps && run.status === 'ok') {
        taken += run.advance(1);
        if (performance.now() > deadline) break;
      }
    } catch (err) {
      // The update failed midway (its batch drawn, θ not moved): the run cannot go on
      // reproducibly, so it stops here, and the failure is reported.
      run.stop(`stopped at step ${run.step}: ${(err as Error)?.message ?? String(err)}`);
      this.post({ type: 'net.run.state', run: run.state() });
      throw err;
    }
    if (run.status !== before) this.post({ type: 'net.run.state', run: run.state() });
    return taken;
  }

  /** No problem and no runs: as a new engine (a session without a network lab was opened). */
  clear(): void {
    for (const job of this.jobs.values()) job.abort();
    for (const runId of [...this.runs.keys()]) this.remove(runId);
    this.problem?.dispose();
    this.problem = undefined;
    this.saved.clear();
    this.landscapeDirections.clear();
    this.lastLandscape = undefined;
    this.restored.clear();
  }

  /** The tfjs backend was restarted: whatever the problem had uploaded to it is gone. */
  backendRestarted(): void {
    this.problem?.forgetDevice();
  }

  takeFrames(): NetworkRunFrame[] {
    const frames: NetworkRunFrame[] = [];
    for (const run of this.runs.values()) {
      const frame = run.takeFrame();
      if (frame) frames.push(frame);
    }
    return frames;
  }

  rewindFrames(): void {
    for (const run of this.runs.values()) run.rewindFrames();
  }

  evaluate(message: Msg<'net.evaluate'>): void {
    const run = this.run(message.runId);
    const result = run.evaluate(message.split);
    this.post({
      type: 'net.evaluation',
      id: message.id,
      runId: message.runId,
      split: message.split,
      ...result,
      step: run.step,
    });
  }

  /** What the data view shows for a run: its decision surface, fitted curve or mistakes. */
  view(message: Msg<'net.view'>): void {
    this.requireProblem();
    const run = this.run(message.runId);
    // The run's own architecture on the lab's data.
    const problem = run.problem;
    const { dataset } = problem;
    let view: NetworkView;
    const transfer: ArrayBuffer[] = [];
    if (dataset.inputDim === 2) {
      const r = message.resolution;
      checkPass(
        problem.layout,
        r * r,
        false,
        problem.budget,
        `the decision surface at ${r} × ${r} points`,
        'resolution',
        problem.residentBytes,
        ' — ask for a lower resolution',
      );
      const bounds = inputBounds(problem);
      const [[x0, x1], [y0, y1]] = bounds;
      const grid = new Float32Array(2 * r * r);
      for (let j = 0; j < r; j++) {
        for (let i = 0; i < r; i++) {
          grid[2 * (j * r + i)] = x0 + ((x1 - x0) * i) / (r - 1);
          grid[2 * (j * r + i) + 1] = y0 + ((y1 - y0) * j) / (r - 1);
        }
      }
      const probabilities = problem.predict(run.theta, grid);
      view = { kind: 'decision', resolution: r, bounds, classes: dataset.classes, probabilities };
      transfer.push(probabilities.buffer as ArrayBuffer);
    } else if (dataset.task === 'regression') {
      const [[x0, x1]] = inputBounds(problem);
      const count = 200;
      const x = Float32Array.from({ length: count }, (_, i) => x0 + ((x1 - x0) * i) / (count - 1));
      const y = problem.predict(run.theta, x);
      view = { kind: 'curve', x, y };
      transfer.push(x.buffer as ArrayBuffer, y.buffer as ArrayBuffer);
    } else {
      const split = problem.split(message.split);
      const wrong = problem.misclassified(run.theta, message.split, 10_000);
      const shown = wrong.slice(0, 48);
      const d = dataset.inputDim;
      const pixels = new Float32Array(shown.length * d);
      shown.forEach((w, k) =>
        pixels.set(split.raw.subarray(w.index * d, (w.index + 1) * d), k * d),
      );
      view = {
        kind: 'mistakes',
        split: message.split,
        pixels,
        labels: Int32Array.from(shown, (w) => w.label),
        predicted: Int32Array.from(shown, (w) => w.predicted),
        wrong: wrong.length,
        total: split.n,
      };
      transfer.push(pixels.buffer as ArrayBuffer);
    }
    this.post({ type: 'net.view.data', id: message.id, runId: run.runId, view }, transfer);
  }

  /** The landscape around a run's θ, with progress; cancellable with its request id. */
  async landscape(message: Msg<'net.landscape'>): Promise<void> {
    this.requireProblem();
    const centerRun = this.run(message.center.runId);
    // The landscape is the centre run's architecture's loss over its θ.
    const problem = centerRun.problem;
    const center = Float64Array.from(
      message.center.at === 'initial' ? problem.initialTheta : centerRun.theta,
    );
    const spec = message.directions;
    let directions: Directions;
    if (spec.kind === 'random') {
      directions = randomDirections(problem.layout, center, spec.seed);
    } else if (spec.kind === 'pca') {
      const run = this.run(spec.runId);
      if (!run.problem.sameArchitecture(problem)) {
        throw new FieldError(
          'directions.runId',
          `run "${run.runId}" is another architecture (${run.problem.architectureKey}) than the centre run "${centerRun.runId}" (${problem.architectureKey}): its trajectory does not span this landscape's θ`,
        );
      }
      directions = pcaDirections(
        run.snapshots.list().map((s) => s.theta),
        run.theta,
      );
    } else {
      const saved = this.saved.get(spec.name);
      if (!saved) throw new FieldError('directions.name', `no saved directions "${spec.name}"`);
      if (saved.architecture !== problem.architectureKey) {
        throw new FieldError(
          'directions.name',
          `the directions "${spec.name}" belong to another architecture (${saved.architecture}) than the centre run "${centerRun.runId}" (${problem.architectureKey})`,
        );
      }
      directions = saved.directions;
    }
    const asked = message.project.map((runId) => this.run(runId));
    const projected = asked.filter((run) => run.problem.sameArchitecture(problem));
    const otherArchitecture = asked
      .filter((run) => !run.problem.sameArchitecture(problem))
      .map((run) => run.runId);
    if (this.jobs.has(message.id))
      throw new FieldError('id', `landscape ${message.id} is already running`);
    const { resolution, coarse, split } = message.grid;
    checkLandscape(
      problem.layout,
      problem.split(split).n,
      resolution * resolution + coarse * coarse,
      problem.budget,
      { field: 'grid.resolution', resolution },
    );
    // Project first: with `fit`, the grid's range grows to hold every projected path.
    const paths = projected.map((run) => projectTrajectory(run, center, directions));
    const range = message.fit ? fitRange(message.grid.range, paths) : message.grid.range;
    const controller = new AbortController();
    this.jobs.set(message.id, controller);
    let lastPost = 0;
    try {
      const grid = await computeLandscape(problem, center, directions, {
        ...message.grid,
        range,
        signal: controller.signal,
        onProgress: (p) => {
          const now = performance.now();
          const show = p.coarse !== undefined || now - lastPost > 250 || p.done === p.total;
          if (!show) {
            this.post({
              type: 'net.landscape.progress',
              id: message.id,
              phase: p.phase,
              done: p.done,
              total: p.total,
            });
            return;
          }
          lastPost = now;
          const values = p.values.slice();
          this.post(
            {
              type: 'net.landscape.progress',
              id: message.id,
              phase: p.phase,
              done: p.done,
              total: p.total,
              values,
            },
            [values.buffer as ArrayBuffer],
          );
        },
      });
      const projections = projected.map((run) => {
        const path = projectTrajectory(run, center, directions, { lossOn: grid.split });
        return {
          runId: run.runId,
          steps: path.steps,
          alpha: path.alpha,
          beta: path.beta,
          distance: path.distance,
          loss: path.loss ?? new Float64Array(path.steps.length).fill(NaN),
        };
      });
      this.landscapeDirections.set(message.id, {
        directions,
        architecture: problem.architectureKey,
      });
      this.lastLandscape = {
        grid: {
          resolution: grid.resolution,
          range,
          split: grid.split,
          values: grid.values.slice(),
          min: grid.min,
          max: grid.max,
          centerLoss: grid.centerLoss,
        },
        directions: {
          ...directions,
          kind: spec.kind === 'saved' ? 'saved' : directions.kind,
          ...(spec.kind === 'saved' ? { name: spec.name } : {}),
        },
        center,
        centerOf: {
          runId: centerRun.runId,
          at: message.center.at,
          step: message.center.at === 'initial' ? 0 : centerRun.step,
        },
        projections: projections.map((p) => ({
          runId: p.runId,
          steps: p.steps.slice(),
          alpha: p.alpha.slice(),
          beta: p.beta.slice(),
          distance: p.distance.slice(),
          loss: p.loss.slice(),
        })),
      };
      const landscape: NetworkLandscape = {
        resolution: grid.resolution,
        range,
        split: grid.split === 'validation' ? 'validation' : 'train',
        values: grid.values,
        min: grid.min,
        max: grid.max,
        centerLoss: grid.centerLoss,
        ms: grid.ms,
        threads: grid.threads,
        center: {
          runId: centerRun.runId,
          at: message.center.at,
          step: message.center.at === 'initial' ? 0 : centerRun.step,
        },
        directions: {
          kind: spec.kind,
          ...(spec.kind === 'random' ? { seed: spec.seed } : {}),
          ...(spec.kind === 'saved' ? { name: spec.name } : {}),
          ...(directions.explainedVariance ? { explained: directions.explainedVariance } : {}),
        },
        ...(otherArchitecture.length > 0 ? { otherArchitecture } : {}),
        projections,
      };
      const transfer: ArrayBuffer[] = [grid.values.buffer as ArrayBuffer];
      for (const p of projections) {
        for (const a of [p.steps, p.alpha, p.beta, p.distance, p.loss])
          transfer.push(a.buffer as ArrayBuffer);
      }
      this.post({ type: 'net.landscape.result', id: message.id, landscape }, transfer);
    } catch (err) {
      if (err instanceof LandscapeCancelledError) {
        throw new FieldError(undefined, `cancelled: landscape ${message.id} was cancelled`);
      }
      throw err;
    } finally {
      this.jobs.delete(message.id);
    }
  }

  cancelLandscape(id: number): void {
    this.jobs.get(id)?.abort();
  }

  saveDirections(message: Msg<'net.directions.save'>): void {
    const directions = this.landscapeDirections.get(message.landscapeId);
    if (!directions)
      throw new FieldError('landscapeId', `no finished landscape ${message.landscapeId}`);
    this.saved.set(message.name, directions);
  }

  /** L along the segment between two θs, in slices; cancellable with its request id. */
  async line(message: Msg<'net.line'>): Promise<void> {
    this.requireProblem();
    const [a, b] = [this.run(message.from.runId), this.run(message.to.runId)];
    if (!a.problem.sameArchitecture(b.problem)) {
      throw new FieldError(
        'to.runId',
        `runs "${a.runId}" (${a.problem.architectureKey}) and "${b.runId}" (${b.problem.architectureKey}) are different architectures: no line joins their θs`,
      );
    }
    const problem = a.problem;
    const at = (run: NetworkRun, end: { at: 'initial' | 'current' }) =>
      Float64Array.from(end.at === 'initial' ? run.problem.initialTheta : run.theta);
    const [from, to] = [at(a, message.from), at(b, message.to)];
    if (this.jobs.has(message.id))
      throw new FieldError('id', `request ${message.id} is already running`);
    checkLandscape(problem.layout, problem.split(message.split).n, message.points, problem.budget, {
      field: 'points',
    });
    const controller = new AbortController();
    this.jobs.set(message.id, controller);
    let line;
    try {
      line = await computeLineInSlices(problem, from, to, {
        points: message.points,
        range: message.range,
        split: message.split,
        signal: controller.signal,
      });
    } catch (err) {
      if (err instanceof LandscapeCancelledError) {
        throw new FieldError(undefined, `cancelled: line ${message.id} was cancelled`);
      }
      throw err;
    } finally {
      this.jobs.delete(message.id);
    }
    const t = Float64Array.from(line.t);
    const values = Float64Array.from(line.values);
    this.post({ type: 'net.line.result', id: message.id, t, values, loss: message.split }, [
      t.buffer as ArrayBuffer,
      values.buffer as ArrayBuffer,
    ]);
  }

  close(): void {
    for (const job of this.jobs.values()) job.abort();
    this.problem?.dispose();
    this.problem = undefined;
    this.runs.clear();
  }
}

/**
 * The problem of a run's model on the lab's data, its refusals naming the run's fields
 * (`run.model`, `run.model.loss`).
 */
function architectureOf(
  problem: NetworkProblem,
  model: ModelSpecInput | undefined,
): NetworkProblem {
  try {
    return problem.architecture(model);
  } catch (err) {
    if (err instanceof BudgetError)
      throw new BudgetError(`run.${err.field ?? 'model'}`, err.message);
    if (err instanceof ModelError) {
      throw new FieldError(`run.model.${err.field}`, err.message);
    }
    throw err;
  }
}

/** A recorded landscape as the lab keeps its last one (to save it again). */
function liveLandscape(l: LandscapeRecording): LiveLandscape {
  const { d1, d2, ...rest } = l.directions;
  return {
    id: l.id,
    ...(l.label !== undefined ? { label: l.label } : {}),
    grid: {
      resolution: l.resolution,
      range: l.range,
      split: l.split,
      values: l.values,
      min: l.min,
      max: l.max,
      centerLoss: l.centerLoss,
    },
    directions: { ...rest, d1, d2 },
    center: l.center,
    ...(l.centerOf ? { centerOf: l.centerOf } : {}),
    projections: l.projections,
  };
}

/** A recorded landscape as the protocol shows it. */
export function landscapeMessage(l: LandscapeRecording): NetworkLandscape {
  const n = (p: { steps: Float64Array }) => new Float64Array(p.steps.length).fill(NaN);
  return {
    resolution: l.resolution,
    range: l.range,
    split: l.split,
    values: l.values.slice(),
    min: l.min,
    max: l.max,
    centerLoss: l.centerLoss,
    ms: 0,
    threads: 0,
    center: {
      runId: l.centerOf?.runId ?? '',
      at: l.centerOf?.at === 'initial' ? 'initial' : 'current',
      step: l.centerOf?.step ?? 0,
    },
    directions: {
      kind: l.directions.kind === 'given' ? 'saved' : l.directions.kind,
      ...(l.directions.seed !== undefined ? { seed: l.directions.seed } : {}),
      ...(l.directions.name !== undefined ? { name: l.directions.name } : {}),
      ...(l.directions.explainedVariance ? { explained: l.directions.explainedVariance } : {}),
    },
    projections: l.projections.map((p) => ({
      runId: p.runId,
      steps: p.steps.slice(),
      alpha: p.alpha.slice(),
      beta: p.beta.slice(),
      distance: p.distance.slice(),
      loss: p.loss ? p.loss.slice() : n(p),
    })),
  };
}

/** The smallest symmetric square range holding `base` and every projected point, plus 15%. */
function fitRange(
  base: [[number, number], [number, number]],
  paths: { alpha: Float64Array; beta: Float64Array }[],
): [[number, number], [number, number]] {
  let reach = Math.max(...base.flat().map(Math.abs));
  for (const p of paths) {
    for (let k = 0; k < p.alpha.length; k++) {
      const r = Math.max(Math.abs(p.alpha[k]), Math.abs(p.beta[k]));
      if (Number.isFinite(r)) reach = Math.max(reach, 1.15 * r);
    }
  }
  return [
    [-reach, reach],
    [-reach, reach],
  ];
}

/** Bounding box of every split's inputs (2-D), or of x and y (1-D regression), with a margin. */
function inputBounds(problem: NetworkProblem): Domain {
  const { dataset } = problem;
  const pad = (lo: number, hi: number): [number, number] => {
    const m = (hi - lo) * 0.08 || 1;
    return [lo - m, hi + m];
  };
  const range = (stride: number, offset: number): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const split of [dataset.train, dataset.validation, dataset.test]) {
      for (let i = offset; i < split.raw.length; i += stride) {
        const v = split.raw[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return lo <= hi ? pad(lo, hi) : [-1, 1];
  };
  if (dataset.inputDim === 2) return [range(2, 0), range(2, 1)];
  let lo = Infinity;
  let hi = -Infinity;
  for (const split of [dataset.train, dataset.validation, dataset.test]) {
    for (const v of split.y) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [range(1, 0), lo <= hi ? pad(lo, hi) : [-1, 1]];
}

function describeProblem(
  problem: NetworkProblem,
  dataset: DatasetSpec,
  model: ModelSpec,
): NetworkProblemInfo {
  const d = problem.dataset;
  const split = (name: SplitName): NetworkSplitData => {
    const s = d[name];
    return d.inputDim <= 2
      ? { n: s.n, x: s.raw.slice(), y: s.y.slice() }
      : { n: s.n, y: s.y.slice() };
  };
  return {
    dataset,
    model,
    task: d.task,
    inputDim: d.inputDim,
    classes: d.classes,
    parameters: problem.layout.size,
    layers: problem.layout.tensors.map((t) => ({ name: t.name, shape: [...t.shape] })),
    ...(d.mismatch ? { mismatch: d.mismatch } : {}),
    train: split('train'),
    validation: split('validation'),
    test: split('test'),
    bounds: inputBounds(problem),
  };
}
