import * as THREE from 'three';
import { LineMaterial } from 'three/examples/jsm/lines/LineMaterial.js';
import { LineSegments2 } from 'three/examples/jsm/lines/LineSegments2.js';
import { LineSegmentsGeometry } from 'three/examples/jsm/lines/LineSegmentsGeometry.js';

/**
 * A polyline with a width in pixels (WebGL lines are 1 px), grown by appending points: segment
 * k joins points k and k + 1 in one instanced buffer, rewritten only where it changed. Replay
 * draws a prefix of it by lowering the instance count: nothing is rewritten or reallocated.
 */
export class TrajectoryLine {
  readonly object: LineSegments2;
  readonly material: LineMaterial;
  private geometry = new LineSegmentsGeometry();
  private buffer = new Float32Array(0);
  private interleaved: THREE.InstancedInterleavedBuffer | undefined;
  /** Points held. */
  private count = 0;
  /** Points drawn at most (replay); Infinity draws all. */
  private limit = Infinity;

  constructor(color: string, widthPx: number) {
    this.material = new LineMaterial({
      color,
      linewidth: widthPx,
      worldUnits: false,
      depthTest: false,
      transparent: true,
    });
    this.object = new LineSegments2(this.geometry, this.material);
    this.object.frustumCulled = false;
    this.object.renderOrder = 2;
  }

  /** Point i's position is positions[3i..3i+2]; points from `from` on are (re)written. */
  setPoints(positions: Float32Array, count: number, from: number): void {
    const segments = Math.max(0, count - 1);
    if (segments * 6 > this.buffer.length) {
      const capacity = Math.max(1024, 2 ** Math.ceil(Math.log2(segments)));
      this.buffer = new Float32Array(capacity * 6);
      this.interleaved = new THREE.InstancedInterleavedBuffer(this.buffer, 6, 1);
      this.interleaved.setUsage(THREE.DynamicDrawUsage);
      this.geometry.setAttribute(
        'instanceStart',
        new THREE.InterleavedBufferAttribute(this.interleaved, 3, 0),
      );
      this.geometry.setAttribute(
        'instanceEnd',
        new THREE.InterleavedBufferAttribute(this.interleaved, 3, 3),
      );
      from = 0;
    }
    const b = this.buffer;
    const first = Math.max(0, Math.min(from, this.count) - 1);
    for (let k = first; k < segments; k++) {
      b[6 * k] = positions[3 * k];
      b[6 * k + 1] = positions[3 * k + 1];
      b[6 * k + 2] = positions[3 * k + 2];
      b[6 * k + 3] = positions[3 * k + 3];
      b[6 * k + 4] = positions[3 * k + 4];
      b[6 * k + 5] = positions[3 * k + 5];
    }
    if (this.interleaved && segments > first) {
      this.interleaved.clearUpdateRanges();
      this.interleaved.addUpdateRange(6 * first, 6 * (segments - first));
      this.interleaved.needsUpdate = true;
    }
    this.count = count;
    this.applyLimit();
  }

  /** Draws only the first `points` points (replay); Infinity (the default) draws them all. */
  setVisiblePoints(points: number): void {
    this.limit = points;
    this.applyLimit();
  }

  private applyLimit(): void {
    this.geometry.instanceCount = Math.max(0, Math.min(this.count, this.limit) - 1);
  }

  setResolution(width: number, height: number): void {
    this.material.resolution.set(width, height);
  }

  dispose(): void {
    this.geometry.dispose();
    this.material.dispose();
  }
}
