/**
 * What the network lab shows of its data: a problem's description for the client (its data to
 * draw, its layers) and a run's view of the data (decision surface, fitted curve, mistakes).
 */
import type { DatasetSpec, ModelSpec } from '../../../common/network';
import type { NetworkProblemInfo, NetworkSplitData, NetworkView } from '../../../common/protocol';
import type { Domain } from '../../../common/schemas';
import type { SplitName } from '../../datasets';
import type { NetworkProblem, NetworkRun } from '../../network';
import { checkPass } from '../../network/budget';
import type { Msg } from '../lab';

/** Most held-out rows a table's view predicts (a confusion matrix or a scatter of them). */
const MAX_TABLE_VIEW_ROWS = 5000;

/**
 * What the data view shows for a run: its decision surface, fitted curve or mistakes, with the
 * buffers to transfer.
 */
export function dataView(
  run: NetworkRun,
  message: Msg<'net.view'>,
): { view: NetworkView; transfer: ArrayBuffer[] } {
  // The run's own architecture on the lab's data.
  const problem = run.problem;
  const { dataset } = problem;
  let view: NetworkView;
  const transfer: ArrayBuffer[] = [];
  const isTable = dataset.spec.kind === 'csv' || dataset.spec.kind === 'given';
  if (dataset.inputDim === 2) {
    const r = message.resolution;
    checkPass(
      problem.layout,
      r * r,
      false,
      problem.budget,
      `the decision surface at ${r} × ${r} points`,
      'resolution',
      problem.residentBytes,
      ' — ask for a lower resolution',
    );
    const bounds = inputBounds(problem);
    const [[x0, x1], [y0, y1]] = bounds;
    const grid = new Float32Array(2 * r * r);
    for (let j = 0; j < r; j++) {
      for (let i = 0; i < r; i++) {
        grid[2 * (j * r + i)] = x0 + ((x1 - x0) * i) / (r - 1);
        grid[2 * (j * r + i) + 1] = y0 + ((y1 - y0) * j) / (r - 1);
      }
    }
    const probabilities = problem.predict(run.theta, grid);
    view = { kind: 'decision', resolution: r, bounds, classes: dataset.classes, probabilities };
    transfer.push(probabilities.buffer as ArrayBuffer);
  } else if (isTable && !(dataset.task === 'regression' && dataset.inputDim === 1)) {
    // A table of many inputs has no picture of its own: what the run predicts of held-out rows.
    const split = problem.split(message.split);
    const d = dataset.inputDim;
    const n = Math.min(split.n, MAX_TABLE_VIEW_ROWS);
    checkPass(
      problem.layout,
      n,
      false,
      problem.budget,
      `predictions for ${n.toLocaleString('en')} rows`,
      'split',
      problem.residentBytes,
      '',
    );
    const out = problem.predict(run.theta, split.raw.subarray(0, n * d));
    if (dataset.task === 'classification') {
      const k = dataset.classes;
      const confusion = new Int32Array(k * k);
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let c = 1; c < k; c++) if (out[i * k + c] > out[i * k + best]) best = c;
        confusion[split.y[i] * k + best]++;
      }
      view = { kind: 'table', split: message.split, n, total: split.n, confusion };
      transfer.push(confusion.buffer as ArrayBuffer);
    } else {
      const actual = split.y.slice(0, n);
      view = { kind: 'table', split: message.split, n, total: split.n, actual, predicted: out };
      transfer.push(actual.buffer as ArrayBuffer, out.buffer as ArrayBuffer);
    }
  } else if (dataset.task === 'regression') {
    const [[x0, x1]] = inputBounds(problem);
    const count = 200;
    const x = Float32Array.from({ length: count }, (_, i) => x0 + ((x1 - x0) * i) / (count - 1));
    const y = problem.predict(run.theta, x);
    view = { kind: 'curve', x, y };
    transfer.push(x.buffer as ArrayBuffer, y.buffer as ArrayBuffer);
  } else {
    const split = problem.split(message.split);
    const wrong = problem.misclassified(run.theta, message.split, 10_000);
    const shown = wrong.slice(0, 48);
    const d = dataset.inputDim;
    const pixels = new Float32Array(shown.length * d);
    shown.forEach((w, k) => pixels.set(split.raw.subarray(w.index * d, (w.index + 1) * d), k * d));
    view = {
      kind: 'mistakes',
      split: message.split,
      pixels,
      labels: Int32Array.from(shown, (w) => w.label),
      predicted: Int32Array.from(shown, (w) => w.predicted),
      wrong: wrong.length,
      total: split.n,
    };
    transfer.push(pixels.buffer as ArrayBuffer);
  }
  return { view, transfer };
}

/** Bounding box of every split's inputs (2-D), or of x and y (1-D regression), with a margin. */
function inputBounds(problem: NetworkProblem): Domain {
  const { dataset } = problem;
  const pad = (lo: number, hi: number): [number, number] => {
    const m = (hi - lo) * 0.08 || 1;
    return [lo - m, hi + m];
  };
  const range = (stride: number, offset: number): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const split of [dataset.train, dataset.validation, dataset.test]) {
      for (let i = offset; i < split.raw.length; i += stride) {
        const v = split.raw[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return lo <= hi ? pad(lo, hi) : [-1, 1];
  };
  if (dataset.inputDim === 2) return [range(2, 0), range(2, 1)];
  let lo = Infinity;
  let hi = -Infinity;
  for (const split of [dataset.train, dataset.validation, dataset.test]) {
    for (const v of split.y) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [range(1, 0), lo <= hi ? pad(lo, hi) : [-1, 1]];
}

/** What the client is told of a problem: its specs, sizes, layers and data to draw. */
export function describeProblem(
  problem: NetworkProblem,
  dataset: DatasetSpec,
  model: ModelSpec,
): NetworkProblemInfo {
  const d = problem.dataset;
  const split = (name: SplitName): NetworkSplitData => {
    const s = d[name];
    return d.inputDim <= 2
      ? { n: s.n, x: s.raw.slice(), y: s.y.slice() }
      : { n: s.n, y: s.y.slice() };
  };
  return {
    dataset,
    model,
    task: d.task,
    inputDim: d.inputDim,
    classes: d.classes,
    parameters: problem.layout.size,
    layers: problem.layout.tensors.map((t) => ({ name: t.name, shape: [...t.shape] })),
    ...(d.mismatch ? { mismatch: d.mismatch } : {}),
    ...(d.inputs ? { inputs: d.inputs } : {}),
    ...(d.classNames ? { classNames: d.classNames } : {}),
    train: split('train'),
    validation: split('validation'),
    test: split('test'),
    bounds: inputBounds(problem),
  };
}
