import type { OptimizerSpec } from '../../../electron/common/schemas';
import { optimizerSpecSchema } from '../../../electron/common/schemas';
import { Optimizer, resolveHyper } from '../../../electron/engine/optim';

/**
 * Steps a fresh optimizer from θ₀ through a fixed list of gradients (one array per step) and
 * returns θ after every step, for closed-form checks that do not depend on a loss surface.
 */
export function drive(
  spec: OptimizerSpec,
  theta0: number[],
  grads: number[][],
): { thetas: number[][]; optimizer: Optimizer } {
  const hyper = resolveHyper(optimizerSpecSchema.parse(spec));
  const optimizer = new Optimizer(spec.optimizer, hyper, theta0.length);
  const theta = Float64Array.from(theta0);
  const thetas: number[][] = [];
  for (const g of grads) {
    optimizer.step(theta, Float64Array.from(g), hyper.lr);
    thetas.push(Array.from(theta));
  }
  return { thetas, optimizer };
}

/** The same gradient for n steps. */
export const constant = (g: number[], n: number): number[][] =>
  Array.from({ length: n }, () => g.slice());

/** |actual − expected| ≤ rel · (1 + |expected|), with a message naming the step. */
export function near(actual: number, expected: number, what: string, rel = 1e-12): void {
  if (!(Math.abs(actual - expected) <= rel * (1 + Math.abs(expected)))) {
    throw new Error(`${what}: got ${actual}, expected ${expected}`);
  }
}
