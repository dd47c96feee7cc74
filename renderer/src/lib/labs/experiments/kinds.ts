/**
 * The experiments lab's experiments as the page offers them: what each is called, what it
 * reproduces, the settings its form shows (the protocol's defaults), and the SPEC a form makes.
 * Plain data, free of Svelte, so the unit tests read it directly.
 */
import type { ExperimentKind, ExperimentSpecInput } from '../../../../../electron/common/protocol';
import { msg, t } from '../../i18n';

/** The experiments in the order the picker shows them. */
export const EXPERIMENT_KINDS: readonly ExperimentKind[] = [
  'diagnose',
  'depth',
  'complexity',
  'cross-validation',
  'mismatch',
  'batch-size',
  'noise',
  'scaling',
  'losses',
  'adaptive',
];

/** What each experiment is called on the page and in files. */
export const EXPERIMENT_TITLES: Record<ExperimentKind, string> = {
  diagnose: msg('Diagnose'),
  depth: msg('Model bias vs optimization'),
  complexity: msg('Complexity sweep'),
  'cross-validation': msg('N-fold cross-validation'),
  mismatch: msg('Mismatch'),
  'batch-size': msg('Batch size'),
  noise: msg('Noisy small batches'),
  scaling: msg('Linear scaling rule'),
  losses: msg('Cross-entropy vs MSE'),
  adaptive: msg('Adaptive methods'),
};

/** What each experiment does and what it reproduces, in a few lines. */
export const EXPERIMENT_ABOUT: Record<ExperimentKind, string> = {
  diagnose: msg(
    'The lecture’s recipe before any optimizer: trains the model beside a shallower, narrower one and a linear one, compares their training, validation and test losses, and walks the flowchart — model bias, optimization, overfitting, mismatch, or fine — with what the lecture recommends.',
  ),
  depth: msg(
    'Plain MLPs of each depth on one budget, training loss per epoch: the deeper plain net ending higher than a shallower one is optimization failing, not model bias (the lecture’s 20- vs 56-layer figure, He et al. 2016, at MLP scale); then the same depths with residual connections, which smooth the landscape (Li et al. 2018).',
  ),
  complexity: msg(
    'One setting of the model — width, depth, epochs, L2 strength, or a polynomial’s degree (regression sets, fitted exactly) — over a range of values: training and validation loss at each (the U-curve), the value of least validation loss marked.',
  ),
  'cross-validation': msg(
    'N-fold cross-validation, as the lecture chooses a model: each candidate trained N times, each fold held out once; the candidate of least mean validation loss is chosen, trained on all the training data and scored on the held-out test set.',
  ),
  mismatch: msg(
    'The model trained once and tested on sets shifted further and further from the training distribution (2-D sets rotated by up to 90°): the validation loss stays where it was while the test loss climbs — mismatch, which more training data of the same kind does not fix.',
  ),
  'batch-size': msg(
    'Batch sizes in powers of two up to the whole set, measured on this machine: time per update and per epoch (where parallelism stops helping), and validation accuracy at equal epochs and at equal time — small batches’ noisy steps against large batches’ few (Keskar et al. 2017).',
  ),
  noise: msg(
    'Small batches’ noisy gradients against the full batch from one θ₀, at equal epochs and at equal updates: the losses per update and the trajectories on one shared plane — where the full batch stalls on a plateau, the small batches’ noise carries them across.',
  ),
  scaling: msg(
    'The linear scaling rule with warm-up (Goyal et al. 2017): a batch k× larger with η as it was, with η × k, and with η × k reached by a linear warm-up, beside the base batch — SGD with momentum, as in the paper.',
  ),
  losses: msg(
    'Cross-entropy against the squared error on the same network, data and initialization: both trainings’ curves, and both losses over the margin between the right logit and the strongest wrong one, with the network’s own examples on them (classification only).',
  ),
  adaptive: msg(
    'Adaptive methods and generalization (Wilson et al., NeurIPS 2017): their separable least-squares problem with more features than examples, where SGD reaches the minimum-norm solution (test error 0) and AdaGrad, RMSProp and Adam one that predicts the majority class. Its own data, not the network lab’s.',
  ),
};

/** The settings every experiment's training shares (the protocol's defaults). */
export interface TrainingSettings {
  /** Adam's learning rate η. @default 0.01 */
  lr: number;
  /** @default 32 */
  batchSize: number;
  /** @default 0 */
  seed: number;
}

