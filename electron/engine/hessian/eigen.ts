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
 * ## Two threads
 *
 * Each O(n³) pass — the fused tridiagonalization pass, the reflector accumulation pass, the
 * rotations of a QL sweep — is split into two halves that write disjoint memory: the
 * triangle's rows [0, round(m/√2)) and the rest (half of its entries each), whose partial
 * products q⁽⁰⁾ and q⁽¹⁾ are summed afterwards in a fixed order; the first and the second half
 * of Q's rows. All O(n²) data lives in one Float64Array on a SharedArrayBuffer; a helper
 * worker thread runs the second halves while this thread runs the first, joined by an Atomics
 * counter per pass (a short spin, then a futex wait). With one thread the same halves run one
 * after the other, so the numbers are the same to the last bit either way. The O(n) work
 * between passes (a reflector, the QL recurrence) stays on this thread. The helper runs the
 * passes' own source (the self-contained pass functions' text, started with `eval: true`): no
 * separate bundle to build or find, and the very same code on both threads.
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
import { Worker } from 'node:worker_threads';
import { FieldError } from '../core/errors';
import type { Checkpoint, Spectrum } from './types';

export interface EigenOptions {
  /** Also compute the unit eigenvectors (columns of Spectrum.vectors). */
  vectors?: boolean;
  /**
   * Threads for the O(n³) passes: 1, or 2 (this one and a helper worker thread sharing the
   * matrix). Each pass is split into the same two halves either way, so the results are the
   * same to the last bit. Default: 2 from n = 320 up, where worker threads can be started.
   */
  threads?: 1 | 2;
}

const EPS = Number.EPSILON / 2;
/** Total QL sweeps allowed per eigenvalue, as LAPACK's dsteqr (30 n in all). */
const MAX_SWEEPS = 30;
/** Below this size a pass is too short to share: the hand-over would cost more than it saves. */
const PARALLEL_FROM = 320;

/**
 * All eigenvalues (ascending) of the symmetric n × n matrix `a` (row-major; only its lower
 * triangle is read, and `a` is not modified), and with `vectors` its unit eigenvectors:
 * column j of the result, at [j·n, (j + 1)·n), belongs to values[j], signed so that its
 * largest component is positive. Throws
 * FieldError('hessian') for a non-finite entry. Synchronous: see symmetricEigenAsync for a
 * version that reports progress and can be cancelled.
 */
export function symmetricEigen(a: Float64Array, n: number, options: EigenOptions = {}): Spectrum {
  return drain(eigenWork(a, n, options));
}

/** Progress of symmetricEigenAsync is reported as done out of this many. */
export const EIGEN_PROGRESS_TOTAL = 1000;

/**
 * symmetricEigen, calling checkpoint(done, EIGEN_PROGRESS_TOTAL) between passes (a few hundred
 * microseconds apart at n ≈ 1500), so a long decomposition reports progress, lets the event
 * loop run and stops with the checkpoint's CancelledError. `a` is read at the start only.
 */
export async function symmetricEigenAsync(
  a: Float64Array,
  n: number,
  options: EigenOptions,
  checkpoint: Checkpoint,
): Promise<Spectrum> {
  const work = eigenWork(a, n, options);
  try {
    for (;;) {
      const step = work.next();
      if (step.done) return step.value;
      const turn = checkpoint(step.value, EIGEN_PROGRESS_TOTAL);
      if (turn) await turn;
    }
  } finally {
    // After a cancel: run the work's own `finally`, which releases the helper thread (the
    // value given to return() is not used).
    work.return(undefined as never);
  }
}

/**
 * The decomposition as a generator that yields its progress (out of EIGEN_PROGRESS_TOTAL)
 * after each pass and returns the spectrum: the same code runs to the end at once
 * (symmetricEigen) or a pass at a time between checkpoints (symmetricEigenAsync).
 */
