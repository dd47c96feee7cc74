/**
 * The full spectrum of a dense symmetric matrix (the Hessian of a network with up to a few
 * thousand parameters), and the closed form for 2 × 2 (a surface's Hessian).
 *
 * ## symmetricEigen: Householder tridiagonalization, then implicit QL
 *
 * 1. **Tridiagonalization** (Golub & Van Loan §8.3.1; EISPACK tred2's order). For i = n − 1
 *    down to 2, a Householder reflector H_i = I − τ v vᵀ (v ∈ ℝ^i, v_{i−1} = 1, LAPACK dlarfg's
 *    convention) maps row i's part left of the diagonal, x = A[i, 0..i−1], to β e_{i−1}, so
 *    A[i, i−1] = β becomes the sub-diagonal e_i and the rest of the row is 0. The leading block
 *    B = A[0..i−1, 0..i−1] becomes H B H:
 *
 *        p = τ B v,   w = p − (τ/2)(pᵀv) v,   B ← B − v wᵀ − w vᵀ.
 *
 *    That is 4/3 n³ flops, all of them in two passes over B's triangle per step: the symmetric
 *    matrix–vector product p = τ B v, and the rank-2 update. Here they are one pass: the update
 *    of step i and the product of step i − 1 touch the same elements, and step i − 1's reflector
 *    only needs row i − 1 of the updated block, which is updated first (O(i)). So each element
 *    is loaded and stored once per step:
 *
 *        a ← a − (v_r w_c + w_r v_c);   q_r += a u_c;   q_c += a u_r      (c < r)
 *
 *    with u the next reflector and q = B′u. Only the lower triangle is stored, packed by rows
 *    (row r at r(r + 1)/2), so B is always a prefix of the buffer; four rows are updated at once
 *    so each column's v_c, w_c, u_c, q_c are loaded once for four elements; and v, w, u, q sit
 *    interleaved in the same Float64Array as the triangle (V8 checks a typed array's map and
 *    reloads its data pointer inside a loop that stores to it: one array costs that once).
 *
 * 2. **Eigenvalues of the tridiagonal T** by the implicit QL algorithm with Wilkinson's shift
 *    (EISPACK imtql1/imtql2, as in Numerical Recipes' tqli): each sweep chases the bulge of
 *    one shifted QL step up the band with Givens rotations; an off-diagonal e_m deflates when
 *    e_m² ≤ ε² |d_m| |d_{m+1}| (LAPACK dsteqr's test). Convergence is cubic; O(n²) flops in all.
 *
 * 3. **Eigenvectors** (on request): the reflectors are accumulated into Q = H_{n−1} ⋯ H_2
 *    (applied to I in the order H_2, H_3, …, each one on the leading i × i block where Q is not
 *    yet the identity; the product for step i + 1 fused into the update of step i as above),
 *    then every QL rotation is applied to Q's columns, so Q ends as the eigenvectors of A:
 *    A = Q diag(λ) Qᵀ. Q is kept by rows, so one sweep's rotations run along each row.
 *
 * The matrix is first scaled by a power of two (exact) so its largest entry is in [½, 1): no
 * square overflows or underflows needlessly. Only the lower triangle (j ≤ i) of `a` is read.
 *
 * Backward stable: the eigenvalues are those of A + E with ‖E‖ ≈ ε n ‖A‖, so each is within
 * about ε n ‖A‖ of the exact one, and the eigenvectors are orthonormal to about ε n.
 *
 * ## eigen2: the 2 × 2 closed form
 *
 * For [[a, b], [b, c]] the eigenvalue of larger magnitude is λ₁ = ½(a + c ± √((a − c)² + 4b²))
 * with the sign of a + c (no cancellation), and the other is det / λ₁ computed as
 * (max / λ₁)·min − (b / λ₁)·b (LAPACK dlaev2), accurate even when it is tiny next to λ₁. The
 * eigenvector of λ₁ is formed from whichever of (a − c ± √…) and 2b is larger, so it stays
 * accurate when b ≈ 0 or when the eigenvalues nearly coincide.
 */
import { FieldError } from '../core/errors';
import type { Spectrum } from './types';

export interface EigenOptions {
  /** Also compute the unit eigenvectors (columns of Spectrum.vectors). */
  vectors?: boolean;
}

