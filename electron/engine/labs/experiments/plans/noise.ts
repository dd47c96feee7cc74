/**
 * Noisy small batches against the full batch (the lecture's batch-size chapter: "small batch:
 * noisy, which helps training"): from one θ₀, plain SGD with a small batch for E epochs, the
 * full batch for E epochs (E updates), and the full batch again for as many updates as the
 * small batch took (E·⌈n/B⌉, at most maxUpdates) — so that "the small batch went further"
 * cannot be only "it took more steps". Their training losses against updates (log scale), and
 * their trajectories on one shared plane: through θ₀, spanned by the small batch's end and the
 * long full-batch run's end (Gram–Schmidt), each snapshot θ_t drawn at
 * ((θ_t − θ₀)·u₁, (θ_t − θ₀)·u₂), over the training loss on that plane, L(θ₀ + a u₁ + b u₂)
 * (the shared landscape the paths cross; a path's points are projections, so the loss under a
 * point is the plane's, not the snapshot's own). The small batch's path is visibly noisy; on a
 * plateau (a deep sigmoid net on the moons, say) the full batch at equal epochs has not left it.
 */
import type {
  ExperimentResult,
  ExperimentSpec,
  Figure,
  FigureGrid,
  FigureSeries,
} from '../../../../common/protocol';
import {
  finite,
  fmt,
  planeGrid,
  positiveSpan,
  resultFrame,
  task,
  trainingColumns,
  trainingRow,
  withProblem,
  type ExperimentServices,
} from './common';
import type { TrainingOutcome } from '../training';

type Spec = Extract<ExperimentSpec, { kind: 'noise' }>;

/** Snapshots kept per trajectory, about. */
const POINTS = 200;

/** Grid points along each side of the landscape under the paths. */
export const NOISE_LANDSCAPE_SIDE = 41;

/** The plane's extent around the paths: their range and this much of it on each side. */
const MARGIN = 0.15;

/** u₁ = a/‖a‖, u₂ = (b − (b·u₁)u₁)/‖…‖ (zero vectors where a or b's rest vanish). */
function spanOf(a: Float64Array, b: Float64Array): [Float64Array, Float64Array] {
  const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const na = norm(a);
  const u1 = a.map((x) => (na > 0 ? x / na : 0));
  const along = b.reduce((s, x, i) => s + x * u1[i], 0);
  const rest = b.map((x, i) => x - along * u1[i]);
  const nr = norm(rest);
  const u2 = rest.map((x) => (nr > 0 ? x / nr : 0));
  return [u1, u2];
}

