;; LossLab's vector kernels: the passes that stream a Krylov basis, in WebAssembly SIMD.
;;
;; V8 does not vectorize JavaScript loops; these run two float64 lanes per instruction and, for
;; the basis passes, four basis vectors per sweep over w (one load and store of w per four), so
;; they are bound by memory traffic instead of by instructions: a Gram-Schmidt pass against 100
;; vectors of 85,002 numbers took 3.4 ms here against 19-21 ms for the plain-JS loops (2026-12-07;
;; scripts/bench/hessian.mjs reports the Lanczos time outside the Hessian-vector products).
;;
;; Layout (all offsets in bytes, all arrays float64): a vector's length `n` here is its
;; stride, always even; callers keep the padding entry (index n - 1 of an odd-length vector's
;; stride) at zero, so it adds nothing to a sum and stays zero under every update.
;; `basis` holds `count` vectors one after another (vector j at basis + j * n * 8).
;;
;; Assembled by scripts/build-kernels.mjs into vector-wasm.ts (test/unit/kernels.test.ts
;; checks that the two agree). Exports:
;;   dot(a, b, n) -> f64                    a . b
;;   axpy(t, x, y, n)                       y <- y + t x
;;   scale(t, x, n)                         x <- t x
;;   project(basis, count, n, w, h)         h[j] <- q_j . w    for j < count, count % 4 == 0
;;   subtract(basis, count, n, h, w)        w <- w - sum_j h[j] q_j   (same)
(module
  (memory (export "memory") 1)

  (func (export "dot") (param $a i32) (param $b i32) (param $n i32) (result f64)
    (local $i i32) (local $end i32) (local $s0 v128) (local $s1 v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    ;; Two accumulators (four lanes) so consecutive adds do not wait on each other.
    (block $b4 (loop $l4
      (br_if $b4 (i32.gt_u (i32.add (local.get $i) (i32.const 32)) (local.get $end)))
      (local.set $s0 (f64x2.add (local.get $s0)
        (f64x2.mul (v128.load (i32.add (local.get $a) (local.get $i)))
                   (v128.load (i32.add (local.get $b) (local.get $i))))))
      (local.set $s1 (f64x2.add (local.get $s1)
        (f64x2.mul (v128.load offset=16 (i32.add (local.get $a) (local.get $i)))
                   (v128.load offset=16 (i32.add (local.get $b) (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 32)))
      (br $l4)))
    (if (i32.lt_u (local.get $i) (local.get $end))
      (then
        (local.set $s0 (f64x2.add (local.get $s0)
          (f64x2.mul (v128.load (i32.add (local.get $a) (local.get $i)))
                     (v128.load (i32.add (local.get $b) (local.get $i))))))))
    (local.set $s0 (f64x2.add (local.get $s0) (local.get $s1)))
    (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0))))

  (func (export "axpy") (param $t f64) (param $x i32) (param $y i32) (param $n i32)
    (local $i i32) (local $end i32) (local $tt v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (local.set $tt (f64x2.splat (local.get $t)))
    (block $b (loop $l
      (br_if $b (i32.ge_u (local.get $i) (local.get $end)))
      (v128.store (i32.add (local.get $y) (local.get $i))
        (f64x2.add (v128.load (i32.add (local.get $y) (local.get $i)))
          (f64x2.mul (local.get $tt) (v128.load (i32.add (local.get $x) (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l))))

  (func (export "scale") (param $t f64) (param $x i32) (param $n i32)
    (local $i i32) (local $end i32) (local $tt v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (local.set $tt (f64x2.splat (local.get $t)))
    (block $b (loop $l
      (br_if $b (i32.ge_u (local.get $i) (local.get $end)))
      (v128.store (i32.add (local.get $x) (local.get $i))
        (f64x2.mul (local.get $tt) (v128.load (i32.add (local.get $x) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l))))

  (func (export "project") (param $basis i32) (param $count i32) (param $n i32) (param $w i32) (param $h i32)
    (local $j i32) (local $i i32) (local $stride i32) (local $at i32)
    (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $x v128)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $j) (local.get $count)))
      (local.set $q0 (i32.add (local.get $basis) (i32.mul (local.get $j) (local.get $stride))))
      (local.set $q1 (i32.add (local.get $q0) (local.get $stride)))
      (local.set $q2 (i32.add (local.get $q1) (local.get $stride)))
      (local.set $q3 (i32.add (local.get $q2) (local.get $stride)))
      (local.set $s0 (v128.const f64x2 0 0))
      (local.set $s1 (v128.const f64x2 0 0))
      (local.set $s2 (v128.const f64x2 0 0))
      (local.set $s3 (v128.const f64x2 0 0))
      (local.set $i (i32.const 0))
      (block $b (loop $l
        (br_if $b (i32.ge_u (local.get $i) (local.get $stride)))
        (local.set $x (v128.load (i32.add (local.get $w) (local.get $i))))
        (local.set $s0 (f64x2.add (local.get $s0)
          (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $q0) (local.get $i))))))
        (local.set $s1 (f64x2.add (local.get $s1)
          (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $q1) (local.get $i))))))
        (local.set $s2 (f64x2.add (local.get $s2)
          (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $q2) (local.get $i))))))
        (local.set $s3 (f64x2.add (local.get $s3)
          (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $q3) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l)))
      (local.set $at (i32.add (local.get $h) (i32.shl (local.get $j) (i32.const 3))))
      (f64.store (local.get $at)
        (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0))))
      (f64.store offset=8 (local.get $at)
        (f64.add (f64x2.extract_lane 0 (local.get $s1)) (f64x2.extract_lane 1 (local.get $s1))))
      (f64.store offset=16 (local.get $at)
        (f64.add (f64x2.extract_lane 0 (local.get $s2)) (f64x2.extract_lane 1 (local.get $s2))))
      (f64.store offset=24 (local.get $at)
        (f64.add (f64x2.extract_lane 0 (local.get $s3)) (f64x2.extract_lane 1 (local.get $s3))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $rows))))

  (func (export "subtract") (param $basis i32) (param $count i32) (param $n i32) (param $h i32) (param $w i32)
    (local $j i32) (local $i i32) (local $stride i32) (local $at i32)
    (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32)
    (local $h0 v128) (local $h1 v128) (local $h2 v128) (local $h3 v128)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $j) (local.get $count)))
      (local.set $q0 (i32.add (local.get $basis) (i32.mul (local.get $j) (local.get $stride))))
      (local.set $q1 (i32.add (local.get $q0) (local.get $stride)))
      (local.set $q2 (i32.add (local.get $q1) (local.get $stride)))
      (local.set $q3 (i32.add (local.get $q2) (local.get $stride)))
      (local.set $at (i32.add (local.get $h) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $h0 (v128.load64_splat (local.get $at)))
      (local.set $h1 (v128.load64_splat offset=8 (local.get $at)))
      (local.set $h2 (v128.load64_splat offset=16 (local.get $at)))
      (local.set $h3 (v128.load64_splat offset=24 (local.get $at)))
      (local.set $i (i32.const 0))
      (block $b (loop $l
        (br_if $b (i32.ge_u (local.get $i) (local.get $stride)))
        (v128.store (i32.add (local.get $w) (local.get $i))
          (f64x2.sub (v128.load (i32.add (local.get $w) (local.get $i)))
            (f64x2.add
              (f64x2.add
                (f64x2.mul (local.get $h0) (v128.load (i32.add (local.get $q0) (local.get $i))))
                (f64x2.mul (local.get $h1) (v128.load (i32.add (local.get $q1) (local.get $i)))))
              (f64x2.add
                (f64x2.mul (local.get $h2) (v128.load (i32.add (local.get $q2) (local.get $i))))
                (f64x2.mul (local.get $h3) (v128.load (i32.add (local.get $q3) (local.get $i))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $rows)))))
