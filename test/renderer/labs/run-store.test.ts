/**
 * The run-store base both labs' stores stand on: run ids in sequence (after any a session
 * brought), a colour no run has, names typed or generated, the selection's fallback, and the
 * status line a refused request writes.
 */
import { describe, expect, it } from 'vitest';
import {
  RunStore,
  freeColor,
  type StoreRun,
} from '../../../renderer/src/lib/labs/run-store.svelte';
import { runColors } from '../../../renderer/src/lib/views/palette';
import { fakeEngine } from './fake-engine';

type State = { name: string };
type TestRun = StoreRun<State>;

class TestStore extends RunStore<State, TestRun> {
  constructor(prefix = 'run-') {
    super(fakeEngine().engine, prefix);
  }
  protected generatedLabel(state: State): string {
    return `generated ${state.name}`;
  }
  id(): string {
    return this.newRunId();
  }
  adopt(runId: string): void {
    this.adoptRunId(runId);
  }
  color(): string {
    return this.freeColor();
  }
  tryIt<T>(operation: () => Promise<T>): Promise<T | undefined> {
    return this.attempt(operation);
  }
  move(run: TestRun, index: number): void {
    this.place(run, index);
  }
}

const run = (runId: string, color: string, state?: State): TestRun => ({ runId, color, state });

describe('RunStore', () => {
  it('gives run ids in sequence with its prefix, after the ids a session brought', () => {
    const store = new TestStore('net-');
    expect([store.id(), store.id()]).toEqual(['net-1', 'net-2']);
    store.adopt('net-7');
    expect(store.id()).toBe('net-8');
    // An id of the other lab, or a lower one, leaves the sequence alone.
    store.adopt('run-40');
    store.adopt('net-3');
    store.adopt('net-x9');
    expect(store.id()).toBe('net-9');
  });

  it('colours a new run with the first colour no run has, cycling once all are taken', () => {
    const store = new TestStore();
    expect(store.color()).toBe(runColors[0]);
    store.runs = [run('run-1', runColors[0]), run('run-2', runColors[2])];
    expect(store.color()).toBe(runColors[1]);
    store.runs = runColors.map((c, i) => run(`run-${i + 1}`, c));
    expect(store.color()).toBe(runColors[0]);
    store.runs = [...store.runs, run('run-x', runColors[0])];
    expect(store.color()).toBe(runColors[1 % runColors.length]);
    expect(freeColor([runColors[0], runColors[1]])).toBe(runColors[2]);
  });

  it("names a run by the label typed, else the lab's name for it, else its id", () => {
    const store = new TestStore();
    expect(store.labelOf(run('run-1', 'red'))).toBe('run-1');
    expect(store.labelOf(run('run-1', 'red', { name: 'adam' }))).toBe('generated adam');
    store.labels = { 'run-1': 'my run', 'run-2': '' };
    expect(store.labelOf(run('run-1', 'red', { name: 'adam' }))).toBe('my run');
    expect(store.labelOf(run('run-1', 'red'))).toBe('my run');
    // An emptied label gives the name back to the lab.
    expect(store.labelOf(run('run-2', 'red', { name: 'sgd' }))).toBe('generated sgd');
  });

  it('selects the run chosen, else the first', () => {
    const store = new TestStore();
    expect(store.selectedRun).toBeUndefined();
    store.runs = [run('run-1', 'a'), run('run-2', 'b')];
    expect(store.selectedRun?.runId).toBe('run-1');
    store.selectedRunId = 'run-2';
    expect(store.selectedRun?.runId).toBe('run-2');
    store.selectedRunId = 'run-9';
    expect(store.selectedRun?.runId).toBe('run-1');
  });

  it('puts a run back in its place in the list', () => {
    const store = new TestStore();
    const [a, b, c] = [run('run-1', 'a'), run('run-2', 'b'), run('run-3', 'c')];
    store.runs = [a, b, c];
    store.move(c, 0);
    expect(store.runs.map((r) => r.runId)).toEqual(['run-3', 'run-1', 'run-2']);
  });

  it('writes a refused request to the status line, and clears it on the next success', async () => {
    const store = new TestStore();
    await expect(store.tryIt(() => Promise.reject(new Error('no such run')))).resolves.toBe(
      undefined,
    );
    expect(store.lastError).toBe('no such run');
    await expect(store.tryIt(async () => 'ok')).resolves.toBe('ok');
    expect(store.lastError).toBeUndefined();
  });
});
