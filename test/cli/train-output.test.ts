/**
 * `losslab train` sizes its output before training: the estimate bounds what is printed (and
 * is close to it), and a SPEC whose curves would not fit is refused naming steps or epochs.
 */
import { describe, expect, it } from 'vitest';
import { train, trainOutputNumbers, checkTrainOutput } from '../../electron/cli/commands/train';
import { SpecError } from '../../electron/cli/spec';
import { trainSpecSchema, type TrainSpecInput } from '../../electron/common/network';
import { MAX_NETWORK_STEPS } from '../../electron/engine/network/run';
import type { TrainOutput } from '../../electron/engine/network/train-spec';

/** Numbers in the per-step and per-epoch curves of each run (what grows with the SPEC). */
function printedNumbers(output: TrainOutput): number[] {
  return output.runs.map((run) =>
    [...Object.values(run.curves), ...Object.values(run.epochCurves)].reduce(
      (sum, values) => sum + (values?.length ?? 0),
      0,
    ),
  );
}

describe('the output estimate of losslab train', () => {
  const specs: TrainSpecInput[] = [
    {
      dataset: { kind: 'xor', n: 120 },
      model: { width: 8 },
      steps: 150,
      batchSize: 'full',
      runs: [{ optimizer: 'adam', lr: 0.01 }],
    },
    {
      dataset: { kind: 'sine', n: 100 },
      model: { width: 8 },
      epochs: 3,
      batchSize: 16,
      curveEvery: 5,
      runs: [
        { optimizer: 'rmsprop', lr: 0.01 },
        { optimizer: 'sgd', lr: 0.01, batchSize: 'full' },
      ],
    },
    {
      dataset: { kind: 'moons', n: 200 },
      model: { width: 8 },
      steps: 97,
      batchSize: 7,
      curveEvery: 4,
      runs: [{ optimizer: 'adam', lr: 0.01 }],
    },
  ];
  for (const [n, input] of specs.entries()) {
    it(`bounds what is printed, within a few dozen numbers a run (SPEC ${n})`, async () => {
      const spec = trainSpecSchema.parse(input);
      const output = (await train.run(input)) as TrainOutput;
      const printed = printedNumbers(output);
      const estimate = trainOutputNumbers(spec, MAX_NETWORK_STEPS);
      const total = printed.reduce((a, b) => a + b, 0);
      expect(estimate).toBeGreaterThanOrEqual(total);
      expect(estimate - total).toBeLessThanOrEqual(40 * spec.runs.length);
    });
  }

  it('refuses curves of 16 runs × 1,000,000 steps, naming steps and the size', () => {
    const spec = trainSpecSchema.parse({
      dataset: { kind: 'xor' },
      steps: 1_000_000,
      runs: Array(16).fill({ optimizer: 'sgd' }),
    });
    expect(() => checkTrainOutput(spec, MAX_NETWORK_STEPS)).toThrow(SpecError);
    expect(() => checkTrainOutput(spec, MAX_NETWORK_STEPS)).toThrow(
      /^spec\.steps: the output would hold \d\.\de7 numbers \(about \d\.\d GB of JSON; at most 2\.0e7\); ask for fewer steps or runs, or keep every k-th step with curveEvery$/,
    );
    // Every 10th step: accepted.
    expect(() => checkTrainOutput({ ...spec, curveEvery: 10 }, MAX_NETWORK_STEPS)).not.toThrow();
  });

  it('refuses epochs that come to millions of steps, naming epochs', () => {
    const spec = trainSpecSchema.parse({
      dataset: { kind: 'moons', n: 100_000 },
      epochs: 100,
      batchSize: 1,
      runs: Array(4).fill({ optimizer: 'sgd' }),
    });
    // 100 epochs of 70,000 batches stop at the engine's 2,000,000 steps a run.
    expect(trainOutputNumbers(spec, MAX_NETWORK_STEPS)).toBeGreaterThan(4 * 5 * 2_000_000);
    expect(() => checkTrainOutput(spec, MAX_NETWORK_STEPS)).toThrow(/^spec\.epochs: /);
  });
});
