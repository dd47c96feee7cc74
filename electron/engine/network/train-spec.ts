/** `losslab train`: runs a training SPEC and returns its curves as plain JSON-ready data. */
import type { TrainRunEntry, TrainSpec } from '../../common/network';
import { loadBackend } from '../backend/select';
import { FieldError } from '../core/errors';
import { loadDataset } from '../datasets';
import type { Evaluation } from './problem';
import { NetworkProblem } from './problem';
import { NetworkRun } from './run';
import { gradientHelper } from './parallel';
import { importedProblem } from './layers';

export interface TrainOutput {
  backend: string;
  dataset: {
    kind: string;
    task: 'classification' | 'regression';
    inputDim: number;
    classes: number;
    train: number;
    validation: number;
    test: number;
    mismatch?: string;
    /** A table's inputs by name (a CSV file's features, one-hot inputs as `name=value`). */
    inputs?: string[];
    /** A table's classes by name, in class-index order. */
    classNames?: string[];
    /** A CSV file's SHA-256. */
    sha256?: string;
  };
  model: {
    parameters: number;
    loss: string;
    layers: { name: string; shape: number[] }[];
  };
  runs: TrainRunOutput[];
}

interface EvaluationJson {
  loss: number | null;
  accuracy?: number | null;
}

export interface TrainRunOutput {
  optimizer: string;
  label?: string;
  status: 'ok' | 'diverged' | 'finished';
  reason?: string;
  steps: number;
  epochs: number;
  /** Per step (every `curveEvery`-th and the last): batch loss, accuracy, ‖∇L‖, η. */
  curves: {
    step: number[];
    loss: number[];
    accuracy?: number[];
    gradNorm: number[];
    lr: number[];
  };
  /** Per epoch: mean batch loss / accuracy, and validation loss / accuracy after the epoch. */
  epochCurves: {
    step: number[];
    trainLoss: number[];
    trainAccuracy?: number[];
    validationLoss: (number | null)[];
    validationAccuracy?: (number | null)[];
  };
  final: { train: EvaluationJson; validation?: EvaluationJson; test?: EvaluationJson };
  /** Mean wall time of one update, ms (machine-dependent, unlike everything else here). */
  msPerStep: number;
  /** With `--vectors`: the θ snapshots kept (every `snapshotEvery` steps, and the last). */
  snapshots?: { step: number[]; theta: number[][] };
  /** With `--vectors`: θ at the end, in float64. */
  theta?: number[];
}

/** The runs of a SPEC on one problem, trained (the landscape command reuses this). */
export async function trainFromSpec(
  spec: Pick<
    TrainSpec,
    'dataset' | 'model' | 'steps' | 'epochs' | 'batchSize' | 'seed' | 'runs' | 'snapshotEvery'
  >,
): Promise<{
  problem: NetworkProblem;
  runs: NetworkRun[];
  entries: TrainRunEntry[];
  backend: string;
  /** Where every run started: `model.theta`, or the model's seeded θ₀. */
  theta0: Float64Array;
}> {
  const { tf, report } = await loadBackend();
  // A CSV file is read (streamed) here, before any network is built.
  const data = await loadDataset(spec.dataset);
  const theta = 'kind' in spec.model ? undefined : spec.model.theta;
  let problem: NetworkProblem;
  if ('kind' in spec.model) problem = await importedProblem(tf, data, spec.model.path);
  else {
    const { theta: _given, ...model } = spec.model;
    problem = new NetworkProblem(tf, data, model);
  }
  const size = problem.layout.size;
  if (theta !== undefined && theta.length !== size) {
    problem.dispose();
    throw new FieldError(
      'theta',
      `has ${theta.length.toLocaleString('en')} entries; this model's θ has ${size.toLocaleString('en')}`,
      'model',
    );
  }
  problem.helper = gradientHelper(report.backend);
  const start = theta ? { startTheta: theta } : {};
  const runs = spec.runs.map((entry, i) => {
    const { batchSize, seed, label, ...optimizer } = entry;
    return new NetworkRun(
      problem,
      {
        runId: `run-${i}`,
        optimizer,
        batchSize: batchSize ?? spec.batchSize,
        seed: seed ?? spec.seed,
        snapshotEvery: spec.snapshotEvery,
        ...(label ? { label } : {}),
      },
      start,
    );
  });
  for (const run of runs) {
    if (spec.steps !== undefined) run.advance(spec.steps);
    else if (spec.epochs !== undefined) {
      while (run.epoch < spec.epochs && run.status === 'ok') run.advance(1);
    }
  }
  const theta0 = theta ? Float64Array.from(theta) : Float64Array.from(problem.initialTheta);
  return { problem, runs, entries: spec.runs, backend: report.backend, theta0 };
}

