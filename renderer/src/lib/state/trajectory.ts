import type { TrajectoryColumns } from '../../../../electron/common/columns';
import type { RunFrame } from '../../../../electron/common/protocol';

/**
 * A run's trajectory as the renderer keeps it: growable typed arrays filled from frames. Point
 * i is θ after i steps; `gradNorm`, `lr`, `grad` and `effStep` describe the step leaving it.
 */
export class Trajectory implements TrajectoryColumns {
  /** (x, y, loss) per point. */
  points = new Float64Array(3 * 1024);
  gradNorm = new Float64Array(1024);
  lr = new Float64Array(1024);
  /** ∇L, two entries per point. */
  grad = new Float64Array(2 * 1024);
  /** Step size per unit gradient per coordinate (η, or η/σ), two entries per point. */
  effStep = new Float64Array(2 * 1024);
  /** Points held. */
  count = 0;
  /** Bumped when points before the end were replaced (reset, rewind): views redraw all. */
  generation = 0;

  /** Applies a frame: points from `fromStep` on are replaced by the frame's. */
  apply(frame: RunFrame): void {
    const n = frame.gradNorm.length;
    const end = frame.fromStep + n;
    if (frame.fromStep < this.count - 1) this.generation++;
    this.reserve(end);
    this.points.set(frame.points, 3 * frame.fromStep);
    this.gradNorm.set(frame.gradNorm, frame.fromStep);
    this.lr.set(frame.lr, frame.fromStep);
    this.grad.set(frame.grad, 2 * frame.fromStep);
    this.effStep.set(frame.effStep, 2 * frame.fromStep);
    this.count = end;
  }

  clear(): void {
    this.count = 0;
    this.generation++;
  }

  x(i: number): number {
    return this.points[3 * i];
  }

  y(i: number): number {
    return this.points[3 * i + 1];
  }

  loss(i: number): number {
    return this.points[3 * i + 2];
  }

  private reserve(count: number): void {
    if (count <= this.gradNorm.length) return;
    const capacity = Math.max(count, this.gradNorm.length * 2);
    const grow = (old: Float64Array, size: number) => {
      const next = new Float64Array(size);
      next.set(old);
      return next;
    };
    this.points = grow(this.points, 3 * capacity);
    this.gradNorm = grow(this.gradNorm, capacity);
    this.lr = grow(this.lr, capacity);
    this.grad = grow(this.grad, 2 * capacity);
    this.effStep = grow(this.effStep, 2 * capacity);
  }
}
