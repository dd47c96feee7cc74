/**
 * What a network costs before it is built: floating-point operations per pass, memory on the
 * tfjs backend and in the engine's own heap. The network lab refuses, with one line naming the
 * sizes, a network whose single update or evaluation would freeze the engine (no message is
 * answered while a tfjs kernel runs) or whose tensors would not fit: tfjs-wasm's heap ends at
 * 4 GiB, and a kernel that runs past it leaves the backend aborted.
 *
 * The estimates follow the MLP code (mlp.ts) term by term; they are upper bounds with a margin,
 * not measurements, and the same on every machine, so whether a network is accepted never
 * depends on timing.
 */
import { FieldError } from '../core/errors';
import type { BackendName } from '../../common/protocol';
import type { ParamLayout } from './layout';

/** A request the engine will not start because of its size; `field` names what to change. */
export class BudgetError extends FieldError {
  constructor(field: string | undefined, message: string) {
    super(field, message);
    this.name = 'BudgetError';
  }
}

/** What one backend may be asked to do in one go. */
export interface BackendBudget {
  /**
   * Most floating-point operations in one synchronous pass (one update, or one evaluation of a
   * split): at the backend's rate here that is about 0.1 s, the longest the engine may go
   * without answering a message.
   */
  passFlops: number;
  /** Most bytes the data, θ and one pass's tensors may hold on the backend at once. */
  deviceBytes: number;
}

/**
 * Per backend. wasm runs these MLPs at 10–25 GFLOP/s on one core here and its heap stops at
 * 4 GiB (after which it is aborted); the cpu backend runs at about 0.6 GFLOP/s and keeps its
 * tensors in the JS heap; tfjs-node at 20+ GFLOP/s in native memory.
 */
export const BACKEND_BUDGETS: Record<BackendName, BackendBudget> = {
  tensorflow: { passFlops: 2e9, deviceBytes: 4 * 2 ** 30 },
  wasm: { passFlops: 1e9, deviceBytes: 1.5 * 2 ** 30 },
  cpu: { passFlops: 1.5e8, deviceBytes: 2 * 2 ** 30 },
};

/** Most bytes all network runs of one engine may keep in its own heap (θ, buffers, snapshots). */
export const HOST_RUN_BYTES = 4 * 2 ** 30;

/** The budget of a backend by tfjs's name for it (unknown backends get the cpu's). */
export function budgetOf(backend: string): BackendBudget {
  return BACKEND_BUDGETS[backend as BackendName] ?? BACKEND_BUDGETS.cpu;
}

/** Multiply-adds ×2 of one example's forward pass: Σ 2·fan_out·(fan_in + 1). */
export function forwardFlopsPerExample(layout: ParamLayout): number {
  if (layout.cost) return layout.cost.flopsPerExample;
  let flops = 0;
  for (const l of layout.layers) flops += 2 * l.fanOut * (l.fanIn + 1);
  return flops;
}

/** Floats one example's pass keeps alive on the device (every layer's outputs, ×k temporaries). */
function activationFloatsPerExample(layout: ParamLayout, training: boolean): number {
  if (layout.cost) return (layout.inputDim + layout.cost.floatsPerExample) * (training ? 12 : 4);
  let floats = layout.inputDim + 1;
  for (const l of layout.layers) floats += l.fanOut + l.fanIn + 1;
  // Evaluation: the layer outputs and tanh's two temporaries, kept until the pass's tidy ends.
  // Training adds the dropout mask, the masked and residual sums, and the backward pass's
  // δU, act'(G), δH, the padded [H | 1] and their transposes.
  return floats * (training ? 12 : 4);
}

/** The cost of one pass of `n` examples: operations and peak device bytes. */
export function passCost(
  layout: ParamLayout,
  n: number,
  training: boolean,
): { flops: number; bytes: number } {
  const flops = forwardFlopsPerExample(layout) * n * (training ? 3 : 1);
  // θ as float32 per layer, its transposes and tanh's scaled copies: 3 P floats.
  const bytes = 4 * (3 * layout.size + n * activationFloatsPerExample(layout, training));
  return { flops, bytes };
}