function* eigenWork(
  a: Float64Array,
  n: number,
  options: EigenOptions,
): Generator<number, Spectrum, void> {
  if (!Number.isInteger(n) || n < 0) throw new FieldError('size', 'must be a whole number ≥ 0');
  if (a.length < n * n) {
    throw new FieldError('hessian', `needs ${n}×${n} entries, got ${a.length}`);
  }
  if (options.threads !== undefined && options.threads !== 1 && options.threads !== 2) {
    throw new FieldError('threads', 'must be 1 or 2');
  }
  const wantVectors = options.vectors === true;
  const values = new Float64Array(n);
  if (n === 0) {
    return {
      values,
      ...(wantVectors ? { vectors: new Float64Array(0) } : {}),
      size: 0,
      method: 'exact',
    };
  }

  // Largest entry of the lower triangle, and the scale 2^k that brings it into [½, 1).
  let max = 0;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j <= i; j++) {
      const x = Math.abs(a[row + j]);
      if (!(x <= max)) {
        if (!Number.isFinite(x)) {
          throw new FieldError('hessian', `entry (${i}, ${j}) is ${a[row + j]}`);
        }
        max = x;
      }
    }
  }
  if (max === 0) {
    // The zero matrix: every eigenvalue 0, the unit vectors as eigenvectors.
    const vectors = wantVectors ? new Float64Array(n * n) : undefined;
    for (let i = 0; vectors && i < n; i++) vectors[i * n + i] = 1;
    return { values, ...(vectors ? { vectors } : {}), size: n, method: 'exact' };
  }
  const scale = powerOfTwoScale(max);

  const L = layoutOf(n, wantVectors);
  const F =
    typeof SharedArrayBuffer === 'function'
      ? new Float64Array(new SharedArrayBuffer(8 * L.size))
      : new Float64Array(L.size);
  for (let i = 0, o = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j <= i; j++) F[o++] = a[row + j] * scale;
  }
  const threads = options.threads ?? (n >= PARALLEL_FROM ? 2 : 1);
  // One helper serves one decomposition at a time: another one (an async one suspended at a
  // checkpoint) runs on this thread alone.
  const worker =
    threads === 2 && !helperBusy && F.buffer instanceof SharedArrayBuffer ? helperWorker() : null;
  const team = worker ? helperTeam(F, L, worker) : soloTeam(F, L);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // Progress: the phases' shares of the work (measured at n ≈ 1500).
  const [tri, acc] = wantVectors ? [130, 300] : [970, 970];
  try {
    const tau = new Float64Array(n);
    for (const done of tridiagonalize(F, L, team, d, e, tau)) yield tri * done;
    if (wantVectors) {
      for (const done of accumulateReflectors(F, L, team, tau)) yield tri + (acc - tri) * done;
    }
    // e[i] couples i − 1 and i; the QL code wants e[i] coupling i and i + 1.
    for (let i = 1; i < n; i++) e[i - 1] = e[i];
    e[n - 1] = 0;
    const sink: RotationSink = {
      F,
      base: (slot) => L.R + 2 * n * slot,
      one: (from, m, slot) => team.run(PASS_ROTATIONS, from, m, slot),
      pair: (from1, from2, m, slot1) => team.run(PASS_ROTATION_PAIR, from1, from2, m, slot1),
    };
    for (const done of implicitQL(d, e, n, wantVectors ? sink : undefined)) {
      yield acc + (EIGEN_PROGRESS_TOTAL - acc) * done;
    }
  } finally {
    team.finish();
  }

  // Ascending order (a stable sort of indices), back to the matrix's scale.
  const order = sortedOrder(d);
  for (let j = 0; j < n; j++) values[j] = d[order[j]] / scale;
  if (!wantVectors) return { values, size: n, method: 'exact' };
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const k = L.Z + order[j];
    const col = j * n;
    let big = 0;
    for (let r = 0; r < n; r++) {
      const x = F[k + r * n];
      vectors[col + r] = x;
      if (Math.abs(x) > Math.abs(big)) big = x;
    }
    // The sign that makes the largest component positive: the same vector from run to run.
    if (big < 0) for (let r = 0; r < n; r++) vectors[col + r] = -vectors[col + r];
  }
  return { values, vectors, size: n, method: 'exact' };
}

/** 2^k with max · 2^k in [½, 1) (k clamped so the scale itself stays finite and normal). */
function powerOfTwoScale(max: number): number {
  return 2 ** Math.max(-1000, Math.min(1000, -Math.ceil(Math.log2(max) + 1e-12)));
}

/** Runs a generator to its end. */
function drain<T>(work: Generator<unknown, T, void>): T {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
  }
}

function sortedOrder(d: Float64Array): Int32Array {
  const n = d.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((x, y) => d[x] - d[y] || x - y);
}

// ---------------------------------------------------------------------------------------------
// The work area: one Float64Array (shared with the helper thread) holds every O(n²) array.

/** Offsets of the regions of the work area. */
interface Layout {
  n: number;
  /** Per column c: [v_c, w_c, u_c, q_c] at X + 4c (the packed triangle is at 0). */
  X: number;
  /** The two halves' partial products B·u. */
  Q0: number;
  Q1: number;
  /** Eigenvectors by rows (n × n): component r of vector k at Z + r·n + k. */
  Z: number;
  /** The accumulation's [v_c, g_c, v′_c] per column. */
  W: number;
  /** The two halves' partial rows g′ = v′ᵀ Q. */
  G0: number;
  G1: number;
  /** Two QL sweeps' rotations: sweep slot s's (c_i, s_i) at R + 2n·s + 2i. */
  R: number;
  /** τ of the reflector being accumulated. */
  TAU: number;
  size: number;
}

function layoutOf(n: number, vectors: boolean): Layout {
  // A cache line between regions that the two threads write, so neither evicts the other's.
  const pad = 8;
  const X = (n * (n + 1)) / 2 + pad;
  const Q0 = X + 4 * n + pad;
  const Q1 = Q0 + n + pad;
  let end = Q1 + n + pad;
  const L = { n, X, Q0, Q1, Z: 0, W: 0, G0: 0, G1: 0, R: 0, TAU: 0, size: 0 };
  if (vectors) {
    L.Z = end;
    L.W = L.Z + n * n + pad;
    L.G0 = L.W + 3 * n + pad;
    L.G1 = L.G0 + n + pad;
    L.R = L.G1 + n + pad;
    end = L.R + 4 * n + pad;
  }
  L.TAU = end;
  L.size = end + pad;
  return L;
}

/** The passes a team runs (their numbers are written out in runPart, which the helper runs). */
const PASS_TRIDIAGONAL = 1;
const PASS_REFLECTOR = 2;
const PASS_ROTATIONS = 3;
const PASS_ROTATION_PAIR = 4;

// ---------------------------------------------------------------------------------------------
// The passes. Each is split into two halves, part 0 and part 1, that write disjoint memory;
// run one after the other or on two threads they give the same numbers. These functions are
// self-contained (no imports, no module constants): the helper thread runs their source.

