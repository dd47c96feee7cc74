/**
 * The Hessian's picture in the 3-D view: the eigenvectors as arrows lying level at θ's height
 * (θ ± ℓᵢvᵢ, ℓᵢ ∝ |λᵢ|, coloured by the sign of λᵢ, labelled λ₁ = …, λ₂ = …), and the
 * second-order Taylor model q(θ') = L(θ) + gᵀd + ½dᵀHd as a translucent quadric over a square
 * patch twice the arrows' reach (critical-geometry.ts has the math).
 *
 * The quadric's heights go through the surface's own scale, unclamped (scale.ts's
 * `unclampedScale`): on a linear surface q − min over the range, on a log surface
 * log(q − min + δ), so the model touches the surface at θ whatever the scale. Where the scale
 * has no height for q (below the surface's minimum on a log scale) or the model leaves the
 * view's box far behind, its triangles are left out: the quadric is clipped, not flattened.
 */
import * as THREE from 'three';
import type { Point } from '../../../../electron/common/schemas';
import { curvatureArrows, lambdaLabel, quadricPatch } from './critical-geometry';
import type { CurvatureColors } from './look';
import { unclampedScale, type ValueScale } from './scale';
import { arrowMeshes, HEIGHT, LIFT, SIZE, valueAt } from './surface-geometry';
import type { CriticalOverlay, GridData } from './view-data';

/** Heights (in the scale's t) the quadric is drawn between; beyond, it is clipped. */
const T_MIN = -0.03;
const T_MAX = 1.25;
/**
 * The quadric's half-width, in arrows' reaches: twice as far as the arrows go, where the model
 * has left the surface's tangent plane by 4× what it has at the arrows' tips, so its curvature
 * shows from the default camera (the contour view's rings stay within the arrows' reach).
 */
const EXTENT = 2;
/** The quadric's samples per side, and every how many of them a line is drawn on it. */
const PATCH = 41;
const LINE_EVERY = 5;
/** The arrows: as long as they are (no clamp), half again as thick as step mode's. */
const ARROW = { min: 0, max: 10, width: 1.5 };
/**
 * The λ labels' height as a share of the view's height: the same on screen however far the
 * camera is (a sprite without size attenuation is scaled by its depth; at the view's vertical
 * field of view of 40°, a height h spans h/tan(20°) of the 2 units of clip space).
 */
const LABEL_SHARE = 0.045;
const LABEL_HEIGHT = 2 * LABEL_SHARE * Math.tan((20 * Math.PI) / 180);
/** The quadric's opacity: the surface shows through it. */
const OPACITY = 0.3;

/** What the 3-D view drew (tests read it from the view's data-critical). */
export interface SceneCriticalSummary {
  point: Point;
  /** Arrows drawn (two per eigenvector whose arrow is long enough, one for Escape's step). */
  arrows: number;
  labels: string[];
  /** Triangles of the quadric drawn (0 when hidden or clipped away). */
  quadricTriangles: number;
}

