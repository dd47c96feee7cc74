import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VectorBlock, vectorBlockBytes } from '../../../electron/engine/core/kernels/vector';
import { WASM_BASE64 } from '../../../electron/engine/core/kernels/vector-wasm';

const kernels = path.resolve(__dirname, '../../../electron/engine/core/kernels');
// A .mjs script: imported through a variable so TypeScript does not look for its types.
const buildScript = '../../../scripts/build-kernels.mjs';

/** Deterministic values in [−1, 1). */
function values(n: number, seed: number): Float64Array {
  const v = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    v[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return v;
}

const plainDot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('vector kernels (WebAssembly SIMD)', () => {
  it('the checked-in module is vector.wat assembled', async () => {
    const { assemble, typescriptFor } = (await import(buildScript)) as {
      assemble(file: string): Promise<Buffer>;
      typescriptFor(name: string, bytes: Buffer): string;
    };
    const bytes = await assemble(path.join(kernels, 'vector.wat'));
    expect(Buffer.from(WASM_BASE64, 'base64').equals(bytes)).toBe(true);
    expect(fs.readFileSync(path.join(kernels, 'vector-wasm.ts'), 'utf8')).toBe(
      typescriptFor('vector', bytes),
    );
  });

  // Odd and even lengths (an odd one has a padding entry), counts with and without a
  // remainder of the four-vector sweeps.
  for (const n of [1, 2, 7, 64, 1001]) {
    for (const count of [1, 3, 4, 9]) {
      it(`dot, axpy, scale, project and subtract agree with plain loops (n = ${n}, ${count} vectors)`, () => {
        const block = new VectorBlock(n, count + 1);
        const vs = Array.from({ length: count + 1 }, (_, j) => values(n, 17 * j + n));
        vs.forEach((v, j) => block.set(j, v));
        const w = count;
        const tol = (x: number) => 1e-13 * Math.max(1, Math.abs(x)) * n;

        for (let j = 0; j < count; j++) {
          const d = block.dot(j, w);
          expect(Math.abs(d - plainDot(vs[j], vs[w]))).toBeLessThanOrEqual(tol(d));
        }
        const h = Float64Array.from(block.project(count, w));
        for (let j = 0; j < count; j++) {
          expect(Math.abs(h[j] - plainDot(vs[j], vs[w]))).toBeLessThanOrEqual(tol(h[j]));
        }

        block.subtract(count, w);
        const expected = Float64Array.from(vs[w]);
        for (let j = 0; j < count; j++) for (let i = 0; i < n; i++) expected[i] -= h[j] * vs[j][i];
        const got = block.vector(w);
        for (let i = 0; i < n; i++)
          expect(Math.abs(got[i] - expected[i])).toBeLessThanOrEqual(1e-13 * count);

        block.axpy(0.5, 0, w);
        for (let i = 0; i < n; i++) expected[i] += 0.5 * vs[0][i];
        block.scale(-3, w);
        for (let i = 0; i < n; i++)
          expect(Math.abs(got[i] + 3 * expected[i])).toBeLessThanOrEqual(1e-12 * count);
        // The views write through, and the padding entry stays zero: a vector's norm is
        // its n entries' alone.
        got.fill(2);
        expect(block.dot(w, w)).toBe(4 * n);
      });
    }
  }

  it('projecting on an orthonormal set removes exactly its components', () => {
    const n = 513;
    const block = new VectorBlock(n, 6);
    // Five orthonormal vectors: scaled unit coordinate vectors.
    for (let j = 0; j < 5; j++) {
      block.clear(j);
      block.vector(j)[j * 100] = 1;
    }
    block.set(5, values(n, 3));
    const before = Float64Array.from(block.vector(5));
    block.project(5, 5);
    block.subtract(5, 5);
    const after = block.vector(5);
    for (let i = 0; i < n; i++) {
      expect(after[i]).toBe(i % 100 === 0 && i < 500 ? 0 : before[i]);
    }
  });

  it('refuses what it cannot hold, by name', () => {
    expect(() => new VectorBlock(0, 3)).toThrow(/vector length 0/);
    expect(() => new VectorBlock(10, 0)).toThrow(/vector count 0/);
    expect(() => new VectorBlock(1e6, 600)).toThrow(/600 vectors of 1000000 numbers need 4\.5 GiB/);
    const block = new VectorBlock(4, 2);
    expect(() => block.vector(2)).toThrow(/vector 2 is outside the block/);
    expect(() => block.project(2, 1)).toThrow(/cannot project vector 1 on the first 2/);
    expect(vectorBlockBytes(3, 2)).toBe(8 * (2 * 4 + 2));
  });
});