/** Part `part` of pass `kind` with arguments a, b, c, d (see the PASS_ constants). */
function runPart(
  F: Float64Array,
  L: Layout,
  kind: number,
  a: number,
  b: number,
  c: number,
  d: number,
  part: number,
): void {
  if (kind === 1) {
    // The fused tridiagonalization pass over rows 0..a−1: rows [0, split) into Q0, the rest
    // into Q1 (which must start at 0 where part 0's rows also add).
    const split = splitTriangle(a);
    if (part === 0) {
      tridiagonalRows(F, L.X, L.Q0, 0, split);
    } else {
      for (let col = 0; col < split; col++) F[L.Q1 + col] = 0;
      tridiagonalRows(F, L.X, L.Q1, split, a);
    }
    return;
  }
  if (kind === 2) {
    // Reflector a on Z's leading a × a block (b = 1: also the next reflector's row g′).
    const half = a >> 1;
    if (part === 0) reflectorRows(F, L, L.G0, 0, half, a, b === 1);
    else reflectorRows(F, L, L.G1, half, a, a, b === 1);
    return;
  }
  // QL rotations on half of Z's rows: one sweep (a..b from slot c), or two (a..c from slot d,
  // then b..c from the other slot).
  const half = L.n >> 1;
  const [from, to] = part === 0 ? [0, half] : [half, L.n];
  const slot = (s: number) => L.R + 2 * L.n * s;
  if (kind === 3) rotationRows(F, L.Z, L.n, from, to, a, b, slot(c));
  else if (kind === 4) rotationPairRows(F, L.Z, L.n, from, to, a, b, c, slot(d), slot(1 - d));
}

/** Rows [0, split) hold half of the m(m + 1)/2 entries of the triangle's first m rows. */
function splitTriangle(m: number): number {
  return Math.round(m * Math.SQRT1_2);
}

/**
 * Rows rFrom..rTo−1 of the fused pass (see the file's top): a ← a − (v_r w_c + w_r v_c) with
 * (v, w, u) at F[X + 4c ..], and q = B′u accumulated into F[Q + c]. Four rows at a time so
 * each column's v_c, w_c, u_c, q_c are loaded once for four elements; q_r is first written
 * at row r's diagonal, after every earlier row of this half has added to the earlier q.
 */
function tridiagonalRows(F: Float64Array, X: number, Q: number, rFrom: number, rTo: number): void {
  let r = rFrom;
  // The first (rTo − rFrom) mod 4 rows one at a time, so the blocks of four end at rTo.
  for (const lead = rFrom + ((rTo - rFrom) & 3); r < lead; r++) tridiagonalRow(F, X, Q, r, 0, 0);
  for (; r < rTo; r += 4) {
    const x = X + 4 * r;
    const v0 = F[x];
    const w0 = F[x + 1];
    const u0 = F[x + 2];
    const v1 = F[x + 4];
    const w1 = F[x + 5];
    const u1 = F[x + 6];
    const v2 = F[x + 8];
    const w2 = F[x + 9];
    const u2 = F[x + 10];
    const v3 = F[x + 12];
    const w3 = F[x + 13];
    const u3 = F[x + 14];
    const o0 = (r * (r + 1)) >> 1;
    const o1 = o0 + r + 1;
    const o2 = o1 + r + 2;
    const o3 = o2 + r + 3;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let c = 0, y = X; c < r; c++, y += 4) {
      const vc = F[y];
      const wc = F[y + 1];
      const uc = F[y + 2];
      const a0 = F[o0 + c] - (v0 * wc + w0 * vc);
      const a1 = F[o1 + c] - (v1 * wc + w1 * vc);
      const a2 = F[o2 + c] - (v2 * wc + w2 * vc);
      const a3 = F[o3 + c] - (v3 * wc + w3 * vc);
      F[o0 + c] = a0;
      F[o1 + c] = a1;
      F[o2 + c] = a2;
      F[o3 + c] = a3;
      s0 += a0 * uc;
      s1 += a1 * uc;
      s2 += a2 * uc;
      s3 += a3 * uc;
      F[Q + c] += a0 * u0 + a1 * u1 + (a2 * u2 + a3 * u3);
    }
    // The 4 × 4 triangle on the diagonal, row by row.
    tridiagonalRow(F, X, Q, r, r, s0);
    tridiagonalRow(F, X, Q, r + 1, r, s1);
    tridiagonalRow(F, X, Q, r + 2, r, s2);
    tridiagonalRow(F, X, Q, r + 3, r, s3);
  }
}

/** Row r of the fused pass from column `from` to the diagonal, with its product so far s. */
function tridiagonalRow(
  F: Float64Array,
  X: number,
  Q: number,
  r: number,
  from: number,
  s: number,
): void {
  const o = (r * (r + 1)) >> 1;
  const x = X + 4 * r;
  const vr = F[x];
  const wr = F[x + 1];
  const ur = F[x + 2];
  for (let c = from, y = X + 4 * from; c < r; c++, y += 4) {
    const a = F[o + c] - (vr * F[y + 1] + wr * F[y]);
    F[o + c] = a;
    s += a * F[y + 2];
    F[Q + c] += a * ur;
  }
  const a = F[o + r] - 2 * vr * wr;
  F[o + r] = a;
  F[Q + r] = s + a * ur;
}

/**
 * Rows rFrom..rTo−1 of Q ← Q − τ v g on the leading i × i block of Z (τ at F[TAU], v and g
 * in slots 0 and 1 of W), and with `next` this half's part of g′ = v′ᵀ Q (v′ in slot 2) into
 * F[G ..]. Four rows at a time.
 */
