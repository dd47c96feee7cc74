/**
 * The surface mesh as glTF 2.0 — binary (.glb) or JSON with embedded buffers (.gltf) — for
 * Blender, PowerPoint's 3-D models or a web viewer: positions, normals and the colour map as
 * vertex colours (COLOR_0), in the 3-D view's world units (a 2 × 2 footprint).
 */
import * as THREE from 'three';
import { GLTFExporter } from 'three/examples/jsm/exporters/GLTFExporter.js';
import type { SurfaceScene } from '../views/surface-scene';

export interface GltfOptions {
  /** Binary .glb (one file, compact) or .gltf JSON. @default true */
  binary?: boolean;
}

/** The surface mesh on show as a glTF file. */
export async function exportGltf(scene: SurfaceScene, options: GltfOptions = {}): Promise<Blob> {
  const source = scene.surfaceMesh;
  const grid = scene.gridData;
  const scale = scene.valueScale;
  if (!source || !grid || !scale) throw new Error('the 3-D view has no surface yet');
  const binary = options.binary ?? true;
  // A standard (PBR) material: glTF has no Lambert; the geometry itself is shared, not copied.
  const material = new THREE.MeshStandardMaterial({
    vertexColors: true,
    side: THREE.DoubleSide,
    roughness: 0.85,
    metalness: 0,
  });
  const mesh = new THREE.Mesh(source.geometry, material);
  mesh.name = 'loss-surface';
  // Carried as glTF "extras": what the heights mean.
  mesh.userData = {
    domain: grid.domain,
    resolution: grid.resolution,
    lossMin: scale.min,
    lossMax: scale.max,
    logHeight: scale.log,
  };
  try {
    const result = await new GLTFExporter().parseAsync(mesh, { binary, onlyVisible: false });
    return binary
      ? new Blob([result as ArrayBuffer], { type: 'model/gltf-binary' })
      : new Blob([JSON.stringify(result)], { type: 'model/gltf+json' });
  } finally {
    material.dispose();
  }
}
