/**
 * The critical-points lab's part of a session: finished experiments of every kind are written
 * and read back bit for bit (NaN and ±∞ too), a file whose series do not fit is refused naming
 * the array, an opened session's experiments reach the client on `sync`, and files without
 * the part read as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type {
  CriticalExperimentRecord,
  EngineMessageOf,
} from '../../../../electron/common/protocol';
import { criticalExperimentSchema } from '../../../../electron/common/protocol';
import type { z } from 'zod';

type CriticalExperimentInput = z.input<typeof criticalExperimentSchema>;
import type { SessionData } from '../../../../electron/common/session';
import {
  startInProcessEngine,
  type InProcessEngine,
} from '../../../../electron/engine/hosts/in-process';
import {
  encodeSession,
  readSession,
  SessionError,
  writeSession,
} from '../../../../electron/engine/recording';
import { packArchive } from '../../../../electron/engine/recording/container';
import { TestClient } from '../../../helpers/engine-client';

const f = (...v: number[]) => Float64Array.from(v);

/** One finished experiment of each kind, with the numbers a diverged training leaves. */
function experiments(): CriticalExperimentRecord[] {
  const spec = (s: Record<string, unknown>) => criticalExperimentSchema.parse(s);
  return [
    {
      id: 'experiment-1',
      spec: spec({ kind: 'minimum-ratio', count: 2 }),
      finishedAt: '2026-12-08T10:00:00.000Z',
      result: {
        kind: 'minimum-ratio',
        architecture: '1x8 tanh crossEntropy l2=0',
        points: [
          {
            seed: 1,
            steps: 120,
            loss: 0.031,
            gradNorm: 8e-4,
            minimumRatio: 0.75,
            flat: 3,
            index: 0.05,
            kind: 'saddle',
            converged: true,
          },
          {
            seed: 2,
            steps: 3000,
            loss: NaN,
            gradNorm: Infinity,
            minimumRatio: NaN,
            flat: 0,
            index: NaN,
            kind: 'not critical',
            converged: false,
          },
        ],
        tau: 1e-4,
        gradTolerance: 1e-3,
        parameters: 17,
      },
    },
    {
      id: 'experiment-2',
      spec: spec({ kind: 'saddle-escape' }),
      finishedAt: '2026-12-08T10:01:00.000Z',
      result: {
        kind: 'saddle-escape',
        saddle: { loss: 0.69, gradNorm: 1e-7, lambdaMin: -0.2, lambdaMax: 0.9, index: 0.1 },
        steps: f(0, 1, 2),
        plain: f(0.69, 0.69, 0.69),
        escaped: f(0.67, 0.6, -Infinity),
        predicted: -0.025,
        actual: -0.024,
        t: 0.5,
      },
    },
    {
      id: 'experiment-3',
      spec: spec({ kind: 'edge-of-stability', lrs: [0.01, 4] }),
      finishedAt: '2026-12-08T10:02:00.000Z',
      result: {
        kind: 'edge-of-stability',
        series: [
          {
            lr: 0.01,
            threshold: 200,
            steps: f(0, 1, 2, 3),
            loss: f(1, 0.9, 0.8, 0.7),
            sharpnessSteps: f(0, 2),
            sharpness: f(10, 20),
          },
          {
            lr: 4,
            threshold: 0.5,
            steps: f(0, 1),
            loss: f(1, NaN),
            sharpnessSteps: f(0),
            sharpness: f(3),
            diverged: true,
          },
        ],
        parameters: 41,
      },
    },
    {
      id: 'experiment-4',
      spec: spec({ kind: 'sharpness', runId: 'n1', samples: 3 }),
      finishedAt: '2026-12-08T10:03:00.000Z',
      result: {
        kind: 'sharpness',
        runId: 'n1',
        steps: f(0, 10, 20),
        lambdaMax: f(1, 2, 3),
        trace: f(4, 5, 6),
        loss: f(0.7, 0.5, 0.4),
      },
    },
  ];
}

const session = (critical?: CriticalExperimentRecord[]): SessionData => ({
  createdAt: '2026-12-08T09:00:00.000Z',
  app: { name: 'LossLab', version: 'test' },
  view: {},
  ...(critical ? { critical: { experiments: critical } } : {}),
});
const savedAt = new Date('2026-12-08T11:00:00.000Z');

