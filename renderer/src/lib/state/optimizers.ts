/**
 * The optimizers a run panel offers, in the lecture's names, and which hyperparameters each
 * shows. Specs are torch.optim's; the engine fills in torch's defaults for anything omitted.
 */
import type { HyperChange, RunState } from '../../../../electron/common/protocol';
import type { Hyper, HyperKey, OptimizerSpec, Schedule } from '../../../../electron/common/schemas';
import { msg } from '../i18n';

/** What the optimizer helpers read of a run's state (surface runs and network runs alike). */
export type OptimizerLike = Pick<RunState, 'optimizer' | 'hyper'> & {
  label?: string;
  schedule?: Schedule;
};

export interface OptimizerChoice {
  id: string;
  label: string;
  spec: OptimizerSpec;
  /** Rules whose step size per coordinate changes with the gradient history (η/σ). */
  adaptive: boolean;
}

export const optimizerChoices: OptimizerChoice[] = [
  { id: 'sgd', label: 'SGD', spec: { optimizer: 'sgd' }, adaptive: false },
  {
    id: 'momentum',
    label: msg('Momentum'),
    spec: { optimizer: 'sgd', momentum: 0.9 },
    adaptive: false,
  },
  {
    id: 'nesterov',
    label: 'Nesterov',
    spec: { optimizer: 'sgd', momentum: 0.9, nesterov: true },
    adaptive: false,
  },
  { id: 'adagrad', label: 'Adagrad', spec: { optimizer: 'adagrad' }, adaptive: true },
  { id: 'rmsprop', label: 'RMSProp', spec: { optimizer: 'rmsprop' }, adaptive: true },
  { id: 'adam', label: 'Adam', spec: { optimizer: 'adam' }, adaptive: true },
  { id: 'adamw', label: 'AdamW', spec: { optimizer: 'adamw' }, adaptive: true },
  {
    id: 'adagrad-lecture',
    label: msg('Adagrad (lecture: RMS σ)'),
    spec: { optimizer: 'adagrad', variant: 'lecture' },
    adaptive: true,
  },
  {
    id: 'rmsprop-lecture',
    label: msg('RMSProp (lecture: σ₀ = |g₀|)'),
    spec: { optimizer: 'rmsprop', variant: 'lecture' },
    adaptive: true,
  },
];

/** Which choice a run's state corresponds to. */
export function choiceOf(state: OptimizerLike): OptimizerChoice {
  const h = state.hyper;
  let id: string = state.optimizer;
  if (state.optimizer === 'sgd') id = h.nesterov ? 'nesterov' : h.momentum > 0 ? 'momentum' : 'sgd';
  if (h.variant === 'lecture') id = `${state.optimizer}-lecture`;
  return optimizerChoices.find((c) => c.id === id) ?? optimizerChoices[0];
}

/**
 * A short label for legends: the run's own label when it has one, else one generated from its
 * settings, "Adam η=0.01" (with the schedule when it is not constant: "Adam η=2, linear
 * warm-up"). Surface runs carry a label only while their settings are those it was given for
 * (ExplorerStore strips it otherwise), so a label never names a learning rate the run no longer has.
 */
export function runLabel(state: OptimizerLike): string {
  if (state.label) return state.label;
  const name = choiceOf(state).label.replace(
    / \(.*\)$/,
    state.hyper.variant === 'lecture' ? ' (lecture)' : '',
  );
  const schedule = state.schedule ? scheduleName(state.schedule) : undefined;
  return `${name} η=${formatNumber(state.hyper.lr)}${schedule ? `, ${schedule}` : ''}`;
}

/** A schedule in a few words for a label; undefined for a constant η. */
export function scheduleName(schedule: Schedule): string | undefined {
  switch (schedule.kind) {
    case 'constant':
      return undefined;
    case 'step':
      return 'step decay';
    case 'exponential':
      return 'exponential decay';
    case 'cosine':
      return 'cosine';
    case 'linear':
      return schedule.endFactor >= schedule.startFactor ? 'linear warm-up' : 'linear decay';
    case 'warmupDecay':
      return 'warm-up + decay';
    case 'invSqrt':
      return 'η/√(t+1)';
  }
}

/** A run's optimizer settings: what its panel shows and a change patches. */
export interface RunSettings {
  hyper: Hyper;
  schedule: Schedule;
}

/**
 * The settings in force at point `step` of a run that started with `origin` and was changed by
 * `changes` (each applied before the step leaving point `change.step`, in order): those the
 * step leaving that point used, or will use.
 */