const EPS = Number.EPSILON / 2;
/** Total QL sweeps allowed per eigenvalue, as LAPACK's dsteqr (30 n in all). */
const MAX_SWEEPS = 30;

/**
 * All eigenvalues (ascending) of the symmetric n × n matrix `a` (row-major; only its lower
 * triangle is read), and with `vectors` its unit eigenvectors: column j of the result, at
 * [j·n, (j + 1)·n), belongs to values[j]. `a` is overwritten when vectors are asked for.
 * Throws FieldError('hessian') for a non-finite entry.
 */
export function symmetricEigen(a: Float64Array, n: number, options: EigenOptions = {}): Spectrum {
  if (!Number.isInteger(n) || n < 0) throw new FieldError('size', `must be a whole number ≥ 0`);
  if (a.length < n * n) throw new FieldError('hessian', `needs ${n}×${n} entries, got ${a.length}`);
  const wantVectors = options.vectors === true;
  const values = new Float64Array(n);
  if (n === 0)
    return {
      values,
      ...(wantVectors ? { vectors: new Float64Array(0) } : {}),
      size: 0,
      method: 'exact',
    };

  // Largest entry of the lower triangle, and the scale 2^k that brings it into [½, 1).
  let max = 0;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j <= i; j++) {
      const x = Math.abs(a[row + j]);
      if (!(x <= max)) {
        if (!Number.isFinite(x))
          throw new FieldError('hessian', `entry (${i}, ${j}) is ${a[row + j]}`);
        max = x;
      }
    }
  }
  if (max === 0) {
    // The zero matrix: every eigenvalue 0, the unit vectors as eigenvectors.
    return {
      values,
      ...(wantVectors ? { vectors: identity(n) } : {}),
      size: n,
      method: 'exact',
    };
  }
  const scale = 2 ** Math.max(-1000, Math.min(1000, -Math.ceil(Math.log2(max) + 1e-12)));

  // The packed lower triangle, scaled, with room for the interleaved work vectors after it.
  const T = (n * (n + 1)) / 2;
  const M = new Float64Array(T + 4 * n);
  for (let i = 0, o = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j <= i; j++) M[o++] = a[row + j] * scale;
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  tridiagonalize(M, T, n, d, e, tau);

  let q: Float64Array | undefined;
  if (wantVectors) {
    q = a;
    accumulateReflectors(M, n, tau, q);
  }
  // e[i] couples i − 1 and i; the QL code wants e[i] coupling i and i + 1.
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  implicitQL(d, e, n, q);

  // Ascending order (a stable sort of indices), back to the matrix's scale.
  const order = sortedOrder(d);
  for (let j = 0; j < n; j++) values[j] = d[order[j]] / scale;
  if (!q) return { values, size: n, method: 'exact' };
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const k = order[j];
    const col = j * n;
    for (let r = 0; r < n; r++) vectors[col + r] = q[r * n + k];
  }
  return { values, vectors, size: n, method: 'exact' };
}

function identity(n: number): Float64Array {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  return v;
}

function sortedOrder(d: Float64Array): Int32Array {
  const n = d.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((x, y) => d[x] - d[y] || x - y);
}

/** Offset of row r of the packed lower triangle. */
const rowStart = (r: number): number => (r * (r + 1)) >> 1;

/**
 * Householder tridiagonalization in place on the packed triangle M[0, T) (see the file's
 * top). Leaves the diagonal in d, the sub-diagonal in e[1..n−1] (e[i] couples i − 1 and i),
 * the reflectors' τ in tau[i] and their v (without the implicit v_{i−1} = 1) in row i of M.
 * M[T, T + 4n) is the work area: per column c, [v_c, w_c, u_c, q_c].
 */
