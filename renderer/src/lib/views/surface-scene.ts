/**
 * The 3-D view: the loss surface as a coloured mesh (linear or log-scaled height) with its
 * level lines, each run's trajectory as a line on it, its current point as a ball, minima and
 * saddles as markers, and the Hessian at a chosen point (eigenvector arrows, the Taylor
 * quadric). Renders on demand (data or camera changed), never in a loop. Replay draws every
 * trajectory up to a step; exports render the same scene offscreen at any size.
 */
import * as THREE from 'three';
import type { Domain, Point } from '../../../../electron/common/schemas';
import { valueScale, type ValueScale } from './scale';
import { SurfaceCamera, type FrameReserve } from './surface-camera';
import {
  arrowMeshes,
  clearGroup,
  criticalMarkers,
  disposeObject,
  isSoftwareRenderer,
  SIZE,
  surfaceLevelLines,
  surfaceMesh,
  toWorld,
  valueAt,
} from './surface-geometry';
import type { CurvatureColors } from './look';
import { criticalObjects } from './surface-critical';
import { markFirstSurface } from './first-surface';
import { SceneRuns, type SceneRun } from './surface-runs';
import { TrajectoryLine } from './trajectory-line';
import type { CriticalOverlay, GridData } from './view-data';
import type { CameraPose } from './view-source';

/**
 * How long the view's size must hold before the first surface for the drawing buffer to be
 * sized ahead of it (see SurfaceScene.sizeBufferSoon).
 */
const BUFFER_SETTLE_MS = 250;

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

export class SurfaceScene {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly eye: SurfaceCamera;
  private mesh: THREE.Mesh | undefined;
  private contourLines: THREE.LineSegments | undefined;
  private readonly markers = new THREE.Group();
  private readonly runs = new SceneRuns(this.scene, (x, y, loss, out, o) =>
    this.toWorld(x, y, loss, out, o),
  );
  private grid: GridData | undefined;
  private scale: ValueScale | undefined;
  private frameRequested = false;
  private readonly resizeObserver: ResizeObserver;
  private readonly raycaster = new THREE.Raycaster();
  private width = 1;
  private height = 1;
  /**
   * The drawing buffer's size is set at the next render, not on each resize: on a software
   * rasterizer each new size reallocates the buffer (60–560 ms measured in SwiftShader), and
   * while the page settles (fonts, toolbars, the legend) the view is resized several times
   * before its first render.
   */
  private bufferSizeStale = true;
  private readonly renderListeners = new Set<() => void>();
  /** Renders exports offscreen; made on first use, reused, disposed with the scene. */
  private snapshotRenderer: THREE.WebGLRenderer | undefined;
  /** The surface and its level lines as last rendered offscreen, kept to draw over again. */
  private snapshotBase: SnapshotBase | undefined;
  /** snapshotPixels' image, and the rows as WebGL reads them (bottom first). */
  private snapshotImage: ImageData | undefined;
  private snapshotRows: Uint8Array | undefined;
  private readonly stepArrows = new THREE.Group();
  /** The Hessian's picture, and what it was built from (rebuilt when the surface changes). */
  private readonly critical = new THREE.Group();
  private criticalSource: { overlay: CriticalOverlay; colors: CurvatureColors } | undefined;
  /** Milliseconds the last render took on the main thread. */
  lastRenderMs = 0;
  /**
   * Objects with the first frame's materials, compiled at construction (see warmUp); kept until
   * the first surface is drawn, since freeing their materials would free the shared programs.
   */
  private warmObjects: THREE.Object3D[] = [];
  /** The drawing buffer's sizing before the first surface (see sizeBufferSoon). */
  private bufferTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    private readonly container: HTMLElement,
    private readonly onPick: (point: Point, modifier: boolean) => void,
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
    this.scene.add(sun, this.markers, this.runs.hoverMarkers, this.stepArrows, this.critical);