/** Each experiment's form: numbers as numbers, lists as the text typed. */
export interface ExperimentSettings {
  diagnose: { epochs: number };
  depth: { depths: string; width: number; residual: boolean; epochs: number };
  complexity: {
    parameter: 'width' | 'depth' | 'epochs' | 'l2' | 'degree';
    values: string;
    epochs: number;
  };
  'cross-validation': {
    folds: number;
    /** The model setting the candidates differ in, and its values. */
    vary: 'width' | 'depth' | 'l2';
    candidates: string;
    stratified: boolean;
    epochs: number;
  };
  mismatch: { sizes: string; epochs: number };
  /** `sizes` empty: powers of two up to the training set. */
  'batch-size': { sizes: string; timedUpdates: number; epochs: number };
  /** Plain SGD at a small batch, and the full batch given as many updates (at most maxUpdates). */
  noise: { lr: number; batchSize: number; epochs: number; maxUpdates: number };
  /** SGD with momentum 0.9 from the base batch; the batch × factor. */
  scaling: {
    lr: number;
    batchSize: number;
    factor: number;
    warmupEpochs: number;
    epochs: number;
  };
  /** Plain SGD (Adam's normalization hides how flat a loss is). */
  losses: { lr: number; epochs: number };
  /** Wilson et al.'s problem: n examples, a share p of them positive. */
  adaptive: { n: number; p: number; steps: number; testPoints: number; seed: number };
  /** The Adam kinds' optimizer and batches, and every kind's seed but the adaptive one's. */
  training: TrainingSettings;
}

/** The kinds whose training is the form's Adam and batch size. */
export const usesTraining = (kind: ExperimentKind): boolean =>
  kind !== 'noise' && kind !== 'scaling' && kind !== 'losses' && kind !== 'adaptive';

/** The forms as a new page starts them: the protocol's defaults. */
export function defaultSettings(): ExperimentSettings {
  return {
    diagnose: { epochs: 200 },
    depth: { depths: '1, 2, 4, 8, 16', width: 16, residual: true, epochs: 100 },
    complexity: { parameter: 'width', values: '1, 2, 4, 8, 32, 128', epochs: 200 },
    'cross-validation': {
      folds: 5,
      vary: 'width',
      candidates: '2, 8, 32, 128',
      stratified: true,
      epochs: 100,
    },
    mismatch: { sizes: '0, 0.1, 0.2, 0.35, 0.5, 0.75, 1', epochs: 200 },
    'batch-size': { sizes: '', timedUpdates: 20, epochs: 20 },
    noise: { lr: 0.5, batchSize: 4, epochs: 60, maxUpdates: 20_000 },
    scaling: { lr: 0.05, batchSize: 8, factor: 8, warmupEpochs: 5, epochs: 40 },
    losses: { lr: 0.5, epochs: 100 },
    adaptive: { n: 50, p: 0.6, steps: 5000, testPoints: 1000, seed: 1 },
    training: { lr: 0.01, batchSize: 32, seed: 0 },
  };
}

/** Bounds of a list of numbers typed in a form. */
export interface ListBounds {
  min: number;
  max: number;
  integer?: boolean;
  /** Fewest and most values. */
  count: [number, number];
}

/**
 * A list of numbers as typed ("1, 2, 4" or "1 2 4"): the numbers, or what is wrong with them in
 * words the form shows.
 */
export function parseList(text: string, bounds: ListBounds): number[] | string {
  const parts = text.split(/[,;\s]+/).filter(Boolean);
  const values = parts.map(Number);
  const [fewest, most] = bounds.count;
  const range = bounds.integer
    ? t('whole numbers from {min} to {max}', { min: bounds.min, max: bounds.max })
    : t('numbers from {min} to {max}', { min: bounds.min, max: bounds.max });
  const bad = values.findIndex(
    (v) =>
      !Number.isFinite(v) ||
      v < bounds.min ||
      v > bounds.max ||
      (bounds.integer === true && !Number.isInteger(v)),
  );
  if (bad >= 0) return t('“{value}” is not one of the {range}', { value: parts[bad], range });
  if (values.length < fewest || values.length > most) {
    return fewest === most
      ? t('{count} {range}', { count: fewest, range })
      : t('{fewest} to {most} {range}, separated by commas', { fewest, most, range });
  }
  return values;
}

/** The lists each form holds, with their bounds (the protocol's). */
const LISTS: { [K in ExperimentKind]?: { key: string; bounds: ListBounds; label: string } } = {
  depth: {
    key: 'depths',
    label: msg('Depths'),
    bounds: { min: 1, max: 20, integer: true, count: [1, 8] },
  },
  complexity: {
    key: 'values',
    label: msg('Values'),
    bounds: { min: 0, max: 100_000, count: [2, 16] },
  },
  'cross-validation': {
    key: 'candidates',
    label: msg('Candidates'),
    bounds: { min: 0, max: 1024, count: [1, 12] },
  },
  mismatch: { key: 'sizes', label: msg('Shift sizes'), bounds: { min: 0, max: 1, count: [1, 16] } },
  'batch-size': {
    key: 'sizes',
    label: msg('Batch sizes'),
    bounds: { min: 1, max: 1_000_000, integer: true, count: [1, 24] },
  },
};

