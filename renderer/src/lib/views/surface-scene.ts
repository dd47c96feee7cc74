/**
 * The 3-D view: the loss surface as a coloured mesh, each run's trajectory as a line on it and
 * its current point as a ball. Renders on demand (data or camera changed), never in a loop.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { SurfaceGrid } from '../state/lab.svelte';
import { viridis } from '../state/palette';
import type { Trajectory } from '../state/trajectory';
import { TrajectoryLine } from './trajectory-line';

export interface SceneRun {
  runId: string;
  color: string;
  trajectory: Trajectory;
}

/** World size of the surface's footprint, and of its tallest point. */
const SIZE = 2;
const HEIGHT = 0.9;

interface RunObjects {
  line: TrajectoryLine;
  ball: THREE.Mesh;
  /** World positions of the trajectory's points. */
  positions: Float32Array;
  /** Points already converted to world positions; -1 forces a full rewrite. */
  written: number;
}

export class SurfaceScene {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(40, 1, 0.01, 100);
  private readonly controls: OrbitControls;
  private mesh: THREE.Mesh | undefined;
  private readonly runObjects = new Map<string, RunObjects>();
  private grid: SurfaceGrid | undefined;
  private logScale = false;
  private frameRequested = false;
  private readonly resizeObserver: ResizeObserver;
  private readonly ballGeometry = new THREE.SphereGeometry(0.045, 24, 16);
  private width = 1;
  private height = 1;
  /** Milliseconds the last render took on the main thread. */
  lastRenderMs = 0;