    this.eye = new SurfaceCamera(this.renderer.domElement, () => this.requestRender());
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
    this.warmUp();
  }

  /**
   * Starts compiling the shaders of the first frame (the surface, its level lines, the
   * markers, the trajectories and their balls) now, while the page still waits for the
   * engine's first surface. The browser compiles and links them in its GPU process; the first
   * render then finds them ready instead of waiting for each (0.1–0.5 s in SwiftShader on a
   * loaded machine, issue 14). The objects are drawn with the same material types and
   * attributes as the real ones, so three.js reuses the same programs; nothing is rendered.
   */
  private warmUp(): void {
    const domain: Domain = [
      [0, 1],
      [0, 1],
    ];
    const grid: GridData = {
      values: new Float32Array([0, 1, 1, 2]),
      resolution: 2,
      domain,
      info: {
        name: 'warm-up',
        title: '',
        description: '',
        domain,
        minima: [],
        saddles: [],
        start: [0, 0],
        logScale: false,
      },
    };
    const scale = valueScale(0, 2, false);
    const line = new TrajectoryLine('#ffffff', 3);
    const ball = new THREE.Mesh(
      new THREE.SphereGeometry(0.04, 4, 4),
      new THREE.MeshStandardMaterial({ color: 0xffffff, depthTest: false }),
    );
    const marker = new THREE.Mesh(
      new THREE.OctahedronGeometry(0.035),
      new THREE.MeshBasicMaterial({ color: 0xffffff, depthTest: false }),
    );
    this.warmObjects = [
      surfaceMesh(grid, scale, false).mesh,
      surfaceLevelLines(grid, scale),
      line.object,
      ball,
      marker,
    ];
    const warm = new THREE.Scene();
    warm.add(...this.warmObjects);
    // With this scene's lights, which are part of the programs. Only a head start: whatever
    // fails here, the first render compiles what is missing.
    this.renderer
      .compileAsync(warm, this.camera, this.scene)
      .then(() => {
        // A program's first use asks the GPU process for its uniforms and attributes, a
        // round trip that waits for whatever the GPU process has queued (the page's canvases
        // drawn with the same surface): done now, while nothing waits for it.
        if (this.disposed) return;
        for (const program of this.renderer.info.programs ?? []) program.getUniforms();
      })
      .catch(() => undefined);
    warm.clear();
  }

  /**
   * Before the first surface the drawing buffer is sized once the view's size has held for a
   * moment and the page is idle (waiting for the engine), not at the first render: on a
   * software rasterizer sizing it waits for the GPU process (0.3–0.7 s measured under load,
   * issue 14), which would hold the first surface back. A size that changes later is set at
   * the next render, as always.
   */
  private sizeBufferSoon(): void {
    clearTimeout(this.bufferTimer);
    this.bufferTimer = setTimeout(() => {
      const size = () => {
        if (this.disposed || this.mesh || !this.bufferSizeStale) return;
        this.bufferSizeStale = false;
        this.renderer.setSize(this.width, this.height, false);
      };
      if (typeof requestIdleCallback === 'function') requestIdleCallback(size, { timeout: 1000 });
      else size();
    }, BUFFER_SETTLE_MS);
  }

  /** The camera that renders the view. */
  get camera(): THREE.PerspectiveCamera {
    return this.eye.camera;
  }

  /** Camera on the default orbit, or at an azimuth/elevation (degrees) a lesson asks for. */
  resetCamera(pose?: CameraPose): void {
    this.eye.reset(pose);
    this.requestRender();
  }

  /**
   * The overlays' room, as alternatives (say, a column for the legend, or a band above): the
   * one that lets the surface show largest is kept free, and the camera frames the surface in
   * the rest.
   */
  setReserves(reserves: FrameReserve[]): void {
    if (this.eye.setReserves(reserves)) this.requestRender();
  }

  /** Frames the surface again (see {@link SurfaceCamera.frame}). */
  private frame(): void {
    this.eye.frame();
    this.requestRender();
  }

  /** Orbits the camera to an azimuth (degrees) at its current elevation and distance. */
  orbitTo(azimuthDeg: number): void {
    this.eye.orbitTo(azimuthDeg);
  }

  setLineScale(scale: number): void {
    this.runs.setLineScale(scale);
    this.requestRender();
  }

  /**
   * Replay: draws every trajectory only up to `step` (its ball there, later points hidden);
   * undefined draws them whole. Only draw ranges and ball positions change.
   */
  setScrubStep(step: number | undefined): void {
    if (!this.runs.setScrubStep(step)) return;
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
    const { mesh, outline } = surfaceMesh(grid, scale, options.wireframe);
    this.mesh = mesh;
    this.scene.add(this.mesh);
    this.eye.setOutline(outline);
    if (options.contours) {
      this.contourLines = surfaceLevelLines(grid, scale);
      this.scene.add(this.contourLines);
    }

    this.placeMarkers();
    this.buildCritical();
    this.runs.invalidate(); // heights changed
    // A new surface (or height scale) has another box: frame it again unless the user moved.
    this.frame();
  }

  private placeMarkers(): void {
    clearGroup(this.markers);
    const info = this.grid?.info;
    if (!info) return;
    const at = (p: Point) => {
      const v = new Float32Array(3);
      this.toWorld(p[0], p[1], valueAt(this.grid!, p[0], p[1]), v, 0);
      return new THREE.Vector3(v[0], v[1] + 0.03, v[2]);
    };
    for (const marker of criticalMarkers(info, at)) this.markers.add(marker);
  }

  /** World position of (x, y, loss) on the surface on show (nothing before one). */
  private toWorld(x: number, y: number, loss: number, out: Float32Array, o: number): void {
    if (!this.grid || !this.scale) return;
    toWorld(this.grid, this.scale, x, y, loss, out, o);
  }

  /** Brings every run's line and ball up to date with its trajectory. */
  setRuns(runs: SceneRun[], hoverStep?: number): void {
    this.runs.set(runs, hoverStep);
    this.requestRender();
  }

  private pick(event: PointerEvent): void {
    const point = this.pointAt(event.clientX, event.clientY);
    if (point) this.onPick(point, event.shiftKey || event.altKey);
  }

  /**
   * The Hessian at a point: its eigenvectors as arrows and its Taylor model as a translucent
   * quadric (see surface-critical.ts); none when undefined.
   */
  setCritical(overlay: CriticalOverlay | undefined, colors: CurvatureColors): void {
    this.criticalSource = overlay ? { overlay, colors } : undefined;
    this.buildCritical();
    this.requestRender();
  }

  private buildCritical(): void {
    clearGroup(this.critical);
    const source = this.criticalSource;
    if (!source || !this.grid || !this.scale) {
      delete this.container.dataset.critical;
      return;
    }
    const { objects, summary } = criticalObjects(
      source.overlay,
      source.colors,
      this.grid,
      this.scale,
    );
    if (objects.length > 0) this.critical.add(...objects);
    // What the picture holds, for tests (as data-step-arrows does for step mode).
    this.container.dataset.critical = JSON.stringify(summary);
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
    const camera = this.eye.snapshotCamera(
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
    this.toWorld(x, y, valueAt(grid, x, y), world, 0);
    const v = new THREE.Vector3(world[0], world[1], world[2]).project(camera);
    if (v.z > 1) return undefined;
    return [((v.x + 1) / 2) * width, ((1 - v.y) / 2) * height];
  }

  /** The camera's azimuth and elevation in degrees and its distance, as resetCamera takes them. */
  cameraPose(): CameraPose {
    return this.eye.pose();
  }

  /** Calls `listener` after every render (the camera or the scene changed); returns the undo. */
  onRender(listener: () => void): () => void {
    this.renderListeners.add(listener);
    return () => this.renderListeners.delete(listener);
  }

  /**
   * Renders at the next frame. Not before the first surface: there is nothing to see yet, and
   * on a software rasterizer the first render (the drawing buffer sized, cleared) costs the
   * page's main thread 0.5 s or more while it waits for the engine's first messages (issue 14).
   */
  requestRender(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      if (this.mesh) this.renderNow();
    });
  }

  /** Renders immediately (exports call this before reading the canvas). */
  renderNow(): void {
    const t0 = performance.now();
    if (this.bufferSizeStale) {
      this.bufferSizeStale = false;
      this.renderer.setSize(this.width, this.height, false);
    }
    this.renderer.render(this.scene, this.camera);
    this.lastRenderMs = performance.now() - t0;
    performance.measure('losslab:render-3d', { start: t0, end: t0 + this.lastRenderMs });
    if (this.mesh) {
      // The page's first surface on screen (the explorer's on start-up: its contour view
      // painted the same grid synchronously, in the update that queued this render), for the
      // start-up benchmark (scripts/bench/startup.mjs) and what waits for it. Once per page.
      markFirstSurface();
    }
    if (this.mesh && this.warmObjects.length > 0) {
      // The surface's own materials now hold the programs the warm-up compiled.
      for (const object of this.warmObjects) disposeObject(object);
      this.warmObjects = [];
    }
    // Where the surface's box is on screen (tests compare it with the overlays' boxes).
    const box = this.eye.screenBox();
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
    clearGroup(this.stepArrows);
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
    this.toWorld(from[0], from[1], valueAt(this.grid!, from[0], from[1]), a, 0);
    this.toWorld(to[0], to[1], valueAt(this.grid!, to[0], to[1]), b, 0);
    const meshes = arrowMeshes(a, b, color, opacity);
    if (meshes.length > 0) this.stepArrows.add(...meshes);
  }

  /**
   * Renders the scene offscreen at any size (PNG, video and GIF exports), from the camera on
   * show turned by `azimuthOffset`, with line widths scaled by `pixelScale` and trajectories
   * drawn up to `step`. The on-screen view is left exactly as it was. Returns the offscreen
   * canvas (transparent where nothing was drawn), valid until the next call.
   */
  renderSnapshot(options: SceneSnapshotOptions): HTMLCanvasElement {
    return this.snapshot(options).domElement;
  }

  /**
   * Renders a snapshot as renderSnapshot does, over an opaque `background` (a CSS colour), and
   * reads its pixels into main memory (top row first). The image is reused by the next call.
   *
   * Video and GIF frames take this way: drawn onto a canvas in main memory, a WebGL canvas is
   * copied through the GPU process's shared-image path, which on a software rasterizer took
   * 330–380 ms for a 960 × 1000 image; readPixels hands the same pixels over in a few ms.
   */
  snapshotPixels(options: SceneSnapshotOptions, background: string): ImageData {
    const { width, height } = options;
    const gl = this.snapshot(options, background).getContext();
    let image = this.snapshotImage;
    if (image?.width !== width || image.height !== height) {
      image = this.snapshotImage = new ImageData(width, height);
      this.snapshotRows = new Uint8Array(width * height * 4);
    }
    const rows = this.snapshotRows!;
    gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, rows);
    // WebGL's rows run bottom to top.
    const stride = width * 4;
    for (let y = 0; y < height; y++) {
      const from = (height - 1 - y) * stride;
      image.data.set(rows.subarray(from, from + stride), y * stride);
    }
    return image;
  }

  /** Renders a snapshot (see renderSnapshot) over `background`, or a transparent one. */
  private snapshot(options: SceneSnapshotOptions, background?: string): THREE.WebGLRenderer {
    const { width, height, pixelScale = 1, step } = options;
    const renderer = this.snapshotTarget(width, height);
    const camera = this.eye.snapshotCamera(
      width / height,
      options.azimuthOffset ?? 0,
      options.distanceScale ?? 1,
    );

    this.runs.asSnapshot({ width, height, pixelScale, step }, () => {
      if (background === undefined) renderer.setClearColor(0x000000, 0);
      else renderer.setClearColor(new THREE.Color(background), 1);
      this.renderLayered(renderer, camera);
    });
    return renderer;
  }

  /**
   * Renders the scene in two passes: the surface and its level lines (the base), then the rest
   * (runs, markers, the Hessian's picture, step arrows) over them. The base's colour and depth
   * are kept, so the next snapshot from the same camera of the same surface copies them back
   * instead of drawing the surface again: a video without orbit draws its surface once, then
   * only what moves. (On a software rasterizer the surface is most of a frame's cost: about
   * 250 ms at 960 × 1000, the runs over a kept base a few ms.) Where the drawing buffer is
   * multisampled (antialiased, on a GPU) it cannot be copied back into; both passes run.
   */
  private renderLayered(renderer: THREE.WebGLRenderer, camera: THREE.Camera): void {
    const { mesh, contourLines } = this;
    const gl = renderer.getContext();
    const { width, height } = gl.canvas;
    camera.updateMatrixWorld();
    const clear = renderer.getClearColor(new THREE.Color());
    const key = [
      width,
      height,
      clear.r,
      clear.g,
      clear.b,
      renderer.getClearAlpha(),
      ...camera.matrixWorld.elements,
      ...(camera as THREE.PerspectiveCamera).projectionMatrix.elements,
    ];
    const base = this.snapshotBase;
    const kept =
      base !== undefined &&
      base.mesh === mesh &&
      base.contourLines === contourLines &&
      base.key.length === key.length &&
      base.key.every((v, i) => v === key[i]);
    const layers = (show: (object: THREE.Object3D) => boolean) => {
      const shown = this.scene.children.map((c) => c.visible);
      for (const child of this.scene.children) child.visible &&= show(child);
      return () => this.scene.children.forEach((c, i) => (c.visible = shown[i]));
    };
    const isBase = (o: THREE.Object3D) => o === mesh || o === contourLines;
    if (kept) {
      // The depth only where something drawn over the base is hidden behind the surface (the
      // Hessian's quadric); runs, markers and arrows are drawn over everything. Copying the
      // depth back took half the copy's time: about 18 ms a 960 × 1000 frame in software.
      const depth = this.scene.children.some((c) => !isBase(c) && c.visible && testsDepth(c));
      copyBase(gl, base.framebuffer, 'restore', { depth });
    } else {
      const restore = layers((o) => isBase(o) || o instanceof THREE.Light);
      renderer.render(this.scene, camera);
      restore();
      // The copy's framebuffer is kept while the size stays (an orbit renders a new base each
      // frame); a new one is made, and checked, only for a new size.
      let framebuffer = base?.framebuffer;
      if (framebuffer && framebuffer.width === width && framebuffer.height === height) {
        copyBase(gl, framebuffer, 'keep');
      } else {
        this.disposeSnapshotBase();
        framebuffer = baseFramebuffer(gl, width, height);
      }
      this.snapshotBase = framebuffer && { mesh, contourLines, key, framebuffer };
    }
    renderer.resetState();
    const restore = layers((o) => !isBase(o));
    const autoClear = renderer.autoClear;
    renderer.autoClear = false;
    try {
      renderer.render(this.scene, camera);
    } finally {
      renderer.autoClear = autoClear;
      restore();
    }
  }

  private disposeSnapshotBase(): void {
    const base = this.snapshotBase;
    const gl = this.snapshotRenderer?.getContext();
    if (base && gl) {
      gl.deleteFramebuffer(base.framebuffer.framebuffer);
      for (const buffer of base.framebuffer.renderbuffers) gl.deleteRenderbuffer(buffer);
    }
    this.snapshotBase = undefined;
  }

  /**
   * How far the camera must move back (a factor ≥ 1 on its distance to the target) for the
   * whole surface to stay in an image of `aspect` while the camera orbits `degrees` about the
   * vertical. From the view on show the surface's corners may leave the frame once turned:
   * its diagonal is √2 times its side.
   */
  orbitDistanceScale(aspect: number, degrees: number): number {
    const geometry = this.mesh?.geometry;
    return geometry ? this.eye.orbitDistanceScale(geometry, aspect, degrees) : 1;
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
    if (w !== this.width || h !== this.height) this.bufferSizeStale = true;
    this.width = w;
    this.height = h;
    if (!this.mesh && this.bufferSizeStale) this.sizeBufferSoon();
    this.renderer.domElement.style.width = '100%';
    this.renderer.domElement.style.height = '100%';
    this.runs.setResolution(w, h);
    this.eye.setSize(w, h);
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
    this.disposed = true;
    clearTimeout(this.bufferTimer);
    this.resizeObserver.disconnect();
    this.eye.dispose();
    this.setRuns([]);
    this.setSteps([]);
    clearGroup(this.critical);
    this.runs.dispose();
    this.disposeSurface();
    for (const child of [...this.markers.children]) disposeObject(child);
    for (const object of this.warmObjects) disposeObject(object);
    this.warmObjects = [];
    this.renderer.dispose();
    this.renderer.domElement.remove();
    this.disposeSnapshotBase();
    this.snapshotImage = undefined;
    this.snapshotRows = undefined;
    this.snapshotRenderer?.dispose();
    this.snapshotRenderer?.forceContextLoss();
    this.snapshotRenderer = undefined;
  }
}

