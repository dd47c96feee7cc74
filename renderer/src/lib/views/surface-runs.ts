/**
 * The runs in the 3-D view: per run a line over the surface and a ball at its current point,
 * updated from the new points only, drawn up to the replay step; rings at the hovered step.
 */
import * as THREE from 'three';
import { clearGroup } from './surface-geometry';
import { TrajectoryLine } from './trajectory-line';
import type { TrajectoryView } from './view-data';

export interface SceneRun {
  runId: string;
  color: string;
  trajectory: TrajectoryView;
}

/** A run's objects in the scene and how much of its trajectory they hold. */
interface RunObjects {
  line: TrajectoryLine;
  ball: THREE.Mesh;
  /** World positions of the trajectory's points. */
  positions: Float32Array;
  /** Points already converted; -1 forces a full rewrite. */
  written: number;
  /** Points held (the trajectory's count when last converted). */
  count: number;
  generation: number;
}

/** World position of (x, y, loss), written at `out[o..o+2]`. */
type ToWorld = (x: number, y: number, loss: number, out: Float32Array, o: number) => void;

export class SceneRuns {
  /** Rings at the hovered step, one per run that has it. */
  readonly hoverMarkers = new THREE.Group();
  private readonly objects = new Map<string, RunObjects>();
  private readonly ballGeometry = new THREE.SphereGeometry(0.04, 24, 16);
  private lineScale = 1;
  /** Replay: trajectories are drawn up to this step. */
  private scrubStep: number | undefined;
  /** The view's size in CSS pixels (lines are as wide in pixels at any size). */
  private width = 1;
  private height = 1;

  constructor(
    private readonly scene: THREE.Scene,
    private readonly toWorld: ToWorld,
  ) {}

  /** Brings every run's line and ball up to date with its trajectory. */
  set(runs: SceneRun[], hoverStep: number | undefined): void {
    const live = new Set(runs.map((r) => r.runId));
    for (const [runId, objects] of this.objects) {
      if (!live.has(runId)) {
        this.scene.remove(objects.line.object, objects.ball);
        objects.line.dispose();
        (objects.ball.material as THREE.Material).dispose();
        this.objects.delete(runId);
      }
    }
    for (const run of runs) this.updateRun(run);
    this.placeHover(runs, hoverStep);
  }

  placeHover(runs: SceneRun[], hoverStep: number | undefined): void {
    clearGroup(this.hoverMarkers);
    if (hoverStep === undefined) return;
    for (const run of runs) {
      const objects = this.objects.get(run.runId);
      const shown =
        this.scrubStep === undefined
          ? objects?.count
          : Math.min(objects?.count ?? 0, this.scrubStep + 1);
      if (!objects || hoverStep >= run.trajectory.count || hoverStep >= (shown ?? 0)) continue;
      const ring = new THREE.Mesh(
        new THREE.TorusGeometry(0.055, 0.01, 8, 32),
        new THREE.MeshBasicMaterial({ color: 0xffffff, depthTest: false }),
      );
      ring.renderOrder = 5;
      ring.rotation.x = Math.PI / 2;
      const p = objects.positions;
      ring.position.set(p[3 * hoverStep], p[3 * hoverStep + 1], p[3 * hoverStep + 2]);
      this.hoverMarkers.add(ring);
    }
  }

  private updateRun(run: SceneRun): void {
    let objects = this.objects.get(run.runId);
    if (!objects) {
      const line = new TrajectoryLine(run.color, 3 * this.lineScale);
      line.setResolution(this.width, this.height);
      const ball = new THREE.Mesh(
        this.ballGeometry,
        new THREE.MeshStandardMaterial({
          color: run.color,
          emissive: run.color,
          emissiveIntensity: 0.4,
          depthTest: false,
        }),
      );
      ball.renderOrder = 3;
      objects = {
        line,
        ball,
        positions: new Float32Array(3 * 1024),
        written: 0,
        count: 0,
        generation: -1,
      };
      this.objects.set(run.runId, objects);
      this.scene.add(line.object, ball);
    }
    const t = run.trajectory;
    const count = t.count;
    // A rewritten trajectory (reset, rewind) is redrawn from its first point; otherwise only
    // the new points (and the last one, which may have been restated) are converted.
    const rewrite =
      objects.written < 0 || objects.generation !== t.generation || count < objects.written;
    const from = rewrite ? 0 : Math.max(0, objects.written - 1);
    objects.generation = t.generation;
    if (objects.positions.length < 3 * count) {
      const grown = new Float32Array(Math.max(3 * count, 2 * objects.positions.length));
      grown.set(objects.positions.subarray(0, 3 * from));
      objects.positions = grown;
    }
    const positions = objects.positions;
    for (let i = from; i < count; i++) this.toWorld(t.x(i), t.y(i), t.loss(i), positions, 3 * i);
    objects.line.setPoints(positions, count, from);
    objects.written = count;
    objects.count = count;
    this.showUpTo(objects, this.scrubStep);
  }

  /** Draws a run's line up to `step` (all of it when undefined) with the ball at its end. */
  private showUpTo(objects: RunObjects, step: number | undefined): void {
    const shown = step === undefined ? objects.count : Math.min(objects.count, step + 1);
    objects.line.setVisiblePoints(step === undefined ? Infinity : shown);
    objects.ball.visible = shown > 0;
    if (shown > 0) {
      const p = objects.positions;
      objects.ball.position.set(p[3 * shown - 3], p[3 * shown - 2], p[3 * shown - 1]);
    }
  }

  /** Line width multiplier (presentation mode draws thicker). */
  setLineScale(scale: number): void {
    this.lineScale = scale;
    for (const objects of this.objects.values()) objects.line.material.linewidth = 3 * scale;
  }

  /** Replay: every trajectory up to `step`; false when that step was shown already. */
  setScrubStep(step: number | undefined): boolean {
    if (step === this.scrubStep) return false;
    this.scrubStep = step;
    for (const objects of this.objects.values()) this.showUpTo(objects, step);
    return true;
  }

  /** The view's new size in CSS pixels. */
  setResolution(width: number, height: number): void {
    this.width = width;
    this.height = height;
    for (const objects of this.objects.values()) objects.line.setResolution(width, height);
  }

  /** The surface's heights changed: every point is converted again at the next update. */
  invalidate(): void {
    for (const objects of this.objects.values()) objects.written = -1;
  }

  /**
   * Calls `render` with the runs as an image of `width` × `height` device pixels shows them
   * (lines `pixelScale` times wider, drawn up to `step`, no hover rings), then puts them back.
   */
  asSnapshot(
    options: { width: number; height: number; pixelScale: number; step: number | undefined },
    render: () => void,
  ): void {
    const { width, height, pixelScale, step } = options;
    for (const objects of this.objects.values()) {
      objects.line.material.linewidth = 3 * this.lineScale * pixelScale;
      objects.line.setResolution(width, height);
      this.showUpTo(objects, step);
    }
    this.hoverMarkers.visible = false;
    try {
      render();
    } finally {
      for (const objects of this.objects.values()) {
        objects.line.material.linewidth = 3 * this.lineScale;
        objects.line.setResolution(this.width, this.height);
        this.showUpTo(objects, this.scrubStep);
      }
      this.hoverMarkers.visible = true;
    }
  }

  dispose(): void {
    this.set([], undefined);
    this.placeHover([], undefined);
    this.ballGeometry.dispose();
  }
}
