/**
 * The critical-points lab's store, network side, against a stand-in engine: progress routed to
 * the job whose id it carries, Cancel posting job.cancel with that id and showing "cancelled"
 * (not an error) when the engine answers so, one experiment at a time with its partial results
 * drawn as they come, Escape making a network run through the network lab (its placeholder
 * dropped when the engine refuses), and saved experiments taken over.
 */
import { describe, expect, it } from 'vitest';
import type {
  CriticalAnalysis,
  CriticalExperimentResult,
  NetworkProblemInfo,
} from '../../electron/common/protocol';
import { EngineRequestError } from '../../renderer/src/lib/engine/client';
import {
  CriticalStore,
  type CriticalHost,
  type CriticalRunInfo,
} from '../../renderer/src/lib/labs/critical/critical.svelte';
import { NetworkStore } from '../../renderer/src/lib/labs/network/network.svelte';
import { FakeClient, fakeEngine, settle } from './labs/fake-engine';

/** A fake client that gives each request an id, as the real one does (onId before sending). */
class JobClient extends FakeClient {
  private next = 1;
  override request(
    message: { type: string } & Record<string, unknown>,
    onId?: (id: number) => void,
  ): Promise<unknown> {
    const id = this.next++;
    onId?.(id);
    return super.request({ ...message, id });
  }
  /** The last request of a type. */
  last(type: string) {
    const found = this.sent.filter((s) => s.message.type === type).at(-1);
    if (!found) throw new Error(`no ${type} sent`);
    return found;
  }
}

function setup(
  runs: CriticalRunInfo[] = [{ runId: 'net-1', label: 'Adam', color: '#fff', step: 40 }],
) {
  const client = new JobClient();
  const { engine } = fakeEngine(client);
  const log: string[] = [];
  let language: 'en' | 'zh' = 'en';
  const made: string[] = [];
  const host: CriticalHost = {
    networkRuns: runs,
    selectedNetworkRun: runs[0]?.runId,
    problem: { dataset: 'noisy sine, 100 points', model: '1×8 tanh', parameters: 25 },
    makeNetworkRun: async (make) => {
      const runId = `net-${runs.length + made.length + 1}`;
      const ok = await make(runId);
      if (ok) made.push(runId);
      return ok ? runId : undefined;
    },
    ensureProblem: async () => true,
    setProblem: async () => {
      log.push('setProblem');
      return true;
    },
    pauseNetwork: async () => {
      log.push('pause');
    },
    showNetworkLab: () => log.push('show'),
    get language() {
      return language;
    },
    set language(l) {
      language = l;
    },
  };
  return { store: new CriticalStore(engine, host), client, log, made };
}

const analysis = {
  target: { lab: 'network', runId: 'net-1', step: 40 },
  parameters: 3,
  loss: 0.5,
  gradNorm: 1e-3,
  method: 'exact',
  eigenvalues: Float64Array.from([-1, 0, 2]),
  eigenvectors: new Float64Array(9),
  vectorIndices: [0, 1, 2],
  trace: 1,
  traceMethod: 'exact',
  classification: {
    kind: 'saddle',
    gradNorm: 1e-3,
    count: 3,
    positive: 1,
    negative: 1,
    flat: 1,
    minimumRatio: 1 / 3,
    index: 1 / 3,
    tau: 1e-4,
    scale: 2,
    lambdaMax: 2,
    lambdaMin: -1,
  },
  ms: 5,
} as unknown as CriticalAnalysis;

const ratioResult = (n: number): CriticalExperimentResult => ({
  kind: 'minimum-ratio',
  architecture: '1x4 tanh crossEntropy l2=0',
  points: Array.from({ length: n }, (_, i) => ({
    seed: i,
    steps: 10,
    loss: 0.1,
    gradNorm: 1e-4,
    minimumRatio: 0.9,
    flat: 1,
    index: 0.05,
    kind: 'saddle' as const,
    converged: true,
  })),
  tau: 1e-4,
  gradTolerance: 1e-3,
  parameters: 25,
});

