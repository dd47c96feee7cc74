/**
 * The 3-D view's objects, built from a grid: the surface mesh and its outline, its level lines,
 * the markers of minima and saddles, step mode's arrows; and where a point of the domain sits
 * in the world. No scene state: the scene adds, replaces and disposes what these make.
 */
import * as THREE from 'three';
import type { SurfaceInfo } from '../../../../electron/common/protocol';
import type { Point } from '../../../../electron/common/schemas';
import { CONTOUR_LEVELS } from './contour-layout';
import { levelLines } from './contours';
import { vertexNormals } from './mesh-normals';
import { viridis } from './palette';
import { contourLevels, type ValueScale } from './scale';
import type { GridData } from './view-data';

/** World size of the surface's footprint, and of its tallest point. */
export const SIZE = 2;
export const HEIGHT = 0.9;
/** How far trajectories float above the surface. */
export const LIFT = 0.012;

/**
 * The surface as a coloured mesh (heights through `scale`), and the points that bound its
 * outline from any side (every edge vertex, and a 32 × 32 lattice inside for the peaks), in
 * world space, for framing it.
 */
export function surfaceMesh(
  grid: GridData,
  scale: ValueScale,
  wireframe: boolean,
): { mesh: THREE.Mesh; outline: THREE.Vector3[] } {
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
      index[q] = a;
      index[q + 1] = a + n;
      index[q + 2] = a + 1;
      index[q + 3] = a + 1;
      index[q + 4] = a + n;
      index[q + 5] = a + n + 1;
      q += 6;
    }
  }
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.BufferAttribute(positions, 3));
  geometry.setAttribute('color', new THREE.BufferAttribute(colors, 3));
  geometry.setIndex(new THREE.BufferAttribute(index, 1));
  geometry.setAttribute('normal', new THREE.BufferAttribute(vertexNormals(positions, index), 3));
  const material = new THREE.MeshLambertMaterial({
    vertexColors: true,
    side: THREE.DoubleSide,
    wireframe,
    polygonOffset: true,
    polygonOffsetFactor: 1,
    polygonOffsetUnits: 1,
  });
  const mesh = new THREE.Mesh(geometry, material);
  const stride = Math.max(1, Math.floor((n - 1) / 32));
  const outline: THREE.Vector3[] = [];
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const edge = i === 0 || j === 0 || i === n - 1 || j === n - 1;
      if (!edge && (i % stride !== 0 || j % stride !== 0)) continue;
      const k = 3 * (j * n + i);
      outline.push(new THREE.Vector3(positions[k], positions[k + 1], positions[k + 2]));
    }
  }
  return { mesh, outline };
}

/**
 * The level lines of the contour view, each at its height just above the surface: the contour
 * view's own segments (computed once per grid and levels, see levelLines).
 */
export function surfaceLevelLines(grid: GridData, scale: ValueScale): THREE.LineSegments {
  const n = grid.resolution;
  const levels = contourLevels(scale, CONTOUR_LEVELS);
  const lines = levelLines(grid.values, n, levels);
  const seg = lines.segments;
  const linePositions = new Float32Array((seg.length / 2) * 3);
  for (let k = 0, p = 0; k < seg.length; k += 2, p += 3) {
    linePositions[p] = (seg[k] / (n - 1) - 0.5) * SIZE;
    linePositions[p + 1] = scale(levels[lines.level[k >> 2]]) * HEIGHT + 0.002;
    linePositions[p + 2] = (0.5 - seg[k + 1] / (n - 1)) * SIZE;
  }
  const lineGeometry = new THREE.BufferGeometry();
  lineGeometry.setAttribute('position', new THREE.BufferAttribute(linePositions, 3));
  return new THREE.LineSegments(
    lineGeometry,
    new THREE.LineBasicMaterial({ color: 0xffffff, transparent: true, opacity: 0.45 }),
  );
}

