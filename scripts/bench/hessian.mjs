// Benchmark part "hessian": the Hessian engine (tfjs Hessian-vector products, the backend the
// engine picks; eigensolver and Lanczos in plain TypeScript) against PyTorch on one thread:
//   (a) λ_max of the 2-64-64-1 ReLU MLP of the network benchmark (its 1,024 points, MSE, θ after
//       200 Adam steps) by power iteration with 20 Hessian-vector products, PyHessian's way
//       (PyTorch: double backprop through the gradient's graph);
//   (b) every eigenvalue of a 1,443-parameter tanh MLP 8-32-32-3 (softmax cross-entropy, 512
//       points): LossLab builds H from P Hessian-vector products (MlpHessian.applyMany, one chunk
//       of directions at a time) and runs its symmetric eigensolver, values only; PyTorch
//       torch.autograd.functional.hessian and torch.linalg.eigvalsh (float32, its faster
//       setting here). The spectra are compared;
//   (c) an 81-bin SLQ spectral density of the 64-256-256-10 digits MLP (85,002 parameters),
//       PyHessian's density(): 1 Rademacher probe × 100 Lanczos steps with full
//       reorthogonalization, on a batch of 256 digits and on all 1,792.
// Both sides get the same data and θ (written by LossLab to a temporary folder); each
// measurement runs in a fresh process (one untimed run, then the median of a few timed ones),
// with its peak RSS; the rounds interleave the sides. PyTorch runs with OPENBLAS_CORETYPE and
// OPENBLAS_L2_SIZE unset and set (Haswell, 1 MiB, or this environment's values), and is compared
// at the faster of the two.
//
//   node scripts/bench/hessian.mjs [--rounds 5]      prints a Markdown table
//
// Also a module of `npm run bench` (scripts/bench.mjs), which builds first.
import { build } from 'esbuild';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBundle } from './shared/bundle.mjs';
import { problemA, problemB } from './shared/problems.mjs';
import {
  fasterTorch,
  fmt,
  markdownTable,
  median,
  python,
  pythonEnvs,
  runChild,
  samples,
  torchCell,
  torchVersion,
} from './shared/report.mjs';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '../..');
// Under node_modules/ so the bundle resolves @tensorflow/* from the project, and three folders
// below the root so the engine finds assets/digits.csv as it does from dist/.
const cache = path.join(root, 'node_modules/.cache/losslab-bench-hessian');
const engineBundle = path.join(cache, 'hessian-engine.cjs');
const pythonScript = path.join(path.dirname(self), 'hessian.py');

const POWER_HVPS = 20;
const SPECTRUM = { sizes: [8, 32, 32, 3], n: 512 };
const DENSITY = { probes: 1, iterations: 100, bins: 81, batches: [256, 1792] };
/** Timed runs per process, after one untimed run (the median is reported). */
const REPEATS = { power: 5, spectrum: 3, density: 1 };

// ---------------------------------------------------------------------------------------------
// The parent: build, prepare the shared data, run the rounds, print the table.

async function bundle() {
  fs.mkdirSync(cache, { recursive: true });
  await build({
    ...nodeBundle(['@tensorflow/*']),
    stdin: {
      contents: `
        export { loadBackend } from './electron/engine/backend/select';
        export { customDataset, Rng } from './electron/engine/datasets';
        export { NetworkProblem, NetworkRun } from './electron/engine/network';
        export { fromNetwork } from './electron/engine/hessian/hessian-model';
        export { MlpHessian } from './electron/engine/hessian/rop';
        export { makeCheckpoint } from './electron/engine/hessian/checkpoint';
        export { denseHessian } from './electron/engine/hessian/dense';
        export { prepareEigenHelper, symmetricEigenAsync } from './electron/engine/hessian/eigen';
        export { powerIteration } from './electron/engine/hessian/lanczos';
        export { slqDensity } from './electron/engine/hessian/density';
      `,
      resolveDir: root,
      sourcefile: 'hessian-bench-entry.ts',
      loader: 'ts',
    },
    outfile: engineBundle,
  });
}

const runNode = (args) => runChild(process.execPath, [self, '--child', ...args]);

const readF64 = (dir, name) => {
  const b = fs.readFileSync(path.join(dir, name));
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
};