function tridiagonalize(
  M: Float64Array,
  T: number,
  n: number,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
): void {
  if (n === 1) {
    d[0] = M[0];
    return;
  }
  if (n > 2) {
    // Step n − 1's product B·v by the fused pass with a zero update.
    let i = n - 1;
    let t = reflect(M, T, i, d, e);
    tau[i] = t;
    for (let c = 0; c < i; c++) {
      M[T + 4 * c] = 0;
      M[T + 4 * c + 1] = 0;
    }
    fusedPass(M, T, i);
    for (; i >= 2; i--) {
      // v ← u (slot 2 → slot 0); q = B v is in slot 3.
      let qv = 0;
      for (let c = 0, x = T; c < i; c++, x += 4) {
        const v = M[x + 2];
        M[x] = v;
        qv += M[x + 3] * v;
      }
      // w = τ q − (τ²/2)(qᵀv) v.
      const k = 0.5 * t * t * qv;
      for (let c = 0, x = T; c < i; c++, x += 4) M[x + 1] = t * M[x + 3] - k * M[x];
      // Row i − 1 of the updated block first: the next reflector is made from it.
      const ro = rowStart(i - 1);
      const xr = T + 4 * (i - 1);
      const vr = M[xr];
      const wr = M[xr + 1];
      for (let c = 0, x = T; c < i - 1; c++, x += 4) M[ro + c] -= vr * M[x + 1] + wr * M[x];
      M[ro + i - 1] -= 2 * vr * wr;
      if (i - 1 >= 2) {
        t = reflect(M, T, i - 1, d, e);
        tau[i - 1] = t;
        fusedPass(M, T, i - 1);
      } else {
        M[0] -= 2 * M[T] * M[T + 1];
      }
    }
  }
  d[1] = M[2];
  e[1] = M[1];
  d[0] = M[0];
}

/**
 * The reflector of row i (i ≥ 2): x = M's row i left of the diagonal. Writes v into the work
 * area's slot 2 (u) for c < i and into row i itself (c < i − 1), d[i] and e[i] = β; returns τ
 * (0 when x is already β e_{i−1}: then u = 0 and the step changes nothing).
 */
function reflect(M: Float64Array, T: number, i: number, d: Float64Array, e: Float64Array): number {
  const o = rowStart(i);
  d[i] = M[o + i];
  let sigma = 0;
  for (let c = 0; c < i - 1; c++) sigma += M[o + c] * M[o + c];
  const alpha = M[o + i - 1];
  if (sigma === 0) {
    e[i] = alpha;
    for (let c = 0; c < i; c++) M[T + 4 * c + 2] = 0;
    return 0;
  }
  const norm = Math.sqrt(alpha * alpha + sigma);
  const beta = alpha > 0 ? -norm : norm;
  const s = 1 / (alpha - beta);
  for (let c = 0; c < i - 1; c++) {
    const v = M[o + c] * s;
    M[o + c] = v;
    M[T + 4 * c + 2] = v;
  }
  M[T + 4 * (i - 1) + 2] = 1;
  e[i] = beta;
  return (beta - alpha) / beta;
}

/**
 * One pass over rows 0..m−1 of the packed triangle: a ← a − (v_r w_c + w_r v_c) (the update of
 * the step before), and q = (updated block)·u, from the work area's slots (v, w, u, q) at
 * M[T + 4c ..]. Rows go four at a time so each column's slots are read once per four elements;
 * q_r is first written at row r's diagonal, after every row above has added to the earlier q.
 */
function fusedPass(M: Float64Array, T: number, m: number): void {
  let r = 0;
  // The first m mod 4 rows one at a time, so the blocks of four end exactly at row m − 1.
  for (const lead = m & 3; r < lead; r++) fusedRows1From(M, T, r, 0, 0);
  for (; r < m; r += 4) {
    const x = T + 4 * r;
    const v0 = M[x];
    const w0 = M[x + 1];
    const u0 = M[x + 2];
    const v1 = M[x + 4];
    const w1 = M[x + 5];
    const u1 = M[x + 6];
    const v2 = M[x + 8];
    const w2 = M[x + 9];
    const u2 = M[x + 10];
    const v3 = M[x + 12];
    const w3 = M[x + 13];
    const u3 = M[x + 14];
    const o0 = rowStart(r);
    const o1 = o0 + r + 1;
    const o2 = o1 + r + 2;
    const o3 = o2 + r + 3;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let c = 0, y = T; c < r; c++, y += 4) {
      const vc = M[y];
      const wc = M[y + 1];
      const uc = M[y + 2];
      const a0 = M[o0 + c] - (v0 * wc + w0 * vc);
      const a1 = M[o1 + c] - (v1 * wc + w1 * vc);
      const a2 = M[o2 + c] - (v2 * wc + w2 * vc);
      const a3 = M[o3 + c] - (v3 * wc + w3 * vc);
      M[o0 + c] = a0;
      M[o1 + c] = a1;
      M[o2 + c] = a2;
      M[o3 + c] = a3;
      s0 += a0 * uc;
      s1 += a1 * uc;
      s2 += a2 * uc;
      s3 += a3 * uc;
      M[y + 3] += a0 * u0 + a1 * u1 + (a2 * u2 + a3 * u3);
    }
    // The 4 × 4 triangle on the diagonal, row by row.
    fusedRows1From(M, T, r, r, s0);
    fusedRows1From(M, T, r + 1, r, s1);
    fusedRows1From(M, T, r + 2, r, s2);
    fusedRows1From(M, T, r + 3, r, s3);
  }
}