function reflectorRows(
  F: Float64Array,
  L: Layout,
  G: number,
  rFrom: number,
  rTo: number,
  i: number,
  next: boolean,
): void {
  const n = L.n;
  const W = L.W;
  const t = F[L.TAU];
  if (next) for (let c = 0; c < i; c++) F[G + c] = 0;
  if (t === 0) {
    // H = I: only g′.
    for (let r = rFrom; next && r < rTo; r++) {
      const pr = F[W + 3 * r + 2];
      const row = L.Z + r * n;
      for (let c = 0; c < i; c++) F[G + c] += pr * F[row + c];
    }
    return;
  }
  let r = rFrom;
  for (; r + 3 < rTo; r += 4) {
    const row0 = L.Z + r * n;
    const row1 = row0 + n;
    const row2 = row1 + n;
    const row3 = row2 + n;
    const x = W + 3 * r;
    const t0 = t * F[x];
    const t1 = t * F[x + 3];
    const t2 = t * F[x + 6];
    const t3 = t * F[x + 9];
    const p0 = F[x + 2];
    const p1 = F[x + 5];
    const p2 = F[x + 8];
    const p3 = F[x + 11];
    for (let c = 0, y = W + 1; c < i; c++, y += 3) {
      const gc = F[y];
      const a0 = F[row0 + c] - t0 * gc;
      const a1 = F[row1 + c] - t1 * gc;
      const a2 = F[row2 + c] - t2 * gc;
      const a3 = F[row3 + c] - t3 * gc;
      F[row0 + c] = a0;
      F[row1 + c] = a1;
      F[row2 + c] = a2;
      F[row3 + c] = a3;
      F[G + c] += a0 * p0 + a1 * p1 + (a2 * p2 + a3 * p3);
    }
  }
  for (; r < rTo; r++) {
    const row = L.Z + r * n;
    const tr = t * F[W + 3 * r];
    const pr = F[W + 3 * r + 2];
    for (let c = 0, y = W + 1; c < i; c++, y += 3) {
      const a = F[row + c] - tr * F[y];
      F[row + c] = a;
      F[G + c] += a * pr;
    }
  }
}

/**
 * One QL sweep's rotations on rows rFrom..rTo−1 of the n-column matrix at F[Z ..]: for
 * i = m − 1 down to `from`, columns (i, i + 1) ← (c_i z_i − s_i z_{i+1}, s_i z_i + c_i z_{i+1})
 * with (c_i, s_i) at F[R + 2i]. Along a row the new z_i is the next rotation's z_{i+1}, so it
 * stays in a register; four rows go together so each rotation is loaded once for four.
 */
function rotationRows(
  F: Float64Array,
  Z: number,
  n: number,
  rFrom: number,
  rTo: number,
  from: number,
  m: number,
  R: number,
): void {
  if (from >= m) return;
  let r = rFrom;
  for (; r + 3 < rTo; r += 4) {
    const row0 = Z + r * n;
    const row1 = row0 + n;
    const row2 = row1 + n;
    const row3 = row2 + n;
    let f0 = F[row0 + m];
    let f1 = F[row1 + m];
    let f2 = F[row2 + m];
    let f3 = F[row3 + m];
    for (let i = m - 1, y = R + 2 * (m - 1); i >= from; i--, y -= 2) {
      const c = F[y];
      const s = F[y + 1];
      const z0 = F[row0 + i];
      const z1 = F[row1 + i];
      const z2 = F[row2 + i];
      const z3 = F[row3 + i];
      F[row0 + i + 1] = s * z0 + c * f0;
      F[row1 + i + 1] = s * z1 + c * f1;
      F[row2 + i + 1] = s * z2 + c * f2;
      F[row3 + i + 1] = s * z3 + c * f3;
      f0 = c * z0 - s * f0;
      f1 = c * z1 - s * f1;
      f2 = c * z2 - s * f2;
      f3 = c * z3 - s * f3;
    }
    F[row0 + from] = f0;
    F[row1 + from] = f1;
    F[row2 + from] = f2;
    F[row3 + from] = f3;
  }
  for (; r < rTo; r++) {
    const row = Z + r * n;
    let f = F[row + m];
    for (let i = m - 1, y = R + 2 * (m - 1); i >= from; i--, y -= 2) {
      const c = F[y];
      const s = F[y + 1];
      const z = F[row + i];
      F[row + i + 1] = s * z + c * f;
      f = c * z - s * f;
    }
    F[row + from] = f;
  }
}

/**
 * Two consecutive QL sweeps' rotations in one pass over rows rFrom..rTo−1: sweep 1 on columns
 * l1..m (rotations at R1), then sweep 2 on l2..m (l2 ≥ l1, at R2), the same numbers as
 * applying them one after the other. Along a row both run as chains from column m down:
 * sweep 1 turns z into z′ with a one-column delay, and each z′_j goes straight into sweep 2's
 * rotation j, so every element is loaded and stored once for the two rotations.
 */
