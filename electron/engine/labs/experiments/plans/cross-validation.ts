/**
 * N-fold cross-validation (the lecture's way to choose a model without peeking at the test
 * set): the training and validation points together are dealt into N folds (stratified: each
 * class in proportion); each candidate model trains N times, on N − 1 folds, and is scored on
 * the fold left out. The candidate of least mean validation loss is chosen, trained once more
 * on all N folds, and only then scored on the held-out test set — the number to report.
 */
import type {
  ExperimentResult,
  ExperimentSpec,
  FigureSeries,
  TrainingRecord,
} from '../../../../common/protocol';
import { FieldError } from '../../../core/errors';
import { patched, type TrainingTask } from '../training';
import {
  cell,
  curvesFigure,
  fmt,
  meanSd,
  resultFrame,
  task,
  type ExperimentServices,
} from './common';

type Spec = Extract<ExperimentSpec, { kind: 'cross-validation' }>;

/** A candidate's name: what it changes, or "the model". */
function candidateName(patch: Spec['candidates'][number]): string {
  const parts = Object.entries(patch)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : 'the model';
}

export async function runCrossValidation(
  spec: Spec,
  services: ExperimentServices,
): Promise<ExperimentResult> {
  const { base } = services;
  const pool = base.data.train.n + base.data.validation.n;
  if (pool < spec.folds * 2) {
    throw new FieldError(
      'experiment.folds',
      `${spec.folds} folds of ${pool} training and validation points leave fewer than 2 per fold`,
    );
  }
  const names = spec.candidates.map(candidateName);
  const tasks: TrainingTask[] = spec.candidates.flatMap((patch, c) =>
    Array.from({ length: spec.folds }, (_, k) =>
      task(base, {
        id: `c${c}-fold-${k + 1}`,
        label: `${names[c]}, fold ${k + 1}`,
        group: names[c],
        model: patched(base.model, patch),
        epochs: spec.epochs,
        folds: {
          count: spec.folds,
          index: k,
          stratified: spec.stratified,
          seed: base.dataset.seed,
        },
      }),
    ),
  );
  services.plan(tasks.length + 1, (tasks.length + 1) * spec.epochs);
  const done: (TrainingRecord | undefined)[] = new Array(tasks.length);
  let refit: TrainingRecord | undefined;
  const started = performance.now();

  const scores = () =>
    spec.candidates.map((_, c) => {
      const folds = done.slice(c * spec.folds, (c + 1) * spec.folds);
      const complete = folds.every((r) => r !== undefined);
      return {
        name: names[c],
        complete,
        validation: meanSd(folds.map((r) => r?.final.validation.loss ?? null)),
        train: meanSd(folds.map((r) => r?.final.train.loss ?? null)),
      };
    });
  const choose = () => {
    const s = scores();
    const complete = s
      .map((x, c) => ({ ...x, c }))
      .filter((x) => x.complete && Number.isFinite(x.validation.mean));
    return complete.length === spec.candidates.length
      ? complete.reduce((a, b) => (b.validation.mean < a.validation.mean ? b : a))
      : undefined;
  };

  const build = (): ExperimentResult => {
    const s = scores();
    const chosen = choose();
    const records = [
      ...done.filter((r): r is TrainingRecord => r !== undefined),
      ...(refit ? [refit] : []),
    ];
    const x = s.map((_, c) => c);
    const series: FigureSeries[] = [
      {
        label: 'validation loss (mean ± s.d. over folds)',
        x,
        y: s.map((v) => (Number.isFinite(v.validation.mean) ? v.validation.mean : null)),
        error: s.map((v) => (Number.isFinite(v.validation.sd) ? v.validation.sd : 0)),
      },
      {
        label: 'training loss (mean over folds)',
        x,
        y: s.map((v) => (Number.isFinite(v.train.mean) ? v.train.mean : null)),
        dashed: true,
      },
    ];
    // Each fold's validation loss as its own points, so the spread is visible.
    for (let k = 0; k < spec.folds; k++) {
      series.push({
        label: `fold ${k + 1}`,
        x,
        y: s.map((_, c) => done[c * spec.folds + k]?.final.validation.loss ?? null),
        group: 2 + k,
      });
    }
    const notes: string[] = [];
    if (chosen) {
      notes.push(
        `Chosen by mean validation loss over ${spec.folds} folds: ${chosen.name} (${fmt(chosen.validation.mean)} ± ${fmt(chosen.validation.sd)}).`,
      );
    }
    if (refit) {
      notes.push(
        `Trained on all ${spec.folds} folds, it scores ${fmt(refit.final.test.loss)} on the held-out test set${refit.final.test.accuracy != null ? ` (accuracy ${fmt(refit.final.test.accuracy)})` : ''}.`,
      );
    }
    return {
      ...resultFrame(
        'cross-validation',
        `${spec.folds}-fold cross-validation of ${spec.candidates.length} models`,
        base,
        tasks.length + 1,
        services.threads,
      ),
      figures: [
        {
          id: 'folds',
          title: 'Validation loss per candidate: each fold, and mean ± s.d.',
          kind: 'scatter',
          x: {
            label: `candidate (${names.map((n, c) => `${c}: ${n}`).join('; ')})`,
            ticks: 'integer',
          },
          y: { label: 'loss' },
          series,
          ...(chosen ? { marks: [{ x: chosen.c, label: `chosen: ${chosen.name}` }] } : {}),
        },
        curvesFigure(
          'curves',
          'Validation loss per epoch, every fold',
          done.filter((r): r is TrainingRecord => r !== undefined),
          { validation: true, group: (r) => names.indexOf(r.group) },
        ),
      ],
      table: {
        columns: [
          'candidate',
          'fold',
          'train loss',
          'validation loss',
          'validation accuracy',
          'test loss (refit)',
        ],
        rows: [
          ...spec.candidates.flatMap((_, c) =>
            Array.from({ length: spec.folds }, (_, k) => {
              const r = done[c * spec.folds + k];
              return [
                names[c],
                k + 1,
                cell(r?.final.train.loss),
                cell(r?.final.validation.loss),
                cell(r?.final.validation.accuracy),
                null,
              ];
            }),
          ),
          ...s.map((v) => [
            v.name,
            'mean',
            cell(v.train.mean),
            cell(v.validation.mean),
            null,
            refit && chosen?.name === v.name ? cell(refit.final.test.loss) : null,
          ]),
          ...s.map((v) => [v.name, 's.d.', cell(v.train.sd), cell(v.validation.sd), null, null]),
        ],
      },
      trainings: records,
      ...(chosen
        ? {
            chosen: {
              label: chosen.name,
              value: chosen.c,
              ...(refit
                ? {
                    testLoss: refit.final.test.loss,
                    testAccuracy: refit.final.test.accuracy ?? null,
                  }
                : {}),
            },
          }
        : {}),
      notes,
      ms: performance.now() - started,
    };
  };

  await services.train(tasks, (index, outcome) => {
    done[index] = outcome.record;
    services.partial(build());
  });
  const chosen = choose();
  if (chosen) {
    const [outcome] = await services.train([
      task(base, {
        id: 'refit',
        label: `${chosen.name}, all folds`,
        group: chosen.name,
        model: patched(base.model, spec.candidates[chosen.c]),
        epochs: spec.epochs,
        // Fold −1: every fold trains, none validates.
        folds: {
          count: spec.folds,
          index: -1,
          stratified: spec.stratified,
          seed: base.dataset.seed,
        },
      }),
    ]);
    refit = outcome.record;
  }
  return build();
}