/** Row r of the fused pass from column `from` to the diagonal, with its product so far s. */
function fusedRows1From(M: Float64Array, T: number, r: number, from: number, s: number): void {
  const o = rowStart(r);
  const x = T + 4 * r;
  const vr = M[x];
  const wr = M[x + 1];
  const ur = M[x + 2];
  for (let c = from, y = T + 4 * from; c < r; c++, y += 4) {
    const a = M[o + c] - (vr * M[y + 1] + wr * M[y]);
    M[o + c] = a;
    s += a * M[y + 2];
    M[y + 3] += a * ur;
  }
  const a = M[o + r] - 2 * vr * wr;
  M[o + r] = a;
  M[x + 3] = s + a * ur;
}

/**
 * Q = H_{n−1} ⋯ H_2 into q (n × n, by rows). Q after H_2..H_{i−1} is the identity outside its
 * leading i × i block, and H_i = I − τ v vᵀ acts on rows 0..i−1: g = vᵀQ (a row), then
 * Q ← Q − τ v g. As in the tridiagonalization, the update of step i and step i + 1's g are one
 * pass. `work` holds per column c: [v_c, g_c, v′_c] (this step's reflector and row, the next
 * step's reflector).
 */
function accumulateReflectors(
  M: Float64Array,
  n: number,
  tau: Float64Array,
  q: Float64Array,
): void {
  q.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  if (n <= 2) return;
  const work = new Float64Array(3 * n);
  const g = new Float64Array(n);
  // Step 2 acts on the identity: g = vᵀ I = v.
  loadReflector(M, 2, work, 0);
  work[1] = work[0];
  work[4] = work[3];
  for (let i = 2; i < n; i++) {
    const next = i + 1 < n;
    if (next) loadReflector(M, i + 1, work, 2);
    g.fill(0, 0, i + 1);
    applyReflector(q, n, i, tau[i], work, g, next);
    if (!next) break;
    // Row i of Q is still e_i (H_i acts on rows < i): g′_i = v′_i = 1.
    g[i] = 1;
    for (let c = 0; c <= i; c++) {
      work[3 * c] = work[3 * c + 2];
      work[3 * c + 1] = g[c];
    }
  }
}

/** Reflector i's v (row i of M left of its last entry, then 1) into slot `slot` of work. */
function loadReflector(M: Float64Array, i: number, work: Float64Array, slot: number): void {
  const o = rowStart(i);
  for (let c = 0; c < i - 1; c++) work[3 * c + slot] = M[o + c];
  work[3 * (i - 1) + slot] = 1;
}

/**
 * Q[r, c] −= τ v_r g_c for r, c < i, and (when `next`) g′_c = Σ_r v′_r Q[r, c] over the
 * updated rows r < i, with v′ in slot 2 of `work`.
 */