  constructor(private readonly container: HTMLElement) {
    this.renderer = new THREE.WebGLRenderer({
      antialias: true,
      preserveDrawingBuffer: true,
      alpha: true,
    });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.domElement.setAttribute('aria-label', '3-D view of the loss surface');
    this.renderer.domElement.setAttribute('role', 'img');
    container.appendChild(this.renderer.domElement);

    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x30364a, 1.6));
    const sun = new THREE.DirectionalLight(0xffffff, 1.4);
    sun.position.set(1.5, 3, 2);
    this.scene.add(sun);

    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = false;
    this.controls.addEventListener('change', () => this.requestRender());
    this.resetCamera();

    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();
  }

  resetCamera(): void {
    this.camera.position.set(1.75, 1.55, 2.05);
    this.controls.target.set(0, HEIGHT * 0.3, 0);
    this.controls.update();
    this.requestRender();
  }

  /** Replaces the surface mesh. */
  setGrid(grid: SurfaceGrid, logScale: boolean): void {
    this.grid = grid;
    this.logScale = logScale;
    if (this.mesh) {
      this.scene.remove(this.mesh);
      this.mesh.geometry.dispose();
      (this.mesh.material as THREE.Material).dispose();
    }
    const n = grid.resolution;
    const positions = new Float32Array(n * n * 3);
    const colors = new Float32Array(n * n * 3);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        const k = j * n + i;
        const h = this.normalizedHeight(grid.values[k]);
        positions[3 * k] = (i / (n - 1) - 0.5) * SIZE;
        positions[3 * k + 1] = h * HEIGHT;
        // Screen-up on the contour view is +y; in the 3-D view +y runs away from the camera.
        positions[3 * k + 2] = (0.5 - j / (n - 1)) * SIZE;
        viridis(h, colors, 3 * k);
      }
    }
    const index: number[] = [];
    for (let j = 0; j < n - 1; j++) {
      for (let i = 0; i < n - 1; i++) {
        const a = j * n + i;
        const b = a + 1;
        const c = a + n;
        const d = c + 1;
        index.push(a, c, b, b, c, d);
      }
    }
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute('position', new THREE.BufferAttribute(positions, 3));
    geometry.setAttribute('color', new THREE.BufferAttribute(colors, 3));
    geometry.setIndex(index);
    geometry.computeVertexNormals();
    const material = new THREE.MeshLambertMaterial({ vertexColors: true, side: THREE.DoubleSide });
    this.mesh = new THREE.Mesh(geometry, material);
    this.scene.add(this.mesh);
    for (const objects of this.runObjects.values()) objects.written = -1; // heights changed
    this.requestRender();
  }

  /** Height in [0, 1] of a loss value, linear or log-scaled between the grid's min and max. */
  normalizedHeight(value: number): number {
    const grid = this.grid;
    if (!grid || !Number.isFinite(value)) return 1;
    const { min, max } = grid;
    if (max <= min) return 0;
    if (this.logScale) {
      const delta = (max - min) * 1e-4 + 1e-12;
      const lo = Math.log(delta);
      const hi = Math.log(max - min + delta);
      return Math.min(
        1.15,
        Math.max(0, (Math.log(Math.max(value - min, 0) + delta) - lo) / (hi - lo)),
      );
    }
    return Math.min(1.15, Math.max(0, (value - min) / (max - min)));
  }

  /** World position of (x, y, loss); off-domain points are clamped to a margin around it. */
  private toWorld(x: number, y: number, loss: number, out: Float32Array, o: number): void {
    const grid = this.grid;
    if (!grid) return;
    const [[x0, x1], [y0, y1]] = grid.domain;
    const u = Math.min(1.5, Math.max(-0.5, (x - x0) / (x1 - x0)));
    const v = Math.min(1.5, Math.max(-0.5, (y - y0) / (y1 - y0)));
    out[o] = (u - 0.5) * SIZE;
    out[o + 1] = this.normalizedHeight(loss) * HEIGHT + 0.012;
    out[o + 2] = (0.5 - v) * SIZE;
  }

  /** Brings every run's line and ball up to date with its trajectory. */
  setRuns(runs: SceneRun[]): void {
    const live = new Set(runs.map((r) => r.runId));
    for (const [runId, objects] of this.runObjects) {
      if (!live.has(runId)) {
        this.scene.remove(objects.line.object, objects.ball);
        objects.line.dispose();
        (objects.ball.material as THREE.Material).dispose();
        this.runObjects.delete(runId);
      }
    }
    for (const run of runs) this.updateRun(run);
    this.requestRender();
  }

  private updateRun(run: SceneRun): void {
    let objects = this.runObjects.get(run.runId);
    if (!objects) {
      const line = new TrajectoryLine(run.color, 3);
      line.setResolution(this.width, this.height);
      const ball = new THREE.Mesh(
        this.ballGeometry,
        new THREE.MeshStandardMaterial({
          color: run.color,
          emissive: run.color,
          emissiveIntensity: 0.35,
        }),
      );
      ball.renderOrder = 3;
      objects = { line, ball, positions: new Float32Array(3 * 1024), written: 0 };
      this.runObjects.set(run.runId, objects);
      this.scene.add(line.object, ball);
    }
    const t = run.trajectory;
    const count = t.count;
    // A shorter trajectory than drawn means it was reset: start over. The last point may have
    // been restated, so it is always rewritten.
    const from =
      objects.written < 0 || count < objects.written ? 0 : Math.max(0, objects.written - 1);
    if (objects.positions.length < 3 * count) {
      const grown = new Float32Array(Math.max(3 * count, 2 * objects.positions.length));
      grown.set(objects.positions.subarray(0, 3 * from));
      objects.positions = grown;
    }
    const positions = objects.positions;
    for (let i = from; i < count; i++) this.toWorld(t.x(i), t.y(i), t.loss(i), positions, 3 * i);
    objects.line.setPoints(positions, count, from);
    objects.written = count;
    objects.ball.visible = count > 0;
    if (count > 0)
      objects.ball.position.set(
        positions[3 * count - 3],
        positions[3 * count - 2],
        positions[3 * count - 1],
      );
  }

  requestRender(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      const t0 = performance.now();
      this.renderer.render(this.scene, this.camera);
      this.lastRenderMs = performance.now() - t0;
      performance.measure('losslab:render-3d', { start: t0, end: t0 + this.lastRenderMs });
    });
  }

  private resize(): void {
    const { clientWidth: w, clientHeight: h } = this.container;
    if (w === 0 || h === 0) return;
    this.width = w;
    this.height = h;
    this.renderer.setSize(w, h, false);
    for (const objects of this.runObjects.values()) objects.line.setResolution(w, h);
    this.renderer.domElement.style.width = '100%';
    this.renderer.domElement.style.height = '100%';
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.requestRender();
  }

  dispose(): void {
    this.resizeObserver.disconnect();
    this.controls.dispose();
    this.setRuns([]);
    this.ballGeometry.dispose();
    if (this.mesh) {
      this.mesh.geometry.dispose();
      (this.mesh.material as THREE.Material).dispose();
    }
    this.renderer.dispose();
    this.renderer.domElement.remove();
  }
}