/** The objects of the picture (added to one group by the scene) and what they show. */
export function criticalObjects(
  overlay: CriticalOverlay,
  colors: CurvatureColors,
  grid: GridData,
  scale: ValueScale,
): { objects: THREE.Object3D[]; summary: SceneCriticalSummary } {
  const [[x0, x1], [y0, y1]] = grid.domain;
  const worldX = (x: number) => ((x - x0) / (x1 - x0) - 0.5) * SIZE;
  const worldZ = (y: number) => (0.5 - (y - y0) / (y1 - y0)) * SIZE;
  const world = (p: Point, loss: number) =>
    new Float32Array([worldX(p[0]), scale(loss) * HEIGHT + LIFT, worldZ(p[1])]);
  const objects: THREE.Object3D[] = [];
  const summary: SceneCriticalSummary = {
    point: overlay.point,
    arrows: 0,
    labels: [],
    quadricTriangles: 0,
  };

  const at = world(overlay.point, overlay.loss);
  const colorOf = (sign: 'positive' | 'negative' | 'flat') => colors[sign];
  for (const arrow of curvatureArrows(overlay, grid.domain)) {
    const color = colorOf(arrow.sign);
    for (const tip of arrow.tips) {
      // Level at θ's height: the arrow shows a direction of the plane, the quadric the curvature.
      const meshes = arrowMeshes(at, world(tip, overlay.loss), color, 1, ARROW);
      if (meshes.length === 0 || arrow.length <= 0) continue;
      objects.push(...meshes);
      summary.arrows++;
    }
    const text = lambdaLabel(arrow);
    const reach = Math.max(arrow.length, 0.04 * (x1 - x0));
    const tip: Point = [
      overlay.point[0] + 1.25 * reach * arrow.vector[0],
      overlay.point[1] + 1.25 * reach * arrow.vector[1],
    ];
    const label = textSprite(text, color, colors.halo);
    const p = world(tip, overlay.loss);
    label.position.set(p[0], p[1] + 0.05, p[2]);
    objects.push(label);
    summary.labels.push(text);
  }

  // θ itself: a small ring in the text colour, seen over the surface and the quadric.
  const ring = new THREE.Mesh(
    new THREE.TorusGeometry(0.028, 0.007, 8, 24),
    new THREE.MeshBasicMaterial({ color: colors.text, depthTest: false }),
  );
  ring.rotation.x = Math.PI / 2;
  ring.position.set(at[0], at[1] + LIFT, at[2]);
  ring.renderOrder = 7;
  objects.push(ring);

  if (overlay.escape) {
    const to = overlay.escape.to;
    const from = new Float32Array([at[0], at[1], at[2]]);
    const end = world(to, valueAt(grid, to[0], to[1]));
    const meshes = arrowMeshes(from, end, colors.negative, overlay.escape.taken ? 1 : 0.55, ARROW);
    if (meshes.length > 0) {
      objects.push(...meshes);
      summary.arrows++;
    }
  }

  if (overlay.quadric) {
    const quadric = quadricMesh(overlay, colors, grid, scale);
    if (quadric) {
      objects.push(...quadric.objects);
      summary.quadricTriangles = quadric.triangles;
    }
  }
  return { objects, summary };
}

/**
 * The model over its patch: a translucent mesh coloured by the side of L(θ) each point is on
 * (the positive colour where the model rises, the negative where it falls) and a sparse grid
 * of lines on it that shows its curvature from any side.
 */
