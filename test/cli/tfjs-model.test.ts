/**
 * `losslab train` and `losslab landscape` with `"model": { "kind": "tfjs", "path" }`: a conv
 * model saved here trains from the file's θ, its landscape is centred on its final θ, and what
 * LossLab cannot open is a one-line refusal naming the field.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { landscape } from '../../electron/cli/commands/landscape';
import { train } from '../../electron/cli/commands/train';
import { SpecError } from '../../electron/cli/spec';
import { loadBackend } from '../../electron/engine/backend/select';
import type { LandscapeOutput } from '../../electron/engine/landscape/landscape-spec';
import type { Tf } from '../../electron/engine/network';
import type { TrainOutput } from '../../electron/engine/network/train-spec';
import { saveModel } from '../engine/network/layers/helpers';

let tf: Tf;
let conv: string;
beforeAll(async () => {
  tf = (await loadBackend()).tf;
  const model = tf.sequential({
    layers: [
      tf.layers.reshape({ targetShape: [8, 8, 1], inputShape: [64] }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  conv = await saveModel(tf, model, 'cli-conv');
  model.dispose();
});

const digits = { kind: 'digits', n: 200, seed: 1 };

describe('a tfjs model in the CLI', () => {
  it('trains from the file and maps its landscape', async () => {
    const out = (await train.run({
      dataset: digits,
      model: { kind: 'tfjs', path: conv },
      steps: 15,
      batchSize: 'full',
      runs: [{ optimizer: 'adam', lr: 0.01 }],
    })) as TrainOutput;
    // conv 4 × (1·3·3) + 4, dense 10 × (4·4·4) + 10.
    expect(out.model.parameters).toBe(40 + 650);
    expect(out.model.layers.map((l) => l.shape)).toEqual([[4, 9], [4], [10, 64], [10]]);
    const loss = out.runs[0].curves.loss;
    expect(loss[14]).toBeLessThan(loss[0]);
    const land = (await landscape.run({
      dataset: digits,
      model: { kind: 'tfjs', path: conv },
      steps: 5,
      batchSize: 'full',
      runs: [{ optimizer: 'adam', lr: 0.01 }],
      landscape: { resolution: 5, coarse: 0, threads: 0 },
    })) as LandscapeOutput;
    const values = land.grid.values.flat();
    expect(values).toHaveLength(25);
    expect(values[12]).toBeCloseTo(land.grid.centerLoss!, 5);
  }, 60_000);

  it('refuses a missing file and a misfit with one line naming the field', async () => {
    const refusal = async (spec: unknown) => {
      try {
        await train.run(spec);
      } catch (err) {
        expect(err).toBeInstanceOf(SpecError);
        return (err as Error).message;
      }
      return 'ran';
    };
    const base = { steps: 1, runs: [{ optimizer: 'sgd' }] };
    expect(
      await refusal({
        ...base,
        dataset: digits,
        model: { kind: 'tfjs', path: '/nonexistent/model.json' },
      }),
    ).toBe('spec.model.path: cannot read /nonexistent/model.json (ENOENT)');
    expect(
      await refusal({ ...base, dataset: { kind: 'xor' }, model: { kind: 'tfjs', path: conv } }),
    ).toMatch(
      /^spec\.model: .*model\.json takes 64 inputs and gives 10 outputs; the dataset has 2 features and 2 classes$/,
    );
  });
});
