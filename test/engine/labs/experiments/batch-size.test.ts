/**
 * The batch-size experiment's timing (the lecture's two figures), measured on this machine: on
 * 4,000 moons (2,800 training points), the default 2 × 32 ReLU net, batches of 1, 8 and 64,
 * the time per update grows by less than 2× from batch 1 to 64 — the backend does a batch's
 * rows together, so a row costs far less in a batch than alone — while the time per epoch
 * (⌈n / B⌉ updates) falls, both as the experiment computes it and as the one-epoch trainings
 * measured it.
 *
 * Timed: a measured ratio, as the issue asks, with medians throughout — each size's time per
 * update is the median of its 200, 200 and 44 updates (timedUpdates 50, after 8 on a throwaway
 * run), and the ratio asserted
 * is the median of three rounds of the experiment. An untimed round comes first: the first
 * updates of a fresh thread run 5–7× slower (V8 and the wasm kernels warming up), which makes
 * batch 1 — timed first — look slower than batch 64 (ratio 0.3–0.4 cold). Measured warm on
 * wasm, with another test busy on the second core: 0.10–0.15 ms per update at batch 1,
 * 0.15–0.20 ms at 64, ratios 1.18–1.72 (17 rounds); an epoch 290–410 ms at batch 1, 6.5–8.7 ms
 * at 64 (one-epoch trainings: 370–1,300 ms against 7–31 ms). One round beside this folder's worker
 * test (three threads on two cores) once measured 2.39, so the test is also retried once
 * (vitest `retry: 1`). It fails on a regression that makes an update's cost proportional to
 * the batch (per-row work outside the batched kernels) or that times something other than the
 * updates.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentSpecInput } from '../../../../electron/common/protocol';
import { loadBackend } from '../../../../electron/engine/backend/select';
import type { Tf } from '../../../../electron/engine/network';
import { run, training } from './helpers';

const spec: ExperimentSpecInput = {
  kind: 'batch-size',
  dataset: { kind: 'moons', n: 4000 },
  sizes: [1, 8, 64],
  timedUpdates: 50,
  epochs: 1,
};

let tf: Tf;
beforeAll(async () => {
  tf = (await loadBackend()).tf;
});

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

describe('batch-size experiment', () => {
  it(
    'time per update grows < 2× from batch 1 to 64 while time per epoch falls',
    { retry: 1 },
    async () => {
      // Warm-up: the same experiment once, untimed (see above).
      await run(tf, { ...spec, timedUpdates: 3 });
      const ratios: number[] = [];
      for (let round = 0; round < 3; round++) {
        const result = await run(tf, spec);
        expect(result.dataset.train).toBe(2800);
        const figure = (id: string) => result.figures.find((f) => f.id === id)!.series[0];
        const perUpdate = figure('time-per-update');
        const perEpoch = figure('time-per-epoch');
        expect(perUpdate.x).toEqual([1, 8, 64]);
        // Each size timed by its own training's median: 4 × 50 updates (after 8 on a throwaway run), or one epoch's.
        expect([1, 8, 64].map((b) => training(result, `time-${b}`).steps)).toEqual([200, 200, 44]);
        const [at1, , at64] = perUpdate.y as number[];
        ratios.push(at64 / at1);
        console.log(
          `batch size: ${perUpdate.y.map((y) => y!.toFixed(3)).join(', ')} ms per update (×${(at64 / at1).toFixed(2)} from 1 to 64); ${perEpoch.y.map((y) => y!.toFixed(1)).join(', ')} ms per epoch`,
        );
        // Time per epoch falls at every step (64× fewer updates for < 3× the time), in every
        // round.
        const epoch = perEpoch.y as number[];
        expect(epoch[1]).toBeLessThan(epoch[0]);
        expect(epoch[2]).toBeLessThan(epoch[1]);
        // And so does the wall time of a real epoch, in the equal-epochs trainings.
        const measured = [1, 8, 64].map((b) => training(result, `epochs-${b}`).msPerEpoch);
        expect(measured[1]).toBeLessThan(measured[0]);
        expect(measured[2]).toBeLessThan(measured[1]);
        expect(result.notes[0]).toMatch(/^From batch 1 to 64 the time per update grows [\d.]+×/);
      }
      // The ratio: the median of three rounds, so one round slowed by a burst of load on the
      // other core does not decide it.
      expect(median(ratios)).toBeLessThan(2);
      expect(Math.min(...ratios)).toBeGreaterThan(0);
    },
  );
});
