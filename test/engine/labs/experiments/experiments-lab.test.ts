/**
 * The experiments lab through the engine: an experiment on the network lab's data and model
 * answers with its result after progress messages carrying partial results, is kept under an
 * id, reaches the client on `sync`, is saved in a session and read back equal (NaN turned into
 * null: JSON), can be removed; an experiment with its own dataset runs without the network lab;
 * a second one while one runs is refused; Cancel answers "cancelled"; a session whose result
 * does not match its spec's kind is refused naming the field.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type {
  EngineMessageOf,
  ExperimentRecord,
  ExperimentSpecInput,
} from '../../../../electron/common/protocol';
import { modelSpecSchema } from '../../../../electron/common/network';
import { experimentSpecSchema } from '../../../../electron/common/protocol';
import type { SessionData } from '../../../../electron/common/session';
import {
  startInProcessEngine,
  type InProcessEngine,
} from '../../../../electron/engine/hosts/in-process';
import { readSession, writeSession } from '../../../../electron/engine/recording';
import { TestClient } from '../../../helpers/engine-client';

let host: InProcessEngine | undefined;
afterEach(() => host?.close());

async function engine(): Promise<TestClient> {
  host = startInProcessEngine({ frameIntervalMs: 5 });
  const client = new TestClient(host);
  await client.hello();
  return client;
}

describe('the experiments lab', () => {
  it('runs on the network lab’s data with progress and partial results, keeps, lists, saves and removes it', async () => {
    const client = await engine();
    await client.request({
      type: 'net.setup',
      dataset: { kind: 'moons', n: 120, seed: 3 },
      model: { depth: 2, width: 8 },
    });
    const reply = await client.request(
      { type: 'experiments.run', experiment: { kind: 'complexity', values: [1, 8], epochs: 5 } },
      120_000,
    );
    expect(reply.type, JSON.stringify(reply).slice(0, 300)).toBe('experiments.result');
    const { result, experimentId } = reply as EngineMessageOf<'experiments.result'>;
    expect(experimentId).toBe('experiment-1');
    expect(result.kind).toBe('complexity');
    // The network lab's dataset (its 70 % training split of 120 points) and model.
    expect(result.dataset).toMatchObject({ kind: 'moons', train: 84 });
    expect(result.model).toMatchObject({ depth: 2, width: 8 });
    expect(result.trainings.map((t) => t.model.width)).toEqual([1, 8]);
    expect(result.trainings.every((t) => t.curves.trainLoss.length === 5)).toBe(true);
    const progress = client.log.filter(
      (m): m is EngineMessageOf<'experiments.progress'> => m.type === 'experiments.progress',
    );
    expect(progress.filter((p) => p.partial).map((p) => p.partial!.trainings.length)).toEqual([
      1, 2,
    ]);
    expect(progress.every((p) => p.total === 2 && p.fraction >= 0 && p.fraction <= 1)).toBe(true);

    await client.request({ type: 'sync' });
    const list = client.log
      .filter((m): m is EngineMessageOf<'experiments.list'> => m.type === 'experiments.list')
      .at(-1)!;
    expect(list.experiments.map((e) => e.id)).toEqual(['experiment-1']);
    expect(list.experiments[0].result).toEqual(result);

    const file = await client.request({ type: 'session.save', context: { view: {}, colors: {} } });
    const saved = readSession((file as EngineMessageOf<'session.file'>).bytes);
    expect(saved.experiments?.experiments).toEqual(list.experiments);

    const removed = await client.request({
      type: 'experiments.remove',
      experimentId: 'experiment-1',
    });
    expect(removed.type).toBe('ok');
    const gone = await client.request({ type: 'experiments.remove', experimentId: 'experiment-1' });
    expect(gone.type).toBe('error');
    expect((gone as EngineMessageOf<'error'>).field).toBe('experimentId');
  });

  it('an experiment of its own dataset needs no network lab; without either it is refused by name', async () => {
    const client = await engine();
    const refused = await client.request({
      type: 'experiments.run',
      experiment: { kind: 'diagnose' },
    });
    expect(refused.type).toBe('error');
    expect((refused as EngineMessageOf<'error'>).field).toBe('experiment.dataset');
    const reply = await client.request(
      {
        type: 'experiments.run',
        experiment: {
          kind: 'mismatch',
          dataset: { kind: 'circles', n: 100 },
          epochs: 5,
          sizes: [0, 1],
        },
      },
      60_000,
    );
    expect(reply.type).toBe('experiments.result');
    const { result } = reply as EngineMessageOf<'experiments.result'>;
    expect(result.dataset.kind).toBe('circles');
    expect(result.table.rows).toHaveLength(2);
  });

  it('sends a partial result at most every half second: the first and the last always', async () => {
    const client = await engine();
    const reply = await client.request(
      {
        type: 'experiments.run',
        experiment: {
          kind: 'complexity',
          dataset: { kind: 'moons', n: 60 },
          values: [1, 2, 3, 4, 5, 6, 7, 8],
          epochs: 1,
        },
      },
      60_000,
    );
    expect(reply.type).toBe('experiments.result');
    const partials = client.log
      .filter(
        (m): m is EngineMessageOf<'experiments.progress'> => m.type === 'experiments.progress',
      )
      .flatMap((m) => (m.partial ? [m.partial.trainings.length] : []));
    // Eight one-epoch trainings finish within milliseconds of each other.
    expect(partials[0]).toBe(1);
    expect(partials.at(-1)).toBe(8);
    expect(partials.length).toBeLessThan(8);
  });

  it('one experiment at a time; Cancel answers "cancelled" and frees the lab', async () => {
    const client = await engine();
    const experiment: ExperimentSpecInput & { kind: 'depth' } = {
      kind: 'depth',
      dataset: { kind: 'spirals', n: 200 },
      depths: [1, 2, 4, 8],
      epochs: 400,
    };
    const first = client.request({ type: 'experiments.run', experiment }, 60_000);
    const progress = await client.waitFor((m) => m.type === 'experiments.progress');
    const firstId = (progress as EngineMessageOf<'experiments.progress'>).id;
    const second = await client.request({ type: 'experiments.run', experiment });
    expect(second.type).toBe('error');
    expect((second as EngineMessageOf<'error'>).message).toMatch(/an experiment is running/);
    host!.send({ type: 'job.cancel', id: firstId });
    const answer = await first;
    expect(answer.type).toBe('error');
    expect((answer as EngineMessageOf<'error'>).message).toMatch(/^cancelled/);
    // Free again.
    const third = await client.request(
      { type: 'experiments.run', experiment: { ...experiment, depths: [1], epochs: 2 } },
      60_000,
    );
    expect(third.type).toBe('experiments.result');
  });
});

describe('the experiments lab’s part of a session', () => {
  const record = (): ExperimentRecord => ({
    id: 'experiment-4',
    spec: experimentSpecSchema.parse({ kind: 'complexity', values: [1, 2] }),
    finishedAt: '2026-12-08T10:00:00.000Z',
    result: {
      kind: 'complexity',
      title: 'Complexity sweep: width',
      dataset: { kind: 'moons', task: 'classification', train: 10, validation: 2, test: 2 },
      model: modelSpecSchema.parse({}),
      figures: [
        {
          id: 'u',
          title: 'U',
          kind: 'line',
          x: { label: 'width', log: true, ticks: 'integer' },
          y: { label: 'loss' },
          series: [{ label: 'training', x: [1, 2], y: [0.5, null], dashed: true, group: 1 }],
          marks: [{ x: 1, label: 'chosen' }],
        },
      ],
      table: {
        columns: ['width', 'loss'],
        rows: [
          [1, 0.5],
          [2, null],
        ],
      },
      trainings: [],
      planned: 2,
      notes: ['a note'],
      backend: 'cpu',
      threads: 0,
      ms: 12,
    },
  });
  const session = (experiments: ExperimentRecord[]): SessionData => ({
    createdAt: '2026-12-08T09:00:00.000Z',
    app: { name: 'LossLab', version: 'test' },
    view: {},
    experiments: { experiments },
  });

  it('reads back what it wrote, and NaN as null', () => {
    const withNaN = record();
    withNaN.result.figures[0].series[0].y[1] = NaN;
    const read = readSession(writeSession(session([withNaN])));
    expect(read.experiments?.experiments).toEqual([record()]);
  });

  it('refuses a result of another kind than its spec, and a repeated id, naming the field', () => {
    const wrong = record();
    wrong.spec = experimentSpecSchema.parse({ kind: 'diagnose' });
    expect(() => writeSession(session([wrong]))).toThrow(/result/);
    expect(() => writeSession(session([record(), record()]))).toThrow(/earlier experiment/);
  });
});
