/** `losslab landscape`: trains a SPEC's runs (or takes a given θ*), then computes the grid. */
import type { LandscapeSpec } from '../../common/network';
import type { NetworkProblem, NetworkRun } from '../network';
import {
  describeDataset,
  describeModel,
  snapshotsJson,
  trainFromSpec,
  type SpecExtras,
} from '../network/train-spec';
import {
  givenDirections,
  pcaDirections,
  randomDirections,
  LandscapeError,
  dot,
  type Directions,
} from './directions';
import { computeLandscape, computeLine, type LandscapeGrid } from './grid';
import { projectTrajectory, type ProjectedTrajectory } from './trajectory';

/** What `losslab landscape --out` saves: the trained runs and the landscape with its plane. */
export interface TrainedLandscape {
  problem: NetworkProblem;
  runs: NetworkRun[];
  grid: LandscapeGrid;
  directions: Directions;
  center: Float64Array;
  /** Where θ* came from (absent: a given θ). */
  centerOf?: { runId: string; at: 'initial' | 'final' };
  projections: ProjectedTrajectory[];
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

export interface LandscapeOutput {
  backend: string;
  dataset: ReturnType<typeof describeDataset>;
  model: ReturnType<typeof describeModel>;
  center: { run: number; at: 'initial' | 'final' } | 'given';
  directions: {
    kind: Directions['kind'];
    seed?: number;
    explainedVariance?: [number, number];
    /** ‖d₁‖, ‖d₂‖ and the cosine of the angle between them. */
    norms: [number, number];
    cosine: number;
    /** With `--vectors`: θ*, d₁ and d₂ (float64). */
    center?: number[];
    d1?: number[];
    d2?: number[];
  };
  grid: {
    resolution: number;
    alphas: number[];
    betas: number[];
    /** values[j][i] = L(θ* + α_i d₁ + β_j d₂); null where not finite. */
    values: (number | null)[][];
    min: number | null;
    max: number | null;
    centerLoss: number | null;
    split: string;
    seconds: number;
    threads: number;
  };
  runs: {
    optimizer: string;
    label?: string;
    status: string;
    steps: number;
    /** The run's recorded θ_t projected onto the plane. */
    trajectory: { step: number[]; alpha: number[]; beta: number[]; distance: number[] };
    /** L((1 − t) θ₀ + t θ_final) when `landscape.line` asks for it. */
    line?: { t: number[]; values: (number | null)[] };
    /** With `--vectors`: the run's θ snapshots. */
    snapshots?: { step: number[]; theta: number[][] };
  }[];
}

export async function runLandscapeSpec(
  spec: LandscapeSpec,
  extras: SpecExtras<TrainedLandscape> = {},
): Promise<LandscapeOutput> {
  const { problem, runs, backend, theta0 } = await trainFromSpec(spec);
  try {
    const options = spec.landscape;
    let center: Float64Array;
    if (options.theta) {
      if (options.theta.length !== problem.layout.size) {
        throw new LandscapeError(
          'theta',
          `has ${options.theta.length} entries; this model's θ has ${problem.layout.size}`,
        );
      }
      center = Float64Array.from(options.theta);
    } else {
      const run = runs[options.center.run];
      center = options.center.at === 'initial' ? theta0 : run.theta;
    }
    const d = options.directions;
    let directions: Directions;
    if (d.kind === 'random') directions = randomDirections(problem.layout, center, d.seed);
    else if (d.kind === 'given') directions = givenDirections(problem.layout, d.d1, d.d2);
    else {
      const run = runs[options.center.run];
      directions = pcaDirections(
        run.snapshots.list().map((s) => s.theta),
        run.theta,
      );
    }
    const grid: LandscapeGrid = await computeLandscape(problem, center, directions, {
      resolution: options.resolution,
      range: options.range,
      coarse: options.coarse,
      split: options.split,
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
    });
    const r = grid.resolution;
    const [n1, n2] = [
      Math.sqrt(dot(directions.d1, directions.d1)),
      Math.sqrt(dot(directions.d2, directions.d2)),
    ];
    const projections = runs.map((run) => projectTrajectory(run, center, directions));
    const output: LandscapeOutput = {
      backend,
      dataset: describeDataset(problem),
      model: describeModel(problem),
      center: options.theta ? 'given' : options.center,
      directions: {
        kind: directions.kind,
        ...(directions.seed !== undefined ? { seed: directions.seed } : {}),
        ...(directions.explainedVariance
          ? { explainedVariance: directions.explainedVariance }
          : {}),
        norms: [n1, n2],
        cosine: dot(directions.d1, directions.d2) / (n1 * n2),
        ...(extras.vectors
          ? {
              center: Array.from(center),
              d1: Array.from(directions.d1),
              d2: Array.from(directions.d2),
            }
          : {}),
      },
      grid: {
        resolution: r,
        alphas: Array.from(grid.alphas),
        betas: Array.from(grid.betas),
        values: Array.from({ length: r }, (_, j) =>
          Array.from(grid.values.subarray(j * r, (j + 1) * r), num),
        ),
        min: num(grid.min),
        max: num(grid.max),
        centerLoss: num(grid.centerLoss),
        split: grid.split,
        seconds: grid.ms / 1000,
        threads: grid.threads,
      },
      runs: runs.map((run, i) => {
        const path = projections[i];
        const line = options.line
          ? computeLine(problem, theta0, run.theta, {
              points: options.line.points,
              range: options.line.range,
              split: options.split,
            })
          : undefined;
        return {
          optimizer: run.optimizerName,
          ...(run.label ? { label: run.label } : {}),
          status: run.status,
          steps: run.step,
          trajectory: {
            step: Array.from(path.steps),
            alpha: Array.from(path.alpha),
            beta: Array.from(path.beta),
            distance: Array.from(path.distance),
          },
          ...(line
            ? { line: { t: Array.from(line.t), values: Array.from(line.values, num) } }
            : {}),
          ...(extras.vectors ? { snapshots: snapshotsJson(run) } : {}),
        };
      }),
    };
    await extras.save?.({
      problem,
      runs,
      grid,
      directions,
      center,
      ...(options.theta
        ? {}
        : { centerOf: { runId: runs[options.center.run].runId, at: options.center.at } }),
      projections,
    });
    return output;
  } finally {
    problem.dispose();
  }
}