describe('CriticalStore: the Hessian of a network run', () => {
  it('pauses training, asks for the run and step, follows its progress, then shows the result', async () => {
    const { store, client, log } = setup();
    const done = store.analyze('net-1', 12, { method: 'exact', tau: 1e-4 });
    await settle();
    expect(log).toEqual(['pause']);
    const sent = client.last('critical.analyze');
    expect(sent.message.target).toEqual({ kind: 'run', runId: 'net-1', step: 12 });
    expect(sent.message.options).toEqual({ method: 'exact', tau: 1e-4 });
    const id = sent.message.id as number;
    expect(store.analysis).toMatchObject({ status: 'running', id, done: 0 });
    // Another job's progress is not this one's.
    client.emit('critical.progress', { id: id + 100, phase: 'eigen', done: 9, total: 9 });
    expect(store.analysis).toMatchObject({ status: 'running', done: 0 });
    client.emit('critical.progress', { id, phase: 'hessian', done: 2, total: 3 });
    expect(store.analysis).toEqual({ status: 'running', id, phase: 'hessian', done: 2, total: 3 });
    sent.resolve({ type: 'critical.result', id, analysis });
    await done;
    expect(store.analysis).toEqual({ status: 'done', value: analysis });
  });

  it('the current step is the target without a step', async () => {
    const { store, client } = setup();
    void store.analyze('net-1', undefined, {});
    await settle();
    expect(client.last('critical.analyze').message.target).toEqual({ kind: 'run', runId: 'net-1' });
  });

  it('Cancel posts job.cancel with the request id; "cancelled" is shown as such, not as an error', async () => {
    const { store, client } = setup();
    const done = store.analyze('net-1', undefined, {});
    await settle();
    const sent = client.last('critical.analyze');
    store.cancel(store.analysis);
    expect(client.posted).toEqual([{ type: 'job.cancel', id: sent.message.id }]);
    sent.reject(new EngineRequestError('cancelled'));
    await done;
    expect(store.analysis).toEqual({ status: 'cancelled' });
    // A refusal is a failure with the engine's words.
    const again = store.analyze('net-9', undefined, {});
    await settle();
    client
      .last('critical.analyze')
      .reject(new EngineRequestError('no run "net-9"', 'target.runId'));
    await again;
    expect(store.analysis).toEqual({ status: 'failed', message: 'no run "net-9"' });
  });

  it('a cancelled or refused analysis leaves the last result on show, with its line and Escape', async () => {
    const { store, client } = setup();
    const first = store.analyze('net-1', undefined, {});
    await settle();
    const a = client.last('critical.analyze');
    a.resolve({ type: 'critical.result', id: a.message.id, analysis });
    await first;
    expect(store.result).toBe(analysis);
    const line = store.computeLine({ radius: 1 });
    await settle();
    const l = client.last('critical.line');
    l.resolve({ type: 'critical.line.result', id: l.message.id, line: { t: new Float64Array(3) } });
    await line;
    // The next one: while it computes, and once cancelled, the first stays.
    const second = store.analyze('net-1', 3, {});
    await settle();
    expect(store.analysis.status).toBe('running');
    expect(store.result).toBe(analysis);
    client.last('critical.analyze').reject(new EngineRequestError('cancelled'));
    await second;
    expect(store.analysis).toEqual({ status: 'cancelled' });
    expect(store.result).toBe(analysis);
    expect(store.line.status).toBe('done');
    // Escape still goes from the point on show.
    void store.escapeAlong(0.5);
    await settle();
    expect(client.last('critical.escape').message.target).toEqual({
      kind: 'run',
      runId: 'net-1',
      step: 40,
    });
  });

  it('draws the line through the analysed point on the data it was analysed on', async () => {
    const { store, client } = setup();
    const done = store.analyze('net-1', undefined, { split: 'validation' });
    await settle();
    const a = client.last('critical.analyze');
    a.resolve({ type: 'critical.result', id: a.message.id, analysis });
    await done;
    const line = store.computeLine({ radius: 0.5 });
    await settle();
    const sent = client.last('critical.line');
    expect(sent.message).toMatchObject({
      target: { kind: 'run', runId: 'net-1', step: 40 },
      radius: 0.5,
      points: 101,
      split: 'validation',
    });
    sent.resolve({
      type: 'critical.line.result',
      id: sent.message.id,
      line: { t: new Float64Array(3) },
    });
    await line;
    expect(store.line.status).toBe('done');
  });

  it('Escape makes a run through the network lab and shows predicted beside actual', async () => {
    const { store, client, made } = setup();
    const done = store.analyze('net-1', undefined, {});
    await settle();
    const a = client.last('critical.analyze');
    a.resolve({ type: 'critical.result', id: a.message.id, analysis });
    await done;
    const escaping = store.escapeAlong(0.5);
    await settle();
    const sent = client.last('critical.escape');
    expect(sent.message).toMatchObject({
      target: { kind: 'run', runId: 'net-1', step: 40 },
      t: 0.5,
      newRunId: 'net-2',
      tau: 1e-4,
    });
    const escape = { lambda: -1, t: 0.5, predicted: -0.125, actual: -0.11, newRunId: 'net-2' };
    sent.resolve({ type: 'critical.escaped', id: sent.message.id, escape });
    await escaping;
    expect(store.escape).toEqual({ status: 'done', value: escape });
    expect(made).toEqual(['net-2']);
    // A refused Escape makes no run.
    const refused = store.escapeAlong(0.5);
    await settle();
    client.last('critical.escape').reject(new EngineRequestError('no negative eigenvalue', 't'));
    await refused;
    expect(made).toEqual(['net-2']);
    expect(store.escape).toEqual({ status: 'failed', message: 'no negative eigenvalue' });
  });
});

