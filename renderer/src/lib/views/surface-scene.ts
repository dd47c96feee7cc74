/**
 * The 3-D view: the loss surface as a coloured mesh (linear or log-scaled height) with its
 * level lines, each run's trajectory as a line on it, its current point as a ball, minima and
 * saddles as markers. Renders on demand (data or camera changed), never in a loop. Replay
 * draws every trajectory up to a step; exports render the same scene offscreen at any size.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Point } from '../../../../electron/common/schemas';
import { viridis } from './palette';
import { CONTOUR_LEVELS } from './contour-layout';
import type { GridData, TrajectoryView } from './view-data';
import { marchingSquares } from './contours';
import { contourLevels, type ValueScale } from './scale';
import { TrajectoryLine } from './trajectory-line';
import type { CameraPose } from './view-source';

export interface SceneRun {
  runId: string;
  color: string;
  trajectory: TrajectoryView;
}

/** An offscreen render of the scene (exports). */
export interface SceneSnapshotOptions {
  /** Image width in device pixels. */
  width: number;
  /** Image height in device pixels. */
  height: number;
  /** Device pixels per CSS pixel: line widths grow with it. @default 1 */
  pixelScale?: number;
  /** Draw each trajectory up to this step (the ball there); undefined draws them whole. */
  step?: number;
  /** Turns the camera about the vertical axis through its target, in degrees. @default 0 */
  azimuthOffset?: number;
  /**
   * Moves the camera away from its target by this factor (see
   * {@link SurfaceScene.orbitDistanceScale}). @default 1
   */
  distanceScale?: number;
}

/** World size of the surface's footprint, and of its tallest point. */
const SIZE = 2;
const HEIGHT = 0.9;
const LIFT = 0.012;
/** Vertical field of view of the view's own height, in degrees. */
const FOV = 40;
/** Share of the free room's width and height the fitted surface may fill. */
const FILL = 0.94;

/**
 * Room kept free of the surface, in CSS pixels from each edge of the view: where its legend and
 * toolbar sit. The camera frames the surface in the rest.
 */
