/**
 * The explorer's critical point: latest-wins requests (a new point cancels the job of the one
 * before, an overtaken reply is dropped), what the views draw from the engine's analysis,
 * when Escape is refused and why, Escape through the explorer (paused, the runs restarted
 * from the point reached, which becomes the start, then played on), and what resets it.
 */
import { describe, expect, it } from 'vitest';
import type { CriticalAnalysis, EscapeResult } from '../../../electron/common/protocol';
import { ExplorerStore } from '../../../renderer/src/lib/labs/explorer/explorer.svelte';
import { lessonById, type Lesson } from '../../../renderer/src/lib/labs/explorer/lessons';
import {
  SurfaceCritical,
  type SurfaceCriticalHost,
} from '../../../renderer/src/lib/labs/critical/surface/surface-critical.svelte';
import { Trajectory } from '../../../renderer/src/lib/state/trajectory';
import { FakeClient, fakeEngine, settle, type SentRequest } from './fake-engine';

/** A fake client that numbers its requests (1, 2, …) the way the real one reports ids. */
class NumberedClient extends FakeClient {
  override request(message: SentRequest['message'], onId?: (id: number) => void): Promise<unknown> {
    onId?.(this.sent.length + 1);
    return super.request(message);
  }
}

/**
 * The engine's analysis of saddle-valley (L = ½x² + ¼(y² − 1)²) at (x, y) on a run's step:
 * ∇L = (x, y³ − y), H = diag(1, 3y² − 1), eigenvalues ascending.
 */
function valleyAnalysis(x: number, y: number, runId?: string, step = 0): CriticalAnalysis {
  const hyy = 3 * y * y - 1;
  const ascending = hyy < 1;
  const values = ascending ? [hyy, 1] : [1, hyy];
  const scale = Math.max(...values.map(Math.abs));
  const negative = values.filter((v) => v < -1e-4 * scale).length;
  const positive = values.filter((v) => v > 1e-4 * scale).length;
  const gradient: [number, number] = [x, y * (y * y - 1)];
  return {
    target: { lab: 'explorer', ...(runId ? { runId } : {}), step, point: [x, y] },
    parameters: 2,
    loss: 0.5 * x * x + 0.25 * (y * y - 1) ** 2,
    gradNorm: Math.hypot(...gradient),
    method: 'closed-form',
    eigenvalues: Float64Array.from(values),
    eigenvectors: Float64Array.from(ascending ? [0, 1, 1, 0] : [1, 0, 0, 1]),
    vectorIndices: [0, 1],
    trace: 1 + hyy,
    traceMethod: 'exact',
    classification: {
      kind: negative && positive ? 'saddle' : positive === 2 ? 'minimum' : 'degenerate',
      gradNorm: Math.hypot(...gradient),
      count: 2,
      positive,
      negative,
      flat: 2 - positive - negative,
      minimumRatio: positive / 2,
      index: negative / 2,
      tau: 1e-4,
      scale,
      lambdaMax: Math.max(...values),
      lambdaMin: Math.min(...values),
    },
    surface: { gradient, hessian: [1, 0, hyy] },
    ms: 0,
  };
}

/** The engine's account of Escape from the saddle, t along +y. */
function escapeFromSaddle(t: number): EscapeResult {
  return {
    target: { lab: 'explorer', runId: 'run-1', step: 300, point: [0, 0] },
    lambda: -1,
    t,
    predicted: -0.5 * t * t,
    predictedSecondOrder: -0.5 * t * t,
    actual: -0.5 * t * t + 0.25 * t ** 4,
    lossBefore: 0.25,
    lossAfter: 0.25 - 0.5 * t * t + 0.25 * t ** 4,
    point: [0, t],
    direction: [0, 1],
  };
}

/** A critical point on a numbered fake client, its escapes run at once. */
function standalone() {
  const client = new NumberedClient();
  const host: SurfaceCriticalHost = {
    client: client as unknown as SurfaceCriticalHost['client'],
    surface: () => 'saddle-valley',
    restartRuns: (escape) => escape(),
  };
  return { client, point: new SurfaceCritical(host) };
}