function quadricMesh(
  overlay: CriticalOverlay,
  colors: CurvatureColors,
  grid: GridData,
  scale: ValueScale,
): { objects: THREE.Object3D[]; triangles: number } | undefined {
  const patch = quadricPatch(overlay, grid.domain, PATCH, EXTENT);
  if (!patch) return undefined;
  const n = patch.n;
  const [[dx0, dx1], [dy0, dy1]] = grid.domain;
  const [[px0, px1], [py0, py1]] = patch.box;
  const positions = new Float32Array(n * n * 3);
  const vertexColors = new Float32Array(n * n * 3);
  const up = new THREE.Color(colors.positive);
  const down = new THREE.Color(colors.negative);
  const inside = new Uint8Array(n * n);
  for (let j = 0; j < n; j++) {
    const y = py0 + ((py1 - py0) * j) / (n - 1);
    for (let i = 0; i < n; i++) {
      const x = px0 + ((px1 - px0) * i) / (n - 1);
      const k = j * n + i;
      const q = patch.values[k];
      const t = unclampedScale(scale, q);
      inside[k] = t >= T_MIN && t <= T_MAX ? 1 : 0;
      positions[3 * k] = ((x - dx0) / (dx1 - dx0) - 0.5) * SIZE;
      // Half the runs' lift: above the surface where they touch, under the trajectories.
      positions[3 * k + 1] = (Number.isFinite(t) ? t : 0) * HEIGHT + LIFT / 2;
      positions[3 * k + 2] = (0.5 - (y - dy0) / (dy1 - dy0)) * SIZE;
      const c = q >= overlay.loss ? up : down;
      vertexColors[3 * k] = c.r;
      vertexColors[3 * k + 1] = c.g;
      vertexColors[3 * k + 2] = c.b;
    }
  }
  // Only triangles whose three corners the scale can place: the quadric is clipped there.
  const index: number[] = [];
  for (let j = 0; j < n - 1; j++) {
    for (let i = 0; i < n - 1; i++) {
      const a = j * n + i;
      for (const tri of [
        [a, a + n, a + 1],
        [a + 1, a + n, a + n + 1],
      ]) {
        if (tri.every((v) => inside[v])) index.push(...tri);
      }
    }
  }
  if (index.length === 0) return undefined;
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.BufferAttribute(positions, 3));
  geometry.setAttribute('color', new THREE.BufferAttribute(vertexColors, 3));
  geometry.setIndex(index);
  const surface = new THREE.Mesh(
    geometry,
    // Drawn over the surface, translucent: the model is tangent to the surface at θ and, where
    // the surface curves up faster (a quartic's valley), runs under it; hidden by depth it
    // would show only in fragments.
    new THREE.MeshBasicMaterial({
      vertexColors: true,
      transparent: true,
      opacity: OPACITY,
      side: THREE.DoubleSide,
      depthWrite: false,
      depthTest: false,
    }),
  );
  surface.renderOrder = 5;

  // Lines along x and y every LINE_EVERY samples, where both ends are inside.
  const lines: number[] = [];
  const lineColors: number[] = [];
  const push = (a: number, b: number) => {
    if (!inside[a] || !inside[b]) return;
    lines.push(...positions.subarray(3 * a, 3 * a + 3), ...positions.subarray(3 * b, 3 * b + 3));
    lineColors.push(
      ...vertexColors.subarray(3 * a, 3 * a + 3),
      ...vertexColors.subarray(3 * b, 3 * b + 3),
    );
  };
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n - 1; i++) {
      if (j % LINE_EVERY === 0 || j === n - 1) push(j * n + i, j * n + i + 1);
      if (i % LINE_EVERY === 0 || i === n - 1) push(i * n + j, (i + 1) * n + j);
    }
  }
  const lineGeometry = new THREE.BufferGeometry();
  lineGeometry.setAttribute('position', new THREE.BufferAttribute(new Float32Array(lines), 3));
  lineGeometry.setAttribute('color', new THREE.BufferAttribute(new Float32Array(lineColors), 3));
  const wire = new THREE.LineSegments(
    lineGeometry,
    new THREE.LineBasicMaterial({
      vertexColors: true,
      transparent: true,
      opacity: 0.8,
      depthTest: false,
    }),
  );
  wire.renderOrder = 5;
  return { objects: [surface, wire], triangles: index.length / 3 };
}

/** A label that always faces the camera: text in `color` over a halo, LABEL_HEIGHT high. */
function textSprite(text: string, color: string, halo: string): THREE.Sprite {
  const fontSize = 48;
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d')!;
  const font = `bold ${fontSize}px system-ui, sans-serif`;
  ctx.font = font;
  const width = Math.ceil(ctx.measureText(text).width) + 24;
  const height = fontSize + 24;
  canvas.width = width;
  canvas.height = height;
  ctx.font = font;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.lineJoin = 'round';
  ctx.lineWidth = 12;
  ctx.strokeStyle = halo;
  ctx.strokeText(text, width / 2, height / 2);
  ctx.fillStyle = color;
  ctx.fillText(text, width / 2, height / 2);
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  const sprite = new THREE.Sprite(
    new THREE.SpriteMaterial({
      map: texture,
      depthTest: false,
      transparent: true,
      sizeAttenuation: false,
    }),
  );
  sprite.scale.set((LABEL_HEIGHT * width) / height, LABEL_HEIGHT, 1);
  sprite.renderOrder = 8;
  return sprite;
}
