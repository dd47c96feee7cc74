/**
 * The gradient kernels LossLab gives tfjs-backend-wasm (kernels.ts) against the cpu backend's
 * own: a model's gradient through strided and padded convolutions, max- and average-pooling
 * (padded, strided, overlapping windows) and global pooling is the same on both backends.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadBackend } from '../../../../electron/engine/backend/select';
import { NetworkProblem, type Tf } from '../../../../electron/engine/network';
import { diskSource, openModel } from '../../../../electron/engine/network/layers';
import { saveModel } from './helpers';

let tf: Tf;
let backend: string;
beforeAll(async () => {
  const loaded = await loadBackend({ force: 'wasm' });
  tf = loaded.tf;
  backend = loaded.report.backend;
});
afterAll(async () => {
  await tf.setBackend(backend);
});

const cases = {
  'average pooling': () => [tf.layers.averagePooling2d({ poolSize: 2 })],
  'max pooling, overlapping, padded': () => [
    tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
  ],
  'a second, strided convolution': () => [
    tf.layers.conv2d({ filters: 2, kernelSize: 2, strides: 2, activation: 'elu' }),
  ],
};

for (const [name, middle] of Object.entries(cases)) {
  it(`${name}: the same gradient on wasm as on cpu`, async () => {
    await tf.setBackend('wasm');
    const model = tf.sequential({
      layers: [
        tf.layers.reshape({ targetShape: [8, 8, 1], inputShape: [64] }),
        tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'tanh', padding: 'same' }),
        ...middle(),
        name === 'average pooling' ? tf.layers.globalAveragePooling2d({}) : tf.layers.flatten(),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const file = await saveModel(tf, model, 'kernels');
    model.dispose();
    const gradients: Float64Array[] = [];
    for (const b of ['wasm', 'cpu']) {
      await tf.setBackend(b);
      const opened = await openModel(tf, diskSource(file));
      const problem = new NetworkProblem(
        tf,
        { kind: 'digits', n: 60, split: { train: 1, validation: 0, test: 0 } },
        opened.spec,
        undefined,
        opened.imported,
      );
      const g = new Float64Array(problem.layout.size);
      opened.imported.net!.lossAndGrad(
        problem.initialTheta,
        problem.deviceSplit('train'),
        g,
        'crossEntropy',
      );
      gradients.push(g);
      problem.dispose();
    }
    const [wasm, cpu] = gradients;
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < cpu.length; i++) {
      diff = Math.max(diff, Math.abs(wasm[i] - cpu[i]));
      scale = Math.max(scale, Math.abs(cpu[i]));
    }
    expect(scale).toBeGreaterThan(0.01);
    // float32 sums in another order: a few units in the 7th digit.
    expect(diff).toBeLessThan(1e-5 * scale);
  });
}