/** Minima as white octahedra, saddles as dark rings, drawn over everything at `at`. */
export function criticalMarkers(
  info: SurfaceInfo,
  at: (p: Point) => THREE.Vector3,
): THREE.Object3D[] {
  const markers: THREE.Object3D[] = [];
  for (const m of info.minima) {
    const star = new THREE.Mesh(
      new THREE.OctahedronGeometry(0.035),
      new THREE.MeshBasicMaterial({ color: 0xffffff, depthTest: false }),
    );
    star.renderOrder = 4;
    star.position.copy(at(m));
    markers.push(star);
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
    markers.push(cross);
  }
  return markers;
}

/** L at (x, y) by bilinear interpolation of the grid (for markers placed on the surface). */
export function valueAt(grid: GridData, x: number, y: number): number {
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
export function toWorld(
  grid: GridData,
  scale: ValueScale,
  x: number,
  y: number,
  loss: number,
  out: Float32Array,
  o: number,
): void {
  const [[x0, x1], [y0, y1]] = grid.domain;
  const u = Math.min(1.5, Math.max(-0.5, (x - x0) / (x1 - x0)));
  const v = Math.min(1.5, Math.max(-0.5, (y - y0) / (y1 - y0)));
  out[o] = (u - 0.5) * SIZE;
  out[o + 1] = scale(loss) * HEIGHT + LIFT;
  out[o + 2] = (0.5 - v) * SIZE;
}

/**
 * An arrow's shaft and head from world point `a` towards `b`, lifted off the surface and kept
 * between `bounds` long (0.08 to 0.7: step mode's arrows stay visible), `bounds.width` times
 * as thick as step mode's; none when the points
 * coincide.
 */
export function arrowMeshes(
  a: Float32Array,
  b: Float32Array,
  color: string,
  opacity: number,
  bounds: { min: number; max: number; width?: number } = { min: 0.08, max: 0.7 },
): THREE.Mesh[] {
  const start = new THREE.Vector3(a[0], a[1] + LIFT, a[2]);
  const direction = new THREE.Vector3(b[0], b[1] + LIFT, b[2]).sub(start);
  const length = direction.length();
  if (!(length > 0)) return [];
  direction.normalize();
  const shown = Math.min(bounds.max, Math.max(bounds.min, length));
  const material = new THREE.MeshBasicMaterial({
    color,
    depthTest: false,
    transparent: opacity < 1,
    opacity,
  });
  const width = bounds.width ?? 1;
  const head = Math.min(0.06 * width, shown * 0.4);
  const shaft = new THREE.Mesh(
    new THREE.CylinderGeometry(0.007 * width, 0.007 * width, shown - head, 8),
    material,
  );
  const cone = new THREE.Mesh(new THREE.ConeGeometry(0.022 * width, head, 12), material.clone());
  // Cylinders and cones point along +y: turn them onto the arrow's direction.
  const turn = new THREE.Quaternion().setFromUnitVectors(new THREE.Vector3(0, 1, 0), direction);
  shaft.quaternion.copy(turn);
  cone.quaternion.copy(turn);
  shaft.position.copy(start).addScaledVector(direction, (shown - head) / 2);
  cone.position.copy(start).addScaledVector(direction, shown - head / 2);
  shaft.renderOrder = 6;
  cone.renderOrder = 6;
  return [shaft, cone];
}

/** Frees an object's geometry and materials (and a sprite's texture). */
export function disposeObject(object: THREE.Object3D): void {
  const mesh = object as THREE.Mesh;
  // Sprites share one geometry of three.js's own: it is not theirs to free.
  if (!(object instanceof THREE.Sprite)) mesh.geometry?.dispose();
  const material = mesh.material as THREE.Material | THREE.Material[] | undefined;
  for (const m of Array.isArray(material) ? material : material ? [material] : []) {
    (m as THREE.SpriteMaterial).map?.dispose();
    m.dispose();
  }
}

/** Empties a group, freeing what it held. */
export function clearGroup(group: THREE.Group): void {
  for (const child of [...group.children]) {
    group.remove(child);
    disposeObject(child);
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
