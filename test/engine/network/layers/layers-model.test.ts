/**
 * TensorFlow.js Layers models opened as network problems: a Dense model built here, saved with
 * tfjs io and reopened is LossLab's MLP with the same θ (its predictions are tfjs's own), and
 * its landscape through its own graph equals the MLP's; a conv model trains with LossLab's SGD
 * as PyTorch trains the same network from the same θ; Hessian-vector products by central
 * differences agree with the exact R-operator; what LossLab cannot handle is refused by name.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../../../electron/engine/backend/select';
import { fromNetwork } from '../../../../electron/engine/hessian/hessian-model';
import { ImportedHessian } from '../../../../electron/engine/hessian/imported';
import { MlpHessian } from '../../../../electron/engine/hessian/rop';
import { computeLandscape, randomDirections } from '../../../../electron/engine/landscape';
import { NetworkProblem, NetworkRun, type Tf } from '../../../../electron/engine/network';
import {
  diskSource,
  LayersNet,
  openModel,
  readModel,
} from '../../../../electron/engine/network/layers';
import { saveModel } from './helpers';

let tf: Tf;
let backend: string;
beforeAll(async () => {
  const loaded = await loadBackend();
  tf = loaded.tf;
  backend = loaded.report.backend;
});
afterAll(async () => {
  await tf.setBackend(backend);
});

const blobs = {
  kind: 'blobs',
  n: 60,
  classes: 3,
  spread: 0.6,
  seed: 1,
  split: { train: 1, validation: 0, test: 0 },
} as const;

/** A 2 → 8 → 8 → 3 tanh model with tfjs's own (Glorot) initial weights. */
function denseModel(activation: 'tanh' | 'relu' = 'tanh') {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [2], activation, biasInitializer: 'randomNormal' }),
      tf.layers.dense({ units: 8, activation, biasInitializer: 'randomNormal' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

/** A problem running the model through its own graph (never mapped onto the MLP). */
async function graphProblem(file: string, dataset: object): Promise<NetworkProblem> {
  const model = await readModel(tf, diskSource(file));
  const net = await LayersNet.build(tf, model);
  const { inputSize: inputDim, outputUnits: outputDim } = model.topology;
  return new NetworkProblem(tf, dataset as never, {}, undefined, {
    label: 'model.json',
    theta: net.theta,
    inputDim,
    outputDim,
    net,
  });
}

describe('a Dense model saved with tfjs io and reopened', () => {
  it('is LossLab MLP with θ in torch.nn.Linear layout, predicting what tfjs predicts', async () => {
    const model = denseModel();
    const file = await saveModel(tf, model);
    const opened = await openModel(tf, diskSource(file));
    expect(opened.runs).toBe('mlp');
    expect(opened.spec).toMatchObject({ depth: 2, width: 8, activation: 'tanh', dropout: 0 });
    const problem = new NetworkProblem(tf, blobs, opened.spec, undefined, opened.imported);
    // θ: W1 [out, in] (the transpose of Keras's kernel), b1, W2, b2, W3, b3.
    const kernel = model.layers[0].getWeights()[0].arraySync() as number[][];
    const theta = problem.initialTheta;
    expect(theta.length).toBe(2 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3);
    expect(theta[0 * 2 + 1]).toBe(Math.fround(kernel[1][0]));
    expect(theta[5 * 2 + 0]).toBe(Math.fround(kernel[0][5]));
    const b3 = model.layers[2].getWeights()[1].dataSync();
    expect(Array.from(theta.subarray(theta.length - 3))).toEqual(Array.from(b3));
    // The MLP's softmax(logits) is tfjs's own predict on the same standardized inputs.
    const train = problem.deviceSplit('train');
    const probs = (model.predict(train.x) as ReturnType<typeof tf.tensor2d>).dataSync();
    const z = problem.logits(theta, train.x);
    let worst = 0;
    for (let i = 0; i < train.n; i++) {
      const row = Array.from(z.subarray(3 * i, 3 * i + 3));
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(e[k] / s - probs[3 * i + k]));
    }
    expect(worst).toBeLessThan(1e-5);
    problem.dispose();
    model.dispose();
  });

  it('has, through its own graph, the landscape of the same network as a LossLab MLP', async () => {
    const model = denseModel();
    const file = await saveModel(tf, model);
    const opened = await openModel(tf, diskSource(file));
    const mlp = new NetworkProblem(tf, blobs, opened.spec, undefined, opened.imported);
    const graph = await graphProblem(file, blobs);
    expect(Array.from(graph.initialTheta)).toEqual(Array.from(mlp.initialTheta));
    // The same filters: one row per unit, so filter normalization gives the same directions.
    expect(graph.layout.tensors.map((t) => [t.kind, ...t.shape])).toEqual(
      mlp.layout.tensors.map((t) => [t.kind, ...t.shape]),
    );
    const center = mlp.initialTheta;
    const dirs = randomDirections(mlp.layout, center, 3);
    expect(Array.from(randomDirections(graph.layout, center, 3).d2)).toEqual(Array.from(dirs.d2));
    const options = { resolution: 7, coarse: 3, threads: 0 } as const;
    const a = await computeLandscape(mlp, center, dirs, options);
    const b = await computeLandscape(graph, center, dirs, options);
    expect(b.centerLoss).toBeCloseTo(a.centerLoss, 5);
    for (let i = 0; i < a.values.length; i++) {
      expect(Math.abs(b.values[i] - a.values[i])).toBeLessThan(1e-5 * Math.max(1, a.values[i]));
    }
    // Not a flat landscape: the comparison means something.
    expect(a.max - a.min).toBeGreaterThan(0.1);
    mlp.dispose();
    graph.dispose();
    model.dispose();
  });

  it('has Hessian-vector products by central differences within 1e-3 of the exact R-operator', async () => {
    const model = denseModel();
    const file = await saveModel(tf, model);
    const opened = await openModel(tf, diskSource(file));
    const mlp = new NetworkProblem(tf, blobs, opened.spec, undefined, opened.imported);
    const graph = await graphProblem(file, blobs);
    const theta = mlp.initialTheta;
    const { model: hm, ...data } = fromNetwork(mlp);
    const exact = new MlpHessian(tf, hm, theta, data);
    const fd = new ImportedHessian(graph, theta);
    const p = theta.length;
    for (const seed of [1, 2]) {
      const v = Float64Array.from({ length: p }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));
      const want = new Float64Array(p);
      const got = new Float64Array(p);
      exact.apply(v, want);
      fd.apply(v, got);
      let err = 0;
      let scale = 0;
      for (let i = 0; i < p; i++) {
        err = Math.max(err, Math.abs(got[i] - want[i]));
        scale = Math.max(scale, Math.abs(want[i]));
      }
      expect(scale).toBeGreaterThan(0.01);
      expect(err / scale).toBeLessThan(1e-3);
    }
    exact.dispose();
    fd.dispose();
    mlp.dispose();
    graph.dispose();
    model.dispose();
  });
});

