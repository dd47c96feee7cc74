// Analytic workloads of `npm run bench` (issue 3):
//   (a) a race of 8 optimizers × 10,000 steps on Rosenbrock from (−1.5, 2), on the preset and on
//       the same function typed as an expression; PyTorch: one 2-parameter point stepped with
//       torch.optim per step, as a user would write it;
//   (b) a 200 × 200-start basin map × 500 Adam steps on Himmelblau, on every core; PyTorch: one
//       (2, 40,000) tensor stepped with torch.optim.Adam on one thread.
// Each measurement runs in a fresh process (this file with --child, or analytic_torch.py);
// rounds interleave the sides so load drifts hit both alike.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), '../..');
const libFile = path.join(root, 'node_modules/.cache/losslab-bench/analytic-lib.cjs');
const workerFile = path.join(root, 'dist/engine/basins-worker.js');

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

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

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
    // the next WARM_REPEATS races, once V8 has optimized the loop (a session runs many races).
    const cold = race();
    const warm = Array.from({ length: WARM_REPEATS }, race);
    const bareSeconds = Array.from({ length: WARM_REPEATS + 1 }, bare).slice(1);
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

if (process.argv[1] && path.resolve(process.argv[1]) === here) {
  const i = process.argv.indexOf('--child');
  if (i < 0) {
    console.error('usage: node scripts/bench/analytic.mjs --child WORKLOAD (run by npm run bench)');
    process.exit(2);
  }
  const result = await child(process.argv[i + 1]);
  process.stdout.write(JSON.stringify(result) + '\n');
}

// ---------------------------------------------------------------- parent: the table

