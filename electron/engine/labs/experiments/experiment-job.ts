/**
 * One experiment as a job: its base (the dataset SPEC and model it starts from), its trainings
 * run by the runner (workers, or this thread), progress in trainings and in epochs with the
 * time left, partial results as trainings finish, and Cancel. Used by the lab (the network
 * lab's data and model as the base) and by `losslab experiment` (the SPEC's own).
 */
import {
  MAX_EXPERIMENT_TRAININGS,
  type ExperimentResult,
  type ExperimentSpec,
} from '../../../common/protocol';
import {
  datasetSpecSchema,
  modelSpecSchema,
  type DatasetSpec,
  type ModelSpec,
} from '../../../common/network';
import { availableParallelism } from 'node:os';
import { FieldError } from '../../core/errors';
import { buildDataset } from '../../datasets';
import type { Checkpoint } from '../../hessian/types';
import { NetworkProblem, type Tf } from '../../network';
import { constantLoss, runPlan, type Base, type ExperimentServices } from './plans';
import type { ExperimentsPool } from './pool';
import { runTrainings } from './runner';
import type { TrainingOutcome, TrainingTask } from './training';

export interface ExperimentProgress {
  done: number;
  total: number;
  fraction: number;
  etaMs?: number;
  partial?: ExperimentResult;
}

export interface ExperimentHooks {
  signal: AbortSignal;
  checkpoint: Checkpoint;
  onProgress(progress: ExperimentProgress): void;
}

/** The base of an experiment: its own dataset and model, or the given defaults (the lab's). */
export function experimentBase(
  spec: ExperimentSpec,
  fallback: { dataset: DatasetSpec; model: ModelSpec } | undefined,
  backend: string,
): Base {
  // Wilson et al.'s problem brings its own data: the base is then only nominal.
  const own = spec.kind === 'adaptive' ? undefined : spec;
  const datasetInput =
    own?.dataset ?? fallback?.dataset ?? (own ? undefined : { kind: 'moons' as const });
  if (!datasetInput) {
    throw new FieldError(
      'experiment.dataset',
      "give a dataset, or set up the network lab's data first (net.setup)",
    );
  }
  const dataset = datasetSpecSchema.parse(datasetInput);
  if (dataset.kind === 'csv') {
    // Its trainings run on worker threads, which have not read the file.
    throw new FieldError(
      'experiment.dataset',
      'experiments run on built-in datasets and given arrays, not yet on a CSV file',
    );
  }
  const model = modelSpecSchema.parse(own?.model ?? fallback?.model ?? {});
  const data = buildDataset(dataset);
  return {
    dataset,
    model,
    optimizer: own?.optimizer ?? { optimizer: 'adam', lr: 0.01 },
    batchSize: own?.batchSize ?? 32,
    seed: own?.seed ?? 0,
    data,
    constantLoss: constantLoss(data, model),
    backend,
  };
}

/** Runs the experiment; rejects with CancelledError when cancelled. */
export async function runExperimentJob(
  tf: Tf,
  spec: ExperimentSpec,
  base: Base,
  pool: ExperimentsPool | undefined,
  hooks: ExperimentHooks,
): Promise<ExperimentResult> {
  const started = performance.now();
  let plannedTrainings = 0;
  let plannedEpochs = 1;
  let trainingsDone = 0;
  let epochsDone = 0;
  let threads = 0;
  let lastPartial: ExperimentResult | undefined;
  /** Whether lastPartial is newer than the last one sent. */
  let fresh = false;
  const progress = (fraction: number, withPartial = false) => {
    const partial = withPartial || fresh ? lastPartial : undefined;
    if (partial) fresh = false;
    const elapsed = performance.now() - started;
    hooks.onProgress({
      done: trainingsDone,
      total: plannedTrainings,
      fraction,
      ...(fraction > 0.02 && fraction < 1 ? { etaMs: (elapsed * (1 - fraction)) / fraction } : {}),
      ...(partial ? { partial } : {}),
    });
  };
  const services: ExperimentServices = {
    base,
    tf,
    signal: hooks.signal,
    plan(trainings, epochs) {
      if (trainings > MAX_EXPERIMENT_TRAININGS) {
        throw new FieldError(
          'experiment',
          `this experiment would run ${trainings} trainings; at most ${MAX_EXPERIMENT_TRAININGS}`,
        );
      }
      plannedTrainings = trainings;
      plannedEpochs = Math.max(1, epochs);
    },
    get threads() {
      return threads;
    },
    async train(tasks: TrainingTask[], onOutcome) {
      checkSizes(tf, base, tasks);
      // The partial results drawn while these train already say where they run.
      if (pool && pool.refusal === undefined) threads = Math.max(threads, pool.size);
      const before = epochsDone;
      const phaseEpochs = tasks.reduce((s, t) => s + t.epochs, 0);
      const report = await runTrainings(
        tf,
        tasks,
        {
          signal: hooks.signal,
          checkpoint: hooks.checkpoint,
          onProgress: (_done, _total, fraction) => {
            epochsDone = before + fraction * phaseEpochs;
            progress(Math.min(1, epochsDone / plannedEpochs));
          },
          onDone: (index, outcome: TrainingOutcome) => {
            trainingsDone++;
            onOutcome?.(index, outcome);
            progress(Math.min(1, epochsDone / plannedEpochs), true);
          },
        },
        pool,
      );
      // Where they did run (0: the pool broke and this thread trained them).
      threads = report.threads;
      epochsDone = before + phaseEpochs;
      return report.outcomes;
    },
    partial(result) {
      lastPartial = result;
      fresh = true;
    },
    async advance(units, finished = false) {
      epochsDone += units;
      if (finished) trainingsDone++;
      const fraction = Math.min(1, epochsDone / plannedEpochs);
      progress(fraction, finished);
      await hooks.checkpoint(Math.round(epochsDone), Math.round(plannedEpochs));
    },
  };
  const cpu = process.cpuUsage();
  const result = await runPlan(spec, services);
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - started;
  if (wallMs >= 200) {
    // CPU time of every thread of the process (the engine's and the workers').
    const cores = (used.user + used.system) / 1000 / wallMs;
    result.cores = Number(cores.toFixed(2));
    result.notes.push(
      `${cores.toFixed(1)} of ${availableParallelism()} cores busy on average (the engine process's CPU time over the ${(wallMs / 1000).toFixed(1)} s it ran).`,
    );
  }
  return result;
}

/**
 * Refuses, before any of them trains, trainings whose network or batch would not fit the
 * backend's budget (each distinct model and batch size sized once, on the base's data; the
 * refusal names `experiment` and the largest batch that fits).
 */
function checkSizes(tf: Tf, base: Base, tasks: readonly TrainingTask[]): void {
  const seen = new Set<string>();
  for (const t of tasks) {
    const key = JSON.stringify([t.model, t.batchSize]);
    if (seen.has(key)) continue;
    seen.add(key);
    let problem: NetworkProblem | undefined;
    try {
      problem = new NetworkProblem(tf, base.data, t.model);
      problem.checkBatch(t.batchSize, 'experiment.batchSize');
    } catch (err) {
      if (err instanceof FieldError && !(err.field ?? '').startsWith('experiment')) {
        throw new FieldError('experiment.model', `${t.label}: ${err.reason}`);
      }
      throw err;
    } finally {
      problem?.dispose();
    }
  }
}
