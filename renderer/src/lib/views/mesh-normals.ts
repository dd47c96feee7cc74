/**
 * Vertex normals of an indexed triangle mesh, exactly as three.js's computeVertexNormals makes
 * them (each triangle's unnormalized normal summed into its corners in float32, in the same
 * order, then scaled by 1 / length), without its per-vertex Vector3 reads and writes: on the
 * start-up's 256 × 256 surface those took 0.1 s of the page's main thread under load (issue 14).
 */
export function vertexNormals(positions: Float32Array, index: Uint32Array): Float32Array {
  const normals = new Float32Array(positions.length);
  const p = positions;
  for (let t = 0; t < index.length; t += 3) {
    const a = 3 * index[t];
    const b = 3 * index[t + 1];
    const c = 3 * index[t + 2];
    // cb = C − B, ab = A − B, n = cb × ab.
    const cbx = p[c] - p[b];
    const cby = p[c + 1] - p[b + 1];
    const cbz = p[c + 2] - p[b + 2];
    const abx = p[a] - p[b];
    const aby = p[a + 1] - p[b + 1];
    const abz = p[a + 2] - p[b + 2];
    const nx = cby * abz - cbz * aby;
    const ny = cbz * abx - cbx * abz;
    const nz = cbx * aby - cby * abx;
    normals[a] += nx;
    normals[a + 1] += ny;
    normals[a + 2] += nz;
    normals[b] += nx;
    normals[b + 1] += ny;
    normals[b + 2] += nz;
    normals[c] += nx;
    normals[c + 1] += ny;
    normals[c + 2] += nz;
  }
  for (let v = 0; v < normals.length; v += 3) {
    const x = normals[v];
    const y = normals[v + 1];
    const z = normals[v + 2];
    const inverse = 1 / (Math.sqrt(x * x + y * y + z * z) || 1);
    normals[v] = x * inverse;
    normals[v + 1] = y * inverse;
    normals[v + 2] = z * inverse;
  }
  return normals;
}
