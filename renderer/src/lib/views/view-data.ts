/**
 * The data the views draw, declared here so that whoever provides it (the explorer's store, the
 * network lab's) depends on the views and never the other way round. Pure types: no DOM, no
 * Svelte, so unit tests in plain Node can build them.
 */
import type { TrajectoryColumns } from '../../../../electron/common/columns';
import type { SurfaceInfo } from '../../../../electron/common/protocol';
import type { Domain, Point } from '../../../../electron/common/schemas';

/**
 * A run's trajectory as views read it: point i is θ after i steps; `gradNorm`, `lr`, `grad` and
 * `effStep` describe the step leaving it. The stores' growable trajectories implement it.
 */
export interface TrajectoryView extends Readonly<TrajectoryColumns> {
  /** Points held. */
  readonly count: number;
  /** Bumped when points before the end were replaced (reset, rewind): views redraw all. */
  readonly generation: number;
  x(i: number): number;
  y(i: number): number;
  loss(i: number): number;
}

/** A loss surface sampled on a square grid over its domain. */
export interface GridData {
  /** Row-major, y slow: `values[j * resolution + i]`. */
  values: Float32Array;
  resolution: number;
  domain: Domain;
  info: SurfaceInfo;
}

/** A run as the views draw it. */
export interface ViewRun {
  runId: string;
  color: string;
  label: string;
  trajectory: TrajectoryView;
  diverged: boolean;
  /** False for a run on another surface than the one shown: its heights mean nothing here. */
  onSurface: boolean;
}

/** The grid on show with the range of its values. */
export interface ViewGrid extends GridData {
  min: number;
  max: number;
}

/** The view settings the views follow. */
export interface ViewSettingsLike {
  logHeight: boolean;
  wireframe: boolean;
  contours: boolean;
  stepMode: boolean;
}

/** A presentation note as views pin it and exports draw it: its text, the landscape point, the box's offset from it. */
export interface ExportNote {
  text: string;
  /** The point the arrow points at, in the surface's coordinates. */
  at: Point;
  /** The box's centre relative to the point, in CSS pixels. */
  offset: [number, number];
}

/**
 * The Hessian at a point of the surface on show, as the views draw it: the eigenvectors as
 * arrows from θ (length ∝ |λ|, coloured by the sign of λ) and the second-order Taylor model
 * q(θ') = L + gᵀd + ½dᵀHd, d = θ' − θ, as a translucent quadric (3-D) and its level lines
 * (contours). A 2-parameter surface's Hessian is exact (closed form), so everything here is
 * the engine's numbers, not a fit.
 */
export interface CriticalOverlay {
  /** θ, where the Hessian was taken. */
  point: Point;
  /** L(θ). */
  loss: number;
  /** ∇L(θ). */
  gradient: [number, number];
  /** The Hessian's entries [Lxx, Lxy, Lyy]. */
  hessian: [number, number, number];
  /** λ₁ ≤ λ₂. */
  eigenvalues: [number, number];
  /** Unit eigenvectors of λ₁ and λ₂. */
  vectors: [Point, Point];
  /** τ·max|λ|: an eigenvalue within ± this is flat (no sign float32 can trust). */
  flat: number;
  /** Draw the Taylor quadric (the arrows are always drawn). */
  quadric: boolean;
  /** Escape's step θ → `to` (dashed while it is a preview, solid once taken). */
  escape?: { to: Point; taken: boolean };
}