function rotationPairRows(
  F: Float64Array,
  Z: number,
  n: number,
  rFrom: number,
  rTo: number,
  l1: number,
  l2: number,
  m: number,
  R1: number,
  R2: number,
): void {
  // Sweep 2's rotations j ≥ low take z′_j from sweep 1's rotation j − 1; at j = l1 (when
  // l2 = l1) z′_j is sweep 1's last value instead.
  const low = Math.max(l2, l1 + 1);
  let r = rFrom;
  for (; r + 3 < rTo; r += 4) {
    const row0 = Z + r * n;
    const row1 = row0 + n;
    const row2 = row1 + n;
    const row3 = row2 + n;
    // z′_m, from sweep 1's rotation m − 1: sweep 2's first carried value g.
    let c = F[R1 + 2 * (m - 1)];
    let s = F[R1 + 2 * (m - 1) + 1];
    let z0 = F[row0 + m - 1];
    let z1 = F[row1 + m - 1];
    let z2 = F[row2 + m - 1];
    let z3 = F[row3 + m - 1];
    let f0 = F[row0 + m];
    let f1 = F[row1 + m];
    let f2 = F[row2 + m];
    let f3 = F[row3 + m];
    let g0 = s * z0 + c * f0;
    let g1 = s * z1 + c * f1;
    let g2 = s * z2 + c * f2;
    let g3 = s * z3 + c * f3;
    f0 = c * z0 - s * f0;
    f1 = c * z1 - s * f1;
    f2 = c * z2 - s * f2;
    f3 = c * z3 - s * f3;
    for (let j = m - 1; j >= low; j--) {
      c = F[R1 + 2 * j - 2];
      s = F[R1 + 2 * j - 1];
      z0 = F[row0 + j - 1];
      z1 = F[row1 + j - 1];
      z2 = F[row2 + j - 1];
      z3 = F[row3 + j - 1];
      const x0 = s * z0 + c * f0;
      const x1 = s * z1 + c * f1;
      const x2 = s * z2 + c * f2;
      const x3 = s * z3 + c * f3;
      f0 = c * z0 - s * f0;
      f1 = c * z1 - s * f1;
      f2 = c * z2 - s * f2;
      f3 = c * z3 - s * f3;
      c = F[R2 + 2 * j];
      s = F[R2 + 2 * j + 1];
      F[row0 + j + 1] = s * x0 + c * g0;
      F[row1 + j + 1] = s * x1 + c * g1;
      F[row2 + j + 1] = s * x2 + c * g2;
      F[row3 + j + 1] = s * x3 + c * g3;
      g0 = c * x0 - s * g0;
      g1 = c * x1 - s * g1;
      g2 = c * x2 - s * g2;
      g3 = c * x3 - s * g3;
    }
    if (l2 === l1) {
      // Sweep 2's last rotation, on sweep 1's last value.
      c = F[R2 + 2 * l1];
      s = F[R2 + 2 * l1 + 1];
      F[row0 + l1 + 1] = s * f0 + c * g0;
      F[row1 + l1 + 1] = s * f1 + c * g1;
      F[row2 + l1 + 1] = s * f2 + c * g2;
      F[row3 + l1 + 1] = s * f3 + c * g3;
      F[row0 + l1] = c * f0 - s * g0;
      F[row1 + l1] = c * f1 - s * g1;
      F[row2 + l1] = c * f2 - s * g2;
      F[row3 + l1] = c * f3 - s * g3;
      continue;
    }
    F[row0 + l2] = g0;
    F[row1 + l2] = g1;
    F[row2 + l2] = g2;
    F[row3 + l2] = g3;
    // Below l2 only sweep 1 is left.
    for (let j = l2 - 1; j > l1; j--) {
      c = F[R1 + 2 * j - 2];
      s = F[R1 + 2 * j - 1];
      z0 = F[row0 + j - 1];
      z1 = F[row1 + j - 1];
      z2 = F[row2 + j - 1];
      z3 = F[row3 + j - 1];
      F[row0 + j] = s * z0 + c * f0;
      F[row1 + j] = s * z1 + c * f1;
      F[row2 + j] = s * z2 + c * f2;
      F[row3 + j] = s * z3 + c * f3;
      f0 = c * z0 - s * f0;
      f1 = c * z1 - s * f1;
      f2 = c * z2 - s * f2;
      f3 = c * z3 - s * f3;
    }
    F[row0 + l1] = f0;
    F[row1 + l1] = f1;
    F[row2 + l1] = f2;
    F[row3 + l1] = f3;
  }
  if (r < rTo) {
    rotationRows(F, Z, n, r, rTo, l1, m, R1);
    rotationRows(F, Z, n, r, rTo, l2, m, R2);
  }
}

// ---------------------------------------------------------------------------------------------
// Teams: who runs the two halves of each pass.

interface Team {
  /** Runs both halves of a pass and returns when both are done. */
  run(kind: number, a: number, b: number, c?: number, d?: number): void;
  /** Releases the helper (always called, also after an error). */
  finish(): void;
}

function soloTeam(F: Float64Array, L: Layout): Team {
  return {
    run(kind, a, b, c = 0, d = 0) {
      runPart(F, L, kind, a, b, c, d, 0);
      runPart(F, L, kind, a, b, c, d, 1);
    },
    finish() {},
  };
}

/** The helper's control words (an Int32Array on its own SharedArrayBuffer). */
const GO = 0; // the pass number the helper may start
const DONE = 1; // the pass number the helper finished
const KIND = 2;
const ARG_A = 3;
const ARG_B = 4;
const STATE = 5; // 0: not yet started, 1: attached, −1: the caller took its half, 2: failed
const ARG_C = 6;
const ARG_D = 7;
/** Spins before sleeping on a futex: a pass's halves end within microseconds of each other. */
const SPIN = 2000;
/** How long the caller waits for a helper to start before doing its half itself. */
const ATTACH_MS = 2000;
/** A helper that has not finished a pass in this long is lost. */
const STALL_MS = 60_000;
/** The stretch of work over which the caller judges whether the helper is worth it. */
const WINDOW_MS = 10;

/**
 * The helper's side: attach to a job (unless the caller already gave up on it), then run
 * part 1 of each pass as its number appears in GO, until a pass of kind 0. Self-contained:
 * it runs from its source in the helper thread.
 */
function helperLoop(F: Float64Array, ctl: Int32Array, L: Layout): void {
  if (Atomics.compareExchange(ctl, 5, 0, 1) !== 0) return;
  for (let step = 1; ; step++) {
    // Spin through the caller's O(n) work between passes (microseconds), then sleep.
    for (let k = 0; Atomics.load(ctl, 0) < step; k++) {
      if (k > 20000) Atomics.wait(ctl, 0, step - 1, 5);
    }
    const kind = ctl[2];
    if (kind === 0) return;
    try {
      runPart(F, L, kind, ctl[3], ctl[4], ctl[6], ctl[7], 1);
    } catch {
      Atomics.store(ctl, 5, 2);
    }
    Atomics.store(ctl, 1, step);
    Atomics.notify(ctl, 1);
  }
}

