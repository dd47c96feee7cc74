// Benchmark part "network": LossLab's network lab (tfjs, the backend the engine picks) against
// PyTorch on one thread (its fastest setting on a 2-core machine: two threads were 2–4× slower):
//   (a) training steps/s of a 2-64-64-1 ReLU MLP (full batch of 1,024 points, MSE, Adam) and of
//       a 64-256-256-10 ReLU MLP (batches of 256 digits, cross-entropy, Adam); the goal for both
//       is PyTorch's steps/s or more (≥ 1×). Each batch is computed in two halves (the app's
//       data-parallel gradient); the goal rows run the second halves on the engine's helper
//       thread, as the app does, and a row each shows the same with both halves in one thread;
//   (b) a 51×51 filter-normalized landscape of the 2-64-64-1 MLP on its 1,024 points on every
//       core, PyTorch's done as Li et al.'s code does it (a loop over grid points setting the
//       weights); the goal is at least 2× faster than that loop, both for a landscape of a
//       process whose workers are running and for its first one (which starts them). The same
//       landscape in the engine thread alone is shown too, without a goal.
// Both sides get the same data, initial weights, centre and directions (written by LossLab to a
// temporary folder). Every measurement runs in a fresh process and reports its peak RSS
// (process.resourceUsage().maxRSS in Node, getrusage's ru_maxrss in Python; a landscape's
// process includes its worker threads). PyTorch runs each workload twice a round, with
// OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for its process and set (this environment's
// values, or Haswell and 1 MiB), both with OPENBLAS_NUM_THREADS = OMP_NUM_THREADS =
// MKL_NUM_THREADS = 1; a row compares LossLab with the faster of the two by median and names
// the other in brackets. The rounds interleave the three sides, rotating who goes first; the
// table shows medians (✓ or ✗ against the goal) and each side's min–max over the rounds.
//
//   node scripts/bench/network.mjs [--rounds 5]      prints a Markdown table
//
// Also a module for `npm run bench` (scripts/bench.mjs): the default export takes its context
// ({ rounds, log }) and resolves with the same Markdown.
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
  goalCell,
  markdownTable,
  python,
  pythonEnvs,
  runChild,
  samples,
  spread,
  torchCell,
  torchVersion,
} from './shared/report.mjs';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '../..');
// Under node_modules/ so the bundles resolve @tensorflow/* from the project, and three folders
// below the root so the engine finds assets/digits.csv as it does from dist/.
const cache = path.join(root, 'node_modules/.cache/losslab-bench-network');
const engineBundle = path.join(cache, 'network-engine.cjs');
const workerBundle = path.join(cache, 'landscape-worker.js');
const pythonScript = path.join(path.dirname(self), 'network.py');

// Warm-ups long enough for steady state on both sides: V8 and XNNPACK settle over the first
// couple of hundred steps (LossLab ran A at 2.3–2.9 ms a step after 20 steps, 1.7 after 300).
const TRAIN_A = { warmup: 300, steps: 300 };
const TRAIN_B = { warmup: 100, steps: 150 };
const GRID = 51;

// ---------------------------------------------------------------------------------------------
// The parent: build, prepare the shared data, run the rounds, print the table.

