/**
 * Model bias against optimization by depth (the lecture's 20- against 56-layer figure, at MLP
 * scale; He et al. 2016): plain MLPs of each depth, the same width, optimizer and number of
 * epochs, and the same depths with residual connections (h ← h + act(W h + b) wherever a
 * layer's input and output widths agree). A deeper plain net can express everything a
 * shallower one can (its extra layers could be the identity), so when its *training* loss ends
 * higher, the optimizer is to blame, not the model; with residual connections the deep nets
 * train (Li et al. 2018: skip connections smooth the loss landscape).
 */
import type { ExperimentResult, ExperimentSpec, TrainingRecord } from '../../../../common/protocol';
import {
  curvesFigure,
  fmt,
  positiveSpan,
  resultFrame,
  task,
  trainingColumns,
  trainingRow,
  type ExperimentServices,
} from './common';

type Spec = Extract<ExperimentSpec, { kind: 'depth' }>;

export async function runDepth(
  spec: Spec,
  services: ExperimentServices,
): Promise<ExperimentResult> {
  const { base } = services;
  const depths = [...new Set(spec.depths)].sort((a, b) => a - b);
  const kinds = spec.residual ? [false, true] : [false];
  const tasks = kinds.flatMap((residual) =>
    depths.map((depth) =>
      task(base, {
        id: `depth-${depth}${residual ? '-residual' : ''}`,
        label: `depth ${depth}${residual ? ', residual' : ''}`,
        group: String(depth),
        model: { ...base.model, depth, width: spec.width, residual, dropout: 0 },
        epochs: spec.epochs,
      }),
    ),
  );
  services.plan(tasks.length, tasks.length * spec.epochs);
  const done: (TrainingRecord | undefined)[] = new Array(tasks.length);
  const started = performance.now();
  const build = (): ExperimentResult => {
    const records = done.filter((r): r is TrainingRecord => r !== undefined);
    const finalSeries = kinds.map((residual) => {
      const rows = done.filter((r) => r && r.model.residual === residual) as TrainingRecord[];
      return {
        label: residual ? 'residual' : 'plain',
        x: rows.map((r) => r.model.depth),
        y: rows.map((r) => r.final.train.loss),
        ...(residual ? { dashed: true } : {}),
      };
    });
    const notes: string[] = [];
    const plain = (d: number) => done.find((r) => r?.model.depth === d && !r.model.residual);
    const deepest = plain(depths[depths.length - 1]);
    const best = depths
      .map(plain)
      .filter((r): r is TrainingRecord => r?.final.train.loss !== null && r !== undefined)
      .sort((a, b) => a.final.train.loss! - b.final.train.loss!)[0];
    if (deepest && best && best !== deepest) {
      notes.push(
        `The plain depth-${deepest.model.depth} net ends at training loss ${fmt(deepest.final.train.loss)}, above the depth-${best.model.depth} net's ${fmt(best.final.train.loss)}: not model bias (it could copy the shallower net) but optimization.`,
      );
    }
    const deepResidual = done.find(
      (r) => r?.model.depth === depths[depths.length - 1] && r.model.residual,
    );
    if (deepest && deepResidual) {
      notes.push(
        `With residual connections the depth-${deepResidual.model.depth} net reaches ${fmt(deepResidual.final.train.loss)} (plain: ${fmt(deepest.final.train.loss)}).`,
      );
    }
    return {
      ...resultFrame(
        'depth',
        'Model bias or optimization: training loss by depth',
        base,
        tasks.length,
        services.threads,
      ),
      figures: [
        curvesFigure('curves', 'Training loss per epoch, by depth (residual dashed)', records, {
          group: (r) => depths.indexOf(r.model.depth),
          dashed: (r) => r.model.residual,
        }),
        {
          id: 'final',
          title: 'Final training loss against depth',
          kind: 'line',
          x: {
            label: 'hidden layers',
            log: depths[depths.length - 1] / depths[0] >= 8,
            ticks: 'integer',
          },
          y: { label: 'training loss', log: positiveSpan(finalSeries) > 30 },
          series: finalSeries,
        },
      ],
      table: { columns: trainingColumns, rows: records.map(trainingRow) },
      trainings: records,
      notes,
      ms: performance.now() - started,
    };
  };
  await services.train(tasks, (index, outcome) => {
    done[index] = outcome.record;
    services.partial(build());
  });
  return build();
}