function applyReflector(
  q: Float64Array,
  n: number,
  i: number,
  t: number,
  work: Float64Array,
  g: Float64Array,
  next: boolean,
): void {
  if (t === 0) {
    if (!next) return;
    for (let r = 0; r < i; r++) {
      const vr = work[3 * r + 2];
      const row = r * n;
      for (let c = 0; c < i; c++) g[c] += vr * q[row + c];
    }
    return;
  }
  let r = 0;
  for (; r + 3 < i; r += 4) {
    const row0 = r * n;
    const row1 = row0 + n;
    const row2 = row1 + n;
    const row3 = row2 + n;
    const t0 = t * work[3 * r];
    const t1 = t * work[3 * r + 3];
    const t2 = t * work[3 * r + 6];
    const t3 = t * work[3 * r + 9];
    const p0 = work[3 * r + 2];
    const p1 = work[3 * r + 5];
    const p2 = work[3 * r + 8];
    const p3 = work[3 * r + 11];
    for (let c = 0; c < i; c++) {
      const gc = work[3 * c + 1];
      const a0 = q[row0 + c] - t0 * gc;
      const a1 = q[row1 + c] - t1 * gc;
      const a2 = q[row2 + c] - t2 * gc;
      const a3 = q[row3 + c] - t3 * gc;
      q[row0 + c] = a0;
      q[row1 + c] = a1;
      q[row2 + c] = a2;
      q[row3 + c] = a3;
      g[c] += a0 * p0 + a1 * p1 + (a2 * p2 + a3 * p3);
    }
  }
  for (; r < i; r++) {
    const row = r * n;
    const tr = t * work[3 * r];
    const pr = work[3 * r + 2];
    for (let c = 0; c < i; c++) {
      const a = q[row + c] - tr * work[3 * c + 1];
      q[row + c] = a;
      g[c] += a * pr;
    }
  }
}

/**
 * Implicit QL with Wilkinson's shift on the tridiagonal (d, e), e[i] coupling i and i + 1
 * (e[n − 1] = 0). Eigenvalues into d (unsorted); each sweep's rotations applied to the
 * columns of q (`rows` rows of length n) when given: q = I gives the eigenvectors by rows
 * (component r of eigenvector k at q[r·n + k]), q = e_rᵀ just their r-th components.
 */