/** Bounds of each model setting a candidate or a sweep may vary (the protocol's). */
const PATCH_BOUNDS = {
  width: { min: 1, max: 1024, integer: true },
  depth: { min: 1, max: 20, integer: true },
  l2: { min: 0, max: 100, integer: false },
  epochs: { min: 1, max: 10_000, integer: true },
  degree: { min: 0, max: 20, integer: true },
} as const;

/**
 * The SPEC a form makes (dataset and model left out: the engine takes the network lab's), or
 * what is wrong with the form, naming the field.
 */
export function specOf(
  kind: ExperimentKind,
  settings: ExperimentSettings,
): { spec: ExperimentSpecInput } | { problem: string } {
  const { lr, batchSize, seed } = settings.training;
  const training = { optimizer: { optimizer: 'adam' as const, lr }, batchSize, seed };
  const list = LISTS[kind];
  let values: number[] = [];
  if (list) {
    const text = (settings[kind] as Record<string, unknown>)[list.key] as string;
    let bounds = list.bounds;
    if (kind === 'complexity' || kind === 'cross-validation') {
      const p =
        kind === 'complexity' ? settings.complexity.parameter : settings['cross-validation'].vary;
      bounds = { ...bounds, ...PATCH_BOUNDS[p] };
    }
    // Empty batch sizes: the engine's powers of two.
    if (!(kind === 'batch-size' && text.trim() === '')) {
      const parsed = parseList(text, bounds);
      if (typeof parsed === 'string')
        return { problem: t('{label}: {problem}', { label: t(list.label), problem: parsed }) };
      values = parsed;
    }
  }
  switch (kind) {
    case 'diagnose':
      return { spec: { kind, ...training, epochs: settings.diagnose.epochs } };
    case 'depth': {
      const s = settings.depth;
      return {
        spec: {
          kind,
          ...training,
          depths: values,
          width: s.width,
          residual: s.residual,
          epochs: s.epochs,
        },
      };
    }
    case 'complexity': {
      const s = settings.complexity;
      return { spec: { kind, ...training, parameter: s.parameter, values, epochs: s.epochs } };
    }
    case 'cross-validation': {
      const s = settings['cross-validation'];
      return {
        spec: {
          kind,
          ...training,
          folds: s.folds,
          candidates: values.map((v) => ({ [s.vary]: v })),
          stratified: s.stratified,
          epochs: s.epochs,
        },
      };
    }
    case 'mismatch':
      return { spec: { kind, ...training, sizes: values, epochs: settings.mismatch.epochs } };
    case 'batch-size': {
      const s = settings['batch-size'];
      return {
        spec: {
          kind,
          ...training,
          ...(values.length ? { sizes: values } : {}),
          timedUpdates: s.timedUpdates,
          epochs: s.epochs,
        },
      };
    }
    case 'noise': {
      const s = settings.noise;
      return {
        spec: {
          kind,
          optimizer: { optimizer: 'sgd', lr: s.lr },
          batchSize: s.batchSize,
          seed,
          epochs: s.epochs,
          maxUpdates: s.maxUpdates,
        },
      };
    }
    case 'scaling': {
      const s = settings.scaling;
      return {
        spec: {
          kind,
          optimizer: { optimizer: 'sgd', lr: s.lr, momentum: 0.9 },
          batchSize: s.batchSize,
          seed,
          factor: s.factor,
          warmupEpochs: s.warmupEpochs,
          epochs: s.epochs,
        },
      };
    }
    case 'losses': {
      const s = settings.losses;
      return {
        spec: {
          kind,
          optimizer: { optimizer: 'sgd', lr: s.lr },
          batchSize,
          seed,
          epochs: s.epochs,
        },
      };
    }
    case 'adaptive':
      return { spec: { kind, ...settings.adaptive } };
  }
}

/**
 * The forms with an experiment's SPEC in its kind's form (a finished experiment reopened shows
 * what it ran with); the other kinds' forms as they were.
 */