export async function runNoise(
  spec: Spec,
  services: ExperimentServices,
): Promise<ExperimentResult> {
  const { base } = services;
  const started = performance.now();
  const n = base.data.train.n;
  const small = Math.min(spec.batchSize, n);
  const perEpoch = Math.ceil(n / small);
  const updates = Math.min(spec.epochs * perEpoch, spec.maxUpdates);
  const every = (steps: number) => Math.max(1, Math.floor(steps / POINTS));
  const tasks = [
    task(base, {
      id: 'small',
      label: `batch ${small}, ${spec.epochs} epochs`,
      group: 'small',
      batchSize: small,
      epochs: spec.epochs,
      snapshotEvery: every(spec.epochs * perEpoch),
    }),
    task(base, {
      id: 'full-epochs',
      label: `full batch, ${spec.epochs} epochs`,
      group: 'full',
      batchSize: 'full',
      epochs: spec.epochs,
      snapshotEvery: every(spec.epochs),
    }),
    task(base, {
      id: 'full-updates',
      label: `full batch, ${updates} updates`,
      group: 'full',
      batchSize: 'full',
      epochs: updates,
      maxSteps: updates,
      snapshotEvery: every(updates),
    }),
  ];
  // The landscape under the paths counts as the small batch's epochs on the progress bar.
  services.plan(3, tasks.reduce((s, t) => s + t.epochs, 0) + spec.epochs);
  const done: (TrainingOutcome | undefined)[] = [undefined, undefined, undefined];
  let plane: Plane | undefined;
  /** Each run's path on the plane, projected once (a snapshot is θ: P numbers). */
  const projected: (FigureSeries | undefined)[] = [undefined, undefined, undefined];
  let grid: FigureGrid | undefined;

  /** The runs' paths so far, once the two runs that span the plane have finished. */
  const paths = (): FigureSeries[] => {
    const [a, , c] = done;
    if (!plane && a?.trajectory && c?.trajectory) plane = planeOf(a, c);
    if (!plane) return [];
    const on = plane;
    return done.flatMap((o, i) => {
      if (!o?.trajectory) return [];
      projected[i] ??= project(o, i, on);
      return [projected[i]];
    });
  };

  const build = (): ExperimentResult => {
    const records = done.flatMap((o) => (o ? [o.record] : []));
    const lossSeries: FigureSeries[] = records.map((r, i) => ({
      label: r.label,
      x: r.curves.step,
      y: r.curves.trainLoss.map(finite),
      group: i,
      ...(i === 1 ? { dashed: true } : {}),
    }));
    const pathSeries = paths();
    const notes: string[] = [];
    if (records.length === 3) {
      const [s, f, g] = records;
      notes.push(
        `Training loss at the end: ${s.label} ${fmt(s.final.train.loss)} (${s.steps} updates); ${f.label} ${fmt(f.final.train.loss)}; ${g.label} ${fmt(g.final.train.loss)}.`,
      );
    }
    return {
      ...resultFrame(
        'noise',
        'Batch size: noisy small batches against the full batch',
        base,
        3,
        services.threads,
      ),
      figures: [
        {
          id: 'loss',
          title: 'Training loss against updates',
          kind: 'line',
          x: { label: 'updates', log: true },
          y: { label: 'training loss', log: positiveSpan(lossSeries) > 30 },
          series: lossSeries,
        },
        pathsFigure(pathSeries, grid),
      ],
      table: { columns: trainingColumns, rows: records.map(trainingRow) },
      trainings: records,
      notes,
      ms: performance.now() - started,
    };
  };
  await services.train(tasks, (i, outcome) => {
    done[i] = outcome;
    services.partial(build());
  });
  const series = paths();
  if (plane && series.length > 0) {
    const { theta0, u1, u2 } = plane;
    const range = (values: number[]): [number, number] => {
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      const pad = Math.max(hi - lo, 1e-3) * MARGIN;
      return [lo - pad, hi + pad];
    };
    grid = await withProblem(services.tf, tasks[0], (problem) =>
      planeGrid(
        problem,
        theta0,
        { d1: u1, d2: u2 },
        {
          range: [
            range(series.flatMap((p) => p.x)),
            range(series.flatMap((p) => p.y.filter((v): v is number => v !== null))),
          ],
          resolution: NOISE_LANDSCAPE_SIDE,
          signal: services.signal,
        },
      ),
    );
    services.partial(build());
    await services.advance(spec.epochs);
  }
  return build();
}

/** The plane through θ₀: u₁ along the small batch's end, u₂ the long full-batch run's rest. */
interface Plane {
  theta0: Float64Array;
  u1: Float64Array;
  u2: Float64Array;
}

/** The plane of the small batch's run `a` and the long full-batch run `c`, through θ₀. */
function planeOf(a: TrainingOutcome, c: TrainingOutcome): Plane {
  const theta0 = Float64Array.from(a.trajectory!.thetas[0]);
  const end = (o: TrainingOutcome) => o.trajectory!.thetas[o.trajectory!.thetas.length - 1];
  const [u1, u2] = spanOf(
    Float64Array.from(end(a), (v, i) => v - theta0[i]),
    Float64Array.from(end(c), (v, i) => v - theta0[i]),
  );
  return { theta0, u1, u2 };
}

/** Run `i`'s snapshots at ((θ_t − θ₀)·u₁, (θ_t − θ₀)·u₂); the 6-epoch full batch dashed. */
function project(o: TrainingOutcome, i: number, { theta0, u1, u2 }: Plane): FigureSeries {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const t of o.trajectory!.thetas) {
    let x = 0;
    let y = 0;
    for (let j = 0; j < t.length; j++) {
      const d = t[j] - theta0[j];
      x += d * u1[j];
      y += d * u2[j];
    }
    xs.push(x);
    ys.push(y);
  }
  return { label: o.record.label, x: xs, y: ys, group: i, ...(i === 1 ? { dashed: true } : {}) };
}

/** The paths on their plane, over the plane's training loss once it is computed. */
function pathsFigure(series: FigureSeries[], grid: FigureGrid | undefined): Figure {
  const figure: Figure = {
    id: 'paths',
    title: grid
      ? 'The trajectories on one plane through θ₀ (the small batch’s end along u₁), over the training loss on that plane'
      : 'The trajectories on one plane through θ₀ (the small batch’s end along u₁)',
    kind: grid ? 'heatmap' : 'line',
    x: { label: 'u₁ · (θ − θ₀)' },
    y: { label: 'u₂ · (θ − θ₀)' },
    series,
  };
  if (grid) figure.grid = grid;
  return figure;
}
