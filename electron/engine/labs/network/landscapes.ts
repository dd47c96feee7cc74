/**
 * The network lab's landscapes and lines: the loss over a plane of θ around one run (random,
 * PCA or saved directions) with every run of its architecture projected onto it, and the loss
 * along the segment between two θs. Both are long jobs, cancellable by their request id.
 *
 * A landscape is around one run's θ, on that run's architecture: only runs of the same
 * architecture (same θ layout and loss, see architectureKey) are projected onto its plane.
 */
import { CancelledError, FieldError } from '../../core/errors';
import type { NetworkLandscape } from '../../../common/protocol';
import type { LandscapeRecording } from '../../../common/session';
import {
  computeLandscape,
  computeLineInSlices,
  pcaDirections,
  projectTrajectory,
  randomDirections,
  type Directions,
} from '../../landscape';
import type { NetworkProblem, NetworkRun } from '../../network';
import { checkLandscape } from '../../network/budget';
import { type Msg, type Post } from '../lab';
import { hessianDirections } from './hessian-directions';
import type { LiveLandscape } from './recording';

/** What the landscapes need of the lab. */
export interface LandscapeHost {
  post: Post;
  /** The lab's problem, or a refusal when it has none yet. */
  requireProblem(): NetworkProblem;
  /** Run `runId`, or a refusal naming `runId`. */
  run(runId: string): NetworkRun;
  /** The lab's long jobs by request id (`net.landscape.cancel` aborts any). */
  readonly jobs: Map<number, AbortController>;
}

export class NetworkLandscapes {
  /**
   * Directions of finished landscapes by request id (to save), and saved ones by name, each
   * with the architecture whose θ they span.
   */
  private readonly landscapeDirections = new Map<
    number,
    { directions: Directions; architecture: string }
  >();
  private readonly saved = new Map<string, { directions: Directions; architecture: string }>();
  /** The last finished landscape, whole, for a session to save. */
  last: LiveLandscape | undefined;
  /** The last Hessian directions' d₁ and architecture: the next one's Lanczos starts there. */
  private lastHessian: { architecture: string; d1: Float64Array } | undefined;

  constructor(private readonly lab: LandscapeHost) {}

  /** Forgets every landscape and saved direction (a new problem); `last`: the session's. */
  clear(last?: LandscapeRecording): void {
    this.saved.clear();
    this.landscapeDirections.clear();
    this.lastHessian = undefined;
    this.last = last ? liveLandscape(last) : undefined;
  }