export function settingsFrom(
  spec: ExperimentSpecInput,
  settings: ExperimentSettings,
): ExperimentSettings {
  const next = structuredClone(settings);
  const list = (values: readonly number[] | undefined, fallback: string) =>
    values ? values.join(', ') : fallback;
  if (spec.kind === 'adaptive') {
    next.adaptive = {
      n: spec.n ?? next.adaptive.n,
      p: spec.p ?? next.adaptive.p,
      steps: spec.steps ?? next.adaptive.steps,
      testPoints: spec.testPoints ?? next.adaptive.testPoints,
      seed: spec.seed ?? next.adaptive.seed,
    };
    return next;
  }
  const optimizer = spec.optimizer as { lr?: number } | undefined;
  const batchSize = typeof spec.batchSize === 'number' ? spec.batchSize : undefined;
  if (spec.kind === 'scaling') {
    next.scaling = {
      lr: optimizer?.lr ?? next.scaling.lr,
      batchSize: batchSize ?? next.scaling.batchSize,
      factor: spec.factor ?? next.scaling.factor,
      warmupEpochs: spec.warmupEpochs ?? next.scaling.warmupEpochs,
      epochs: spec.epochs ?? next.scaling.epochs,
    };
    next.training.seed = spec.seed ?? next.training.seed;
    return next;
  }
  if (spec.kind === 'noise') {
    next.noise = {
      lr: optimizer?.lr ?? next.noise.lr,
      batchSize: batchSize ?? next.noise.batchSize,
      epochs: spec.epochs ?? next.noise.epochs,
      maxUpdates: spec.maxUpdates ?? next.noise.maxUpdates,
    };
    next.training.seed = spec.seed ?? next.training.seed;
    return next;
  }
  if (spec.kind === 'losses') {
    next.losses = {
      lr: optimizer?.lr ?? next.losses.lr,
      epochs: spec.epochs ?? next.losses.epochs,
    };
    next.training.batchSize = batchSize ?? next.training.batchSize;
    next.training.seed = spec.seed ?? next.training.seed;
    return next;
  }
  next.training = {
    lr: optimizer?.lr ?? next.training.lr,
    batchSize: batchSize ?? next.training.batchSize,
    seed: spec.seed ?? next.training.seed,
  };
  switch (spec.kind) {
    case 'diagnose':
      next.diagnose = { epochs: spec.epochs ?? next.diagnose.epochs };
      break;
    case 'depth':
      next.depth = {
        depths: list(spec.depths, next.depth.depths),
        width: spec.width ?? next.depth.width,
        residual: spec.residual ?? next.depth.residual,
        epochs: spec.epochs ?? next.depth.epochs,
      };
      break;
    case 'complexity':
      next.complexity = {
        parameter: spec.parameter ?? next.complexity.parameter,
        values: list(spec.values, next.complexity.values),
        epochs: spec.epochs ?? next.complexity.epochs,
      };
      break;
    case 'cross-validation': {
      const old = next['cross-validation'];
      // Candidates varying one setting show as it; others keep the form's own.
      const keys = [...new Set((spec.candidates ?? []).flatMap((c) => Object.keys(c)))];
      const vary = keys.length === 1 ? (keys[0] as 'width' | 'depth' | 'l2') : undefined;
      const ok = vary === 'width' || vary === 'depth' || vary === 'l2';
      next['cross-validation'] = {
        folds: spec.folds ?? old.folds,
        vary: ok ? vary : old.vary,
        candidates: ok
          ? (spec.candidates ?? []).map((c) => (c as Record<string, number>)[vary]).join(', ')
          : old.candidates,
        stratified: spec.stratified ?? old.stratified,
        epochs: spec.epochs ?? old.epochs,
      };
      break;
    }
    case 'mismatch':
      next.mismatch = {
        sizes: list(spec.sizes, next.mismatch.sizes),
        epochs: spec.epochs ?? next.mismatch.epochs,
      };
      break;
    case 'batch-size':
      next['batch-size'] = {
        sizes: list(spec.sizes, ''),
        timedUpdates: spec.timedUpdates ?? next['batch-size'].timedUpdates,
        epochs: spec.epochs ?? next['batch-size'].epochs,
      };
      break;
  }
  return next;
}

/** The largest of a list of shift sizes ("0, 0.1, 0.5"), or 1 when none can be read. */
export function largestShift(text: string): number {
  const values = text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number)
    .filter((v) => Number.isFinite(v) && v >= 0 && v <= 1);
  return values.length ? Math.max(...values) : 1;
}

/** Six shift sizes evenly from 0 to `largest` (the mismatch form's slider). */
export function shiftSizes(largest: number): string {
  const top = Math.min(1, Math.max(0, largest));
  if (top === 0) return '0';
  return Array.from({ length: 6 }, (_, i) => Number(((top * i) / 5).toPrecision(3))).join(', ');
}
