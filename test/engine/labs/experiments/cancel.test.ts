/**
 * Cancel in the engine's thread (no worker bundle, as under vitest): an experiment cancelled
 * after its second training — by a checkpoint that throws CancelledError, or by aborting the
 * signal the real checkpoint (makeCheckpoint) watches — rejects with CancelledError, and the
 * two finished trainings were delivered in its last partial result, with the numbers a run to
 * the end gives them; the trainings' tensors are freed. It fails if a cancelled training keeps
 * its problem's tensors, if partial results stop carrying finished trainings, or if Cancel is
 * swallowed (the experiment would resolve).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentResult, ExperimentSpecInput } from '../../../../electron/common/protocol';
import { loadBackend } from '../../../../electron/engine/backend/select';
import { CancelledError } from '../../../../electron/engine/core/errors';
import { makeCheckpoint } from '../../../../electron/engine/hessian/checkpoint';
import type { Tf } from '../../../../electron/engine/network';
import { numbers, run, runSpec } from './helpers';

/** Six trainings: depths 1, 2, 4, plain then residual. */
const spec: ExperimentSpecInput = {
  kind: 'depth',
  dataset: { kind: 'moons', n: 200 },
  depths: [1, 2, 4],
  epochs: 10,
};

let tf: Tf;
let whole: ExperimentResult;
beforeAll(async () => {
  tf = (await loadBackend()).tf;
  whole = await run(tf, spec);
});

describe('an experiment cancelled midway', () => {
  it('by its checkpoint: rejects with CancelledError, the two finished trainings delivered', async () => {
    const before = tf.memory().numTensors;
    let done = 0;
    let checkpoints = 0;
    const { done: running, progress } = runSpec(tf, spec, {
      onProgress: (p) => (done = p.done),
      checkpoint: () => {
        checkpoints++;
        if (done >= 2) throw new CancelledError();
      },
    });
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    // Cancelled at the end of the third training's first epoch: 2 × 10 epochs + 1.
    expect(checkpoints).toBe(21);
    const partials = progress.filter((p) => p.partial);
    expect(partials.map((p) => p.partial!.trainings.length)).toEqual([1, 2]);
    const last = partials[partials.length - 1].partial!;
    expect(last.planned).toBe(6);
    expect(last.trainings.map(numbers)).toEqual(whole.trainings.slice(0, 2).map(numbers));
    expect(progress[progress.length - 1]).toMatchObject({ done: 2, total: 6 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('by its signal (the lab’s checkpoint watches it): the same', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const { done: running, progress } = runSpec(tf, spec, {
      signal: controller.signal,
      checkpoint: makeCheckpoint({ signal: controller.signal }),
      onProgress: (p) => {
        if (p.done === 2) controller.abort();
      },
    });
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    const last = progress.filter((p) => p.partial).pop()!.partial!;
    expect(last.trainings.map(numbers)).toEqual(whole.trainings.slice(0, 2).map(numbers));
    expect(tf.memory().numTensors).toBe(before);
    // Nothing is left running: the same experiment runs to the end afterwards, alike.
    const again = await run(tf, spec);
    expect(again.trainings.map(numbers)).toEqual(whole.trainings.map(numbers));
  });
});