describe('SurfaceCritical', () => {
  it('asks for the Hessian at a run’s step and shows it on the views', async () => {
    const { client, point } = standalone();
    const done = point.analyzeRun('run-1', 300);
    expect(client.sent[0].message).toEqual({
      type: 'critical.analyze',
      target: { kind: 'run', runId: 'run-1', lab: 'explorer', step: 300 },
    });
    expect(point.status).toBe('analyzing');
    client.sent[0].resolve({
      type: 'critical.result',
      id: 1,
      analysis: valleyAnalysis(0, 0, 'run-1', 300),
    });
    await done;
    expect(point.status).toBe('done');
    const overlay = point.overlay!;
    expect(overlay.point).toEqual([0, 0]);
    expect(overlay.eigenvalues).toEqual([-1, 1]);
    expect(overlay.vectors).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(overlay.hessian).toEqual([1, 0, -1]);
    expect(overlay.flat).toBeCloseTo(1e-4, 15);
    expect(overlay.quadric).toBe(true);
    // Escape's preview: t = 0.5 along +v₁ (g = 0: the sign is the engine's default, +).
    expect(overlay.escape).toEqual({ to: [0, 0.5], taken: false });
    point.showQuadric = false;
    expect(point.overlay!.quadric).toBe(false);
  });

  it('maps the eigenvectors by their indices, whatever order the engine lists them', async () => {
    const { client, point } = standalone();
    const done = point.analyzePoint([0, 0]);
    const analysis = valleyAnalysis(0, 0);
    analysis.eigenvectors = Float64Array.from([1, 0, 0, 1]);
    analysis.vectorIndices = [1, 0];
    client.sent[0].resolve({ type: 'critical.result', id: 1, analysis });
    await done;
    expect(point.overlay!.vectors).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('cancels the job of a point overtaken by another and drops its reply', async () => {
    const { client, point } = standalone();
    const first = point.analyzeRun('run-1', 10);
    const second = point.analyzeRun('run-1', 20);
    expect(client.posted).toEqual([{ type: 'job.cancel', id: 1 }]);
    client.sent[1].resolve({
      type: 'critical.result',
      id: 2,
      analysis: valleyAnalysis(0, 1, 'run-1', 20),
    });
    await second;
    client.sent[0].reject(new Error('cancelled'));
    await expect(first).resolves.toBeUndefined();
    expect(point.status).toBe('done');
    expect(point.error).toBeUndefined();
    expect(point.analysis!.target.step).toBe(20);
  });

  it('reports the progress of its own job only', () => {
    const { client, point } = standalone();
    void point.analyzeRun('run-1', 10);
    client.emit('critical.progress', { id: 7, phase: 'hessian', done: 1, total: 2 });
    expect(point.progress).toBeUndefined();
    client.emit('critical.progress', { id: 1, phase: 'hessian', done: 1, total: 2 });
    expect(point.progress).toEqual({ phase: 'hessian', done: 1, total: 2 });
  });

  it('says why Escape is refused at a minimum', async () => {
    const { client, point } = standalone();
    const done = point.analyzePoint([0, 1]);
    client.sent[0].resolve({ type: 'critical.result', id: 1, analysis: valleyAnalysis(0, 1) });
    await done;
    expect(point.escapeBlocked).toBe(
      'No negative eigenvalue: λ_min = 1 ≥ −τ·max|λ| = −2e−4, so no direction lowers the loss to second order.',
    );
    expect(point.overlay!.escape).toBeUndefined();
    await expect(point.escape()).resolves.toBeUndefined();
    expect(client.sent).toHaveLength(1);
  });

  it('escapes from the analyzed run’s step, then from its point once the runs restarted', async () => {
    const { client, point } = standalone();
    const done = point.analyzeRun('run-1');
    client.sent[0].resolve({
      type: 'critical.result',
      id: 1,
      analysis: valleyAnalysis(0, 0, 'run-1', 300),
    });
    await done;
    point.t = 0.2;
    const escaping = point.escape();
    expect(client.sent[1].message).toEqual({
      type: 'critical.escape',
      target: { kind: 'run', runId: 'run-1', lab: 'explorer', step: 300 },
      t: 0.2,
      tau: 1e-4,
    });
    client.sent[1].resolve({ type: 'critical.escaped', id: 2, escape: escapeFromSaddle(0.2) });
    const result = await escaping;
    expect(result!.actual - result!.predicted).toBeCloseTo(0.25 * 0.2 ** 4, 15);
    expect(point.escaped).toEqual(result);
    expect(point.detached).toBe(true);
    expect(point.target).toEqual({ kind: 'surface', point: [0, 0], surface: 'saddle-valley' });
    expect(point.overlay!.escape).toEqual({ to: [0, 0.2], taken: true });
    // Again: from the saddle as a point of the surface (run-1's step 300 is gone).
    void point.escape();
    expect(client.sent[2].message).toMatchObject({
      target: { kind: 'surface', point: [0, 0], surface: 'saddle-valley' },
    });
  });

  it('shows a refusal in its status line', async () => {
    const { client, point } = standalone();
    const done = point.analyzeRun('run-9', 3);
    client.sent[0].reject(new Error('no run "run-9"'));
    await done;
    expect(point.status).toBe('error');
    expect(point.error).toBe('no run "run-9"');
  });

  it('closes, cancelling the job under way', () => {
    const { client, point } = standalone();
    void point.analyzeRun('run-1', 3);
    point.clear();
    expect(client.posted).toEqual([{ type: 'job.cancel', id: 1 }]);
    expect(point.open).toBe(false);
    expect(point.overlay).toBeUndefined();
  });
});

describe('the explorer’s critical point', () => {
  /** An explorer with two runs on saddle-valley, `steps` points each. */
  function explorer(steps: number) {
    const { engine, client } = fakeEngine();
    const lab = new ExplorerStore(engine);
    lab.surface = 'saddle-valley';
    lab.runs = ['run-1', 'run-2'].map((runId, i) => {
      const trajectory = new Trajectory();
      trajectory.count = steps;
      return { runId, color: `#00000${i}`, trajectory, state: undefined };
    });
    return { lab, client };
  }

  it('reads the Hessian at the selected run’s step on show, and follows the timeline', () => {
    const { lab, client } = explorer(301);
    lab.selectedRunId = 'run-2';
    lab.analyzeHere();
    expect(client.sent[0].message).toMatchObject({ target: { runId: 'run-2', step: 300 } });
    lab.scrubStep = 120;
    lab.analyzeHere('run-1');
    expect(client.sent[1].message).toMatchObject({ target: { runId: 'run-1', step: 120 } });
    lab.followScrub(80);
    expect(client.sent[2].message).toMatchObject({ target: { runId: 'run-1', step: 80 } });
    // Past the run's end the point stays at its last step.
    lab.followScrub(5000);
    expect(client.sent[3].message).toMatchObject({ target: { runId: 'run-1', step: 300 } });
  });

  it('escapes in the race’s queue: paused, restarted from the point reached, then played', async () => {
    const { lab, client } = explorer(301);
    lab.analyzeRun('run-1', 300);
    client.sent[0].resolve({
      type: 'critical.result',
      id: 0,
      analysis: valleyAnalysis(0, 0, 'run-1', 300),
    });
    await settle();
    lab.scrubStep = 250;
    lab.criticalPoint.t = 0.2;
    const escaping = lab.criticalPoint.escape();
    await settle();
    expect(client.types).toEqual(['critical.analyze', 'playback']);
    expect(client.sent[1].message).toMatchObject({ playing: false });
    client.sent[1].resolve({ type: 'ok' });
    await settle();
    expect(client.types.at(-1)).toBe('critical.escape');
    client.sent[2].resolve({ type: 'critical.escaped', id: 0, escape: escapeFromSaddle(0.2) });
    await settle();
    expect(lab.start).toEqual([0, 0.2]);
    expect(lab.scrubStep).toBeUndefined();
    expect(client.sent[3].message).toMatchObject({ type: 'playback', playing: true });
    client.sent[3].resolve({ type: 'ok' });
    expect((await escaping)?.predicted).toBeCloseTo(-0.02, 15);
    // The views keep the saddle's picture, with the step taken.
    expect(lab.critical?.escape).toEqual({ to: [0, 0.2], taken: true });
  });

  it('a lesson that reads the Hessian asks for it where its run stands at its end', () => {
    const { lab, client } = explorer(401);
    const lesson = lessonById('read-eigenvalues')!;
    expect(lesson.critical).toEqual({ analyzeAt: 'end' });
    (lab as unknown as { lessonEnded(lesson: Lesson): void }).lessonEnded(lesson);
    expect(client.sent[0].message).toEqual({
      type: 'critical.analyze',
      target: { kind: 'run', runId: 'run-1', lab: 'explorer' },
    });
    // A lesson without it asks nothing.
    (lab as unknown as { lessonEnded(lesson: Lesson): void }).lessonEnded(lessonById('saddle')!);
    expect(client.sent).toHaveLength(1);
  });

  it("takes Escape's step length from the lesson", () => {
    const { lab } = explorer(1);
    void lab.applyLesson(lessonById('escape-saddle')!);
    expect(lab.criticalPoint.t).toBe(0.2);
    void lab.applyLesson(lessonById('momentum')!);
    expect(lab.criticalPoint.t).toBe(0.5);
  });

  it('keeps the point through a new start, and forgets it with the surface', async () => {
    const { lab, client } = explorer(11);
    lab.analyzeRun('run-1', 10);
    client.sent[0].resolve({
      type: 'critical.result',
      id: 0,
      analysis: valleyAnalysis(0.5, 0.5, 'run-1', 10),
    });
    await settle();
    void lab.setStart([1, 1]);
    expect(lab.criticalPoint.detached).toBe(true);
    expect(lab.critical?.point).toEqual([0.5, 0.5]);
    await settle();
    client.sent[1].resolve({ type: 'ok' });
    void lab.showSurface('bowl');
    await settle();
    expect(lab.criticalPoint.open).toBe(false);
    expect(lab.critical).toBeUndefined();
  });
});
