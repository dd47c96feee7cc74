// `npm run bench`: builds the Node bundles, then runs every scripts/bench/*.mjs module in name
// order and prints each one's table (Markdown). A script, not a test: figures depend on the
// machine and its load; read them as ratios.
//
// A bench module default-exports `async (ctx) => report`, where a report is Markdown text, a
// table { title: string, columns: string[], rows: string[][], notes?: string[] }, or an array of
// either; ctx (below) gives it `rounds`, `log`, child-process helpers and whether PyTorch is here.
// Measure in fresh child processes, interleaving the sides round by round, and report medians.
//
// Options: --rounds N (default 5), --only NAME (run only scripts/bench/NAME.mjs).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const rounds = Number(option('rounds', '5'));
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
const only = option('only', undefined);

const log = (message) => process.stderr.write(`bench: ${message}\n`);

log('building (node scripts/build-node.mjs)');
const built = spawnSync(process.execPath, [path.join(root, 'scripts/build-node.mjs')], {
  cwd: root,
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(built.status ?? 1);

const python = '/usr/bin/python3';
// One thread is PyTorch's fastest setting for these sizes here: two threads were 2–4× slower.
const pythonEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
  encoding: 'utf8',
  env: pythonEnv,
});
const torch =
  probe.status === 0
    ? { available: true, version: probe.stdout.trim(), note: '' }
    : {
        available: false,
        version: '',
        note: `PyTorch skipped: \`${python} -c 'import torch'\` failed (${
          probe.error ? probe.error.message : (probe.stderr || '').trim().split('\n').pop()
        }). On Debian: apt-get install python3-torch libopenblas0-pthread.`,
      };
log(torch.available ? `PyTorch ${torch.version} found` : torch.note);

/** Runs a child that prints one JSON object on its last stdout line; returns that object. */
function runChild(command, argv, env) {
  const child = spawnSync(command, argv, {
    cwd: root,
    encoding: 'utf8',
    env,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (child.status !== 0) {
    throw new Error(
      `${path.basename(command)} ${argv.join(' ')} failed (${child.status}):\n${child.stderr}`,
    );
  }
  const lines = child.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

const ctx = {
  root,
  rounds,
  log,
  torch,
  python,
  /** A fresh `node script ...args` process. */
  runNode: (script, argv = []) => runChild(process.execPath, [script, ...argv], process.env),
  /** A fresh `/usr/bin/python3 script ...args` process, one BLAS/OpenMP thread. */
  runPython: (script, argv = []) => runChild(python, [script, ...argv], pythonEnv),
  median(values) {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  },
};

function printReport(report) {
  if (typeof report === 'string') {
    process.stdout.write(report.trimEnd() + '\n\n');
    return;
  }
  const { title, columns, rows, notes = [] } = report;
  const lines = [`## ${title}`, '', `| ${columns.join(' | ')} |`];
  lines.push(`|${columns.map(() => '---').join('|')}|`);
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  if (notes.length) lines.push('', ...notes.map((n) => `- ${n}`));
  process.stdout.write(lines.join('\n') + '\n\n');
}

const dir = path.join(root, 'scripts/bench');
const modules = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.mjs') && (!only || f === `${only}.mjs`))
  .sort();
if (modules.length === 0) throw new Error(`no bench modules in ${dir}`);

const cpus = os.cpus();
process.stdout.write(
  `# LossLab benchmarks\n\nNode ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, load average ${os.loadavg()[0].toFixed(2)} at the start; ${rounds} interleaved rounds, fresh process per run, medians. ${
    torch.available ? `PyTorch ${torch.version}, 1 thread.` : torch.note
  }\n\n`,
);
let failed = false;
for (const file of modules) {
  log(`running ${file}`);
  try {
    const mod = await import(pathToFileURL(path.join(dir, file)).href);
    const tables = await mod.default(ctx);
    for (const report of Array.isArray(tables) ? tables : [tables]) printReport(report);
  } catch (err) {
    failed = true;
    process.stdout.write(`## ${file}\n\nfailed: ${err.stack ?? err}\n\n`);
  }
}
process.exitCode = failed ? 1 : 0;
