/**
 * The explorer's store on the shared base: requests that change the race wait their turn, a
 * run gets the next id and a free colour, and a request refused before it reaches the engine
 * says why in the status line.
 */
import { describe, expect, it } from 'vitest';
import type { Run } from '../../../../renderer/src/lib/labs/explorer/types';
import { ExplorerStore } from '../../../../renderer/src/lib/labs/explorer/explorer.svelte';
import { runColors } from '../../../../renderer/src/lib/views/palette';
import { Trajectory } from '../../../../renderer/src/lib/state/trajectory';
import { fakeEngine, settle } from '../fake-engine';

const adam = { optimizer: { optimizer: 'adam' as const, lr: 0.01 } };

describe('ExplorerStore', () => {
  it('adds and removes runs one request at a time, in the order asked', async () => {
    const { engine, client } = fakeEngine();
    const lab = new ExplorerStore(engine);
    const added = lab.addRun(adam);
    const removed = lab.removeRun('run-1');
    await settle();
    expect(client.types).toEqual(['run.create']);
    expect(lab.restructuring).toBe(2);
    expect(lab.runs.map((r) => [r.runId, r.color])).toEqual([['run-1', runColors[0]]]);
    client.sent[0].resolve({ type: 'ok' });
    await expect(added).resolves.toMatchObject({ runId: 'run-1' });
    await settle();
    expect(client.types).toEqual(['run.create', 'run.remove']);
    expect(client.sent[1].message).toMatchObject({ type: 'run.remove', runId: 'run-1' });
    client.sent[1].resolve({ type: 'ok' });
    await removed;
    expect(lab.runs).toEqual([]);
    expect(lab.restructuring).toBe(0);
  });

  it('refuses a ninth run in the status line, asking nothing of the engine', async () => {
    const { engine, client } = fakeEngine();
    const lab = new ExplorerStore(engine);
    lab.runs = runColors.map((color, i): Run => ({
      runId: `run-${i + 1}`,
      color,
      trajectory: new Trajectory(),
      state: undefined,
    }));
    await expect(lab.addRun(adam)).resolves.toBeUndefined();
    expect(lab.lastError).toBe('a race holds at most 8 runs');
    expect(client.sent).toEqual([]);
    expect(lab.runs).toHaveLength(8);
  });

  it('shows an error the engine reports unasked in the status line', () => {
    const { engine, client } = fakeEngine();
    const lab = new ExplorerStore(engine);
    client.emit('error', { message: 'step failed: NaN in the gradient' });
    expect(lab.lastError).toBe('step failed: NaN in the gradient');
  });
});
