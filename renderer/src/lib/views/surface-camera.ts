/**
 * Where the 3-D view looks from: the orbiting camera, framed so the surface fills the room the
 * overlays leave free (as close as it fits, until the user orbits or zooms), saved and restored
 * as a pose, and the cameras of exported images of other sizes and turned about the vertical.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { HEIGHT } from './surface-geometry';
import type { CameraPose } from './view-source';

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

type Box = { x: number; y: number; w: number; h: number };

export class SurfaceCamera {
  readonly camera = new THREE.PerspectiveCamera(FOV, 1, 0.01, 100);
  readonly controls: OrbitControls;
  /** The view's size in CSS pixels. */
  private width = 1;
  private height = 1;
  /**
   * Points of the surface that bound its outline from any side, in world space; none before a
   * surface.
   */
  private outline: THREE.Vector3[] = [];
  /** Ways to keep the overlays' room free; the one that shows the surface largest is used. */
  private reserves: FrameReserve[] = [];
  private reserve: FrameReserve = { left: 0, top: 0, right: 0, bottom: 0 };
  /** The camera's distance was chosen to fit (not set by the user's zoom or a saved pose). */
  private fitted = true;

  /** `onChange` is called when the user moves the camera. */
  constructor(element: HTMLElement, onChange: () => void) {
    this.controls = new OrbitControls(this.camera, element);
    this.controls.enableDamping = false;
    this.controls.addEventListener('change', onChange);
    // Once the user orbits or zooms, the camera is theirs: no refitting on resize.
    this.controls.addEventListener('start', () => (this.fitted = false));
  }

  /** The view's new size; frame again afterwards. */
  setSize(width: number, height: number): void {
    this.width = width;
    this.height = height;
  }

  /** The new surface's outline (see {@link surfaceMesh}); frame again afterwards. */
  setOutline(outline: THREE.Vector3[]): void {
    this.outline = outline;
  }

  /** Camera on the default orbit, or at an azimuth/elevation (degrees) a lesson asks for. */
  reset(pose?: CameraPose): void {
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

  /** The overlays' room as alternatives; false when they are the ones in force already. */
  setReserves(reserves: FrameReserve[]): boolean {
    if (JSON.stringify(reserves) === JSON.stringify(this.reserves)) return false;
    this.reserves = reserves.map((r) => ({ ...r }));
    this.frame();
    return true;
  }

  /**
   * Points the camera at the middle of the free room (an off-centre view, so the canvas still
   * fills the view) and, while the camera is fitted, moves it as close as lets the surface's
   * box fit there.
   */
  frame(): void {
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
  }

  /** The room left by a reserve, or undefined when it would leave less than half the view. */
  private freeRect(r: FrameReserve): Box | undefined {
    const w = this.width - r.left - r.right;
    const h = this.height - r.top - r.bottom;
    if (w < 0.5 * this.width || h < 0.5 * this.height) return undefined;
    return { x: r.left, y: r.top, w, h };
  }

  /** An off-centre projection whose centre is the free room's, at the view's own scale. */
  private aimAt(free: Box): void {
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

  /** The surface's extent on screen (CSS pixels of the view), or undefined. */
  screenBox(): Box | undefined {
    const corners = this.outline;
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
  private fitDistance(free: Box): number {
    const start = this.camera.position.distanceTo(this.controls.target);
    if (this.outline.length === 0) return start;
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

  /** The camera's azimuth and elevation in degrees and its distance, as reset takes them. */
  pose(): CameraPose {
    const p = this.camera.position;
    const r = Math.max(1e-9, p.length());
    return {
      azimuth: (Math.atan2(p.x, p.z) * 180) / Math.PI,
      elevation: (Math.asin(Math.min(1, Math.max(-1, p.y / r))) * 180) / Math.PI,
      distance: r,
    };
  }

  /**
   * The camera on show for an image of another aspect, turned about the vertical through its
   * target and moved back by `distanceScale`. A narrower image than the view widens the
   * vertical field of view, so the surface keeps its horizontal extent.
   */
  snapshotCamera(
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
   * whole of `geometry` to stay in an image of `aspect` while the camera orbits `degrees` about
   * the vertical. From the view on show the surface's corners may leave the frame once turned:
   * its diagonal is √2 times its side.
   */
  orbitDistanceScale(geometry: THREE.BufferGeometry, aspect: number, degrees: number): number {
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

  dispose(): void {
    this.controls.dispose();
  }
}