async function bundle() {
  fs.mkdirSync(cache, { recursive: true });
  const common = nodeBundle(['@tensorflow/*']);
  await build({
    ...common,
    stdin: {
      contents: `
        export { loadBackend } from './electron/engine/backend/select';
        export { customDataset, Rng } from './electron/engine/datasets';
        export { gradientHelper, NetworkProblem, NetworkRun } from './electron/engine/network';
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
  // The training's helper thread, found next to the engine bundle as in dist/engine/.
  await build({
    ...common,
    entryPoints: [path.join(root, 'electron/engine/network/gradient-worker.ts')],
    outfile: path.join(cache, 'gradient-worker.js'),
  });
}

const runNode = (args) => runChild(process.execPath, [self, '--child', ...args]);

/** Runs the benchmark; resolves with the Markdown report. `log` hears of each round. */
export async function run({ rounds = 5, log = () => {} } = {}) {
  await bundle();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-bench-network-'));
  try {
    const prepared = runNode(['prepare', data]);
    const torch = torchVersion();
    const envs = pythonEnvs();
    const load0 = os.loadavg()[0];
    const s = samples();
    // [LossLab's workload, PyTorch's (none: LossLab alone)].
    const workloads = [
      ['train-mlp', 'train-mlp'],
      ['train-mlp-1', undefined],
      ['train-digits', 'train-digits'],
      ['train-digits-1', undefined],
      ['landscape', 'landscape'],
      ['landscape-1', undefined],
    ];
    for (let r = 0; r < rounds; r++) {
      for (const [mine, theirs] of workloads) {
        const sides = [() => s.push(`ll ${mine}`, runNode([mine, data]))];
        if (torch && theirs) {
          for (const [name, env] of Object.entries(envs)) {
            sides.push(() =>
              s.push(`pt-${name} ${theirs}`, runChild(python, [pythonScript, theirs, data], env)),
            );
          }
        }
        // Rotate who goes first, so no side always meets the machine in the same state.
        for (let i = 0; i < sides.length; i++) sides[(i + r) % sides.length]();
      }
      log(`network: round ${r + 1}/${rounds} done`);
    }
    const load1 = os.loadavg()[0];
    const backend = s.values('ll train-mlp')[0].backend;
    const rss = (key) => fmt(s.med(key, 'peakRssMb'));

    const rows = [];
    const trainRow = (label, key) => {
      const ours = s.med(`ll ${key}`, 'stepsPerSecond');
      const theirs = fasterTorch(s, key, 'stepsPerSecond', true);
      const ratio = theirs && ours / theirs.value;
      // CPU time (user + system of each process) is less disturbed by other load than wall time.
      const cpu =
        theirs &&
        s.med(`ll ${key}`, 'cpuStepsPerSecond') /
          s.med(`${theirs.key} ${key}`, 'cpuStepsPerSecond');
      rows.push([
        `${label} — steps/s`,
        fmt(ours),
        torchCell(theirs),
        theirs ? `${fmt(ratio, 2)}× (CPU time: ${fmt(cpu, 2)}×)` : '–',
        goalCell('≥ 1×', theirs && ratio >= 1),
        `${spread(s.values(`ll ${key}`, 'stepsPerSecond'))} / ${
          theirs ? spread(s.values(`${theirs.key} ${key}`, 'stepsPerSecond')) : '–'
        }`,
        `${rss(`ll ${key}`)} / ${theirs ? rss(`${theirs.key} ${key}`) : '–'}`,
      ]);
    };
    const helperNote = (key) => {
      const share = s.med(`ll ${key}`, 'helperShare');
      return `, second halves ${fmt(100 * share, 2)} % on the helper thread`;
    };
    /** The same training with both halves in the engine thread (no helper), against PyTorch. */
    const oneThreadRow = (label, key, theirsKey) => {
      const ours = s.med(`ll ${key}`, 'stepsPerSecond');
      const theirs = fasterTorch(s, theirsKey, 'stepsPerSecond', true);
      rows.push([
        `${label} — steps/s`,
        fmt(ours),
        torchCell(theirs),
        theirs ? `${fmt(ours / theirs.value, 2)}×` : '–',
        '–',
        `${spread(s.values(`ll ${key}`, 'stepsPerSecond'))} / –`,
        `${rss(`ll ${key}`)} / –`,
      ]);
    };
    trainRow(
      `A. train MLP 2-64-64-1 ReLU, full batch of 1,024, MSE, Adam (2 threads${helperNote('train-mlp')})`,
      'train-mlp',
    );
    oneThreadRow(
      'A. same, one thread (both halves in the engine thread)',
      'train-mlp-1',
      'train-mlp',
    );
    trainRow(
      `B. train MLP 64-256-256-10 ReLU, batches of 256 digits, CE, Adam (2 threads${helperNote('train-digits')})`,
      'train-digits',
    );
    oneThreadRow(
      'B. same, one thread (both halves in the engine thread)',
      'train-digits-1',
      'train-digits',
    );

    const loop = fasterTorch(s, 'landscape', 'seconds', false);
    const landscapeRow = (label, key, field, goal) => {
      const ours = s.med(`ll ${key}`, field);
      const speedup = loop && loop.value / ours;
      rows.push([
        `${label} — s`,
        fmt(ours),
        torchCell(loop),
        !loop
          ? '–'
          : speedup >= 1
            ? `${fmt(speedup, 2)}× faster`
            : `${fmt(1 / speedup, 2)}× slower`,
        goalCell(goal && `≥ ${goal}× faster`, loop && speedup >= goal),
        `${spread(s.values(`ll ${key}`, field))} / ${
          loop ? spread(s.values(`${loop.key} landscape`, 'seconds')) : '–'
        }`,
        `${rss(`ll ${key}`)} / ${loop ? rss(`${loop.key} landscape`) : '–'}`,
      ]);
    };
    const threads = s.values('ll landscape')[0].threads;
    landscapeRow(
      `C. 51×51 landscape of A's MLP on 1,024 points, ${threads} workers`,
      'landscape',
      'warm',
      2,
    );
    landscapeRow(
      'C. same, first landscape of a process (starts the workers)',
      'landscape',
      'cold',
      2,
    );
    landscapeRow('C. same, in the engine thread only', 'landscape-1', 'warm', undefined);

    const lines = [
      `## Network lab vs PyTorch (tfjs ${backend} backend)`,
      '',
      markdownTable(
        [
          'workload',
          `LossLab (tfjs-${backend})`,
          `PyTorch ${torch ?? '(not installed)'}, 1 thread, faster OpenBLAS setting [other]`,
          'LossLab / PyTorch',
          'goal',
          'spread (min–max), LossLab / PyTorch',
          'peak RSS MB, LossLab / PyTorch',
        ],
        rows,
      ),
      '',
      `Median of ${rounds} interleaved round${rounds === 1 ? '' : 's'}, a fresh process for each measurement; ` +
        `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ` +
        `load average ${load0.toFixed(2)} before and ${load1.toFixed(2)} after. ` +
        `Same data, initial weights (${prepared.parametersA.toLocaleString('en')} and ` +
        `${prepared.parametersB.toLocaleString('en')} parameters), centre and directions on both sides. ` +
        `PyTorch ran with OpenBLAS's core type and L2 size unset and set (` +
        `${envs.set.OPENBLAS_CORETYPE} / ${envs.set.OPENBLAS_L2_SIZE}); its column is the faster ` +
        `by median, the other in brackets, and the spread and peak RSS are the faster one's. ` +
        `The first two C rows' LossLab peak RSS is one process's (both landscapes, its ` +
        `workers included); the engine-thread row's is its own process's.`,
    ];
    if (torch) {
      const lossA = [s.med('ll train-mlp', 'loss'), s.med('pt-unset train-mlp', 'loss')];
      lines.push(
        `Agreement: A's loss after ${TRAIN_A.warmup + TRAIN_A.steps} Adam steps ` +
          `${fmt(lossA[0], 7)} (LossLab) vs ${fmt(lossA[1], 7)} (PyTorch); ` +
          `largest difference between the two 51×51 grids ${fmt(s.med(`${loop.key} landscape`, 'maxDiff'), 2)} ` +
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

/**
 * Steps/s of Adam at steady state. With `helper`, the engine's helper thread computes second
 * halves of batches (as in the app: each batch is split in two halves either way, see
 * electron/engine/network/parallel.ts), loaded before the warm-up starts.
 */
async function timeTraining(lib, problem, batchSize, { warmup, steps }, helper) {
  if (helper) {
    problem.helper = lib.gradientHelper(problem.tf.getBackend());
    while (problem.helper && !problem.helper.available && !problem.helper.failed) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  const run = new lib.NetworkRun(problem, {
    runId: 'bench',
    optimizer: { optimizer: 'adam', lr: 1e-3 },
    batchSize,
  });
  run.advance(warmup);
  const counts0 = problem.helper?.counts;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  run.advance(steps);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const counts = problem.helper?.counts;
  return {
    stepsPerSecond: steps / seconds,
    cpuStepsPerSecond: steps / ((cpu.user + cpu.system) / 1e6),
    loss: run.loss.at(run.step - 1),
    status: run.status,
    // Halves the helper computed, of the timed steps' second halves.
    helperShare: counts ? (counts.computed - counts0.computed) / steps : 0,
    helperFailed: problem.helper?.failed,
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
    case 'train-mlp-1':
      return {
        backend,
        ...(await timeTraining(lib, problemA(lib, tf), 'full', TRAIN_A, workload === 'train-mlp')),
      };
    case 'train-digits':
    case 'train-digits-1':
      return {
        backend,
        ...(await timeTraining(lib, problemB(lib, tf), 256, TRAIN_B, workload === 'train-digits')),
      };
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
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(JSON.stringify({ ...result, peakRssMb }) + '\n');
    // Idle landscape workers are unref'd; nothing else keeps the process alive.
  } else {
    const i = args.indexOf('--rounds');
    const rounds = i >= 0 ? Number(args[i + 1]) : 5;
    const report = await run({ rounds, log: (line) => process.stderr.write(line + '\n') });
    process.stdout.write(report + '\n');
  }
}

export default run;