/** What the CLI's flags ask of a SPEC command beyond its output. */
export interface SpecExtras<Trained = { problem: NetworkProblem; runs: NetworkRun[] }> {
  /** Also print θ snapshots (`--vectors`), and a landscape's θ*, d₁ and d₂. */
  vectors?: boolean;
  /** Given what was computed before it is disposed (`--out` writes it as a session). */
  save?: (trained: Trained) => Promise<void>;
}

/** A run's kept θs for `--vectors`: the steps and θ at each (float32, as the run keeps them). */
export function snapshotsJson(run: NetworkRun): { step: number[]; theta: number[][] } {
  const list = run.snapshots.list();
  return { step: list.map((s) => s.step), theta: list.map((s) => Array.from(s.theta)) };
}

export async function runTrainSpec(spec: TrainSpec, extras: SpecExtras = {}): Promise<TrainOutput> {
  const { problem, runs, backend } = await trainFromSpec(spec);
  try {
    const output: TrainOutput = {
      backend,
      dataset: describeDataset(problem),
      model: describeModel(problem),
      runs: runs.map((run) => ({
        ...describeRun(run, spec),
        ...(extras.vectors ? { snapshots: snapshotsJson(run), theta: Array.from(run.theta) } : {}),
      })),
    };
    await extras.save?.({ problem, runs });
    return output;
  } finally {
    problem.dispose();
  }
}

export function describeDataset(problem: NetworkProblem): TrainOutput['dataset'] {
  const d = problem.dataset;
  return {
    kind: d.spec.kind,
    task: d.task,
    inputDim: d.inputDim,
    classes: d.classes,
    train: d.train.n,
    validation: d.validation.n,
    test: d.test.n,
    ...(d.mismatch ? { mismatch: d.mismatch } : {}),
    ...(d.inputs ? { inputs: d.inputs } : {}),
    ...(d.classNames ? { classNames: d.classNames } : {}),
    ...(d.spec.kind === 'csv' && d.spec.sha256 ? { sha256: d.spec.sha256 } : {}),
  };
}

export function describeModel(problem: NetworkProblem): TrainOutput['model'] {
  return {
    parameters: problem.layout.size,
    loss: problem.lossKind,
    layers: problem.layout.tensors.map((t) => ({ name: t.name, shape: t.shape })),
  };
}

/** JSON has no NaN or ±∞: they become null. */
const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

function describeRun(run: NetworkRun, spec: TrainSpec): TrainRunOutput {
  const classification = run.problem.task === 'classification';
  const every = spec.curveEvery;
  const picked: number[] = [];
  for (let t = 0; t < run.step; t += every) picked.push(t);
  if (run.step > 0 && picked[picked.length - 1] !== run.step - 1) picked.push(run.step - 1);
  const at = (s: { at(i: number): number }) => picked.map((t) => s.at(t));
  const ep = run.epochsSince(0);
  const evaluation = (e: Evaluation): EvaluationJson => ({
    loss: num(e.loss),
    ...(classification ? { accuracy: num(e.accuracy) } : {}),
  });
  const problem = run.problem;
  const updates = run.updateMs.view();
  return {
    optimizer: run.optimizerName,
    ...(run.label ? { label: run.label } : {}),
    status: run.status,
    ...(run.reason ? { reason: run.reason } : {}),
    steps: run.step,
    epochs: run.epoch,
    curves: {
      step: picked,
      loss: at(run.loss),
      ...(classification ? { accuracy: at(run.accuracy) } : {}),
      gradNorm: at(run.gradNorm),
      lr: at(run.lr),
    },
    epochCurves: {
      step: Array.from(ep.step),
      trainLoss: Array.from(ep.trainLoss),
      ...(classification ? { trainAccuracy: Array.from(ep.trainAccuracy) } : {}),
      validationLoss: Array.from(ep.validationLoss, num),
      ...(classification ? { validationAccuracy: Array.from(ep.validationAccuracy, num) } : {}),
    },
    final: {
      train: evaluation(run.evaluate('train')),
      ...(problem.dataset.validation.n > 0
        ? { validation: evaluation(run.evaluate('validation')) }
        : {}),
      ...(spec.test && problem.dataset.test.n > 0
        ? { test: evaluation(run.evaluate('test')) }
        : {}),
    },
    msPerStep: updates.length ? updates.reduce((s, v) => s + v, 0) / updates.length : 0,
  };
}