/** The helper thread, started on first use; null where worker threads cannot start. */
let helper: Worker | null | undefined;

function helperWorker(): Worker | null {
  if (helper !== undefined) return helper;
  try {
    const functions = [
      runPart,
      splitTriangle,
      tridiagonalRows,
      tridiagonalRow,
      reflectorRows,
      rotationRows,
      rotationPairRows,
      helperLoop,
    ];
    const run = runPart.name;
    const source = [
      "'use strict';",
      "const { parentPort, workerData } = require('node:worker_threads');",
      ...functions.map(String),
      // Every pass of a whole small decomposition first, on made-up numbers: source that
      // cannot run here (rewritten by an instrumenting tool, say) fails now, as an 'error',
      // not in the middle of a job; and the passes are compiled before the first job needs
      // them at full speed.
      `const L = workerData.check, n = L.n, F = new Float64Array(L.size);`,
      'for (let i = 0; i < L.size; i++) F[i] = 1e-3 * Math.sin(i);',
      'F[L.TAU] = 0.5;',
      'const both = (k, a, b, c, d) => { for (const part of [0, 1]) ' +
        run +
        '(F, L, k, a, b, c, d, part); };',
      'for (let m = n - 1; m >= 2; m--) both(1, m, 0, 0, 0);',
      'for (let i = 2; i < n; i++) both(2, i, i + 1 < n ? 1 : 0, 0, 0);',
      'for (let l = 0; l + 2 < n; l++) { both(3, l, n - 1, 0, 0); both(4, l, l + 1, n - 1, 0); }',
      "parentPort.postMessage('ready');",
      `parentPort.on('message', (job) => ${helperLoop.name}(new Float64Array(job.data), new Int32Array(job.control), job.layout));`,
    ].join('\n');
    const worker = new Worker(source, {
      eval: true,
      workerData: { check: layoutOf(WARM_UP_SIZE, true) },
    });
    helperReady = new Promise((resolve) => {
      // Kept referenced until it is up and checked (so a wait for it keeps the process
      // alive), then unref'd: an idle helper never holds a process open.
      worker.once('message', () => {
        worker.unref();
        resolve(true);
      });
      const lost = () => {
        if (helper === worker) helper = null;
        resolve(false);
      };
      worker.on('error', lost);
      worker.on('exit', lost);
    });
    helper = worker;
  } catch {
    helper = null;
  }
  return helper;
}

/** Settles when the helper has started (true) or could not (false). */
let helperReady: Promise<boolean> = Promise.resolve(false);

/** Passes whose half the helper thread ran, since the module loaded. */
let helperPasses = 0;

/** How many passes the helper thread has shared so far (0 when none could start). */
export function eigenHelperPasses(): number {
  return helperPasses;
}

/** The size of the decompositions that warm up the passes' compiled code on both threads. */
const WARM_UP_SIZE = 160;

/**
 * Gets the eigensolver ready ahead of the first large eigenproblem, whose first passes would
 * otherwise run before V8 has compiled them (and the helper's start-up, tens of milliseconds,
 * would come on top): starts the helper thread, which runs a small decomposition's passes
 * before it says it is ready, and runs one on this thread too (a few milliseconds). Resolves
 * to whether the helper is running.
 */
export async function prepareEigenHelper(): Promise<boolean> {
  const ready = helperWorker() ? await helperReady : false;
  const n = WARM_UP_SIZE;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = Math.cos(i * j + i + j);
  symmetricEigen(a, n, { vectors: true, threads: 1 });
  return ready;
}

/** Waits until ctl[index] ≠ current, briefly (Atomics.wait where this thread may block). */
function pause(ctl: Int32Array, index: number, current: number): void {
  try {
    Atomics.wait(ctl, index, current, 1);
  } catch {
    // A thread that may not block spins.
  }
}

/** A decomposition holds the helper (until its team's finish()). */
let helperBusy = false;