describe('a conv model', () => {
  const digits = {
    kind: 'digits',
    n: 90,
    seed: 0,
    split: { train: 1, validation: 0, test: 0 },
  } as const;
  const convModel = () =>
    tf.sequential({
      layers: [
        tf.layers.reshape({ targetShape: [8, 8, 1], inputShape: [64] }),
        tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'tanh' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });

  it('runs through its own graph, θ per filter in torch layout', async () => {
    const model = convModel();
    const opened = await openModel(tf, diskSource(await saveModel(tf, model, 'conv')));
    expect(opened.runs).toBe('graph');
    const layout = opened.imported.net!.layout;
    expect(layout.tensors.map((t) => [t.name.split('/')[1], ...t.shape])).toEqual([
      ['kernel', 3, 9],
      ['bias', 3],
      ['kernel', 10, 27],
      ['bias', 10],
    ]);
    // Keras kernel [kh, kw, in, out] → θ [out, in, kh, kw]: filter 2's weight at (1, 0).
    const k = model.layers[1].getWeights()[0].arraySync() as number[][][][];
    expect(opened.imported.theta[2 * 9 + 1 * 3 + 0]).toBe(Math.fround(k[1][0][0][2]));
    opened.imported.net!.dispose();
    model.dispose();
  });

  it('trains with LossLab SGD + momentum as PyTorch trains it from the same θ', async () => {
    const model = convModel();
    const file = await saveModel(tf, model, 'conv');
    const opened = await openModel(tf, diskSource(file));
    const problem = new NetworkProblem(tf, digits, opened.spec, undefined, opened.imported);
    const steps = 12;
    const run = new NetworkRun(problem, {
      runId: 'conv',
      optimizer: { optimizer: 'sgd', lr: 0.2, momentum: 0.9 },
      batchSize: 'full',
    });
    run.advance(1); // uploads the training split, kept for every later step
    const before = tf.memory().numTensors;
    run.advance(steps - 1);
    expect(tf.memory().numTensors).toBe(before);
    const losses = Array.from(run.loss.view());
    expect(losses[steps - 1]).toBeLessThan(0.8 * losses[0]);

    const train = problem.split('train');
    const specFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-ref-')), 'spec.json');
    fs.writeFileSync(
      specFile,
      JSON.stringify({
        x: Array.from(train.x),
        y: Array.from(train.y),
        theta: Array.from(problem.initialTheta),
        filters: 3,
        lr: 0.2,
        momentum: 0.9,
        steps,
      }),
    );
    const script = path.join(import.meta.dirname, 'reference_torch.py');
    const out = execFileSync('/usr/bin/python3', [script, specFile], { encoding: 'utf8' });
    const reference = JSON.parse(out) as { losses: number[]; theta: number[] };
    for (let t = 0; t < steps; t++) {
      expect(Math.abs(losses[t] - reference.losses[t])).toBeLessThan(
        1e-5 * reference.losses[t] + 1e-6,
      );
    }
    // θ after the last update: float32 passes against float64, 12 steps.
    let worst = 0;
    let size = 0;
    for (let i = 0; i < run.theta.length; i++) {
      worst = Math.max(worst, Math.abs(run.theta[i] - reference.theta[i]));
      size = Math.max(size, Math.abs(reference.theta[i]));
    }
    expect(worst / size).toBeLessThan(1e-4);
    problem.dispose();
    model.dispose();
  }, 60_000);
});

describe('refusals', () => {
  const refusal = async (file: string) => {
    try {
      await openModel(tf, diskSource(file));
    } catch (err) {
      return (err as Error).message;
    }
    return 'opened';
  };

  it('names an unsupported layer with its index, name and class', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, inputShape: [6] }),
        tf.layers.reshape({ targetShape: [2, 2] }),
        tf.layers.lstm({ units: 3, name: 'lstm_1' }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const message = await refusal(await saveModel(tf, model, 'lstm'));
    expect(message).toBe(
      "layers.2: layer 2 'lstm_1' (LSTM) is not supported: LossLab handles InputLayer, Dense, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, Flatten, Reshape, Dropout, Activation",
    );
    model.dispose();
  });

  it('names a sigmoid output, a hidden softmax and an unsupported activation', async () => {
    const cases = [
      [
        [
          tf.layers.dense({ units: 4, inputShape: [2], name: 'h' }),
          tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'out' }),
        ],
        "layer 1 'out' (Dense) is the output layer with activation 'sigmoid'",
      ],
      [
        [
          tf.layers.dense({ units: 4, inputShape: [2], activation: 'softmax', name: 'h' }),
          tf.layers.dense({ units: 2, name: 'out' }),
        ],
        "layer 0 'h' (Dense) has a softmax activation",
      ],
      [
        [
          tf.layers.dense({ units: 4, inputShape: [2], activation: 'hardSigmoid', name: 'h' }),
          tf.layers.dense({ units: 2, name: 'out' }),
        ],
        "layer 0 'h' (Dense) has activation 'hard_sigmoid'",
      ],
    ] as const;
    for (const [layers, expected] of cases) {
      const model = tf.sequential({ layers: [...layers] });
      expect(await refusal(await saveModel(tf, model, 'bad'))).toContain(expected);
      model.dispose();
    }
  });

  it('names a weights file that is short, missing or too large, before reading it', async () => {
    const model = denseModel();
    const file = await saveModel(tf, model, 'short');
    const bin = path.join(path.dirname(file), 'weights.bin');
    const bytes = fs.readFileSync(bin);
    fs.writeFileSync(bin, bytes.subarray(0, bytes.length - 4));
    expect(await refusal(file)).toBe(
      `weights.bin: the weight files 'weights.bin' hold ${bytes.length - 4} bytes; the manifest declares ${bytes.length}`,
    );
    fs.rmSync(bin);
    expect(await refusal(file)).toBe(
      "weightsManifest: the weight file 'weights.bin' is missing (open it with model.json)",
    );
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    json.weightsManifest[0].weights[0].shape = [100_000, 1000];
    fs.writeFileSync(file, JSON.stringify(json));
    expect(await refusal(file)).toBe(
      'weightsManifest: declares 400 MB of weights; LossLab opens models of at most 50.3 MB',
    );
    model.dispose();
  });

  it('names a model whose inputs or outputs do not fit the dataset', async () => {
    const model = denseModel();
    const opened = await openModel(tf, diskSource(await saveModel(tf, model, 'fit')));
    expect(
      () =>
        new NetworkProblem(tf, { kind: 'digits', n: 30 }, opened.spec, undefined, opened.imported),
    ).toThrow(
      /^\S*model.json takes 2 inputs and gives 3 outputs; the dataset has 64 features and 10 classes$/,
    );
    model.dispose();
  });
});