function implicitQL(d: Float64Array, e: Float64Array, n: number, q?: Float64Array, rows = n): void {
  const rot = q ? new Float64Array(2 * n) : undefined;
  let sweeps = 0;
  const eps2 = EPS * EPS;
  // Couplings below ε²‖T‖ are dropped whatever their neighbours: a backward error of ε²‖T‖
  // changes nothing visible, and spares sweeps on blocks of (nearly) zero eigenvalues.
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]) + Math.abs(e[i]));
  const floor = eps2 * norm;
  for (let l = 0; l < n; l++) {
    for (;;) {
      // The first negligible coupling at or after l ends the unreduced block [l, m].
      let m = l;
      for (; m < n - 1; m++) {
        const em = Math.abs(e[m]);
        if (em * em <= eps2 * Math.abs(d[m]) * Math.abs(d[m + 1]) || em <= floor) break;
      }
      if (m === l) break;
      if (++sweeps > MAX_SWEEPS * n) {
        throw new Error(`eigenvalues did not converge after ${sweeps - 1} QL sweeps`);
      }
      // Wilkinson's shift from the leading 2 × 2 of the block, written to avoid overflow.
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.abs(g) > 1e150 ? Math.abs(g) : Math.sqrt(g * g + 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.sqrt(f * f + g * g);
        e[i + 1] = r;
        if (r === 0) {
          // The bulge vanished (f and g underflowed): deflate here and start again.
          d[i + 1] -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        if (rot) {
          rot[2 * i] = c;
          rot[2 * i + 1] = s;
        }
      }
      if (q && rot) rotateColumns(q, rows, n, underflow ? i + 1 : l, m, rot);
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/**
 * Applies one sweep's rotations to every row of q (`rows` rows of length n): for i = m − 1 down to `from`, columns
 * (i, i + 1) ← (c_i z_i − s_i z_{i+1}, s_i z_i + c_i z_{i+1}), with (c_i, s_i) at rot[2i],
 * rot[2i + 1]. Along a row the new z_i is the next rotation's z_{i+1}, so it stays in a
 * register; four rows go together so each rotation is loaded once for four.
 */
function rotateColumns(
  q: Float64Array,
  rows: number,
  n: number,
  from: number,
  m: number,
  rot: Float64Array,
): void {
  if (from >= m) return;
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const row0 = r * n;
    const row1 = row0 + n;
    const row2 = row1 + n;
    const row3 = row2 + n;
    let f0 = q[row0 + m];
    let f1 = q[row1 + m];
    let f2 = q[row2 + m];
    let f3 = q[row3 + m];
    for (let i = m - 1; i >= from; i--) {
      const c = rot[2 * i];
      const s = rot[2 * i + 1];
      const z0 = q[row0 + i];
      const z1 = q[row1 + i];
      const z2 = q[row2 + i];
      const z3 = q[row3 + i];
      q[row0 + i + 1] = s * z0 + c * f0;
      q[row1 + i + 1] = s * z1 + c * f1;
      q[row2 + i + 1] = s * z2 + c * f2;
      q[row3 + i + 1] = s * z3 + c * f3;
      f0 = c * z0 - s * f0;
      f1 = c * z1 - s * f1;
      f2 = c * z2 - s * f2;
      f3 = c * z3 - s * f3;
    }
    q[row0 + from] = f0;
    q[row1 + from] = f1;
    q[row2 + from] = f2;
    q[row3 + from] = f3;
  }
  for (; r < rows; r++) {
    const row = r * n;
    let f = q[row + m];
    for (let i = m - 1; i >= from; i--) {
      const c = rot[2 * i];
      const s = rot[2 * i + 1];
      const z = q[row + i];
      q[row + i + 1] = s * z + c * f;
      f = c * z - s * f;
    }
    q[row + from] = f;
  }
}

/** The spectrum of a symmetric tridiagonal matrix (see tridiagonalEigen). */
export interface TridiagonalSpectrum {
  /** Ascending. */
  values: Float64Array;
  /** All unit eigenvectors, column j (values[j]'s) at [j·m, (j + 1)·m); when asked for. */
  vectors?: Float64Array;
  /** For each requested row r, the r-th components of the eigenvectors, in values' order. */
  rows: Float64Array[];
}

/**
 * Eigenvalues of the m × m symmetric tridiagonal with diagonal `diagonal` and off-diagonal
 * `off` (off[i] couples i and i + 1), by the same implicit QL as symmetricEigen. Lanczos and
 * SLQ need only some rows of the eigenvector matrix — the last (residuals β s_{m,i}) and the
 * first (quadrature weights s_{1,i}²) — which cost O(m) per sweep instead of O(m²): ask for
 * them with `rows`, and for the full vectors with `vectors`.
 */
export function tridiagonalEigen(
  diagonal: ArrayLike<number>,
  off: ArrayLike<number>,
  options: { vectors?: boolean; rows?: readonly number[] } = {},
): TridiagonalSpectrum {
  const m = diagonal.length;
  const rowIndices = options.rows ?? [];
  let max = 0;
  for (let i = 0; i < m; i++) {
    const x = Math.abs(diagonal[i]);
    const y = i + 1 < m ? Math.abs(off[i]) : 0;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new FieldError('tridiagonal', `entry ${i} is not finite`);
    }
    max = Math.max(max, x, y);
  }
  const scale =
    max === 0 ? 1 : 2 ** Math.max(-1000, Math.min(1000, -Math.ceil(Math.log2(max) + 1e-12)));
  const d = new Float64Array(m);
  const e = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    d[i] = diagonal[i] * scale;
    if (i + 1 < m) e[i] = off[i] * scale;
  }
  const full = options.vectors === true;
  const rows = full ? m : rowIndices.length;
  let q: Float64Array | undefined;
  if (rows > 0) {
    q = new Float64Array(rows * m);
    if (full) for (let i = 0; i < m; i++) q[i * m + i] = 1;
    else
      rowIndices.forEach((r, k) => {
        if (!Number.isInteger(r) || r < 0 || r >= m) throw new FieldError('rows', `no row ${r}`);
        (q as Float64Array)[k * m + r] = 1;
      });
  }
  implicitQL(d, e, m, q, rows);
  const order = sortedOrder(d);
  const values = new Float64Array(m);
  for (let j = 0; j < m; j++) values[j] = d[order[j]] / scale;
  const picked = (row: number) => {
    const out = new Float64Array(m);
    for (let j = 0; j < m; j++) out[j] = (q as Float64Array)[row * m + order[j]];
    return out;
  };
  if (!q) return { values, rows: [] };
  if (full) {
    const vectors = new Float64Array(m * m);
    for (let j = 0; j < m; j++) {
      for (let r = 0; r < m; r++) vectors[j * m + r] = q[r * m + order[j]];
    }
    return { values, vectors, rows: rowIndices.map((r) => vectors.filter((_, k) => k % m === r)) };
  }
  return { values, rows: rowIndices.map((_, k) => picked(k)) };
}