/** A copy of a snapshot's surface pass (colour and depth) and what it was rendered from. */
interface SnapshotBase {
  mesh: THREE.Mesh | undefined;
  contourLines: THREE.LineSegments | undefined;
  /** The drawing buffer's size and the camera's matrices. */
  key: number[];
  framebuffer: BaseFramebuffer;
}

interface BaseFramebuffer {
  framebuffer: WebGLFramebuffer;
  renderbuffers: WebGLRenderbuffer[];
  width: number;
  height: number;
}

/**
 * A framebuffer holding a copy of the drawing buffer's colour and depth, or undefined where
 * they cannot be copied (WebGL 1, a multisampled drawing buffer, a depth format that does not
 * match ours). The drawing buffer's depth format is not exposed: the usual ones are tried.
 */
function baseFramebuffer(
  gl: WebGLRenderingContext | WebGL2RenderingContext,
  width: number,
  height: number,
): BaseFramebuffer | undefined {
  if (!(gl instanceof WebGL2RenderingContext)) return undefined;
  gl.bindFramebuffer(gl.FRAMEBUFFER, null);
  if (gl.getParameter(gl.SAMPLES) !== 0) return undefined;
  for (const depthFormat of [gl.DEPTH24_STENCIL8, gl.DEPTH_COMPONENT24, gl.DEPTH_COMPONENT16]) {
    const framebuffer = gl.createFramebuffer();
    const color = gl.createRenderbuffer();
    const depth = gl.createRenderbuffer();
    gl.bindRenderbuffer(gl.RENDERBUFFER, color);
    gl.renderbufferStorage(gl.RENDERBUFFER, gl.RGBA8, width, height);
    gl.bindRenderbuffer(gl.RENDERBUFFER, depth);
    gl.renderbufferStorage(gl.RENDERBUFFER, depthFormat, width, height);
    gl.bindRenderbuffer(gl.RENDERBUFFER, null);
    gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
    gl.framebufferRenderbuffer(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.RENDERBUFFER, color);
    const attachment =
      depthFormat === gl.DEPTH24_STENCIL8 ? gl.DEPTH_STENCIL_ATTACHMENT : gl.DEPTH_ATTACHMENT;
    gl.framebufferRenderbuffer(gl.FRAMEBUFFER, attachment, gl.RENDERBUFFER, depth);
    const complete = gl.checkFramebufferStatus(gl.FRAMEBUFFER) === gl.FRAMEBUFFER_COMPLETE;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    const made = { framebuffer, renderbuffers: [color, depth], width, height };
    // The one check of the copy's formats: later copies between the same buffers are not
    // checked (reading WebGL's errors waits for the GPU to finish all it was given).
    if (complete && copyBase(gl, made, 'keep', { check: true })) return made;
    gl.deleteFramebuffer(framebuffer);
    gl.deleteRenderbuffer(color);
    gl.deleteRenderbuffer(depth);
  }
  return undefined;
}

