// Benchmark part "analytic": LossLab's analytic surfaces against PyTorch on one thread:
//   (a) a race of 8 optimizers × 10,000 steps on Rosenbrock from (−1.5, 2), each optimizer an
//       AnalyticRun stepped as the explorer steps it, recording every point (θ, the loss, ∇L,
//       ‖∇L‖, η and η/σ after each step, all kept; the child checks that every point is there),
//       on the preset and on the same function typed as an expression. Goals: at least 1,000×
//       PyTorch's steps/s on the preset and 100× on the expression. Also shown, without goals:
//       each race as the first of a fresh process (JIT warm-up included), and "stepping only",
//       the same steps without a trajectory (the basin-map core with one start per optimizer).
//       PyTorch: one 2-parameter float64 point stepped with torch.optim one step at a time, as a
//       user would write it, keeping only the final point;
//   (b) a 200 × 200-start basin map × 500 Adam steps on Himmelblau, on every core; PyTorch: one
//       (2, 40,000) tensor stepped with torch.optim.Adam on one thread, in float32 and in float64
//       (LossLab computes in float64). Goal: at least PyTorch float32's point-steps/s (≥ 1×).
// Each measurement runs in a fresh process (this file with --child, or analytic_torch.py) and
// reports its peak RSS (process.resourceUsage().maxRSS in Node, worker threads included;
// getrusage's ru_maxrss in Python). PyTorch runs each workload twice a round, with
// OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for its process and set (this environment's
// values, or Haswell and 1 MiB), both with OPENBLAS_NUM_THREADS = OMP_NUM_THREADS =
// MKL_NUM_THREADS = 1; a row compares LossLab with the faster of the two by median and names
// the other in brackets. The rounds interleave the three sides, rotating who goes first, so load
// drifts hit all alike; the table shows medians (✓ or ✗ against the goal) and each side's
// min–max over the rounds.
//
//   node scripts/bench/analytic.mjs [--rounds 5]      prints a Markdown table
//
// Also a module of `npm run bench` (scripts/bench.mjs): the default export takes its context
// ({ rounds, log }) and resolves with the table.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBundle } from './shared/bundle.mjs';
import {
  fasterTorch,
  goalCell,
  markdownTable,
  median,
  python,
  pythonEnvs,
  runChild,
  samples,
  spread,
  torchCell,
  torchVersion,
} from './shared/report.mjs';

const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), '../..');
// Under node_modules/ so the bundles resolve the project's runtime dependencies.
const cache = path.join(root, 'node_modules/.cache/losslab-bench');
const libFile = path.join(cache, 'analytic-lib.cjs');
const workerFile = path.join(cache, 'basins-worker.js');
const torchScript = path.join(path.dirname(here), 'analytic_torch.py');

const RACE_STEPS = 10_000;
const RACE_START = [-1.5, 2];
/** Learning rates that keep every run finite for 10,000 steps from (−1.5, 2). */
const RACE = [
  ['sgd', { optimizer: 'sgd', lr: 2e-4 }],
  ['momentum', { optimizer: 'sgd', lr: 2e-4, momentum: 0.9 }],
  ['nesterov', { optimizer: 'sgd', lr: 2e-4, momentum: 0.9, nesterov: true }],
  ['adagrad', { optimizer: 'adagrad', lr: 0.1 }],
  ['rmsprop', { optimizer: 'rmsprop', lr: 1e-3 }],
  ['adam', { optimizer: 'adam', lr: 1e-2 }],
  ['adamw', { optimizer: 'adamw', lr: 1e-2 }],
  ['rmsprop (lecture)', { optimizer: 'rmsprop', lr: 1e-3, variant: 'lecture' }],
];
const EXPRESSION = {
  expr: '(1 - x)^2 + 100 * (y - x^2)^2',
  domain: [
    [-2, 2],
    [-1, 3],
  ],
};
const MAP = { resolution: 200, steps: 500, lr: 0.05 };
/** Warm races timed per process (their median is reported). */
const WARM_REPEATS = 5;
/**
 * Untimed races between the cold one and the timed ones: a race takes ~25 ms, and V8 needs a
 * few hundred ms of it to settle (a session runs races all the time; PyTorch's race, ~8 s, is
 * at its steady state within its own run).
 */