  /** The landscape around a run's θ, with progress; cancellable with its request id. */
  async landscape(message: Msg<'net.landscape'>): Promise<void> {
    this.lab.requireProblem();
    const centerRun = this.lab.run(message.center.runId);
    // The landscape is the centre run's architecture's loss over its θ.
    const problem = centerRun.problem;
    const center = Float64Array.from(
      message.center.at === 'initial' ? centerRun.initialTheta : centerRun.theta,
    );
    const spec = message.directions;
    let directions: Directions | undefined;
    if (spec.kind === 'random') {
      directions = randomDirections(problem.layout, center, spec.seed);
    } else if (spec.kind === 'pca') {
      const run = this.lab.run(spec.runId);
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
    } else if (spec.kind === 'saved') {
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
    const asked = message.project.map((runId) => this.lab.run(runId));
    const projected = asked.filter((run) => run.problem.sameArchitecture(problem));
    const otherArchitecture = asked
      .filter((run) => !run.problem.sameArchitecture(problem))
      .map((run) => run.runId);
    if (this.lab.jobs.has(message.id))
      throw new FieldError('id', `landscape ${message.id} is already running`);
    const { resolution, coarse, split } = message.grid;
    checkLandscape(
      problem.layout,
      problem.split(split).n,
      resolution * resolution + coarse * coarse,
      problem.budget,
      { field: 'grid.resolution', resolution },
    );
    const controller = new AbortController();
    this.lab.jobs.set(message.id, controller);
    let lastPost = 0;
    try {
      if (!directions) {
        // The Hessian's top two eigenvectors at the centre, on the grid's split.
        directions = await hessianDirections(problem, center, split, {
          signal: controller.signal,
          start:
            this.lastHessian?.architecture === problem.architectureKey
              ? this.lastHessian.d1
              : undefined,
          onProgress: (done, total) => {
            const now = performance.now();
            if (now - lastPost < 250 && done < total) return;
            lastPost = now;
            this.lab.post({
              type: 'net.landscape.progress',
              id: message.id,
              phase: 'directions',
              done,
              total,
            });
          },
        });
        this.lastHessian = { architecture: problem.architectureKey, d1: directions.d1 };
      }
      const plane = directions;
      // Project first: with `fit`, the grid's range grows to hold every projected path.
      const paths = projected.map((run) => projectTrajectory(run, center, plane));
      const range = message.fit ? fitRange(message.grid.range, paths) : message.grid.range;
      const grid = await computeLandscape(problem, center, plane, {
        ...message.grid,
        range,
        signal: controller.signal,
        onProgress: (p) => {
          const now = performance.now();
          const show = p.coarse !== undefined || now - lastPost > 250 || p.done === p.total;
          if (!show) {
            this.lab.post({
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
          this.lab.post(
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
        const path = projectTrajectory(run, center, plane, { lossOn: grid.split });
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
        directions: plane,
        architecture: problem.architectureKey,
      });
      this.last = {
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
          ...plane,
          kind: spec.kind === 'saved' ? 'saved' : plane.kind,
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
          ...(plane.explainedVariance ? { explained: plane.explainedVariance } : {}),
          ...(plane.eigenvalues ? { eigenvalues: plane.eigenvalues } : {}),
        },
        ...(otherArchitecture.length > 0 ? { otherArchitecture } : {}),
        projections,
      };
      const transfer: ArrayBuffer[] = [grid.values.buffer as ArrayBuffer];
      for (const p of projections) {
        for (const a of [p.steps, p.alpha, p.beta, p.distance, p.loss])
          transfer.push(a.buffer as ArrayBuffer);
      }
      this.lab.post({ type: 'net.landscape.result', id: message.id, landscape }, transfer);
    } catch (err) {
      if (err instanceof CancelledError) {
        throw new FieldError(undefined, `cancelled: landscape ${message.id} was cancelled`);
      }
      throw err;
    } finally {
      this.lab.jobs.delete(message.id);
    }
  }

  saveDirections(message: Msg<'net.directions.save'>): void {
    const directions = this.landscapeDirections.get(message.landscapeId);
    if (!directions)
      throw new FieldError('landscapeId', `no finished landscape ${message.landscapeId}`);
    this.saved.set(message.name, directions);
  }

  /** L along the segment between two θs, in slices; cancellable with its request id. */
  async line(message: Msg<'net.line'>): Promise<void> {
    this.lab.requireProblem();
    const [a, b] = [this.lab.run(message.from.runId), this.lab.run(message.to.runId)];
    if (!a.problem.sameArchitecture(b.problem)) {
      throw new FieldError(
        'to.runId',
        `runs "${a.runId}" (${a.problem.architectureKey}) and "${b.runId}" (${b.problem.architectureKey}) are different architectures: no line joins their θs`,
      );
    }
    const problem = a.problem;
    const at = (run: NetworkRun, end: { at: 'initial' | 'current' }) =>
      Float64Array.from(end.at === 'initial' ? run.initialTheta : run.theta);
    const [from, to] = [at(a, message.from), at(b, message.to)];
    if (this.lab.jobs.has(message.id))
      throw new FieldError('id', `request ${message.id} is already running`);
    checkLandscape(problem.layout, problem.split(message.split).n, message.points, problem.budget, {
      field: 'points',
    });
    const controller = new AbortController();
    this.lab.jobs.set(message.id, controller);
    let line;
    try {
      line = await computeLineInSlices(problem, from, to, {
        points: message.points,
        range: message.range,
        split: message.split,
        signal: controller.signal,
      });
    } catch (err) {
      if (err instanceof CancelledError) {
        throw new FieldError(undefined, `cancelled: line ${message.id} was cancelled`);
      }
      throw err;
    } finally {
      this.lab.jobs.delete(message.id);
    }
    const t = Float64Array.from(line.t);
    const values = Float64Array.from(line.values);
    this.lab.post({ type: 'net.line.result', id: message.id, t, values, loss: message.split }, [
      t.buffer as ArrayBuffer,
      values.buffer as ArrayBuffer,
    ]);
  }
}

/** A recorded landscape as the lab keeps its last one (to save it again). */
export function liveLandscape(l: LandscapeRecording): LiveLandscape {
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
      ...(l.directions.eigenvalues ? { eigenvalues: l.directions.eigenvalues } : {}),
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