/** Bytes a run keeps in the engine's heap: θ, ∇, θ_prev, up to three optimizer buffers, snapshots. */
export function runHostBytes(parameters: number): number {
  const snapshots = Math.max(128 * 2 ** 20, 8 * 4 * parameters);
  return 8 * parameters * 6 + snapshots;
}

/** "1.5 GB", "320 MB", "12 kB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toPrecision(v < 10 ? 2 : 3)} ${units[u]}`;
}

/** "3.2e10" style for operation counts. */
export function formatFlops(flops: number): string {
  return flops < 1e6 ? `${Math.round(flops)}` : flops.toExponential(1).replace('e+', 'e');
}

/** Largest batch whose training pass fits a budget beside `resident` bytes (0: not even one). */
export function largestBatch(layout: ParamLayout, budget: BackendBudget, resident = 0): number {
  const fixed = passCost(layout, 0, true).bytes;
  const perExample = passCost(layout, 1, true).bytes - fixed;
  const byFlops = Math.floor(budget.passFlops / passCost(layout, 1, true).flops);
  const byBytes = Math.floor((budget.deviceBytes - resident - fixed) / perExample);
  return Math.max(0, Math.min(byFlops, byBytes));
}

/**
 * Refuses a pass that would not fit, with one line naming what it is (`what`, e.g. "one
 * update on a batch of 2,048 examples") and the field to change.
 */
export function checkPass(
  layout: ParamLayout,
  n: number,
  training: boolean,
  budget: BackendBudget,
  what: string,
  field: string,
  resident = 0,
  hint = '',
): void {
  const cost = passCost(layout, n, training);
  const size = `a network of ${layout.size.toLocaleString('en')} parameters`;
  if (cost.flops > budget.passFlops) {
    throw new BudgetError(
      field,
      `${what} of ${size} takes ${formatFlops(cost.flops)} floating-point operations; the lab allows ${formatFlops(budget.passFlops)} in one go so that it keeps answering${hint}`,
    );
  }
  if (cost.bytes + resident > budget.deviceBytes) {
    throw new BudgetError(
      field,
      `${what} of ${size} needs about ${formatBytes(cost.bytes + resident)} of tensor memory; this backend allows ${formatBytes(budget.deviceBytes)}${hint}`,
    );
  }
}

/**
 * Most passes one landscape or line may take, in units of the backend's passFlops: about
 * 5,000 × 0.1 s of one core, a few minutes on two workers, with progress and Cancel.
 */
export const LANDSCAPE_PASSES = 5000;

/**
 * Refuses a landscape (or line) of `points` evaluations of `n` examples that would take past
 * the budget, naming the largest resolution (or point count) that fits.
 */
export function checkLandscape(
  layout: ParamLayout,
  n: number,
  points: number,
  budget: BackendBudget,
  what: { field: string; resolution?: number },
): void {
  const pass = passCost(layout, n, false);
  // The workers hold the split and the first layer's three precomputed products besides.
  const bytes = pass.bytes + 4 * n * (layout.inputDim + 3 * (layout.layers[0]?.fanOut ?? 0));
  if (bytes > budget.deviceBytes) {
    throw new BudgetError(
      what.field,
      `a landscape of this network on ${n.toLocaleString('en')} examples needs about ${formatBytes(bytes)} of tensor memory per worker; this backend allows ${formatBytes(budget.deviceBytes)}`,
    );
  }
  const allowed = LANDSCAPE_PASSES * budget.passFlops;
  const flops = points * pass.flops;
  if (flops <= allowed) return;
  const fits = Math.floor(allowed / pass.flops);
  const advice =
    what.resolution !== undefined
      ? `lower the resolution to at most ${Math.floor(Math.sqrt(fits))}`
      : `ask for at most ${fits.toLocaleString('en')} points`;
  throw new BudgetError(
    what.field,
    `${points.toLocaleString('en')} evaluations of this network on ${n.toLocaleString('en')} examples take ${formatFlops(flops)} floating-point operations; the lab allows ${formatFlops(allowed)} for one landscape: ${advice}`,
  );
}
