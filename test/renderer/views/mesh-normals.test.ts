import * as THREE from 'three';
import { describe, expect, it } from 'vitest';
import { vertexNormals } from '../../../renderer/src/lib/views/mesh-normals';

describe('vertexNormals: the surface mesh normals', () => {
  it('are three.js computeVertexNormals, bit for bit', () => {
    // A bumpy 33 × 33 grid, indexed as surfaceMesh indexes it.
    const n = 33;
    const positions = new Float32Array(n * n * 3);
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) {
        const k = 3 * (j * n + i);
        positions[k] = (i / (n - 1) - 0.5) * 2;
        positions[k + 1] = 0.9 * Math.sin(i * 0.4) * Math.cos(j * 0.3) + (i === 7 ? 0.5 : 0);
        positions[k + 2] = (0.5 - j / (n - 1)) * 2;
      }
    const index: number[] = [];
    for (let j = 0; j < n - 1; j++)
      for (let i = 0; i < n - 1; i++) {
        const a = j * n + i;
        index.push(a, a + n, a + 1, a + 1, a + n, a + n + 1);
      }
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute('position', new THREE.BufferAttribute(positions, 3));
    geometry.setIndex(index);
    geometry.computeVertexNormals();
    const expected = geometry.getAttribute('normal').array as Float32Array;
    expect(Array.from(vertexNormals(positions, Uint32Array.from(index)))).toEqual(
      Array.from(expected),
    );
  });
});