describe('CriticalStore: experiments', () => {
  it('runs one at a time, drawing partial results as they come, and keeps them when cancelled', async () => {
    const { store, client } = setup();
    const spec = {
      kind: 'minimum-ratio' as const,
      network: 'lab' as const,
      count: 3,
      gradTolerance: 1e-3,
      maxSteps: 10,
      tau: 1e-4,
      seed: 1,
    };
    const running = store.runExperiment('minimum-ratio', spec);
    await settle();
    const sent = client.last('critical.experiment');
    expect(sent.message.experiment).toEqual(spec);
    const id = sent.message.id as number;
    expect(store.runningExperiment).toBe('minimum-ratio');
    // A second experiment waits its turn: refused at once, with a word why.
    await expect(store.runExperiment('sharpness')).resolves.toBeUndefined();
    expect(client.sent.filter((s) => s.message.type === 'critical.experiment')).toHaveLength(1);
    expect(store.lastError).toMatch(/Minimum ratio at "convergence"/);
    client.emit('critical.experiment.progress', {
      id,
      done: 1,
      total: 3,
      eta: 20,
      partial: ratioResult(1),
    });
    expect(store.experiments['minimum-ratio'].job).toMatchObject({
      status: 'running',
      done: 1,
      total: 3,
      eta: 20,
    });
    expect(store.shown('minimum-ratio')).toMatchObject({ partial: true, spec });
    expect(store.shown('minimum-ratio')!.result).toEqual(ratioResult(1));
    // A progress report without a partial result keeps the last one on show.
    client.emit('critical.experiment.progress', { id, done: 2, total: 3 });
    expect(store.shown('minimum-ratio')!.result).toEqual(ratioResult(1));
    store.cancel(store.experiments['minimum-ratio'].job);
    expect(client.posted).toEqual([{ type: 'job.cancel', id }]);
    sent.reject(new EngineRequestError('cancelled'));
    await running;
    expect(store.experiments['minimum-ratio'].job).toEqual({
      status: 'cancelled',
      partial: ratioResult(1),
    });
    expect(store.runningExperiment).toBeUndefined();
    // Run to the end.
    const again = store.runExperiment('minimum-ratio', spec);
    await settle();
    const second = client.last('critical.experiment');
    second.resolve({
      type: 'critical.experiment.result',
      id: second.message.id,
      result: ratioResult(3),
    });
    await expect(again).resolves.toEqual(ratioResult(3));
    expect(store.shown('minimum-ratio')).toEqual({ result: ratioResult(3), spec, partial: false });
    expect(store.savedExperiments()).toEqual([{ spec, result: ratioResult(3) }]);
  });

  it('runs with the settings in its form by default, a snapshot of them', async () => {
    const { store, client } = setup();
    store.settings['saddle-escape'].t = 0.25;
    void store.runExperiment('saddle-escape');
    await settle();
    const sent = client.last('critical.experiment');
    expect(sent.message.experiment).toEqual({
      kind: 'saddle-escape',
      steps: 500,
      t: 0.25,
      seed: 1,
    });
    store.settings['saddle-escape'].t = 2;
    expect((sent.message.experiment as { t: number }).t).toBe(0.25);
  });

  it("a lesson builds its problem in the network lab, then runs its experiment with the lesson's settings", async () => {
    const { store, client, log } = setup();
    const { criticalLessons } = await import('../../renderer/src/lib/labs/critical/lessons');
    const lesson = criticalLessons[0];
    const done = store.applyLesson(lesson);
    await settle();
    expect(log).toEqual(['setProblem', 'pause']);
    expect(store.lesson).toBe(lesson);
    expect(store.selected).toBe(lesson.experiment.kind);
    expect(client.last('critical.experiment').message.experiment).toEqual(lesson.experiment);
    client
      .last('critical.experiment')
      .resolve({ type: 'critical.experiment.result', id: 1, result: ratioResult(12) });
    await done;
    expect(store.viewState()).toEqual({ selected: 'minimum-ratio', lesson: lesson.id });
  });

  it("takes over the engine's experiments: each kind its last, the form its settings", () => {
    const { store, client } = setup();
    const first = {
      kind: 'minimum-ratio' as const,
      network: 'lab' as const,
      count: 5,
      gradTolerance: 1e-3,
      maxSteps: 10,
      tau: 1e-4,
      seed: 1,
    };
    const last = { ...first, count: 7 };
    // What the engine sends on every sync: the whole list, oldest first.
    client.emit('critical.experiments', {
      experiments: [
        {
          id: 'experiment-1',
          spec: first,
          result: ratioResult(5),
          finishedAt: '2025-01-01T00:00:00Z',
        },
        {
          id: 'experiment-2',
          spec: last,
          result: ratioResult(7),
          finishedAt: '2025-01-01T00:01:00Z',
        },
      ],
    });
    expect(store.shown('minimum-ratio')).toEqual({
      result: ratioResult(7),
      spec: last,
      partial: false,
    });
    expect(store.settings['minimum-ratio'].count).toBe(7);
    expect(store.shown('sharpness')).toBeUndefined();
    expect(store.exportable()).toHaveLength(1);
    store.restoreView({ selected: 'sharpness', lesson: 'edge-of-stability' });
    expect(store.selected).toBe('sharpness');
    expect(store.lesson?.letter).toBe('k');
    // An empty list (a new engine) clears them.
    client.emit('critical.experiments', { experiments: [] });
    expect(store.shown('minimum-ratio')).toBeUndefined();
  });

  it('a running experiment goes on when the list comes', async () => {
    const { store, client } = setup();
    void store.runExperiment('saddle-escape');
    await settle();
    client.emit('critical.experiments', { experiments: [] });
    expect(store.runningExperiment).toBe('saddle-escape');
  });
});

describe('NetworkStore.makeRun (Escape from the critical-points lab)', () => {
  const problem = { model: { depth: 1, width: 8 } } as unknown as NetworkProblemInfo;

  it('shows a placeholder under a new id while the engine makes the run', async () => {
    const { engine } = fakeEngine();
    const net = new NetworkStore(engine);
    net.problem = problem;
    let seen: string[] = [];
    const made = net.makeRun(async (runId) => {
      seen = net.runs.map((r) => r.runId);
      return runId === 'net-1';
    });
    await expect(made).resolves.toBe('net-1');
    expect(seen).toEqual(['net-1']);
    expect(net.runs.map((r) => r.runId)).toEqual(['net-1']);
  });

  it('drops the placeholder when the engine did not make it, or the request threw', async () => {
    const { engine } = fakeEngine();
    const net = new NetworkStore(engine);
    net.problem = problem;
    await expect(net.makeRun(async () => false)).resolves.toBeUndefined();
    expect(net.runs).toEqual([]);
    await expect(
      net.makeRun(async () => {
        throw new Error('gone');
      }),
    ).rejects.toThrow('gone');
    expect(net.runs).toEqual([]);
    expect(net.restructuring).toBe(0);
  });
});
