/**
 * The gradient helper thread (bundle: dist/engine/gradient-worker.js; see parallel.ts): loads
 * its own tfjs on the engine's backend, then waits on the shared control block and computes
 * the second half of each batch it is handed, with the same code the engine thread computes
 * the first half with (NetworkProblem and Mlp.partialGradient), so a half is the same bits
 * wherever it runs. It never returns to its event loop once loaded: data and models arrive on
 * its port and are read synchronously when a step wakes it.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { loadBackend } from '../backend/select';
import type { Dataset, DataSplit } from '../datasets';
import { disposeBatch, NetworkProblem } from './problem';
import { CTRL, STATE, type FromHelper, type ToHelper } from './parallel';

const {
  port,
  ctrl: ctrlBuffer,
  backend,
} = workerData as {
  port: MessagePort;
  ctrl: SharedArrayBuffer;
  backend: 'wasm' | 'cpu';
};
const ctrl = new Int32Array(ctrlBuffer);

let theta: Float32Array<ArrayBufferLike> = new Float32Array(0);
let indices: Int32Array<ArrayBufferLike> = new Int32Array(0);
let masks: Float32Array<ArrayBufferLike> = new Float32Array(0);
let out: Float32Array<ArrayBufferLike> = new Float32Array(0);
let result: Float64Array<ArrayBufferLike> = new Float64Array(2);
/** Each dataset's problem (the first model asked for on it; others share its data). */
const data = new Map<number, { dataset: Dataset; problem?: NetworkProblem }>();
const models = new Map<number, NetworkProblem>();

let tf: Awaited<ReturnType<typeof loadBackend>>['tf'];

void main();

/** Loads tfjs, says so, then computes every half it is handed until told to quit. */
async function main(): Promise<void> {
  tf = (await loadBackend({ force: backend, allowNative: false })).tf;
  Atomics.store(ctrl, CTRL.ready, 1);
  for (;;) {
    const seen = Atomics.load(ctrl, CTRL.state);
    if (seen === STATE.quit) break;
    // Take an offered half, unless the engine thread took it back first; otherwise sleep until
    // the state changes (a half is offered with a notify).
    if (seen !== STATE.work) {
      Atomics.wait(ctrl, CTRL.state, seen);
      continue;
    }
    if (Atomics.compareExchange(ctrl, CTRL.state, STATE.work, STATE.busy) !== STATE.work) continue;
    try {
      let message;
      while ((message = receiveMessageOnPort(port))) take(message.message as ToHelper);
      computeHalf();
      Atomics.store(ctrl, CTRL.state, STATE.done);
    } catch (err) {
      port.postMessage({ type: 'error', message: (err as Error).message } satisfies FromHelper);
      Atomics.store(ctrl, CTRL.state, STATE.failed);
    }
    Atomics.notify(ctrl, CTRL.state);
  }
  port.close();
}

/** Applies a message from the engine thread. */
function take(message: ToHelper): void {
  switch (message.type) {
    case 'buffers':
      theta = new Float32Array(message.theta);
      indices = new Int32Array(message.indices);
      masks = new Float32Array(message.masks);
      out = new Float32Array(message.out);
      result = new Float64Array(message.result);
      return;
    case 'data': {
      const d = message.dataset;
      const empty = (name: 'validation' | 'test'): DataSplit => ({
        name,
        n: 0,
        x: new Float32Array(0),
        raw: new Float32Array(0),
        y: new Float32Array(0),
      });
      data.set(message.id, {
        dataset: {
          spec: { kind: 'custom', name: 'helper' },
          task: d.task,
          inputDim: d.inputDim,
          classes: d.classes,
          outputDim: d.outputDim,
          train: { name: 'train', n: d.n, x: d.x, raw: new Float32Array(0), y: d.y },
          validation: empty('validation'),
          test: empty('test'),
          mean: new Float64Array(d.inputDim),
          std: new Float64Array(d.inputDim).fill(1),
        },
      });
      return;
    }
    case 'model': {
      const entry = data.get(message.data);
      if (!entry) throw new Error(`no data ${message.data} for model ${message.id}`);
      entry.problem ??= new NetworkProblem(tf, entry.dataset, message.model);
      models.set(message.id, entry.problem.architecture(message.model));
      return;
    }
    case 'forget': {
      const entry = data.get(message.data);
      data.delete(message.data);
      if (!entry?.problem) return;
      for (const [id, problem] of models) {
        if (problem.dataset === entry.dataset) models.delete(id);
      }
      entry.problem.dispose();
      return;
    }
  }
}

/** The half the control block describes, into the shared result and gradient. */
function computeHalf(): void {
  const problem = models.get(ctrl[CTRL.model]);
  if (!problem) throw new Error(`no model ${ctrl[CTRL.model]} here`);
  const { mlp, layout } = problem;
  const count = ctrl[CTRL.count];
  mlp.stage(theta.subarray(0, layout.size));
  let halfMasks: Float32Array[] | undefined;
  if (ctrl[CTRL.masked] === 1) {
    halfMasks = [];
    let offset = 0;
    for (const layer of layout.layers.slice(0, mlp.depth)) {
      halfMasks.push(masks.subarray(offset, offset + count * layer.fanOut));
      offset += count * layer.fanOut;
    }
  }
  const rows = ctrl[CTRL.mode] === 1;
  const batch = rows
    ? problem.gather('train', indices, 0, count)
    : problem.trainPart(ctrl[CTRL.from], count);
  try {
    const part = mlp.partialGradient(batch, ctrl[CTRL.total], halfMasks, out);
    result[0] = part.loss;
    result[1] = part.correct;
    ctrl[CTRL.finite] = part.parts ? 1 : 0;
  } finally {
    if (rows) disposeBatch(batch);
  }
}
