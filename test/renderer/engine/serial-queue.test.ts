/**
 * The serial queue both labs' stores share: operations run one at a time in the order asked,
 * whatever each takes; a failure is its caller's alone; `restructuring` counts what changes
 * the set of runs until it settles.
 */
import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../../renderer/src/lib/engine/serial-queue.svelte';

const later = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('SerialQueue', () => {
  it('runs operations in the order asked, each after the one before has settled', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const op = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await later(ms, undefined);
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      queue.run(op('slow', 30)),
      queue.run(op('fast', 1)),
      queue.run(op('last', 5)),
    ]);
    expect(results).toEqual(['slow', 'fast', 'last']);
    expect(log).toEqual([
      'start slow',
      'end slow',
      'start fast',
      'end fast',
      'start last',
      'end last',
    ]);
  });

  it("rejects a failed operation's caller and goes on with the next", async () => {
    const queue = new SerialQueue();
    const failed = queue.run(async () => {
      await later(5, undefined);
      throw new Error('refused');
    });
    const next = queue.run(async () => 'ran');
    await expect(failed).rejects.toThrow('refused');
    await expect(next).resolves.toBe('ran');
  });

  it('counts restructuring operations while queued or running, and only those', async () => {
    const queue = new SerialQueue();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = queue.run(() => gate, true);
    const plain = queue.run(async () => undefined);
    const second = queue.run(async () => undefined, true);
    expect(queue.restructuring).toBe(2);
    release();
    await first;
    expect(queue.restructuring).toBe(1);
    await Promise.all([plain, second]);
    expect(queue.restructuring).toBe(0);
    const failing = queue.run(() => Promise.reject(new Error('no')), true);
    await expect(failing).rejects.toThrow('no');
    expect(queue.restructuring).toBe(0);
  });
});