export function settingsAt(origin: RunSettings, changes: HyperChange[], step: number): RunSettings {
  let { hyper, schedule } = origin;
  for (const change of changes) {
    if (change.step > step) break;
    hyper = { ...hyper, ...change.patch } as Hyper;
    if (change.schedule) schedule = change.schedule;
  }
  return { hyper, schedule };
}

/**
 * A canonical text of a run's optimizer and settings: equal exactly when the settings are (key
 * order does not matter), so a label can be checked against the settings it was made for.
 */
export function settingsKey(state: Pick<RunState, 'optimizer' | 'hyper' | 'schedule'>): string {
  const sorted = (value: object) =>
    Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify([state.optimizer, sorted(state.hyper), sorted(state.schedule)]);
}

export function formatNumber(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  return abs >= 1e-3 && abs < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(1);
}

export interface HyperControl {
  key: HyperKey | 'beta1' | 'beta2';
  label: string;
  kind: 'log' | 'linear' | 'toggle';
  min?: number;
  max?: number;
  step?: number;
  help: string;
}

const lr: HyperControl = {
  key: 'lr',
  label: msg('Learning rate'),
  kind: 'log',
  min: 1e-5,
  max: 10,
  help: msg('η: the step size'),
};
const eps: HyperControl = {
  key: 'eps',
  label: msg('Epsilon'),
  kind: 'log',
  min: 1e-12,
  max: 1e-1,
  help: msg('ε: keeps η/σ finite'),
};
const weightDecay: HyperControl = {
  key: 'weightDecay',
  label: msg('Weight decay'),
  kind: 'linear',
  min: 0,
  max: 1,
  step: 0.001,
  help: msg('λ: pulls θ towards 0'),
};
const momentum: HyperControl = {
  key: 'momentum',
  label: msg('Momentum'),
  kind: 'linear',
  min: 0,
  max: 0.99,
  step: 0.01,
  help: msg('μ: how much of the last step carries over'),
};

/** The hyperparameters a run panel shows for a run, in order. */
export function hyperControls(state: OptimizerLike): HyperControl[] {
  const lecture = state.hyper.variant === 'lecture';
  switch (state.optimizer) {
    case 'sgd':
      return [
        lr,
        momentum,
        {
          key: 'dampening',
          label: msg('Dampening'),
          kind: 'linear',
          min: 0,
          max: 1,
          step: 0.01,
          help: msg('τ: shrinks the new gradient in the buffer'),
        },
        {
          key: 'nesterov',
          label: 'Nesterov',
          kind: 'toggle',
          help: msg('look ahead along the momentum'),
        },
        weightDecay,
      ];
    case 'adagrad':
      return lecture
        ? [lr, eps]
        : [
            lr,
            {
              key: 'lrDecay',
              label: msg('Learning-rate decay'),
              kind: 'linear',
              min: 0,
              max: 0.1,
              step: 0.001,
              help: msg('η_t = η / (1 + (t−1)·decay)'),
            },
            {
              key: 'initialAccumulatorValue',
              label: msg('Initial accumulator'),
              kind: 'linear',
              min: 0,
              max: 1,
              step: 0.01,
              help: msg('Σg² at the start'),
            },
            eps,
            weightDecay,
          ];
    case 'rmsprop':
      return lecture
        ? [
            lr,
            {
              key: 'alpha',
              label: msg('Alpha'),
              kind: 'linear',
              min: 0.5,
              max: 0.999,
              step: 0.001,
              help: msg('α: decay of the average of g²'),
            },
            eps,
          ]
        : [
            lr,
            {
              key: 'alpha',
              label: msg('Alpha'),
              kind: 'linear',
              min: 0.5,
              max: 0.999,
              step: 0.001,
              help: msg('α: decay of the average of g²'),
            },
            eps,
            momentum,
            {
              key: 'centered',
              label: msg('Centered'),
              kind: 'toggle',
              help: msg('divide by the variance of g, not its mean square'),
            },
            weightDecay,
          ];
    case 'adam':
    case 'adamw':
      return [
        lr,
        {
          key: 'beta1',
          label: msg('Beta 1'),
          kind: 'linear',
          min: 0,
          max: 0.999,
          step: 0.001,
          help: msg('β₁: decay of m, the average of g'),
        },
        {
          key: 'beta2',
          label: msg('Beta 2'),
          kind: 'linear',
          min: 0.9,
          max: 0.99999,
          step: 0.00001,
          help: msg('β₂: decay of v, the average of g²'),
        },
        eps,
        weightDecay,
        {
          key: 'amsgrad',
          label: msg('AMSGrad'),
          kind: 'toggle',
          help: msg('use the largest v seen'),
        },
      ];
  }
}
