/**
 * A run's θ trajectory, kept as float32 snapshots every k steps for PCA directions and for
 * projecting the path onto a landscape. Memory is bounded: when the store is full, every
 * other snapshot goes and k doubles, so the kept points stay evenly spaced from step 0 to now.
 */

/** Snapshots of one run use at most this many bytes. */
export const SNAPSHOT_BUDGET_BYTES = 128 * 2 ** 20;

export class SnapshotStore {
  private steps: number[] = [];
  private thetas: Float32Array[] = [];
  /** Current spacing in steps (the requested one, doubled each time the store filled up). */
  private stride: number;
  readonly capacity: number;

  /**
   * @param every the requested spacing k.
   * @param size length of θ.
   * @param capacity most snapshots kept; @default min(1000, budget / (4·size)), at least 8.
   */
  constructor(
    readonly every: number,
    readonly size: number,
    capacity?: number,
  ) {
    this.stride = every;
    this.capacity =
      capacity ?? Math.max(8, Math.min(1000, Math.floor(SNAPSHOT_BUDGET_BYTES / (4 * size))));
  }

  get length(): number {
    return this.steps.length;
  }

  get spacing(): number {
    return this.stride;
  }

  /** Offers θ after `step` steps; kept if the step falls on the current spacing. */
  offer(step: number, theta: Float64Array): void {
    if (step % this.stride !== 0) return;
    if (this.steps.length > 0 && this.steps[this.steps.length - 1] === step) return;
    this.steps.push(step);
    this.thetas.push(new Float32Array(theta));
    if (this.steps.length > this.capacity) this.thin();
  }

  /** Keeps the snapshots on multiples of twice the spacing. */
  private thin(): void {
    this.stride *= 2;
    const keep = this.steps.map((s) => s % this.stride === 0);
    this.steps = this.steps.filter((_, i) => keep[i]);
    this.thetas = this.thetas.filter((_, i) => keep[i]);
  }

  /** Steps of the kept snapshots, ascending. */
  stepList(): number[] {
    return [...this.steps];
  }

  /** The kept snapshots (shared, do not modify), in step order. */
  list(): { step: number; theta: Float32Array }[] {
    return this.steps.map((step, i) => ({ step, theta: this.thetas[i] }));
  }

  /** Forgets everything and restores the requested spacing. */
  clear(): void {
    this.steps = [];
    this.thetas = [];
    this.stride = this.every;
  }
}
