/**
 * The experiments lab's lessons (l)–(p) hold on this machine: each lesson's dataset and model
 * as the network lab's problem, its experiment run through the engine's experiment job (in
 * this thread), and the lesson's own verdict on the result — the phenomenon the lesson
 * promises — must hold. The end-to-end test drives the same lessons through the page.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetSpecSchema, modelSpecSchema } from '../../../electron/common/network';
import { experimentSpecSchema } from '../../../electron/common/protocol';
import { loadBackend } from '../../../electron/engine/backend/select';
import {
  experimentBase,
  runExperimentJob,
} from '../../../electron/engine/labs/experiments/experiment-job';
import type { Tf } from '../../../electron/engine/network';
import { experimentLessons } from '../../../renderer/src/lib/labs/experiments/lessons';

let tf: Tf;
beforeAll(async () => {
  tf = (await loadBackend()).tf;
});

describe('the experiments lab’s lessons', () => {
  it('are (l) to (p), each with both languages', () => {
    expect(experimentLessons.map((l) => l.letter)).toEqual(['l', 'm', 'n', 'o', 'p']);
    for (const l of experimentLessons) {
      for (const text of [l.title, l.body, l.watch]) {
        expect(text.en.length).toBeGreaterThan(0);
        expect(text.zh).toMatch(/[\u4e00-\u9fff]/);
      }
    }
  });

  for (const lesson of experimentLessons) {
    it(`(${lesson.letter}) ${lesson.title.en}: the phenomenon holds`, async () => {
      const spec = experimentSpecSchema.parse(lesson.experiment);
      const fallback = {
        dataset: datasetSpecSchema.parse(lesson.dataset),
        model: modelSpecSchema.parse(lesson.model),
      };
      const result = await runExperimentJob(
        tf,
        spec,
        experimentBase(spec, fallback, tf.getBackend()),
        undefined,
        {
          signal: new AbortController().signal,
          checkpoint: () => undefined,
          onProgress: () => undefined,
        },
      );
      const verdict = lesson.verdict(result);
      console.log(`(${lesson.letter})`, verdict.text.en);
      expect(verdict.holds, verdict.text.en).toBe(true);
      expect(verdict.text.zh).toMatch(/[\u4e00-\u9fff]/);
    }, 120_000);
  }
});
