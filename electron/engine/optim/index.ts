import type { Hyper, HyperPatch, OptimizerName, OptimizerSpec } from '../../common/schemas';
import { FieldError } from '../core/errors';
import { adagrad } from './adagrad';
import { adam, adamw } from './adam';
import { rmsprop } from './rmsprop';
import { sgd } from './sgd';
import type { RuleState, UpdateRule } from './types';

export type { RuleState, UpdateRule } from './types';
export { scheduledLr } from './schedules';

export const rules: Record<OptimizerName, UpdateRule> = {
  sgd,
  adagrad,
  rmsprop,
  adam,
  adamw,
} as Record<OptimizerName, UpdateRule>;

const base: Hyper = {
  lr: 1e-3,
  momentum: 0,
  dampening: 0,
  nesterov: false,
  weightDecay: 0,
  betas: [0.9, 0.999],
  eps: 1e-8,
  alpha: 0.99,
  centered: false,
  amsgrad: false,
  lrDecay: 0,
  initialAccumulatorValue: 0,
  variant: 'pytorch',
};

/** torch.optim's defaults for each rule (torch 2.x; SGD's lr default is 1e-3). */
export const torchDefaults: Record<OptimizerName, Hyper> = {
  sgd: { ...base },
  adagrad: { ...base, lr: 1e-2, eps: 1e-10 },
  rmsprop: { ...base, lr: 1e-2 },
  adam: { ...base },
  adamw: { ...base, weightDecay: 1e-2 },
};

/** The lecture's variants use ε = 1e-10 unless told otherwise. */
export const LECTURE_EPS = 1e-10;

/** Thrown for a configuration torch would refuse; `field` names the hyperparameter. */
export class HyperError extends FieldError {
  constructor(field: string, reason: string) {
    super(field, reason, 'optimizer');
  }
}

/** The full hyperparameter set for a spec: torch's defaults, overridden by what it gives. */
export function resolveHyper(spec: OptimizerSpec): Hyper {
  const { optimizer, schedule: _schedule, ...given } = spec;
  const defaults = torchDefaults[optimizer];
  const hyper: Hyper = { ...defaults };
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined) (hyper as Record<string, unknown>)[key] = value;
  }
  if (hyper.variant === 'lecture' && given.eps === undefined) hyper.eps = LECTURE_EPS;
  checkHyper(optimizer, hyper);
  return hyper;
}

/** Applies a mid-run change, checking the result as a whole. */
export function patchHyper(optimizer: OptimizerName, hyper: Hyper, patch: HyperPatch): Hyper {
  const next: Hyper = { ...hyper };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (next as Record<string, unknown>)[key] = value;
  }
  checkHyper(optimizer, next);
  return next;
}

function checkHyper(optimizer: OptimizerName, h: Hyper): void {
  if (h.variant === 'lecture' && optimizer !== 'adagrad' && optimizer !== 'rmsprop') {
    throw new HyperError(
      'variant',
      `"lecture" exists only for adagrad and rmsprop, not ${optimizer}`,
    );
  }
  if (optimizer === 'sgd' && h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
    throw new HyperError('nesterov', 'Nesterov momentum requires momentum > 0 and dampening = 0');
  }
}

/** A rule bound to its state and hyperparameters: what a run steps. */
export class Optimizer {
  readonly rule: UpdateRule;
  state: RuleState;

  constructor(
    readonly name: OptimizerName,
    public hyper: Hyper,
    readonly size: number,
  ) {
    this.rule = rules[name];
    this.state = this.rule.init(size, hyper);
  }

  step(theta: Float64Array, grad: Float64Array, lr: number): void {
    this.rule.step(theta, grad, this.state, this.hyper, lr);
  }

  reset(): void {
    this.state = this.rule.init(this.size, this.hyper);
  }
}
