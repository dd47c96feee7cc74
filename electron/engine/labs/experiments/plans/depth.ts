/**
 * Model bias against optimization by depth (the lecture's 20- against 56-layer figure, at MLP
 * scale; He et al. 2016): plain MLPs of each depth, the same width, optimizer and number of
 * epochs, and the same depths with residual connections (h ← h + act(W h + b) wherever a
 * layer's input and output widths agree). A deeper plain net can express everything a
 * shallower one can (its extra layers could be the identity), so when its *training* loss ends
 * higher, the optimizer is to blame, not the model; with residual connections the deep nets
 * train (Li et al. 2018: skip connections smooth the loss landscape). The deepest plain and
 * residual nets' landscapes are drawn side by side as Li et al. draw them: the training loss
 * over the plane of two filter-normalized random directions through each final θ, as heatmaps
 * with one colour scale, and along each direction alone.
 */
import type {
  ExperimentResult,
  ExperimentSpec,
  Figure,
  FigureGrid,
  FigureSeries,
  TrainingRecord,
} from '../../../../common/protocol';
import { randomDirections } from '../../../landscape/directions';
import {
  curvesFigure,
  fmt,
  linspace,
  lossAlongLine,
  planeGrid,
  positiveSpan,
  resultFrame,
  shareScale,
  task,
  trainingColumns,
  trainingRow,
  withProblem,
  type ExperimentServices,
} from './common';

type Spec = Extract<ExperimentSpec, { kind: 'depth' }>;

/** Grid points along each side of a 2-D landscape (Li et al. draw 51; 41 keeps it quick). */
export const DEPTH_LANDSCAPE_SIDE = 41;

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
        keepTheta: depth === depths[depths.length - 1],
      }),
    ),
  );
  // The two landscapes count as a training's epochs each on the progress bar.
  services.plan(tasks.length, (tasks.length + kinds.length) * spec.epochs);
  const done: (TrainingRecord | undefined)[] = new Array(tasks.length);
  const started = performance.now();
  const landscape: FigureSeries[] = [];
  const planes: { residual: boolean; grid: FigureGrid }[] = [];
  const deepestDepth = depths[depths.length - 1];
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
        ...planes.map(({ residual, grid }): Figure => ({
          id: residual ? 'plane-residual' : 'plane-plain',
          title: `The depth-${deepestDepth} ${residual ? 'residual' : 'plain'} net's training loss over two filter-normalized random directions (Li et al. 2018)`,
          kind: 'heatmap',
          x: { label: 'α' },
          y: { label: 'β' },
          series: [{ label: 'final θ', x: [0], y: [0], points: true }],
          grid,
        })),
        ...(landscape.length
          ? [
              {
                id: 'landscape',
                title: `Training loss along each direction alone through the depth-${deepestDepth} nets' final θ`,
                kind: 'line' as const,
                x: { label: 'α (θ + α·d)' },
                y: { label: 'training loss', log: positiveSpan(landscape) > 30 },
                series: landscape,
              },
            ]
          : []),
      ],
      table: { columns: trainingColumns, rows: records.map(trainingRow) },
      trainings: records,
      notes,
      ms: performance.now() - started,
    };
  };
  const thetas: (Float64Array | undefined)[] = new Array(tasks.length);
  await services.train(tasks, (index, outcome) => {
    done[index] = outcome.record;
    thetas[index] = outcome.theta;
    services.partial(build());
  });
  // Li et al.'s picture: the loss of the deepest nets over the plane of two filter-normalized
  // random directions through their final θ (one colour scale for both), and along each.
  const alphas = linspace(-1, 1, 41);
  for (const [index, t] of tasks.entries()) {
    const theta = thetas[index];
    if (!theta || done[index]?.status !== 'ok') continue;
    await withProblem(services.tf, t, async (problem) => {
      const { d1, d2 } = randomDirections(problem.layout, theta, 0);
      const residual = t.model.residual;
      [d1, d2].forEach((d, k) => {
        const end = Float64Array.from(theta, (v, i) => v + d[i]);
        const start = Float64Array.from(theta, (v, i) => v - d[i]);
        // θ + α d for α ∈ [−1, 1] is the line from θ − d (α' = 0) to θ + d (α' = 1).
        const { train } = lossAlongLine(
          problem,
          start,
          end,
          alphas.map((a) => (a + 1) / 2),
        );
        landscape.push({
          label: `depth ${t.model.depth}${residual ? ', residual' : ', plain'} — direction ${k + 1}`,
          x: alphas,
          y: train,
          group: residual ? 1 : 0,
          ...(k === 1 ? { dashed: true } : {}),
        });
      });
      const grid = await planeGrid(
        problem,
        theta,
        { d1, d2 },
        {
          range: [
            [-1, 1],
            [-1, 1],
          ],
          resolution: DEPTH_LANDSCAPE_SIDE,
          signal: services.signal,
        },
      );
      planes.push({ residual, grid });
      shareScale(planes.map((p) => p.grid));
    });
    services.partial(build());
    await services.advance(spec.epochs);
  }
  return build();
}