function helperTeam(F: Float64Array, L: Layout, worker: Worker): Team {
  const ctl = new Int32Array(new SharedArrayBuffer(64));
  worker.postMessage({ data: F.buffer, control: ctl.buffer, layout: L });
  helperBusy = true;
  let step = 0;
  let solo = false;
  const both = (kind: number, a: number, b: number, c: number, d: number) => {
    runPart(F, L, kind, a, b, c, d, 0);
    runPart(F, L, kind, a, b, c, d, 1);
  };
  // This thread's time on its halves and waiting for the helper's, over the current window.
  let own = 0;
  let waited = 0;
  let windows = 0;
  /** Windows in a row in which two threads were slower than one. */
  let slow = 0;
  const release = () => {
    ctl[KIND] = 0;
    Atomics.store(ctl, GO, ++step);
    Atomics.notify(ctl, GO);
  };
  return {
    run(kind, a, b, c = 0, d = 0) {
      if (solo) return both(kind, a, b, c, d);
      ctl[KIND] = kind;
      ctl[ARG_A] = a;
      ctl[ARG_B] = b;
      ctl[ARG_C] = c;
      ctl[ARG_D] = d;
      Atomics.store(ctl, GO, ++step);
      Atomics.notify(ctl, GO);
      const t0 = performance.now();
      runPart(F, L, kind, a, b, c, d, 0);
      const t1 = performance.now();
      let started = 0;
      for (let k = 0; Atomics.load(ctl, DONE) !== step; k++) {
        if (k < SPIN) continue;
        started ||= performance.now();
        const idle = performance.now() - started;
        if (idle > ATTACH_MS && Atomics.compareExchange(ctl, STATE, 0, -1) === 0) {
          // The helper never started (busy, or gone): its halves are done here from now on.
          solo = true;
          runPart(F, L, kind, a, b, c, d, 1);
          return;
        }
        if (idle > STALL_MS) throw new Error('the eigensolver’s helper thread stopped');
        pause(ctl, DONE, step - 1);
      }
      if (Atomics.load(ctl, STATE) === 2) throw new Error('the eigensolver’s helper thread failed');
      helperPasses++;
      // A helper that gets no core of its own (a busy machine) only adds hand-overs: when,
      // over two windows in a row of about WINDOW_MS of this thread's work, it waited for
      // the helper longer than it worked (two threads slower than one), it does both halves
      // from then on. The first window is not judged (code may still be warming up). The
      // numbers do not change, only who computes them.
      own += t1 - t0;
      waited += performance.now() - t1;
      if (own >= WINDOW_MS) {
        slow = windows++ > 0 && waited > own ? slow + 1 : 0;
        if (slow === 2) {
          release();
          solo = true;
        }
        own = 0;
        waited = 0;
      }
    },
    finish() {
      helperBusy = false;
      if (!solo) release();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The O(n²) parts, on this thread.

/**
 * Householder tridiagonalization of the packed triangle (see the file's top). Leaves the
 * diagonal in d, the sub-diagonal in e[1..n−1] (e[i] couples i − 1 and i), the reflectors'
 * τ in tau[i] and their v (without the implicit v_{i−1} = 1) in row i of the triangle.
 * Yields the share of its work done after each pass.
 */
function* tridiagonalize(
  F: Float64Array,
  L: Layout,
  team: Team,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
): Generator<number, void, void> {
  const { n, X, Q0, Q1 } = L;
  if (n === 1) {
    d[0] = F[0];
    return;
  }
  if (n > 2) {
    // Step n − 1's product B·v by the fused pass with a zero update.
    let i = n - 1;
    let t = reflect(F, X, i, d, e);
    tau[i] = t;
    for (let c = 0; c < i; c++) {
      F[X + 4 * c] = 0;
      F[X + 4 * c + 1] = 0;
    }
    team.run(PASS_TRIDIAGONAL, i, 0);
    // Step i costs ∝ i²: the work left after it is ∝ i³.
    const cube = n ** 3;
    for (; i >= 2; i--) {
      yield 1 - i ** 3 / cube;
      // v ← u (slot 2 → 0); q = B v from the halves' partial products, into slot 3.
      const split = splitTriangle(i);
      let qv = 0;
      for (let c = 0, x = X; c < i; c++, x += 4) {
        const v = F[x + 2];
        const q = c < split ? F[Q0 + c] + F[Q1 + c] : F[Q1 + c];
        F[x] = v;
        F[x + 3] = q;
        qv += q * v;
      }
      // w = τ q − (τ²/2)(qᵀv) v.
      const k = 0.5 * t * t * qv;
      for (let c = 0, x = X; c < i; c++, x += 4) F[x + 1] = t * F[x + 3] - k * F[x];
      // Row i − 1 of the updated block first: the next reflector is made from it.
      const ro = ((i - 1) * i) >> 1;
      const xr = X + 4 * (i - 1);
      const vr = F[xr];
      const wr = F[xr + 1];
      for (let c = 0, x = X; c < i - 1; c++, x += 4) F[ro + c] -= vr * F[x + 1] + wr * F[x];
      F[ro + i - 1] -= 2 * vr * wr;
      if (i - 1 >= 2) {
        t = reflect(F, X, i - 1, d, e);
        tau[i - 1] = t;
        team.run(PASS_TRIDIAGONAL, i - 1, 0);
      } else {
        F[0] -= 2 * F[X] * F[X + 1];
      }
    }
  }
  d[1] = F[2];
  e[1] = F[1];
  d[0] = F[0];
}

/**
 * The reflector of row i (i ≥ 2): x = the triangle's row i left of the diagonal. Writes v
 * into slot 2 (u) of X for c < i and into row i itself (c < i − 1), d[i] and e[i] = β;
 * returns τ (0 when x is already β e_{i−1}: then u = 0 and the step changes nothing).
 */
function reflect(F: Float64Array, X: number, i: number, d: Float64Array, e: Float64Array): number {
  const o = (i * (i + 1)) >> 1;
  d[i] = F[o + i];
  let sigma = 0;
  for (let c = 0; c < i - 1; c++) sigma += F[o + c] * F[o + c];
  const alpha = F[o + i - 1];
  if (sigma === 0) {
    e[i] = alpha;
    for (let c = 0; c < i; c++) F[X + 4 * c + 2] = 0;
    return 0;
  }
  const norm = Math.sqrt(alpha * alpha + sigma);
  const beta = alpha > 0 ? -norm : norm;
  const s = 1 / (alpha - beta);
  for (let c = 0; c < i - 1; c++) {
    const v = F[o + c] * s;
    F[o + c] = v;
    F[X + 4 * c + 2] = v;
  }
  F[X + 4 * (i - 1) + 2] = 1;
  e[i] = beta;
  return (beta - alpha) / beta;
}

/**
 * Q = H_{n−1} ⋯ H_2 into the rows of Z. Q after H_2..H_{i−1} is the identity outside its
 * leading i × i block, and H_i = I − τ v vᵀ acts on rows 0..i−1: g = vᵀQ (a row), then
 * Q ← Q − τ v g. As in the tridiagonalization, the update of step i and step i + 1's g are one
 * pass; W holds per column c: [v_c, g_c, v′_c]. Yields the share of its work done.
 */
function* accumulateReflectors(
  F: Float64Array,
  L: Layout,
  team: Team,
  tau: Float64Array,
): Generator<number, void, void> {
  const { n, Z, W, G0, G1 } = L;
  for (let i = 0; i < n; i++) F[Z + i * n + i] = 1;
  if (n <= 2) return;
  // Step 2 acts on the identity: g = vᵀ I = v.
  loadReflector(F, W, 2, 0);
  F[W + 1] = F[W];
  F[W + 4] = F[W + 3];
  for (let i = 2; i < n; i++) {
    const next = i + 1 < n;
    if (next) loadReflector(F, W, i + 1, 2);
    F[L.TAU] = tau[i];
    team.run(PASS_REFLECTOR, i, next ? 1 : 0);
    if (!next) break;
    yield (i / n) ** 3;
    // g′ from the halves; row i of Q is still e_i (H_i acts on rows < i): g′_i = v′_i = 1.
    for (let c = 0, x = W; c < i; c++, x += 3) {
      F[x] = F[x + 2];
      F[x + 1] = F[G0 + c] + F[G1 + c];
    }
    F[W + 3 * i] = F[W + 3 * i + 2];
    F[W + 3 * i + 1] = 1;
  }
}

/** Reflector i's v (row i of the triangle left of its last entry, then 1) into slot `slot` of W. */
function loadReflector(F: Float64Array, W: number, i: number, slot: number): void {
  const o = (i * (i + 1)) >> 1;
  for (let c = 0; c < i - 1; c++) F[W + 3 * c + slot] = F[o + c];
  F[W + 3 * (i - 1) + slot] = 1;
}

/**
 * Where a QL run sends its rotations: sweep rotations (c_i, s_i) are written to
 * F[base(slot) + 2i], F[base(slot) + 2i + 1] for one of two slots, then applied by `one`, or
 * two consecutive sweeps over the same block end m by `pair` (one pass over the rows for both:
 * each element is loaded and stored once for two rotations).
 */
interface RotationSink {
  F: Float64Array;
  base(slot: number): number;
  one(from: number, m: number, slot: number): void;
  pair?(from1: number, from2: number, m: number, slot1: number): void;
}

/**
 * Implicit QL with Wilkinson's shift on the tridiagonal (d, e), e[i] coupling i and i + 1
 * (e[n − 1] = 0). Eigenvalues into d (unsorted). With `sink`, the rotations of every sweep
 * are applied through it, in order, and the share of the work done is yielded after each
 * sweep (the rotations of eigenvalue l cost ∝ (n − l) n).
 */
function* implicitQL(
  d: Float64Array,
  e: Float64Array,
  n: number,
  sink?: RotationSink,
): Generator<number, void, void> {
  let sweeps = 0;
  const eps2 = EPS * EPS;
  // Couplings below ε²‖T‖ are dropped whatever their neighbours: a backward error of ε²‖T‖
  // changes nothing visible, and spares sweeps on blocks of (nearly) zero eigenvalues.
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]) + Math.abs(e[i]));
  const floor = eps2 * norm;
  // A sweep whose rotations wait for the next one, to be applied with it as a pair.
  let held: { from: number; m: number; slot: number } | undefined;
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
      const slot = held ? 1 - held.slot : 0;
      const rot = sink?.F;
      const base = sink ? sink.base(slot) : 0;
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
          rot[base + 2 * i] = c;
          rot[base + 2 * i + 1] = s;
        }
      }
      if (sink) {
        const from = underflow ? i + 1 : l;
        if (held && sink.pair && held.m === m && !underflow) {
          // QL's l only grows, so this sweep starts at or below the held one: a pair.
          sink.pair(held.from, from, m, held.slot);
          held = undefined;
        } else {
          if (held) sink.one(held.from, held.m, held.slot);
          held = undefined;
          if (underflow || !sink.pair) sink.one(from, m, slot);
          else held = { from, m, slot };
        }
        yield 1 - ((n - l) / n) ** 2;
      }
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  if (sink && held) sink.one(held.from, held.m, held.slot);
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
  const scale = max === 0 ? 1 : powerOfTwoScale(max);
  const d = new Float64Array(m);
  const e = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    d[i] = diagonal[i] * scale;
    if (i + 1 < m) e[i] = off[i] * scale;
  }
  const full = options.vectors === true;
  const rows = full ? m : rowIndices.length;
  // The tracked rows of the eigenvector matrix (m columns each), then a sweep's rotations.
  const q = new Float64Array(rows * m + 2 * m);
  if (full) for (let i = 0; i < m; i++) q[i * m + i] = 1;
  else {
    rowIndices.forEach((r, k) => {
      if (!Number.isInteger(r) || r < 0 || r >= m) throw new FieldError('rows', `no row ${r}`);
      q[k * m + r] = 1;
    });
  }
  const R = rows * m;
  const sink: RotationSink = {
    F: q,
    base: () => R,
    one: (from, to) => rotationRows(q, 0, m, 0, rows, from, to, R),
  };
  drain(implicitQL(d, e, m, rows > 0 ? sink : undefined));
  const order = sortedOrder(d);
  const values = new Float64Array(m);
  for (let j = 0; j < m; j++) values[j] = d[order[j]] / scale;
  const row = (k: number) => {
    const out = new Float64Array(m);
    for (let j = 0; j < m; j++) out[j] = q[k * m + order[j]];
    return out;
  };
  if (!full) return { values, rows: rowIndices.map((_, k) => row(k)) };
  const vectors = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    for (let r = 0; r < m; r++) vectors[j * m + r] = q[r * m + order[j]];
  }
  return { values, vectors, rows: rowIndices.map((r) => row(r)) };
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
