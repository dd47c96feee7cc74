// Benchmark part "network": LossLab's network lab (tfjs, the backend the engine picks) against
// PyTorch on one thread (its fastest setting on a 2-core machine: two threads were 2–4× slower):
//   (a) training steps/s of a 2-64-64-1 ReLU MLP (full batch of 1,024 points, MSE, Adam) and of
//       a 64-256-256-10 ReLU MLP (batches of 256 digits, cross-entropy, Adam);
//   (b) a 51×51 filter-normalized landscape of the 2-64-64-1 MLP on its 1,024 points, PyTorch's
//       done as Li et al.'s code does it (a loop over grid points setting the weights).
// Both sides get the same data, initial weights, centre and directions (written by LossLab to a
// temporary folder), every measurement runs in a fresh process, and the rounds interleave the
// two sides; the table shows medians of 5.
//
//   node scripts/bench/network.mjs [--rounds 5]      prints a Markdown table
//
// Also a module for `npm run bench` (scripts/bench.mjs): the default export takes its context
// ({ rounds, log }) and resolves with the same Markdown.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { problemA, problemB } from './shared/problems.mjs';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '../..');
// Under node_modules/ so the bundles resolve @tensorflow/* from the project, and three folders
// below the root so the engine finds assets/digits.csv as it does from dist/.
const cache = path.join(root, 'node_modules/.cache/losslab-bench-network');
const engineBundle = path.join(cache, 'network-engine.cjs');
const workerBundle = path.join(cache, 'landscape-worker.js');
const python = '/usr/bin/python3';
const pythonScript = path.join(path.dirname(self), 'network.py');

const TRAIN_A = { warmup: 20, steps: 300 };
const TRAIN_B = { warmup: 10, steps: 150 };
const GRID = 51;

// ---------------------------------------------------------------------------------------------
// The parent: build, prepare the shared data, run the rounds, print the table.

async function bundle() {
  fs.mkdirSync(cache, { recursive: true });
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    external: ['@tensorflow/*'],
    define: { 'import.meta.url': '__import_meta_url' },
    banner: { js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  };
  await build({
    ...common,
    stdin: {
      contents: `
        export { loadBackend } from './electron/engine/backend/select';
        export { customDataset, Rng } from './electron/engine/datasets';
        export { NetworkProblem, NetworkRun } from './electron/engine/network';
        export { computeLandscape, randomDirections } from './electron/engine/landscape';
      `,
      resolveDir: root,
      sourcefile: 'network-bench-entry.ts',
      loader: 'ts',
    },
    outfile: engineBundle,
  });
  await build({
    ...common,
    entryPoints: [path.join(root, 'electron/engine/landscape/worker.ts')],
    outfile: workerBundle,
  });
}