export interface FrameReserve {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Step mode at a run's current point: the step taken, −η∇L and −η·(momentum), as arrows. */
export interface SceneStep {
  runId: string;
  color: string;
  /** The current point and the one before it. */
  at: Point;
  previous: Point;
  /** −η∇L and −η·b (or −η·m), in the surface's coordinates. */
  descent: Point;
  moment?: Point;
}

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

export class SurfaceScene {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  readonly camera = new THREE.PerspectiveCamera(FOV, 1, 0.01, 100);
  private readonly controls: OrbitControls;
  private mesh: THREE.Mesh | undefined;
  private contourLines: THREE.LineSegments | undefined;
  private readonly markers = new THREE.Group();
  private readonly hoverMarkers = new THREE.Group();
  private readonly runObjects = new Map<string, RunObjects>();
  private grid: GridData | undefined;
  private scale: ValueScale | undefined;
  private frameRequested = false;
  private readonly resizeObserver: ResizeObserver;
  private readonly ballGeometry = new THREE.SphereGeometry(0.04, 24, 16);
  private readonly raycaster = new THREE.Raycaster();
  private width = 1;
  private height = 1;
  private lineScale = 1;
  private readonly renderListeners = new Set<() => void>();
  /** Replay: trajectories are drawn up to this step. */
  private scrubStep: number | undefined;
  /** Renders exports offscreen; made on first use, reused, disposed with the scene. */
  private snapshotRenderer: THREE.WebGLRenderer | undefined;
  /** Ways to keep the overlays' room free; the one that shows the surface largest is used. */
  private reserves: FrameReserve[] = [];
  private reserve: FrameReserve = { left: 0, top: 0, right: 0, bottom: 0 };
  /** The camera's distance was chosen to fit (not set by the user's zoom or a saved pose). */
  private fitted = true;
  private readonly stepArrows = new THREE.Group();
  /** See {@link boxCorners}. */
  private outline: THREE.Vector3[] = [];
  /** Milliseconds the last render took on the main thread. */
  lastRenderMs = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly onPick: (point: Point) => void,
  ) {
    // On a software rasterizer (SwiftShader, llvmpipe: VMs, remote desktops, CI) multisampling
    // costs more than the whole scene; draw without it there.
    const software = isSoftwareRenderer();
    this.renderer = new THREE.WebGLRenderer({
      antialias: !software,
      preserveDrawingBuffer: true,
      alpha: true,
    });
    this.renderer.setPixelRatio(software ? 1 : Math.min(window.devicePixelRatio, 2));
    container.appendChild(this.renderer.domElement);

    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x30364a, 1.6));
    const sun = new THREE.DirectionalLight(0xffffff, 1.4);
    sun.position.set(1.5, 3, 2);
    this.scene.add(sun, this.markers, this.hoverMarkers, this.stepArrows);

    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = false;
    this.controls.addEventListener('change', () => this.requestRender());
    // Once the user orbits or zooms, the camera is theirs: no refitting on resize.
    this.controls.addEventListener('start', () => (this.fitted = false));
    this.resetCamera();

    // A click (not a drag, which orbits) sets the start where it hits the surface.
    let down: { x: number; y: number } | undefined;
    this.renderer.domElement.addEventListener('pointerdown', (e) => {
      down = { x: e.clientX, y: e.clientY };
    });
    this.renderer.domElement.addEventListener('pointerup', (e) => {
      if (down && Math.hypot(e.clientX - down.x, e.clientY - down.y) < 4) this.pick(e);
      down = undefined;
    });

    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();
  }

  /** Camera on the default orbit, or at an azimuth/elevation (degrees) a lesson asks for. */
  resetCamera(pose?: CameraPose): void {
    const azimuth = ((pose?.azimuth ?? 40) * Math.PI) / 180;
    const elevation = ((pose?.elevation ?? 35) * Math.PI) / 180;
    const r = pose?.distance ?? 3.1;
    this.camera.position.set(
      r * Math.cos(elevation) * Math.sin(azimuth),
      r * Math.sin(elevation),
      r * Math.cos(elevation) * Math.cos(azimuth),
    );
    this.controls.target.set(0, HEIGHT * 0.3, 0);
    // A saved pose keeps its distance; otherwise the camera comes as close as the room allows.
    this.fitted = pose?.distance === undefined;
    this.frame();
  }

  /**
   * The overlays' room, as alternatives (say, a column for the legend, or a band above): the
   * one that lets the surface show largest is kept free, and the camera frames the surface in
   * the rest.
   */
  setReserves(reserves: FrameReserve[]): void {
    if (JSON.stringify(reserves) === JSON.stringify(this.reserves)) return;
    this.reserves = reserves.map((r) => ({ ...r }));
    this.frame();
  }

  /**
   * Points the camera at the middle of the free room (an off-centre view, so the canvas still
   * fills the view) and, while the camera is fitted, moves it as close as lets the surface's
   * box fit there.
   */
  private frame(): void {
    const options = this.reserves.length ? this.reserves : [this.reserve];
    let best: { reserve: FrameReserve; distance: number } | undefined;
    for (const reserve of options) {
      const free = this.freeRect(reserve);
      if (!free) continue;
      this.aimAt(free);
      const distance = this.fitted
        ? this.fitDistance(free)
        : this.camera.position.distanceTo(this.controls.target);
      if (!best || distance < best.distance) best = { reserve, distance };
    }
    this.reserve = best?.reserve ?? { left: 0, top: 0, right: 0, bottom: 0 };
    this.aimAt(this.freeRect(this.reserve) ?? { x: 0, y: 0, w: this.width, h: this.height });
    if (this.fitted && best) this.setDistance(best.distance);
    this.controls.update();
    this.requestRender();
  }

  /** The room left by a reserve, or undefined when it would leave less than half the view. */
  private freeRect(r: FrameReserve): { x: number; y: number; w: number; h: number } | undefined {
    const w = this.width - r.left - r.right;
    const h = this.height - r.top - r.bottom;
    if (w < 0.5 * this.width || h < 0.5 * this.height) return undefined;
    return { x: r.left, y: r.top, w, h };
  }

  /** An off-centre projection whose centre is the free room's, at the view's own scale. */
  private aimAt(free: { x: number; y: number; w: number; h: number }): void {
    const { width: W, height: H } = this;
    const cx = free.x + free.w / 2;
    const cy = free.y + free.h / 2;
    const fullW = 2 * Math.max(cx, W - cx);
    const fullH = 2 * Math.max(cy, H - cy);
    const offX = cx >= W / 2 ? 0 : fullW - W;
    const offY = cy >= H / 2 ? 0 : fullH - H;
    this.camera.aspect = fullW / fullH;
    this.camera.fov =
      (2 * Math.atan(Math.tan((FOV * Math.PI) / 360) * (fullH / H)) * 180) / Math.PI;
    this.camera.setViewOffset(fullW, fullH, offX, offY, W, H);
    this.camera.updateProjectionMatrix();
  }

  /**
   * Points of the surface that bound its outline from any side (every edge vertex, and a
   * 32 × 32 lattice inside for the peaks), in world space; none before a surface.
   */
  private boxCorners(): THREE.Vector3[] {
    return this.outline;
  }

  /** The surface's extent on screen (CSS pixels of the view), or undefined. */
  private screenBox(): { x: number; y: number; w: number; h: number } | undefined {
    const corners = this.boxCorners();
    if (corners.length === 0) return undefined;
    this.camera.updateMatrixWorld();
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    const p = new THREE.Vector3();
    for (const c of corners) {
      // project() works in place: on a copy, so the outline stays in world space.
      p.copy(c).project(this.camera);
      const px = ((p.x + 1) / 2) * this.width;
      const py = ((1 - p.y) / 2) * this.height;
      x0 = Math.min(x0, px);
      x1 = Math.max(x1, px);
      y0 = Math.min(y0, py);
      y1 = Math.max(y1, py);
    }
    return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  }

  private setDistance(distance: number): void {
    const target = this.controls.target;
    const direction = this.camera.position.clone().sub(target).normalize();
    this.camera.position.copy(target).addScaledVector(direction, distance);
    this.camera.lookAt(target);
  }

  /** The least distance at which the surface fits in `free` (bisection; it shrinks as 1/d). */
  private fitDistance(free: { x: number; y: number; w: number; h: number }): number {
    const start = this.camera.position.distanceTo(this.controls.target);
    if (this.boxCorners().length === 0) return start;
    const margin = { x: (free.w * (1 - FILL)) / 2, y: (free.h * (1 - FILL)) / 2 };
    const fits = (d: number) => {
      this.setDistance(d);
      const box = this.screenBox();
      return (
        box !== undefined &&
        box.x >= free.x + margin.x &&
        box.y >= free.y + margin.y &&
        box.x + box.w <= free.x + free.w - margin.x &&
        box.y + box.h <= free.y + free.h - margin.y
      );
    };
    let near = 0.8;
    let far = 20;
    if (!fits(far)) {
      this.setDistance(start);
      return start;
    }
    for (let k = 0; k < 24; k++) {
      const mid = (near + far) / 2;
      if (fits(mid)) far = mid;
      else near = mid;
    }
    this.setDistance(start);
    return far;
  }

  /** Orbits the camera to an azimuth (degrees) at its current elevation and distance. */
  orbitTo(azimuthDeg: number): void {
    const target = this.controls.target;
    const offset = this.camera.position.clone().sub(target);
    const radius = Math.hypot(offset.x, offset.z);
    const a = (azimuthDeg * Math.PI) / 180;
    this.camera.position.set(
      target.x + radius * Math.sin(a),
      this.camera.position.y,
      target.z + radius * Math.cos(a),
    );
    this.camera.lookAt(target);
    this.controls.update();
  }

  setLineScale(scale: number): void {
    this.lineScale = scale;
    for (const objects of this.runObjects.values()) objects.line.material.linewidth = 3 * scale;
    this.requestRender();
  }

  /**
   * Replay: draws every trajectory only up to `step` (its ball there, later points hidden);
   * undefined draws them whole. Only draw ranges and ball positions change.
   */
  setScrubStep(step: number | undefined): void {
    if (step === this.scrubStep) return;
    this.scrubStep = step;
    for (const objects of this.runObjects.values()) this.showUpTo(objects, step);
    this.requestRender();
  }

  /** The surface mesh on show (position, normal and colour attributes), for glTF export. */
  get surfaceMesh(): THREE.Mesh | undefined {
    return this.mesh;
  }

  /** The view's size in CSS pixels. */
  get size(): { width: number; height: number } {
    return { width: this.width, height: this.height };
  }

  /** The value scale of the surface on show (for legends). */
  get valueScale(): ValueScale | undefined {
    return this.scale;
  }

  /** The grid on show. */
  get gridData(): GridData | undefined {
    return this.grid;
  }

  /** Replaces the surface mesh and its level lines. */
  setGrid(
    grid: GridData,
    scale: ValueScale,
    options: { wireframe: boolean; contours: boolean },
  ): void {
    this.grid = grid;
    this.scale = scale;
    this.disposeSurface();
    const n = grid.resolution;
    const positions = new Float32Array(n * n * 3);
    const colors = new Float32Array(n * n * 3);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        const k = j * n + i;
        const h = scale(grid.values[k]);
        positions[3 * k] = (i / (n - 1) - 0.5) * SIZE;
        positions[3 * k + 1] = h * HEIGHT;
        // Screen-up on the contour view is +y; here +y runs away from the default camera.
        positions[3 * k + 2] = (0.5 - j / (n - 1)) * SIZE;
        viridis(h, colors, 3 * k);
      }
    }
    const index = new Uint32Array(6 * (n - 1) * (n - 1));
    let q = 0;
    for (let j = 0; j < n - 1; j++) {
      for (let i = 0; i < n - 1; i++) {
        const a = j * n + i;
        index.set([a, a + n, a + 1, a + 1, a + n, a + n + 1], q);
        q += 6;
      }
    }
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute('position', new THREE.BufferAttribute(positions, 3));
    geometry.setAttribute('color', new THREE.BufferAttribute(colors, 3));
    geometry.setIndex(new THREE.BufferAttribute(index, 1));
    geometry.computeVertexNormals();
    const material = new THREE.MeshLambertMaterial({
      vertexColors: true,
      side: THREE.DoubleSide,
      wireframe: options.wireframe,
      polygonOffset: true,
      polygonOffsetFactor: 1,
      polygonOffsetUnits: 1,
    });
    this.mesh = new THREE.Mesh(geometry, material);
    this.scene.add(this.mesh);
    const stride = Math.max(1, Math.floor((n - 1) / 32));
    this.outline = [];
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        const edge = i === 0 || j === 0 || i === n - 1 || j === n - 1;
        if (!edge && (i % stride !== 0 || j % stride !== 0)) continue;
        const k = 3 * (j * n + i);
        this.outline.push(new THREE.Vector3(positions[k], positions[k + 1], positions[k + 2]));
      }
    }

    if (options.contours) {
      const levels = contourLevels(scale, CONTOUR_LEVELS);
      const lines = marchingSquares(grid.values, n, levels);
      const seg = lines.segments;
      const linePositions = new Float32Array((seg.length / 2) * 3);
      for (let k = 0, p = 0; k < seg.length; k += 2, p += 3) {
        linePositions[p] = (seg[k] / (n - 1) - 0.5) * SIZE;
        linePositions[p + 1] = scale(levels[lines.level[k >> 2]]) * HEIGHT + 0.002;
        linePositions[p + 2] = (0.5 - seg[k + 1] / (n - 1)) * SIZE;
      }
      const lineGeometry = new THREE.BufferGeometry();
      lineGeometry.setAttribute('position', new THREE.BufferAttribute(linePositions, 3));
      this.contourLines = new THREE.LineSegments(
        lineGeometry,
        new THREE.LineBasicMaterial({ color: 0xffffff, transparent: true, opacity: 0.45 }),
      );
      this.scene.add(this.contourLines);
    }

    this.placeMarkers();
    for (const objects of this.runObjects.values()) objects.written = -1; // heights changed
    // A new surface (or height scale) has another box: frame it again unless the user moved.
    this.frame();
  }

  private placeMarkers(): void {
    for (const child of [...this.markers.children]) {
      this.markers.remove(child);
      disposeObject(child);
    }
    const info = this.grid?.info;
    if (!info) return;
    const at = (p: Point) => {
      const v = new Float32Array(3);
      this.toWorld(p[0], p[1], this.valueAt(p[0], p[1]), v, 0);
      return new THREE.Vector3(v[0], v[1] + 0.03, v[2]);
    };
    for (const m of info.minima) {
      const star = new THREE.Mesh(
        new THREE.OctahedronGeometry(0.035),
        new THREE.MeshBasicMaterial({ color: 0xffffff, depthTest: false }),
      );
      star.renderOrder = 4;
      star.position.copy(at(m));
      this.markers.add(star);
    }
    for (const s of info.saddles) {
      const cross = new THREE.Mesh(
        new THREE.TorusGeometry(0.03, 0.008, 8, 24),
        // Dark, as on the contour view: no run's colour, and unlike the white minima.
        new THREE.MeshBasicMaterial({ color: 0x0f1320, depthTest: false }),
      );
      cross.renderOrder = 4;
      cross.rotation.x = Math.PI / 2;
      cross.position.copy(at(s));
      this.markers.add(cross);
    }
  }

  /** L at (x, y) by bilinear interpolation of the grid (for markers placed on the surface). */
  private valueAt(x: number, y: number): number {
    const grid = this.grid!;
    const n = grid.resolution;
    const [[x0, x1], [y0, y1]] = grid.domain;
    const u = Math.min(n - 1.001, Math.max(0, ((x - x0) / (x1 - x0)) * (n - 1)));
    const v = Math.min(n - 1.001, Math.max(0, ((y - y0) / (y1 - y0)) * (n - 1)));
    const i = Math.floor(u);
    const j = Math.floor(v);
    const fu = u - i;
    const fv = v - j;
    const g = grid.values;
    return (
      g[j * n + i] * (1 - fu) * (1 - fv) +
      g[j * n + i + 1] * fu * (1 - fv) +
      g[(j + 1) * n + i] * (1 - fu) * fv +
      g[(j + 1) * n + i + 1] * fu * fv
    );
  }

  /** World position of (x, y, loss); off-domain points are clamped to a margin around it. */
  private toWorld(x: number, y: number, loss: number, out: Float32Array, o: number): void {
    const grid = this.grid;
    const scale = this.scale;
    if (!grid || !scale) return;
    const [[x0, x1], [y0, y1]] = grid.domain;
    const u = Math.min(1.5, Math.max(-0.5, (x - x0) / (x1 - x0)));
    const v = Math.min(1.5, Math.max(-0.5, (y - y0) / (y1 - y0)));
    out[o] = (u - 0.5) * SIZE;
    out[o + 1] = scale(loss) * HEIGHT + LIFT;
    out[o + 2] = (0.5 - v) * SIZE;
  }

  /** Brings every run's line and ball up to date with its trajectory. */
  setRuns(runs: SceneRun[], hoverStep?: number): void {
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
    this.placeHover(runs, hoverStep);
    this.requestRender();
  }

  private placeHover(runs: SceneRun[], hoverStep: number | undefined): void {
    for (const child of [...this.hoverMarkers.children]) {
      this.hoverMarkers.remove(child);
      disposeObject(child);
    }
    if (hoverStep === undefined) return;
    for (const run of runs) {
      const objects = this.runObjects.get(run.runId);
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
    let objects = this.runObjects.get(run.runId);
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
      this.runObjects.set(run.runId, objects);
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

  private pick(event: PointerEvent): void {
    const point = this.pointAt(event.clientX, event.clientY);
    if (point) this.onPick(point);
  }

  /** The surface's (x, y) under a point of the page (client pixels), if the surface is there. */
  pointAt(clientX: number, clientY: number): Point | undefined {
    if (!this.mesh || !this.grid) return undefined;
    const rect = this.renderer.domElement.getBoundingClientRect();
    const ndc = new THREE.Vector2(
      ((clientX - rect.left) / rect.width) * 2 - 1,
      -((clientY - rect.top) / rect.height) * 2 + 1,
    );
    this.raycaster.setFromCamera(ndc, this.camera);
    const hit = this.raycaster.intersectObject(this.mesh, false)[0];
    if (!hit) return undefined;
    const [[x0, x1], [y0, y1]] = this.grid.domain;
    const u = hit.point.x / SIZE + 0.5;
    const v = 0.5 - hit.point.z / SIZE;
    return [x0 + u * (x1 - x0), y0 + v * (y1 - y0)];
  }

  /**
   * Where the surface point above (x, y) appears in the view, in CSS pixels from its top left;
   * undefined off the domain or behind the camera.
   */
  screenOf(x: number, y: number): [number, number] | undefined {
    return this.project(x, y, this.camera, this.width, this.height);
  }

  /**
   * Where the surface point above (x, y) appears in a snapshot rendered with `options` (as
   * renderSnapshot takes them), in the snapshot's pixels.
   */
  snapshotScreenOf(
    x: number,
    y: number,
    options: Pick<SceneSnapshotOptions, 'width' | 'height' | 'azimuthOffset' | 'distanceScale'>,
  ): [number, number] | undefined {
    const { width, height } = options;
    const camera = this.snapshotCamera(
      width / height,
      options.azimuthOffset ?? 0,
      options.distanceScale ?? 1,
    );
    return this.project(x, y, camera, width, height);
  }

  private project(
    x: number,
    y: number,
    camera: THREE.Camera,
    width: number,
    height: number,
  ): [number, number] | undefined {
    const grid = this.grid;
    if (!grid || !this.scale) return undefined;
    const [[x0, x1], [y0, y1]] = grid.domain;
    if (x < x0 || x > x1 || y < y0 || y > y1) return undefined;
    const world = new Float32Array(3);
    this.toWorld(x, y, this.valueAt(x, y), world, 0);
    const v = new THREE.Vector3(world[0], world[1], world[2]).project(camera);
    if (v.z > 1) return undefined;
    return [((v.x + 1) / 2) * width, ((1 - v.y) / 2) * height];
  }

  /** The camera's azimuth and elevation in degrees and its distance, as resetCamera takes them. */
  cameraPose(): CameraPose {
    const p = this.camera.position;
    const r = Math.max(1e-9, p.length());
    return {
      azimuth: (Math.atan2(p.x, p.z) * 180) / Math.PI,
      elevation: (Math.asin(Math.min(1, Math.max(-1, p.y / r))) * 180) / Math.PI,
      distance: r,
    };
  }

  /** Calls `listener` after every render (the camera or the scene changed); returns the undo. */
  onRender(listener: () => void): () => void {
    this.renderListeners.add(listener);
    return () => this.renderListeners.delete(listener);
  }

  requestRender(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.renderNow();
    });
  }

  /** Renders immediately (exports call this before reading the canvas). */
  renderNow(): void {
    const t0 = performance.now();
    this.renderer.render(this.scene, this.camera);
    this.lastRenderMs = performance.now() - t0;
    performance.measure('losslab:render-3d', { start: t0, end: t0 + this.lastRenderMs });
    // Where the surface's box is on screen (tests compare it with the overlays' boxes).
    const box = this.screenBox();
    if (box)
      this.container.dataset.plot = [box.x, box.y, box.w, box.h].map((v) => v.toFixed(1)).join(',');
    for (const listener of this.renderListeners) listener();
  }

  /**
   * Step mode: at each run's current point, the step just taken (solid, run colour), −η∇L
   * (white) and −η·(momentum) (run colour, lighter) as arrows lying on the surface; none when
   * `steps` is empty.
   */
  setSteps(steps: SceneStep[]): void {
    for (const child of [...this.stepArrows.children]) {
      this.stepArrows.remove(child);
      disposeObject(child);
    }
    for (const step of steps) {
      const [x, y] = step.at;
      this.addArrow(step.previous, step.at, step.color, 1);
      this.addArrow(step.at, [x + step.descent[0], y + step.descent[1]], '#ffffff', 1);
      if (step.moment)
        this.addArrow(step.at, [x + step.moment[0], y + step.moment[1]], step.color, 0.55);
    }
    // Two meshes (shaft and head) an arrow.
    this.container.dataset.stepArrows = String(this.stepArrows.children.length / 2);
    this.requestRender();
  }

  /** An arrow over the surface from one point to another, kept between 0.08 and 0.7 long. */
  private addArrow(from: Point, to: Point, color: string, opacity: number): void {
    const a = new Float32Array(3);
    const b = new Float32Array(3);
    this.toWorld(from[0], from[1], this.valueAt(from[0], from[1]), a, 0);
    this.toWorld(to[0], to[1], this.valueAt(to[0], to[1]), b, 0);
    const start = new THREE.Vector3(a[0], a[1] + LIFT, a[2]);
    const direction = new THREE.Vector3(b[0], b[1] + LIFT, b[2]).sub(start);
    const length = direction.length();
    if (!(length > 0)) return;
    direction.normalize();
    const shown = Math.min(0.7, Math.max(0.08, length));
    const material = new THREE.MeshBasicMaterial({
      color,
      depthTest: false,
      transparent: opacity < 1,
      opacity,
    });
    const head = Math.min(0.06, shown * 0.4);
    const shaft = new THREE.Mesh(
      new THREE.CylinderGeometry(0.007, 0.007, shown - head, 8),
      material,
    );
    const cone = new THREE.Mesh(new THREE.ConeGeometry(0.022, head, 12), material.clone());
    // Cylinders and cones point along +y: turn them onto the arrow's direction.
    const turn = new THREE.Quaternion().setFromUnitVectors(new THREE.Vector3(0, 1, 0), direction);
    shaft.quaternion.copy(turn);
    cone.quaternion.copy(turn);
    shaft.position.copy(start).addScaledVector(direction, (shown - head) / 2);
    cone.position.copy(start).addScaledVector(direction, shown - head / 2);
    shaft.renderOrder = 6;
    cone.renderOrder = 6;
    this.stepArrows.add(shaft, cone);
  }

  /**
   * Renders the scene offscreen at any size (PNG, video and GIF exports), from the camera on
   * show turned by `azimuthOffset`, with line widths scaled by `pixelScale` and trajectories
   * drawn up to `step`. The on-screen view is left exactly as it was. Returns the offscreen
   * canvas (transparent where nothing was drawn), valid until the next call.
   */
  renderSnapshot(options: SceneSnapshotOptions): HTMLCanvasElement {
    const { width, height, pixelScale = 1, step } = options;
    const renderer = this.snapshotTarget(width, height);
    const camera = this.snapshotCamera(
      width / height,
      options.azimuthOffset ?? 0,
      options.distanceScale ?? 1,
    );

    for (const objects of this.runObjects.values()) {
      objects.line.material.linewidth = 3 * this.lineScale * pixelScale;
      objects.line.setResolution(width, height);
      this.showUpTo(objects, step);
    }
    this.hoverMarkers.visible = false;
    try {
      renderer.setClearColor(0x000000, 0);
      renderer.render(this.scene, camera);
    } finally {
      for (const objects of this.runObjects.values()) {
        objects.line.material.linewidth = 3 * this.lineScale;
        objects.line.setResolution(this.width, this.height);
        this.showUpTo(objects, this.scrubStep);
      }
      this.hoverMarkers.visible = true;
    }
    return renderer.domElement;
  }

  /**
   * The camera on show for an image of another aspect, turned about the vertical through its
   * target and moved back by `distanceScale`. A narrower image than the view widens the
   * vertical field of view, so the surface keeps its horizontal extent.
   */
  private snapshotCamera(
    aspect: number,
    azimuthOffset: number,
    distanceScale: number,
  ): THREE.PerspectiveCamera {
    const camera = this.camera.clone();
    // An image has no overlays of the view's: the camera looks at its target head on.
    camera.clearViewOffset();
    camera.fov = FOV;
    const target = this.controls.target;
    const offset = camera.position.clone().sub(target).multiplyScalar(distanceScale);
    offset.applyAxisAngle(new THREE.Vector3(0, 1, 0), (azimuthOffset * Math.PI) / 180);
    camera.position.copy(target).add(offset);
    camera.lookAt(target);
    const viewAspect = this.width / this.height;
    camera.aspect = aspect;
    if (aspect < viewAspect) {
      const half = Math.tan((FOV * Math.PI) / 360) * (viewAspect / aspect);
      camera.fov = (Math.atan(half) * 360) / Math.PI;
    }
    camera.updateProjectionMatrix();
    return camera;
  }

  /**
   * How far the camera must move back (a factor ≥ 1 on its distance to the target) for the
   * whole surface to stay in an image of `aspect` while the camera orbits `degrees` about the
   * vertical. From the view on show the surface's corners may leave the frame once turned:
   * its diagonal is √2 times its side.
   */
  orbitDistanceScale(aspect: number, degrees: number): number {
    const geometry = this.mesh?.geometry;
    if (!geometry) return 1;
    if (!geometry.boundingBox) geometry.computeBoundingBox();
    const bounds = geometry.boundingBox!;
    const corners = [0, 1, 2, 3, 4, 5, 6, 7].map(
      (k) =>
        new THREE.Vector3(
          k & 1 ? bounds.max.x : bounds.min.x,
          k & 2 ? bounds.max.y : bounds.min.y,
          k & 4 ? bounds.max.z : bounds.min.z,
        ),
    );
    const samples = Math.max(1, Math.ceil(Math.abs(degrees) / 10));
    const fits = (scale: number) => {
      for (let i = 0; i <= samples; i++) {
        const camera = this.snapshotCamera(aspect, (degrees * i) / samples, scale);
        camera.updateMatrixWorld();
        for (const corner of corners) {
          const p = corner.clone().project(camera);
          if (Math.abs(p.x) > 0.96 || Math.abs(p.y) > 0.96 || p.z > 1) return false;
        }
      }
      return true;
    };
    let scale = 1;
    while (!fits(scale) && scale < 4) scale *= 1.04;
    return scale;
  }

  /**
   * The offscreen renderer, sized. One per scene, kept between exports: every export making
   * its own WebGL context would soon hit the browser's limit on live contexts.
   */
  private snapshotTarget(width: number, height: number): THREE.WebGLRenderer {
    if (!this.snapshotRenderer) {
      this.snapshotRenderer = new THREE.WebGLRenderer({
        canvas: document.createElement('canvas'),
        antialias: !isSoftwareRenderer(),
        preserveDrawingBuffer: true,
        alpha: true,
      });
      this.snapshotRenderer.setPixelRatio(1);
    }
    const renderer = this.snapshotRenderer;
    const size = renderer.getSize(new THREE.Vector2());
    if (size.x !== width || size.y !== height) renderer.setSize(width, height, false);
    // WebGL silently shrinks a drawing buffer larger than the GPU allows; refuse instead.
    const gl = renderer.getContext();
    if (gl.drawingBufferWidth !== width || gl.drawingBufferHeight !== height) {
      throw new Error(
        `${width}×${height} is larger than this GPU can render (at most ${gl.drawingBufferWidth}×${gl.drawingBufferHeight})`,
      );
    }
    return renderer;
  }

  private resize(): void {
    const { clientWidth: w, clientHeight: h } = this.container;
    if (w === 0 || h === 0) return;
    this.width = w;
    this.height = h;
    this.renderer.setSize(w, h, false);
    this.renderer.domElement.style.width = '100%';
    this.renderer.domElement.style.height = '100%';
    for (const objects of this.runObjects.values()) objects.line.setResolution(w, h);
    this.frame();
  }

  private disposeSurface(): void {
    for (const object of [this.mesh, this.contourLines]) {
      if (!object) continue;
      this.scene.remove(object);
      disposeObject(object);
    }
    this.mesh = undefined;
    this.contourLines = undefined;
  }

  dispose(): void {
    this.resizeObserver.disconnect();
    this.controls.dispose();
    this.setRuns([]);
    this.setSteps([]);
    this.placeHover([], undefined);
    this.disposeSurface();
    for (const child of [...this.markers.children]) disposeObject(child);
    this.ballGeometry.dispose();
    this.renderer.dispose();
    this.renderer.domElement.remove();
    this.snapshotRenderer?.dispose();
    this.snapshotRenderer?.forceContextLoss();
    this.snapshotRenderer = undefined;
  }
}

/** Whether WebGL runs on a CPU rasterizer. Decided once per page. */
let softwareRenderer: boolean | undefined;
export function isSoftwareRenderer(): boolean {
  if (softwareRenderer !== undefined) return softwareRenderer;
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    const name = info && gl ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    softwareRenderer = /swiftshader|llvmpipe|software|basic render/i.test(name);
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
  } catch {
    softwareRenderer = false;
  }
  return softwareRenderer;
}

function disposeObject(object: THREE.Object3D): void {
  const mesh = object as THREE.Mesh;
  mesh.geometry?.dispose();
  const material = mesh.material as THREE.Material | THREE.Material[] | undefined;
  if (Array.isArray(material)) material.forEach((m) => m.dispose());
  else material?.dispose();
}
