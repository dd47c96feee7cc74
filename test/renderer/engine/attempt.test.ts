/** Error reporting: a refused request becomes the status line's message, never an exception. */
import { describe, expect, it } from 'vitest';
import { attempt, errorMessage } from '../../../renderer/src/lib/engine/attempt';
import { EngineRequestError } from '../../../renderer/src/lib/engine/client';

describe('attempt', () => {
  it('resolves the result and clears the report when the operation succeeds', async () => {
    const reports: (string | undefined)[] = [];
    await expect(
      attempt(
        async () => 42,
        (m) => reports.push(m),
      ),
    ).resolves.toBe(42);
    expect(reports).toEqual([undefined]);
  });

  it("reports the engine's message and resolves undefined when the engine refuses", async () => {
    const reports: (string | undefined)[] = [];
    const result = await attempt(
      () => Promise.reject(new EngineRequestError('lr must be positive', 'optimizer.lr')),
      (m) => reports.push(m),
    );
    expect(result).toBeUndefined();
    expect(reports).toEqual(['lr must be positive']);
  });

  it("reports any other error's message, or the thrown value itself", async () => {
    const reports: (string | undefined)[] = [];
    await attempt(
      () => Promise.reject(new Error('a race holds at most 8 runs')),
      (m) => reports.push(m),
    );
    await attempt(
      () => Promise.reject('the engine restarted'),
      (m) => reports.push(m),
    );
    expect(reports).toEqual(['a race holds at most 8 runs', 'the engine restarted']);
    expect(errorMessage(new EngineRequestError('bad', 'field'))).toBe('bad');
  });
});