const WARM_UP = 20;

// ---------------------------------------------------------------- child: one measurement

async function child(workload) {
  const lib = createRequire(import.meta.url)(libFile);
  if (workload === 'race-preset' || workload === 'race-expression') {
    const surface = workload === 'race-preset' ? 'rosenbrock' : EXPRESSION;
    // Compile the expression once, untimed, as the engine caches it for every run.
    lib.resolveSurface(surface);
    const race = () => {
      const t0 = performance.now();
      const finals = [];
      for (const [, optimizer] of RACE) {
        const run = new lib.AnalyticRun({ runId: 'bench', surface, start: RACE_START, optimizer });
        const taken = run.advance(RACE_STEPS);
        if (taken !== RACE_STEPS || run.status !== 'ok') {
          throw new Error(`${optimizer.optimizer} stopped: ${run.status} ${run.reason ?? ''}`);
        }
        const p = run.points.view();
        // Every point recorded: the start and one per step.
        if (p.length !== 3 * (RACE_STEPS + 1) || run.gradNorm.length !== RACE_STEPS + 1) {
          throw new Error(`${optimizer.optimizer} kept ${p.length / 3} points`);
        }
        finals.push([p[p.length - 3], p[p.length - 2]]);
      }
      return { seconds: (performance.now() - t0) / 1000, finals };
    };
    // The same race without recording a trajectory: the update rules and the surface alone,
    // stepped by the basin-map core with one start per optimizer.
    const bare = () => {
      const t0 = performance.now();
      for (const [, optimizer] of RACE) {
        const plan = lib.planBasins({ surface, optimizer, resolution: 2, steps: RACE_STEPS });
        const batch = new lib.BasinsBatch(plan, Float64Array.from(RACE_START));
        batch.advance(RACE_STEPS);
        if (batch.result().labels[0] === -2) throw new Error(`${optimizer.optimizer} diverged`);
      }
      return (performance.now() - t0) / 1000;
    };
    // Cold: the first race of a fresh process, JIT compilation included. Warm: the median of
    // WARM_REPEATS races after WARM_UP more, once V8 has optimized the loop (a session runs
    // many races).
    const cold = race();
    for (let i = 0; i < WARM_UP; i++) race();
    const warm = Array.from({ length: WARM_REPEATS }, race);
    const bareSeconds = Array.from({ length: WARM_UP + WARM_REPEATS }, bare).slice(WARM_UP);
    return {
      steps: RACE_STEPS * RACE.length,
      seconds: median(warm.map((r) => r.seconds)),
      coldSeconds: cold.seconds,
      bareSeconds: median(bareSeconds),
      finals: warm[0].finals,
    };
  }
  if (workload === 'basins') {
    const pool = new lib.BasinsPool(workerFile, os.availableParallelism());
    const spec = {
      surface: 'himmelblau',
      optimizer: { optimizer: 'adam', lr: MAP.lr },
      resolution: MAP.resolution,
      steps: MAP.steps,
    };
    // As the engine and the CLI do: `auto` splits the map into bands for every worker.
    const options = { pool, workers: 'auto' };
    // Cold: the first map pays for starting the worker threads; warm: the next ones do not.
    const cold = await lib.computeBasins(spec, options);
    const maps = [];
    for (let i = 0; i < 3; i++) maps.push(await lib.computeBasins(spec, options));
    const workers = pool.threads;
    await pool.close();
    const warm = maps.sort((a, b) => a.elapsedMs - b.elapsedMs)[1];
    if (warm.workers === 0) throw new Error('the map was not computed on worker threads');
    return {
      pointSteps: MAP.resolution ** 2 * MAP.steps,
      seconds: warm.elapsedMs / 1000,
      coldSeconds: cold.elapsedMs / 1000,
      workers,
      counts: warm.counts,
      minima: warm.minima,
      radius: warm.radius,
      finals: Array.from(warm.finals),
    };
  }
  throw new Error(`unknown workload ${workload}`);
}