/**
 * Copies colour and depth (or only colour, `depth` false) from the drawing buffer into `base`
 * ('keep') or back ('restore'). With `check`, false when WebGL refused (the copy then did not
 * happen).
 */
function copyBase(
  gl: WebGL2RenderingContext | WebGLRenderingContext,
  base: BaseFramebuffer,
  direction: 'keep' | 'restore',
  { check = false, depth = true }: { check?: boolean; depth?: boolean } = {},
): boolean {
  if (!(gl instanceof WebGL2RenderingContext)) return false;
  // Errors left by earlier calls are not the copy's.
  if (check) while (gl.getError() !== gl.NO_ERROR);
  const { width, height } = base;
  gl.bindFramebuffer(gl.READ_FRAMEBUFFER, direction === 'keep' ? null : base.framebuffer);
  gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, direction === 'keep' ? base.framebuffer : null);
  gl.blitFramebuffer(
    0,
    0,
    width,
    height,
    0,
    0,
    width,
    height,
    depth ? gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT : gl.COLOR_BUFFER_BIT,
    gl.NEAREST,
  );
  const ok = !check || gl.getError() === gl.NO_ERROR;
  gl.bindFramebuffer(gl.READ_FRAMEBUFFER, null);
  gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, null);
  return ok;
}

/** Whether anything visible in `object` (itself included) is drawn with a depth test. */
function testsDepth(object: THREE.Object3D): boolean {
  if (!object.visible) return false;
  const material = (object as Partial<THREE.Mesh>).material;
  const materials = material === undefined ? [] : Array.isArray(material) ? material : [material];
  if (materials.some((m) => m.depthTest)) return true;
  return object.children.some(testsDepth);
}