/** The library code the children time, bundled from source like dist/ (runtime deps external). */
async function bundleLibrary() {
  const { build } = await import('esbuild');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  await build({
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
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    external: Object.keys(pkg.dependencies ?? {}),
    define: { 'import.meta.url': '__import_meta_url' },
    banner: { js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
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
const rate = (x) => (x >= 1e6 ? `${fmt(x / 1e6, 1)} M` : fmt(x));
const times = (x) => `${fmt(x, x >= 100 ? 0 : x >= 10 ? 1 : 2)}×`;

export default async function analytic(ctx) {
  await bundleLibrary();
  const self = here;
  const torchScript = path.join(path.dirname(here), 'analytic_torch.py');
  const raceSpec = JSON.stringify({
    configs: RACE.map(([, c]) => c),
    start: RACE_START,
    steps: RACE_STEPS,
  });
  const samples = {};
  const keep = (key, value) => (samples[key] ??= []).push(value);
  let lastLossLabMap;
  let lastTorchMap;
  let lastRace = {};
  const load0 = os.loadavg()[0];
  for (let round = 1; round <= ctx.rounds; round++) {
    ctx.log(`analytic: round ${round}/${ctx.rounds}`);
    const ours = () => {
      for (const surface of ['preset', 'expression']) {
        const r = ctx.runNode(self, ['--child', `race-${surface}`]);
        keep(`race-${surface}`, r.steps / r.seconds);
        keep(`race-${surface}-cold`, r.steps / r.coldSeconds);
        keep(`race-${surface}-bare`, r.steps / r.bareSeconds);
        lastRace[surface] = r.finals;
      }
      const map = ctx.runNode(self, ['--child', 'basins']);
      keep('basins', map.pointSteps / map.seconds);
      keep('basins-cold', map.pointSteps / map.coldSeconds);
      lastLossLabMap = map;
    };
    const theirs = () => {
      if (!ctx.torch.available) return;
      const r = ctx.runPython(torchScript, ['race', raceSpec]);
      keep('torch-race', r.steps / r.seconds);
      lastRace.torch = r.finals;
      for (const dtype of ['float32', 'float64']) {
        const args = ['basins', dtype, MAP.resolution, MAP.steps, MAP.lr].map(String);
        const m = ctx.runPython(torchScript, args);
        keep(`torch-basins-${dtype}`, m.pointSteps / m.seconds);
        if (dtype === 'float64') lastTorchMap = m;
      }
    };
    // Alternate who goes first, so neither side always meets the machine in the same state.
    for (const side of round % 2 ? [ours, theirs] : [theirs, ours]) side();
  }
  const load1 = os.loadavg()[0];

  const med = (key) => (samples[key] ? ctx.median(samples[key]) : undefined);
  const torchRace = med('torch-race');
  const torch32 = med('torch-basins-float32');
  const torch64 = med('torch-basins-float64');
  const vs = (ours, theirs) => (theirs ? times(ours / theirs) : 'n/a');
  const row = (what, ours, theirs, goal = '') => [
    what,
    rate(ours),
    theirs ? rate(theirs) : 'skipped',
    vs(ours, theirs),
    goal,
  ];
  // Basin-map rows also give optimizer steps/s: every step moves all 40,000 starts.
  const mapRow = (what, ours, theirs, goal = '') => {
    const perStep = MAP.resolution ** 2;
    const both = (x) => `${rate(x)} (${fmt(x / perStep)} steps/s)`;
    return [what, both(ours), theirs ? both(theirs) : 'skipped', vs(ours, theirs), goal];
  };
  const rows = [
    row(
      '(a) race, 8 optimizers × 10,000 steps, Rosenbrock preset — steps/s',
      med('race-preset'),
      torchRace,
      '≥ 1,000×',
    ),
    row(
      '(a) same, typed expression `(1 - x)^2 + 100 * (y - x^2)^2` — steps/s',
      med('race-expression'),
      torchRace,
      '≥ 100×',
    ),
    row(
      '(a) preset race, first in a fresh process (JIT warm-up included)',
      med('race-preset-cold'),
      torchRace,
    ),
    row('(a) expression race, first in a fresh process', med('race-expression-cold'), torchRace),
    row(
      '(a) preset race, stepping only (rules + surface, no trajectory recorded)',
      med('race-preset-bare'),
      torchRace,
    ),
    row('(a) expression race, stepping only', med('race-expression-bare'), torchRace),
    mapRow(
      `(b) basin map, 200×200 starts × 500 Adam steps, Himmelblau, ${lastLossLabMap.workers} worker threads — point-steps/s vs PyTorch float32`,
      med('basins'),
      torch32,
      '≥ 1×',
    ),
    mapRow('(b) same vs PyTorch float64 (LossLab computes in float64)', med('basins'), torch64),
    mapRow(
      '(b) first map of a fresh process (starting the worker threads included) vs float32',
      med('basins-cold'),
      torch32,
    ),
  ];

  const notes = [
    `LossLab (a): \`AnalyticRun.advance\`, the engine's run, which records every point with ‖∇L‖, ∇L, η and η/σ; "stepping only" is the basin-map core with one start. LossLab (b): \`computeBasins\` on the built worker bundle (dist/engine/basins-worker.js). Headline rows: per process, the median of 5 races (3 maps) after a first, cold one; all timed in-process, excluding Node start-up and module loading. PyTorch: \`scripts/bench/analytic_torch.py\`, timed around its step loop, excluding \`import torch\`.`,
    `Load average ${load0.toFixed(2)} before and ${load1.toFixed(2)} after (${os.cpus().length} cores): other work on the machine slows the two-thread basin map most.`,
    `Race learning rates: ${RACE.map(([n, c]) => `${n} ${c.lr}`).join(', ')}; all 8 runs stay finite.`,
    `Spread over ${ctx.rounds} rounds (min–max, LossLab): race preset ${spread(samples['race-preset'])}, expression ${spread(samples['race-expression'])}, basin map ${spread(samples.basins)}.`,
  ];
  if (lastRace.torch) {
    const gaps = RACE.map(([name], i) => [
      name,
      Math.max(...lastRace.preset[i].map((v, j) => Math.abs(v - lastRace.torch[i][j]))),
    ]);
    const far = gaps.filter(([, gap]) => gap > 1e-9);
    notes.push(
      `Race agreement, final θ after 10,000 steps, LossLab preset vs PyTorch: ${
        far.length === 0
          ? 'every optimizer within 1e-9'
          : `within 1e-9 except ${far.map(([n, g]) => `${n} ${g.toExponential(1)}`).join(', ')}`
      } (last-bit differences — autograd's operation order, PyTorch 1.13 forming Adam's m as β₁m + (1 − β₁)g where LossLab follows torch 2's lerp — grow where a run keeps oscillating around the minimum).`,
    );
  }
  if (lastTorchMap) {
    const { minima, radius } = lastLossLabMap;
    const ours = labelsOf(lastLossLabMap.finals, minima, radius);
    const theirs = labelsOf(lastTorchMap.finals, minima, radius);
    let same = 0;
    for (let p = 0; p < ours.length; p++) if (ours[p] === theirs[p]) same++;
    notes.push(
      `Basin agreement: ${fmt(same)} of ${fmt(ours.length)} starts end at the same minimum in LossLab and PyTorch float64 (LossLab counts per minimum: ${lastLossLabMap.counts.minima.join(', ')}).`,
    );
  }
  if (!ctx.torch.available) notes.push(ctx.torch.note);
  return {
    title: 'Analytic surfaces: optimizer race and basin map',
    columns: ['workload', 'LossLab', 'PyTorch', 'LossLab / PyTorch', 'goal'],
    rows,
    notes,
  };
}

function spread(values = []) {
  if (values.length === 0) return 'n/a';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return `${rate(lo)}–${rate(hi)}`;
}