/** Runs the benchmark; resolves with the Markdown report. `log` hears of each round. */
export async function run({ rounds = 5, log = () => {} } = {}) {
  await bundle();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-bench-hessian-'));
  try {
    const prepared = runNode(['prepare', data]);
    const torch = torchVersion();
    const envs = pythonEnvs();
    const load0 = os.loadavg()[0];
    const s = samples();
    const workloads = [
      ['power', ['power']],
      ['spectrum', ['spectrum']],
      ...DENSITY.batches.map((n) => [
        `density-${n}`,
        ['density', n, DENSITY.probes, DENSITY.iterations, DENSITY.bins].map(String),
      ]),
    ];
    for (let r = 0; r < rounds; r++) {
      for (const [key, args] of workloads) {
        const sides = [() => s.push(`ll ${key}`, runNode([...args, data]))];
        if (torch) {
          for (const [name, env] of Object.entries(envs)) {
            const [workload, ...rest] = args;
            sides.push(() =>
              s.push(
                `pt-${name} ${key}`,
                runChild(python, [pythonScript, workload, data, ...rest], env),
              ),
            );
          }
        }
        // Rotate who goes first, so no side always meets the machine in the same state.
        for (let i = 0; i < sides.length; i++) sides[(i + r) % sides.length]();
      }
      log(`hessian: round ${r + 1}/${rounds} done`);
    }
    const load1 = os.loadavg()[0];

    const { med } = s;
    const backend = s.values('ll power')[0].backend;
    /** PyTorch at its faster environment for this workload. */
    const best = (key) => fasterTorch(s, key, 'seconds', false);
    const rows = [];
    const row = (label, key, goal, unit = 's') => {
      const ours = med(`ll ${key}`, 'seconds');
      const theirs = best(key);
      const scale = unit === 'ms' ? 1000 : 1;
      const ratio = theirs ? ours / theirs.value : undefined;
      const rss = (side) => fmt(med(side, 'peakRssMb'));
      rows.push([
        `${label} — ${unit}`,
        fmt(ours * scale),
        torchCell(theirs, (v) => fmt(v * scale)),
        ratio === undefined ? '–' : `${fmt(ratio, 2)}×`,
        goal,
        `${rss(`ll ${key}`)} / ${theirs ? rss(`${theirs.key} ${key}`) : '–'}`,
      ]);
    };
    row(
      `(a) λ_max, power iteration, ${POWER_HVPS} HVPs, 2-64-64-1 ReLU on 1,024 points`,
      'power',
      '≤ 2×',
      'ms',
    );
    row(
      `(b) full spectrum, ${prepared.spectrumParameters.toLocaleString('en')}-parameter tanh 8-32-32-3, CE, ${SPECTRUM.n} points`,
      'spectrum',
      '≤ 1×',
    );
    for (const n of DENSITY.batches) {
      row(
        `(c) SLQ density, ${DENSITY.bins} bins, ${DENSITY.probes} probe × ${DENSITY.iterations} steps, 64-256-256-10 on ${n.toLocaleString('en')} digits`,
        `density-${n}`,
        '≤ 2×',
      );
    }

    // Agreement.
    const notes = [];
    if (torch) {
      const ours = readF64(data, 'spectrum-losslab.f64');
      const theirs = readF64(data, 'spectrum-torch.f64');
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < ours.length; i++) {
        diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
        scale = Math.max(scale, Math.abs(theirs[i]));
      }
      notes.push(
        `Agreement: (a) λ_max ${fmt(med('ll power', 'lambdaMax'), 7)} (LossLab) vs ` +
          `${fmt(med('pt-unset power', 'lambdaMax'), 7)} (PyTorch; different random starts); ` +
          `(b) max |Δλ| / max |λ| = ${fmt(diff / scale, 2)} over ${ours.length.toLocaleString('en')} ` +
          `eigenvalues (λ from ${fmt(theirs[0], 4)} to ${fmt(theirs[theirs.length - 1], 4)}); ` +
          `(c) largest Ritz value ${DENSITY.batches
            .map(
              (n) =>
                `${fmt(med(`ll density-${n}`, 'lambdaMax'), 5)} vs ${fmt(med(`pt-unset density-${n}`, 'lambdaMax'), 5)} (${n})`,
            )
            .join(', ')} (different probes).`,
      );
      const split = (side) =>
        `${fmt(med(side, 'hessianSeconds'), 3)} s + ${fmt(med(side, 'eigenSeconds'), 3)} s`;
      notes.push(
        `(c) LossLab's time in Hessian-vector products and in the Lanczos iteration around them: ${DENSITY.batches
          .map((n) => {
            const all = med(`ll density-${n}`, 'seconds');
            const hvp = med(`ll density-${n}`, 'hvpSeconds');
            return `${fmt(hvp, 3)} s + ${fmt(all - hvp, 3)} s (${n})`;
          })
          .join(', ')}.`,
      );
      const tb = best('spectrum');
      notes.push(
        `(b) split into building H and its eigenvalues: LossLab ${split('ll spectrum')}, ` +
          `PyTorch ${split(`${tb.key} spectrum`)}.`,
      );
    } else {
      notes.push('PyTorch was not measured: `import torch` failed with /usr/bin/python3.');
    }
    const lines = [
      `## Hessian engine vs PyTorch (tfjs ${backend} backend)`,
      '',
      markdownTable(
        [
          'workload',
          `LossLab (tfjs-${backend})`,
          `PyTorch ${torch ?? '(not installed)'}, 1 thread`,
          'LossLab / PyTorch',
          'goal',
          'peak RSS MB, LossLab / PyTorch',
        ],
        rows,
      ),
      '',
      `Median of ${rounds} interleaved rounds, a fresh process for each measurement (one untimed ` +
        `run, then the median of ${REPEATS.power}, ${REPEATS.spectrum} and ${REPEATS.density} ` +
        `timed ones for (a), (b), (c)); ${os.cpus().length} cores ` +
        `(${os.cpus()[0]?.model ?? 'unknown CPU'}), load average ${load0.toFixed(2)} before and ` +
        `${load1.toFixed(2)} after. Same data and θ on both sides. PyTorch's column is its faster ` +
        `OpenBLAS setting (core type and L2 size unset, or set to ` +
        `${envs.set.OPENBLAS_CORETYPE} / ${envs.set.OPENBLAS_L2_SIZE}), the other in brackets.`,
      ...notes,
    ];
    return lines.join('\n');
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The children: one measurement each, printing one line of JSON.

async function engine() {
  const lib = createRequire(import.meta.url)(engineBundle);
  const { tf, report } = await lib.loadBackend();
  return { lib, tf, backend: report.backend };
}

/** (b)'s problem: 512 Gaussian points in 8-D, 3 classes by a random linear teacher, tanh 32-32. */
function problemSpectrum(lib, tf) {
  const rng = new lib.Rng(11);
  const [d, k] = [SPECTRUM.sizes[0], SPECTRUM.sizes[3]];
  const n = SPECTRUM.n;
  const teacher = Array.from({ length: d * k }, () => rng.normal());
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = rng.normal();
    let top = 0;
    let best = -Infinity;
    for (let c = 0; c < k; c++) {
      let z = 0.5 * rng.normal();
      for (let j = 0; j < d; j++) z += teacher[c * d + j] * x[i * d + j];
      if (z > best) [best, top] = [z, c];
    }
    y[i] = top;
  }
  const dataset = lib.customDataset({
    name: 'bench-spectrum',
    task: 'classification',
    inputDim: d,
    classes: k,
    train: { x, y },
  });
  return new lib.NetworkProblem(tf, dataset, {
    depth: 2,
    width: SPECTRUM.sizes[1],
    activation: 'tanh',
    seed: 0,
  });
}