describe("the critical-points lab's part of a session", () => {
  it('writes and reads back every kind of experiment bit for bit, NaN and ±∞ included', () => {
    const bytes = writeSession(session(experiments()), { savedAt });
    const read = readSession(bytes);
    expect(read.critical?.experiments).toEqual(experiments());
    // Written again, the same bytes.
    expect(Buffer.compare(writeSession(read, { savedAt }), bytes)).toBe(0);
    // Series are arrays of the file, named after where they belong.
    const { arrays } = encodeSession(session(experiments()));
    expect([...arrays.keys()]).toContain('critical/experiments/2/series/1/sharpness');
    expect([...arrays.keys()]).toContain('critical/experiments/1/escaped');
  });

  it('a session without the part has none, and its manifest no key for it', () => {
    const { manifest } = encodeSession(session());
    expect('critical' in manifest).toBe(false);
    expect(readSession(writeSession(session())).critical).toBeUndefined();
  });

  it('refuses a file whose series do not fit, naming the array', () => {
    const { manifest, arrays } = encodeSession(session(experiments()));
    arrays.set('critical/experiments/3/trace', f(1, 2));
    const bytes = packArchive(manifest, arrays);
    expect(() => readSession(bytes)).toThrow(SessionError);
    try {
      readSession(bytes);
    } catch (err) {
      expect((err as SessionError).field).toBe('critical.experiments.3.result.arrays.trace');
    }
  });

  it("refuses a result of another kind than its spec's", () => {
    const wrong = experiments();
    wrong[3] = { ...wrong[3], spec: wrong[0].spec };
    expect(() => writeSession(session(wrong))).toThrow(/result/);
  });
});

describe('experiments through the engine', () => {
  let host: InProcessEngine | undefined;
  afterEach(() => host?.close());

  it("an opened session's experiments reach the client on sync, and are saved again", async () => {
    host = startInProcessEngine({ frameIntervalMs: 5 });
    const client = new TestClient(host);
    await client.hello();
    // A fresh engine holds none: sync says so (before its `ok`).
    await client.request({ type: 'sync' });
    const empty = client.log.find((m) => m.type === 'critical.experiments');
    expect(empty).toEqual({ type: 'critical.experiments', experiments: [] });
    // The network lab's part comes with it (experiments train on its data).
    const data = session(experiments());
    const opened = await client.request({
      type: 'session.open',
      bytes: writeSession(data, { savedAt }),
    });
    expect(opened.type).toBe('session.opened');
    await client.request({ type: 'sync' });
    const sent = client.log
      .filter(
        (m): m is EngineMessageOf<'critical.experiments'> => m.type === 'critical.experiments',
      )
      .at(-1)!;
    expect(sent.experiments).toEqual(experiments());
    const file = await client.request({ type: 'session.save', context: { view: {}, colors: {} } });
    expect(file.type).toBe('session.file');
    const saved = readSession((file as EngineMessageOf<'session.file'>).bytes);
    expect(saved.critical?.experiments).toEqual(experiments());
  });

  it('an experiment is refused before the network lab is set up', async () => {
    host = startInProcessEngine({ frameIntervalMs: 5 });
    const client = new TestClient(host);
    await client.hello();
    const reply = await client.request({
      type: 'critical.experiment',
      experiment: { kind: 'edge-of-stability' },
    });
    expect(reply.type).toBe('error');
    expect((reply as EngineMessageOf<'error'>).message).toMatch(/net\.setup/);
  });
});

describe('experiments run through the lab', () => {
  let host: InProcessEngine | undefined;
  afterEach(() => host?.close());

  it('each kind answers with its result after progress, is kept, and is saved', async () => {
    host = startInProcessEngine({ frameIntervalMs: 5 });
    const client = new TestClient(host);
    await client.hello();
    await client.request({
      type: 'net.setup',
      dataset: { kind: 'xor', n: 60 },
      model: { depth: 1, width: 4, activation: 'tanh' },
    });
    await client.request({
      type: 'net.run.create',
      run: {
        runId: 'n1',
        optimizer: { optimizer: 'sgd', lr: 0.5 },
        batchSize: 'full',
        snapshotEvery: 5,
      },
    });
    await client.request({ type: 'step', steps: 40, runId: 'n1' });
    const specs: CriticalExperimentInput[] = [
      { kind: 'sharpness', runId: 'n1', samples: 5, traceProbes: 3 },
      { kind: 'edge-of-stability', lrs: [0.05], steps: 50, every: 10 },
      { kind: 'minimum-ratio', count: 2, maxSteps: 200 },
      { kind: 'saddle-escape', steps: 30 },
    ];
    const ids: string[] = [];
    for (const experiment of specs) {
      const reply = await client.request({ type: 'critical.experiment', experiment }, 120_000);
      expect(reply.type, JSON.stringify(reply).slice(0, 300)).toBe('critical.experiment.result');
      const { result, experimentId } = reply as EngineMessageOf<'critical.experiment.result'>;
      expect(result.kind).toBe(experiment.kind);
      ids.push(experimentId);
    }
    expect(ids).toEqual(['experiment-1', 'experiment-2', 'experiment-3', 'experiment-4']);
    expect(client.log.some((m) => m.type === 'critical.experiment.progress')).toBe(true);
    const file = await client.request({ type: 'session.save', context: { view: {}, colors: {} } });
    const saved = readSession((file as EngineMessageOf<'session.file'>).bytes);
    expect(saved.critical?.experiments.map((e) => e.spec.kind)).toEqual(specs.map((s) => s.kind));
  }, 300_000);
});
