/**
 * The network benchmarks' problems, shared by scripts/bench/network.mjs and hessian.mjs so both
 * measure the same seeded data and networks. `lib` is the child's engine bundle, `tf` its tfjs.
 */

/** A: 1,024 points in 2-D, y = sin(2x₁) cos(x₂) + noise; the MLP 2-64-64-1 (seed 0). */
export function problemA(lib, tf) {
  const rng = new lib.Rng(7);
  const n = 1024;
  const x = new Float64Array(2 * n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = rng.normal();
    x[2 * i + 1] = rng.normal();
    y[i] = Math.sin(2 * x[2 * i]) * Math.cos(x[2 * i + 1]) + 0.1 * rng.normal();
  }
  const dataset = lib.customDataset({
    name: 'bench-a',
    task: 'regression',
    inputDim: 2,
    train: { x, y },
  });
  return new lib.NetworkProblem(tf, dataset, { depth: 2, width: 64, activation: 'relu', seed: 0 });
}

/** B: 1,792 digits (7 batches of 256), the MLP 64-256-256-10 (seed 0). */
export function problemB(lib, tf) {
  return new lib.NetworkProblem(
    tf,
    { kind: 'digits', n: 1792, split: { train: 1, validation: 0, test: 0 } },
    { depth: 2, width: 256, activation: 'relu', seed: 0 },
  );
}
