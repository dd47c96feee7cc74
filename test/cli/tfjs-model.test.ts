/**
 * `losslab train` and `losslab landscape` with `"model": { "kind": "tfjs", "path" }`: a conv
 * model saved here trains from the file's θ, its landscape is centred on its final θ, and what
 * LossLab cannot open is a one-line refusal naming the field.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { HessianOutput } from '../../electron/common/hessian-spec';
import { landscape } from '../../electron/cli/commands/landscape';
import { train } from '../../electron/cli/commands/train';
import { SpecError } from '../../electron/cli/spec';
import { loadBackend } from '../../electron/engine/backend/select';
import type { LandscapeOutput } from '../../electron/engine/landscape/landscape-spec';
import type { Tf } from '../../electron/engine/network';
import type { TrainOutput } from '../../electron/engine/network/train-spec';
import { saveModel } from '../engine/network/layers/helpers';
import { runCli } from './harness';

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

  it('has, through its own graph, the exact spectrum of the same network as an MLP (losslab hessian)', async () => {
    // 2 → 5 → 5 → 2 tanh; the no-op Activation layer keeps the second file off the MLP path.
    const save = async (graph: boolean) => {
      const init = { kernelInitializer: tf.initializers.randomNormal({ stddev: 1, seed: 5 }) };
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ units: 5, inputShape: [2], activation: 'tanh', ...init }),
          ...(graph ? [tf.layers.activation({ activation: 'linear' })] : []),
          tf.layers.dense({ units: 5, activation: 'tanh', ...init }),
          tf.layers.dense({ units: 2, activation: 'softmax', ...init }),
        ],
      });
      const file = await saveModel(tf, model, graph ? 'cli-graph' : 'cli-mlp');
      model.dispose();
      return file;
    };
    const spectrum = async (path: string) => {
      const { code, out, err } = await runCli(
        ['hessian', '-'],
        JSON.stringify({
          dataset: { kind: 'moons', n: 60, seed: 1, split: { train: 1, validation: 0, test: 0 } },
          model: { kind: 'tfjs', path },
          method: 'exact',
        }),
      );
      expect(err).toBe('');
      expect(code).toBe(0);
      return JSON.parse(out) as HessianOutput;
    };
    const mlp = await spectrum(await save(false));
    const graph = await spectrum(await save(true));
    expect(graph.parameters).toBe(2 * 5 + 5 + 5 * 5 + 5 + 5 * 2 + 2);
    expect(graph.loss).toBeCloseTo(mlp.loss, 6);
    const scale = Math.max(...mlp.eigenvalues.map(Math.abs));
    expect(scale).toBeGreaterThan(0.01);
    mlp.eigenvalues.forEach((l, i) => {
      expect(Math.abs(graph.eigenvalues[i] - l), `λ_${i}`).toBeLessThan(1e-3 * scale);
    });
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