// ---------------------------------------------------------------- parent: the table

/**
 * The library code the children time and the basins worker, bundled from source as
 * scripts/build-node.mjs bundles dist/ (runtime dependencies external).
 */
async function bundle() {
  const { build } = await import('esbuild');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const common = nodeBundle([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.optionalDependencies ?? {}),
  ]);
  await build({
    ...common,
    stdin: {
      contents: [
        "export { AnalyticRun } from './electron/engine/labs/explorer/analytic-run';",
        "export { computeBasins } from './electron/engine/labs/basins/compute';",
        "export { BasinsPool } from './electron/engine/labs/basins/pool';",
        "export { BasinsBatch } from './electron/engine/labs/basins/batch';",
        "export { planBasins } from './electron/engine/labs/basins/compute';",
        "export { resolveSurface } from './electron/engine/problems';",
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    outfile: libFile,
  });
  await build({
    ...common,
    entryPoints: [path.join(root, 'electron/engine/hosts/basins-worker.ts')],
    outfile: workerFile,
  });
}

/** Label of each start from its final (x, y): the nearest minimum within the radius, or −1. */
function labelsOf(finals, minima, radius) {
  const labels = new Int16Array(finals.length / 2).fill(-1);
  for (let p = 0; p < labels.length; p++) {
    let best = Infinity;
    minima.forEach(([mx, my], k) => {
      const d = Math.hypot(finals[2 * p] - mx, finals[2 * p + 1] - my);
      if (d <= radius && d < best) {
        best = d;
        labels[p] = k;
      }
    });
  }
  return labels;
}

const fmt = (x, digits = 0) =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const rate = (x) => (x === undefined ? '–' : x >= 1e6 ? `${fmt(x / 1e6, 1)} M` : fmt(x));
const times = (x) => `${fmt(x, x >= 100 ? 0 : x >= 10 ? 1 : 2)}×`;
const mb = (x) => (x === undefined ? '–' : fmt(x));

const runNode = (workload) => runChild(process.execPath, [here, '--child', workload]);

/** Runs the benchmark; resolves with the table. `log` hears of each round. */
export default async function analytic({ rounds = 5, log = () => {} } = {}) {
  await bundle();
  const torch = torchVersion();
  const envs = pythonEnvs();
  const raceSpec = JSON.stringify({
    configs: RACE.map(([, c]) => c),
    start: RACE_START,
    steps: RACE_STEPS,
  });
  const mapArgs = [MAP.resolution, MAP.steps, MAP.lr].map(String);
  const s = samples();
  const load0 = os.loadavg()[0];
  // Each group's sides: LossLab, then PyTorch in each OpenBLAS environment.
  const groups = [
    [
      () => {
        for (const surface of ['preset', 'expression']) {
          const r = runNode(`race-${surface}`);
          s.push(`ll race-${surface}`, {
            ...r,
            rate: r.steps / r.seconds,
            coldRate: r.steps / r.coldSeconds,
            bareRate: r.steps / r.bareSeconds,
          });
        }
      },
      (name, env) => {
        const r = runChild(python, [torchScript, 'race', raceSpec], env);
        s.push(`pt-${name} race`, { ...r, rate: r.steps / r.seconds });
      },
    ],
    [
      () => {
        const m = runNode('basins');
        s.push('ll basins', {
          ...m,
          rate: m.pointSteps / m.seconds,
          coldRate: m.pointSteps / m.coldSeconds,
        });
      },
      (name, env) => {
        for (const dtype of ['float32', 'float64']) {
          const m = runChild(python, [torchScript, 'basins', dtype, ...mapArgs], env);
          s.push(`pt-${name} basins-${dtype}`, { ...m, rate: m.pointSteps / m.seconds });
        }
      },
    ],
  ];
  for (let r = 0; r < rounds; r++) {
    for (const [ours, theirs] of groups) {
      const sides = [ours];
      if (torch)
        for (const [name, env] of Object.entries(envs)) sides.push(() => theirs(name, env));
      // Rotate who goes first, so no side always meets the machine in the same state.
      for (let i = 0; i < sides.length; i++) sides[(i + r) % sides.length]();
    }
    log(`analytic: round ${r + 1}/${rounds} done`);
  }
  const load1 = os.loadavg()[0];

  const rows = [];
  /**
   * A row: LossLab's `field` of side `ll KEY` against PyTorch's rate on `workload` (its faster
   * environment), with `goal` as the least ratio that meets it. `perStep` adds optimizer
   * steps/s to a basin map's point-steps/s (every step moves all its starts).
   */
  const row = (what, key, field, workload, goal, perStep) => {
    const ours = s.med(`ll ${key}`, field);
    const theirs = fasterTorch(s, workload, 'rate', true);
    const ratio = theirs && ours / theirs.value;
    const show = (x) => (perStep ? `${rate(x)} (${fmt(x / perStep)} steps/s)` : rate(x));
    rows.push([
      what,
      show(ours),
      theirs ? torchCell(theirs, show, rate) : 'skipped',
      theirs ? times(ratio) : 'n/a',
      goalCell(goal && `≥ ${fmt(goal)}×`, theirs && ratio >= goal),
      `${spread(s.values(`ll ${key}`, field), rate)} / ${
        theirs ? spread(s.values(`${theirs.key} ${workload}`, 'rate'), rate) : '–'
      }`,
      `${mb(s.med(`ll ${key}`, 'peakRssMb'))} / ${
        theirs ? mb(s.med(`${theirs.key} ${workload}`, 'peakRssMb')) : '–'
      }`,
    ]);
  };
  row(
    '(a) race, 8 optimizers × 10,000 steps, recording every point, Rosenbrock preset — steps/s',
    'race-preset',
    'rate',
    'race',
    1000,
  );
  row(
    '(a) same, typed expression `(1 - x)^2 + 100 * (y - x^2)^2`, recording every point — steps/s',
    'race-expression',
    'rate',
    'race',
    100,
  );
  row(
    '(a) preset race recording every point, first in a fresh process (JIT warm-up included) — steps/s',
    'race-preset',
    'coldRate',
    'race',
  );
  row(
    '(a) expression race, first in a fresh process — steps/s',
    'race-expression',
    'coldRate',
    'race',
  );
  row(
    '(a) preset race, stepping only (rules + surface, no trajectory recorded) — steps/s',
    'race-preset',
    'bareRate',
    'race',
  );
  row('(a) expression race, stepping only — steps/s', 'race-expression', 'bareRate', 'race');
  const maps = s.values('ll basins');
  const perStep = MAP.resolution ** 2;
  row(
    `(b) basin map, 200×200 starts × 500 Adam steps, Himmelblau, ${maps[0].workers} worker threads — point-steps/s vs PyTorch float32`,
    'basins',
    'rate',
    'basins-float32',
    1,
    perStep,
  );
  row(
    '(b) same vs PyTorch float64 (LossLab computes in float64)',
    'basins',
    'rate',
    'basins-float64',
    undefined,
    perStep,
  );
  row(
    '(b) first map of a fresh process (starting the worker threads included) vs float32',
    'basins',
    'coldRate',
    'basins-float32',
    undefined,
    perStep,
  );

  const notes = [
    `LossLab (a): \`AnalyticRun.advance\`, the engine's run; the "recording every point" rows keep every step's point with its loss, ‖∇L‖, ∇L, η and η/σ (80,008 points a race); "stepping only" is the basin-map core with one start, which keeps no trajectory. PyTorch's race keeps only each run's final point, in every (a) row. LossLab (b): \`computeBasins\` on the basins worker bundled from its source as the build does. Headline rows: per process, the median of ${WARM_REPEATS} races (3 maps) after a first, cold one; all timed in-process, excluding Node start-up and module loading. PyTorch: \`scripts/bench/analytic_torch.py\`, timed around its step loop, excluding \`import torch\`.`,
    `Median of ${rounds} interleaved round${rounds === 1 ? '' : 's'}, a fresh process for each measurement; load average ${load0.toFixed(2)} before and ${load1.toFixed(2)} after (${os.cpus().length} cores): other work on the machine slows the two-thread basin map most. PyTorch ran with OpenBLAS's core type and L2 size unset and set (${envs.set.OPENBLAS_CORETYPE} / ${envs.set.OPENBLAS_L2_SIZE}); its column is the faster by median, the other in brackets, and the spread and peak RSS are the faster one's. LossLab's peak RSS is its measuring process's: one process for a surface's three (a) rows, one for the (b) rows (its worker threads included).`,
    `Race learning rates: ${RACE.map(([n, c]) => `${n} ${c.lr}`).join(', ')}; all 8 runs stay finite.`,
  ];
  if (torch) {
    const preset = s.values('ll race-preset', 'finals').at(-1);
    const theirs = s.values('pt-unset race', 'finals').at(-1);
    const gaps = RACE.map(([name], i) => [
      name,
      Math.max(...preset[i].map((v, j) => Math.abs(v - theirs[i][j]))),
    ]);
    const far = gaps.filter(([, gap]) => gap > 1e-9);
    notes.push(
      `Race agreement, final θ after 10,000 steps, LossLab preset vs PyTorch: ${
        far.length === 0
          ? 'every optimizer within 1e-9'
          : `within 1e-9 except ${far.map(([n, g]) => `${n} ${g.toExponential(1)}`).join(', ')}`
      } (last-bit differences — autograd's operation order, PyTorch 1.13 forming Adam's m as β₁m + (1 − β₁)g where LossLab follows torch 2's lerp — grow where a run keeps oscillating around the minimum).`,
    );
    const map = maps.at(-1);
    const torchMap = s.values('pt-unset basins-float64').at(-1);
    const ours = labelsOf(map.finals, map.minima, map.radius);
    const other = labelsOf(torchMap.finals, map.minima, map.radius);
    let same = 0;
    for (let p = 0; p < ours.length; p++) if (ours[p] === other[p]) same++;
    notes.push(
      `Basin agreement: ${fmt(same)} of ${fmt(ours.length)} starts end at the same minimum in LossLab and PyTorch float64 (LossLab counts per minimum: ${map.counts.minima.join(', ')}).`,
    );
  } else {
    notes.push('PyTorch was not measured: `import torch` failed with /usr/bin/python3.');
  }
  return {
    title: 'Analytic surfaces: optimizer race and basin map',
    columns: [
      'workload',
      'LossLab',
      `PyTorch ${torch ?? ''}, 1 thread, faster OpenBLAS setting [other]`,
      'LossLab / PyTorch',
      'goal',
      'spread (min–max), LossLab / PyTorch',
      'peak RSS MB, LossLab / PyTorch',
    ],
    rows,
    notes,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === here) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--child');
  if (i >= 0) {
    const result = await child(args[i + 1]);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(JSON.stringify({ ...result, peakRssMb }) + '\n');
  } else {
    const r = args.indexOf('--rounds');
    const rounds = r >= 0 ? Number(args[r + 1]) : 5;
    if (!Number.isInteger(rounds) || rounds < 1) {
      throw new Error('--rounds must be a positive integer');
    }
    const { title, columns, rows, notes } = await analytic({
      rounds,
      log: (line) => process.stderr.write(line + '\n'),
    });
    process.stdout.write(
      [`## ${title}`, '', markdownTable(columns, rows), '', ...notes.map((n) => `- ${n}`)].join(
        '\n',
      ) + '\n',
    );
  }
}