export interface Eigen2 {
  /** Ascending. */
  values: [number, number];
  /** vectors[j]: the unit eigenvector of values[j], its larger component positive (x on a tie). */
  vectors: [[number, number], [number, number]];
}

/** (x, y) with the sign that makes its larger component positive (x on a tie), without −0. */
function canonical(x: number, y: number): [number, number] {
  const flip = (Math.abs(x) >= Math.abs(y) ? x : y) < 0;
  return flip ? [0 - x, 0 - y] : [x + 0, y + 0];
}

/**
 * Eigen-decomposition of the 2 × 2 symmetric [[h₀, h₁], [h₁, h₂]] in closed form (LAPACK
 * dlaev2's formulas; see the file's top). A non-finite diagonal with a finite coupling is its
 * limit: eigenvalues h₀ and h₂ along the axes (Ackley's tip, where the Hessian is +∞).
 */
export function eigen2(h: ArrayLike<number>): Eigen2 {
  const a = h[0];
  const b = h[1];
  const c = h[2];
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) {
    if (Number.isFinite(b) && !Number.isNaN(a) && !Number.isNaN(c)) {
      return a <= c
        ? {
            values: [a, c],
            vectors: [
              [1, 0],
              [0, 1],
            ],
          }
        : {
            values: [c, a],
            vectors: [
              [0, 1],
              [1, 0],
            ],
          };
    }
    return {
      values: [NaN, NaN],
      vectors: [
        [NaN, NaN],
        [NaN, NaN],
      ],
    };
  }
  const sm = a + c;
  const df = a - c;
  const adf = Math.abs(df);
  const tb = b + b;
  const ab = Math.abs(tb);
  const [acmx, acmn] = Math.abs(a) > Math.abs(c) ? [a, c] : [c, a];
  let rt: number;
  if (adf > ab) rt = adf * Math.sqrt(1 + (ab / adf) ** 2);
  else if (adf < ab) rt = ab * Math.sqrt(1 + (adf / ab) ** 2);
  else rt = ab * Math.SQRT2;
  let rt1: number;
  let rt2: number;
  let sgn1: number;
  if (sm < 0) {
    rt1 = 0.5 * (sm - rt);
    sgn1 = -1;
    rt2 = (acmx / rt1) * acmn - (b / rt1) * b;
  } else if (sm > 0) {
    rt1 = 0.5 * (sm + rt);
    sgn1 = 1;
    rt2 = (acmx / rt1) * acmn - (b / rt1) * b;
  } else {
    rt1 = 0.5 * rt;
    rt2 = -0.5 * rt;
    sgn1 = 1;
  }
  // The eigenvector (cs1, sn1) of rt1.
  let cs: number;
  let sgn2: number;
  if (df >= 0) {
    cs = df + rt;
    sgn2 = 1;
  } else {
    cs = df - rt;
    sgn2 = -1;
  }
  let cs1: number;
  let sn1: number;
  if (Math.abs(cs) > ab) {
    const ct = -tb / cs;
    sn1 = 1 / Math.sqrt(1 + ct * ct);
    cs1 = ct * sn1;
  } else if (ab === 0) {
    cs1 = 1;
    sn1 = 0;
  } else {
    const tn = -cs / tb;
    cs1 = 1 / Math.sqrt(1 + tn * tn);
    sn1 = tn * cs1;
  }
  if (sgn1 === sgn2) {
    const tn = cs1;
    cs1 = -sn1;
    sn1 = tn;
  }
  const v1 = canonical(cs1, sn1);
  const v2 = canonical(-sn1, cs1);
  // (+ 0 turns −0 into 0.)
  return rt1 <= rt2
    ? { values: [rt1 + 0, rt2 + 0], vectors: [v1, v2] }
    : { values: [rt2 + 0, rt1 + 0], vectors: [v2, v1] };
}
