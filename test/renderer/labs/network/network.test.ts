/**
 * The network lab's store on the shared base: requests that change its runs wait their turn
 * (as the explorer's do), a refused one leaves no placeholder and says why, and a run training
 * another network than the lab's says so in its name.
 */
import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../../../electron/common/network';
import type { NetworkProblemInfo, NetworkRunState } from '../../../../electron/common/protocol';
import { EngineRequestError } from '../../../../renderer/src/lib/engine/client';
import { NetworkStore } from '../../../../renderer/src/lib/labs/network/network.svelte';
import { fakeEngine, settle } from '../fake-engine';

const model: ModelSpec = {
  depth: 2,
  width: 32,
  activation: 'tanh',
  residual: false,
  loss: 'crossEntropy',
  l2: 0,
  dropout: 0,
  seed: 0,
  init: 'auto',
};

function store() {
  const { engine, client } = fakeEngine();
  const net = new NetworkStore(engine);
  net.problem = { model } as unknown as NetworkProblemInfo;
  return { net, client };
}

describe('NetworkStore', () => {
  it('sends run-set changes one at a time, in the order asked', async () => {
    const { net, client } = store();
    const first = net.addRun({ optimizer: 'sgd', lr: 0.1 });
    const second = net.addRun({ optimizer: 'adam', lr: 0.01 });
    await settle();
    expect(client.types).toEqual(['net.run.create']);
    expect(net.restructuring).toBe(2);
    expect(net.runs.map((r) => r.runId)).toEqual(['net-1']);
    client.sent[0].resolve({ type: 'ok' });
    await expect(first).resolves.toBe('net-1');
    await settle();
    expect(client.types).toEqual(['net.run.create', 'net.run.create']);
    expect((client.sent[1].message.run as { runId: string }).runId).toBe('net-2');
    client.sent[1].resolve({ type: 'ok' });
    await expect(second).resolves.toBe('net-2');
    expect(net.restructuring).toBe(0);
    expect(net.selectedRunId).toBe('net-1');
  });

  it("drops a refused run's placeholder and shows the engine's reason", async () => {
    const { net, client } = store();
    const added = net.addRun({ optimizer: 'sgd', lr: -1 });
    await settle();
    client.sent[0].reject(new EngineRequestError('lr must be positive', 'run.optimizer.lr'));
    await expect(added).resolves.toBeUndefined();
    expect(net.runs).toEqual([]);
    expect(net.lastError).toBe('lr must be positive');
  });

  it('names a run of its own network by its architecture, and a typed label above all', async () => {
    const { net, client } = store();
    const added = net.addRun({ optimizer: 'sgd', lr: 0.1 });
    await settle();
    client.sent[0].resolve({ type: 'ok' });
    await added;
    const state = (own: Partial<ModelSpec>) =>
      ({
        runId: 'net-1',
        optimizer: 'sgd',
        hyper: { lr: 0.1, momentum: 0 },
        schedule: { kind: 'constant' },
        step: 3,
        changes: [],
        model: { ...model, ...own },
      }) as unknown as NetworkRunState;
    client.emit('net.run.state', { run: state({}) });
    const plain = net.labelOf(net.runs[0]);
    expect(plain).not.toContain('·');
    client.emit('net.run.state', { run: state({ width: 16, depth: 3 }) });
    expect(net.labelOf(net.runs[0])).toBe(`${plain} · 3×16 tanh`);
    net.labels = { 'net-1': 'wide' };
    expect(net.labelOf(net.runs[0])).toBe('wide');
  });
});
