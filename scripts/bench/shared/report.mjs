/**
 * What the network, analytic and Hessian benchmarks share to measure PyTorch and report a row:
 * its two OpenBLAS environments, the faster of them per workload, medians, spreads, goal marks
 * and number formats.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const python = '/usr/bin/python3';

/**
 * PyTorch's environments, both on one thread (OpenBLAS, OpenMP, MKL): OpenBLAS's core type and
 * L2 size unset for PyTorch's process only, and set to this environment's values (Haswell and
 * 1 MiB where it has none). Which is faster depends on the workload, so each runs under both.
 */
export function pythonEnvs() {
  const base = {
    ...process.env,
    OPENBLAS_NUM_THREADS: '1',
    OMP_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
  };
  const unset = { ...base };
  delete unset.OPENBLAS_CORETYPE;
  delete unset.OPENBLAS_L2_SIZE;
  const set = {
    ...base,
    OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE || 'Haswell',
    OPENBLAS_L2_SIZE: process.env.OPENBLAS_L2_SIZE || String(2 ** 20),
  };
  return { unset, set };
}

/** PyTorch's version, or undefined when `import torch` fails. */
export function torchVersion() {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Runs a child that prints one JSON object on its last stdout line; returns that object. */
export function runChild(command, args, env = process.env) {
  const r = spawnSync(command, args, { encoding: 'utf8', env, maxBuffer: 256 * 2 ** 20 });
  if (r.status !== 0) {
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** `digits` significant digits, with thousands separators where the number is that large. */
export function fmt(v, digits = 3) {
  if (v === undefined || Number.isNaN(v)) return '–';
  if (v === 0 || Math.abs(v) < 1e-3) return v === 0 ? '0' : v.toExponential(digits - 1);
  const rounded = Number(v.toPrecision(digits));
  return Math.abs(rounded) >= 1000
    ? rounded.toLocaleString('en', { maximumFractionDigits: 0 })
    : String(rounded);
}

/** The rounds' smallest and largest value, "min–max", or "–" without any. */
export function spread(values, format = fmt) {
  if (!values || values.length === 0) return '–';
  return `${format(Math.min(...values))}–${format(Math.max(...values))}`;
}

/**
 * The measurements of one side, a field of each round's result: `values(key, field)` lists them
 * by round, `med(key, field)` is their median (undefined for a side that did not run).
 */
export function samples() {
  const results = {};
  const values = (key, field) => results[key]?.map((x) => (field ? x[field] : x));
  return {
    push: (key, value) => (results[key] ??= []).push(value),
    values,
    med: (key, field) => (results[key] ? median(values(key, field)) : undefined),
  };
}

/**
 * PyTorch's faster environment for a workload, by median, from the sides `pt-unset WORKLOAD` and
 * `pt-set WORKLOAD`: `higher` says whether a larger `field` is faster (a rate) or a smaller one
 * (seconds). Its `key` is the faster side's prefix. Undefined when PyTorch did not run.
 */
export function fasterTorch(s, workload, field, higher) {
  const u = s.med(`pt-unset ${workload}`, field);
  const t = s.med(`pt-set ${workload}`, field);
  if (u === undefined || t === undefined) return undefined;
  const unsetWins = higher ? u >= t : u <= t;
  const [env, value, other] = unsetWins ? ['unset', u, t] : ['set', t, u];
  return { env, value, other, otherEnv: env === 'unset' ? 'set' : 'unset', key: `pt-${env}` };
}

/** A PyTorch cell: the faster setting's median, the other one in brackets (`formatOther`). */
export function torchCell(faster, format = fmt, formatOther = format) {
  if (!faster) return '–';
  return `${format(faster.value)} (core type ${faster.env}; ${formatOther(faster.other)} ${faster.otherEnv})`;
}

/** A goal cell: the goal and whether the medians meet it. */
export function goalCell(goal, met) {
  if (!goal) return '–';
  return met === undefined ? `${goal} (not measured)` : `${goal} ${met ? '✓' : '✗'}`;
}

/** A Markdown table. */
export function markdownTable(columns, rows) {
  return [
    `| ${columns.join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => c ?? '–').join(' | ')} |`),
  ].join('\n');
}