function runNode(args) {
  const r = spawnSync(process.execPath, [self, '--child', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`LossLab ${args[0]} failed: ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function runPython(args) {
  const env = {
    ...process.env,
    OPENBLAS_NUM_THREADS: '1',
    OMP_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
  };
  const r = spawnSync(python, [pythonScript, ...args], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`PyTorch ${args[0]} failed: ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function torchAvailable() {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** `digits` significant digits, with thousands separators where the number is that large. */
function fmt(v, digits = 3) {
  if (v === undefined || Number.isNaN(v)) return '–';
  if (v === 0 || Math.abs(v) < 1e-3) return v === 0 ? '0' : v.toExponential(digits - 1);
  const rounded = Number(v.toPrecision(digits));
  return Math.abs(rounded) >= 1000
    ? rounded.toLocaleString('en', { maximumFractionDigits: 0 })
    : String(rounded);
}

/** Runs the benchmark; resolves with the Markdown report. `log` hears of each round. */
export async function run({ rounds = 5, log = () => {} } = {}) {
  await bundle();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-bench-network-'));
  try {
    const prepared = runNode(['prepare', data]);
    const torch = torchAvailable();
    const load0 = os.loadavg()[0];
    const results = { ll: {}, pt: {} };
    const push = (side, key, value) => (results[side][key] ??= []).push(value);
    const workloads = [
      ['train-mlp', 'train-mlp'],
      ['train-digits', 'train-digits'],
      ['landscape', 'landscape'],
      ['landscape-1', undefined],
    ];
    for (let r = 0; r < rounds; r++) {
      for (const [mine, theirs] of workloads) {
        const sides = [
          () => push('ll', mine, runNode([mine, data])),
          ...(torch && theirs ? [() => push('pt', theirs, runPython([theirs, data]))] : []),
        ];
        // Alternate who goes first, so neither side always runs on a cooler machine.
        if (r % 2) sides.reverse();
        for (const side of sides) side();
      }
      log(`round ${r + 1}/${rounds} done`);
    }
    const load1 = os.loadavg()[0];
    const ll = (key, field) => median(results.ll[key].map((x) => x[field]));
    const pt = (key, field) =>
      results.pt[key] ? median(results.pt[key].map((x) => x[field])) : undefined;
    const backend = results.ll['train-mlp'][0].backend;

    const rows = [];
    const ratio = (a, b) => (a !== undefined && b !== undefined ? a / b : undefined);
    const trainRow = (label, key, goal) => {
      const a = ll(key, 'stepsPerSecond');
      const b = pt(key, 'stepsPerSecond');
      // CPU time (user + system of each process) is less disturbed by other load than wall time.
      const cpu = ratio(ll(key, 'cpuStepsPerSecond'), pt(key, 'cpuStepsPerSecond'));
      const r = ratio(a, b);
      const cell = r === undefined ? undefined : `${fmt(r, 2)}× (CPU time: ${fmt(cpu, 2)}×)`;
      rows.push([label + ' — steps/s', fmt(a), fmt(b), cell, goal]);
    };
    trainRow('A. train MLP 2-64-64-1 ReLU, full batch of 1,024, MSE, Adam', 'train-mlp', '≥ 0.25×');
    trainRow(
      'B. train MLP 64-256-256-10 ReLU, batches of 256 digits, CE, Adam',
      'train-digits',
      '≥ 0.25×',
    );
    const warm = ll('landscape', 'warm');
    const cold = ll('landscape', 'cold');
    const single = ll('landscape-1', 'warm');
    const loop = pt('landscape', 'seconds');
    const faster = (s) => {
      if (loop === undefined) return undefined;
      return loop >= s ? `${fmt(loop / s, 2)}× faster` : `${fmt(s / loop, 2)}× slower`;
    };
    const threads = results.ll.landscape[0].threads;
    rows.push([
      `C. 51×51 landscape of A's MLP on 1,024 points, ${threads} workers — s`,
      fmt(warm),
      fmt(loop),
      faster(warm),
      '≥ 1.5× faster',
    ]);
    rows.push([
      'C. same, first landscape of a process (starts the workers) — s',
      fmt(cold),
      fmt(loop),
      faster(cold),
      '',
    ]);
    rows.push([
      'C. same, in the engine thread only — s',
      fmt(single),
      fmt(loop),
      faster(single),
      '',
    ]);

    const gridDiff = results.pt.landscape
      ? median(results.pt.landscape.map((x) => x.maxDiff))
      : undefined;
    const lossA = [ll('train-mlp', 'loss'), pt('train-mlp', 'loss')];
    const lines = [
      `## Network lab vs PyTorch (tfjs ${backend} backend)`,
      '',
      `| workload | LossLab (tfjs-${backend}) | PyTorch ${torch ?? '(not installed)'}, 1 thread | LossLab / PyTorch | goal |`,
      '|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.map((c) => c ?? '–').join(' | ')} |`),
      '',
      `Median of ${rounds} interleaved rounds, a fresh process for each measurement; ` +
        `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ` +
        `load average ${load0.toFixed(2)} before and ${load1.toFixed(2)} after. ` +
        `Same data, initial weights (${prepared.parametersA.toLocaleString('en')} and ` +
        `${prepared.parametersB.toLocaleString('en')} parameters), centre and directions on both sides.`,
    ];
    if (torch) {
      lines.push(
        `Agreement: A's loss after ${TRAIN_A.warmup + TRAIN_A.steps} Adam steps ` +
          `${fmt(lossA[0], 7)} (LossLab) vs ${fmt(lossA[1], 7)} (PyTorch); ` +
          `largest difference between the two 51×51 grids ${fmt(gridDiff, 2)} ` +
          `(losses ${fmt(prepared.gridMin, 3)} to ${fmt(prepared.gridMax, 3)}).`,
      );
    } else {
      lines.push('PyTorch was not measured: `import torch` failed with /usr/bin/python3.');
    }
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

/** The landscape's centre: A's MLP after 200 Adam steps; directions filter-normalized (seed 0). */
function landscapeSetup(lib, problem) {
  const run = new lib.NetworkRun(problem, {
    runId: 'centre',
    optimizer: { optimizer: 'adam', lr: 1e-2 },
    batchSize: 'full',
  });
  run.advance(200);
  const center = Float64Array.from(run.theta);
  return { center, directions: lib.randomDirections(problem.layout, center, 0) };
}

const write = (dir, name, array) =>
  fs.writeFileSync(path.join(dir, name), Buffer.from(array.buffer));

function timeTraining(lib, problem, batchSize, { warmup, steps }) {
  const run = new lib.NetworkRun(problem, {
    runId: 'bench',
    optimizer: { optimizer: 'adam', lr: 1e-3 },
    batchSize,
  });
  run.advance(warmup);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  run.advance(steps);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return {
    stepsPerSecond: steps / seconds,
    cpuStepsPerSecond: steps / ((cpu.user + cpu.system) / 1e6),
    loss: run.loss.at(run.step - 1),
    status: run.status,
  };
}

async function child(workload, dir) {
  const { lib, tf, backend } = await engine();
  switch (workload) {
    case 'prepare': {
      const a = problemA(lib, tf);
      write(dir, 'a-x.f32', a.dataset.train.x);
      write(dir, 'a-y.f32', a.dataset.train.y);
      write(dir, 'a-theta.f64', a.initialTheta);
      const b = problemB(lib, tf);
      write(dir, 'b-x.f32', b.dataset.train.x);
      write(dir, 'b-y.f32', b.dataset.train.y);
      write(dir, 'b-theta.f64', b.initialTheta);
      const { center, directions } = landscapeSetup(lib, a);
      write(dir, 'c-center.f64', center);
      write(dir, 'c-d1.f64', directions.d1);
      write(dir, 'c-d2.f64', directions.d2);
      const grid = await lib.computeLandscape(a, center, directions, {
        resolution: GRID,
        threads: 0,
      });
      write(dir, 'c-grid.f32', grid.values);
      return {
        backend,
        parametersA: a.layout.size,
        parametersB: b.layout.size,
        gridMin: grid.min,
        gridMax: grid.max,
      };
    }
    case 'train-mlp':
      return { backend, ...timeTraining(lib, problemA(lib, tf), 'full', TRAIN_A) };
    case 'train-digits':
      return { backend, ...timeTraining(lib, problemB(lib, tf), 256, TRAIN_B) };
    case 'landscape':
    case 'landscape-1': {
      const a = problemA(lib, tf);
      const { center, directions } = landscapeSetup(lib, a);
      const threads = workload === 'landscape' ? os.availableParallelism() : 0;
      const options = { resolution: GRID, threads };
      let t0 = performance.now();
      const first = await lib.computeLandscape(a, center, directions, options);
      const cold = (performance.now() - t0) / 1000;
      t0 = performance.now();
      const grid = await lib.computeLandscape(a, center, directions, options);
      const warm = (performance.now() - t0) / 1000;
      if (
        first.values.some(
          (v, i) => v !== grid.values[i] && !(Number.isNaN(v) && Number.isNaN(grid.values[i])),
        )
      ) {
        throw new Error('two landscapes of the same plane differ');
      }
      return { backend, cold, warm, threads: grid.threads, min: grid.min, max: grid.max };
    }
    default:
      throw new Error(`unknown workload ${workload}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const result = await child(args[1], args[2]);
    process.stdout.write(JSON.stringify(result) + '\n');
    // Idle landscape workers are unref'd; nothing else keeps the process alive.
  } else {
    const i = args.indexOf('--rounds');
    const rounds = i >= 0 ? Number(args[i + 1]) : 5;
    const report = await run({ rounds, log: (line) => process.stderr.write(line + '\n') });
    process.stdout.write(report + '\n');
  }
}

export default run;