const write = (dir, name, array) =>
  fs.writeFileSync(
    path.join(dir, name),
    Buffer.from(array.buffer, array.byteOffset, array.byteLength),
  );

function timed(repeats, fn) {
  return (async () => {
    await fn(); // untimed: first-call costs (allocations, kernel compilation)
    const seconds = [];
    let result;
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      result = await fn();
      seconds.push((performance.now() - t0) / 1000);
    }
    return { seconds: median(seconds), result };
  })();
}

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/** The Hessian operator of a problem's loss at θ on (the first n of) its training data. */
function operator(lib, problem, theta, n) {
  const data = lib.fromNetwork(problem, undefined, 'train');
  let { x, y } = data;
  if (n !== undefined && n < data.n) {
    x = x.subarray(0, (x.length / data.n) * n);
    y = y.subarray(0, (y.length / data.n) * n);
  } else n = data.n;
  return new lib.MlpHessian(problem.tf, data.model, theta, { x, y, n });
}

async function child(workload, args) {
  const dir = args[args.length - 1];
  const { lib, tf, backend } = await engine();
  const checkpoint = lib.makeCheckpoint({});
  const read = (name) => {
    const b = fs.readFileSync(path.join(dir, name));
    return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  switch (workload) {
    case 'prepare': {
      const a = problemA(lib, tf);
      write(dir, 'a-x.f32', a.dataset.train.x);
      write(dir, 'a-y.f32', a.dataset.train.y);
      // The network benchmark's landscape centre: 200 full-batch Adam steps at η = 0.01.
      const run = new lib.NetworkRun(a, {
        runId: 'centre',
        optimizer: { optimizer: 'adam', lr: 1e-2 },
        batchSize: 'full',
      });
      run.advance(200);
      write(dir, 'power-theta.f64', Float64Array.from(run.theta));
      const s = problemSpectrum(lib, tf);
      write(dir, 's-x.f32', s.dataset.train.x);
      write(dir, 's-y.f32', s.dataset.train.y);
      write(dir, 's-theta.f64', s.initialTheta);
      const b = problemB(lib, tf);
      write(dir, 'b-x.f32', b.dataset.train.x);
      write(dir, 'b-y.f32', b.dataset.train.y);
      write(dir, 'b-theta.f64', b.initialTheta);
      return {
        backend,
        powerParameters: a.layout.size,
        spectrumParameters: s.layout.size,
        densityParameters: b.layout.size,
      };
    }
    case 'power': {
      const problem = problemA(lib, tf);
      const theta = read('power-theta.f64');
      const { seconds, result } = await timed(REPEATS.power, async () => {
        const op = operator(lib, problem, theta);
        try {
          return await lib.powerIteration(
            op,
            { iterations: POWER_HVPS, tol: 0, seed: 0 },
            checkpoint,
          );
        } finally {
          op.dispose();
        }
      });
      return { backend, seconds, lambdaMax: result.value, hvps: result.iterations };
    }
    case 'spectrum': {
      const problem = problemSpectrum(lib, tf);
      const theta = read('s-theta.f64');
      const parts = { hessian: [], eigen: [] };
      // The eigensolver's second thread, started before the clock (as the lab's worker does).
      await lib.prepareEigenHelper();
      const { seconds, result } = await timed(REPEATS.spectrum, async () => {
        const t0 = performance.now();
        const op = operator(lib, problem, theta);
        let h;
        try {
          h = await op.dense(checkpoint);
        } finally {
          op.dispose();
        }
        const t1 = performance.now();
        const spectrum = await lib.symmetricEigenAsync(h, theta.length, {}, checkpoint);
        parts.hessian.push((t1 - t0) / 1000);
        parts.eigen.push((performance.now() - t1) / 1000);
        return spectrum.values;
      });
      write(dir, 'spectrum-losslab.f64', Float64Array.from(result));
      return {
        backend,
        seconds,
        hessianSeconds: median(parts.hessian.slice(1)),
        eigenSeconds: median(parts.eigen.slice(1)),
        parameters: theta.length,
      };
    }
    case 'density': {
      const [n, probes, iterations, bins] = args.slice(0, 4).map(Number);
      const problem = problemB(lib, tf);
      const theta = read('b-theta.f64');
      let hvpSeconds = 0;
      const { seconds, result } = await timed(REPEATS.density, async () => {
        const op = operator(lib, problem, theta, n);
        // The time in Hessian-vector products, to tell it from the Lanczos iteration's own.
        const apply = op.apply.bind(op);
        hvpSeconds = 0;
        op.apply = (v, out) => {
          const t0 = performance.now();
          apply(v, out);
          hvpSeconds += (performance.now() - t0) / 1000;
        };
        try {
          return await lib.slqDensity(op, { probes, iterations, bins, seed: 0 }, checkpoint);
        } finally {
          op.dispose();
        }
      });
      let [top, bottom] = [-Infinity, Infinity];
      for (const nodes of result.nodes) {
        for (const v of nodes) [top, bottom] = [Math.max(top, v), Math.min(bottom, v)];
      }
      // With one timed run (REPEATS.density), hvpSeconds is that run's.
      return { backend, seconds, hvpSeconds, lambdaMax: top, lambdaMin: bottom, examples: n };
    }
    default:
      throw new Error(`unknown workload ${workload}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const result = await child(args[1], args.slice(2));
    process.stdout.write(JSON.stringify({ ...result, peakRssMb: peakRssMb() }) + '\n');
  } else {
    const i = args.indexOf('--rounds');
    const rounds = i >= 0 ? Number(args[i + 1]) : 5;
    const report = await run({ rounds, log: (line) => process.stderr.write(line + '\n') });
    process.stdout.write(report + '\n');
  }
}

export default run;
