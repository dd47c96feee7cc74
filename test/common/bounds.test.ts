/** The message shape guard: where it draws each line, what it says, and what it costs. */
import { describe, expect, it } from 'vitest';
import { checkMessageShape, describeValue, oneLine } from '../../electron/common/bounds';

function chain(depth: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('checkMessageShape', () => {
  it('allows 64 levels of nesting and refuses 65, naming where', () => {
    expect(checkMessageShape(chain(64))).toBeUndefined();
    expect(checkMessageShape(chain(65))).toMatch(/^0\.0\.0.*: nested more than 64 levels deep$/);
    expect(checkMessageShape({ a: { b: chain(70) } })).toMatch(/^a\.b\.0\.0/);
  });

  it('names the path of a BigInt, a Map, a function', () => {
    expect(checkMessageShape({ run: { start: [1, 2n] } })).toMatch(/^run\.start\.1: a big integer/);
    expect(checkMessageShape({ x: new Map() })).toBe('x: a Map is not part of any message');
    expect(checkMessageShape({ f: () => 1 })).toBe('f: a function cannot travel in a message');
    expect(checkMessageShape(5n)).toMatch(/^message: a big integer/);
  });

  it('counts values, text and bytes against their bounds', () => {
    const bounds = { maxDepth: 64, maxValues: 10, maxChars: 20, maxBytes: 16 };
    expect(checkMessageShape([1, 2, 3], bounds)).toBeUndefined();
    expect(checkMessageShape(Array(11).fill(0), bounds)).toMatch(/more than 10 values/);
    expect(checkMessageShape({ abc: 'x'.repeat(18) }, bounds)).toMatch(/characters of text/);
    expect(checkMessageShape([new Float64Array(2), new Uint8Array(1)], bounds)).toMatch(
      /^1: the message holds more than 16 bytes/,
    );
    // Typed arrays count by their bytes, not as values.
    expect(checkMessageShape({ a: new Float64Array(1000) }, { ...bounds, maxBytes: 8000 })).toBe(
      undefined,
    );
  });

  it('refuses five million numbers without holding a stack entry per number', () => {
    const zeros = new Array(5_000_000).fill(0);
    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const verdict = checkMessageShape({ type: 'hello', junk: zeros });
    const ms = performance.now() - t0;
    const grew = process.memoryUsage().heapUsed - before;
    console.log(
      `5e6 values refused in ${ms.toFixed(0)} ms, heap grew ${(grew / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(verdict).toBe('message: holds more than 1,000,000 values');
    // A stack entry per value (about 300 bytes each) would be over a gigabyte.
    expect(grew).toBeLessThan(64 * 2 ** 20);
  });

  it('keeps keys with control characters out of its one line', () => {
    const verdict = checkMessageShape({ 'a\nb\u0007': 1n });
    expect(verdict).toMatch(/^a\?b\?: a big integer/);
    expect([...(verdict ?? '')].some((c) => c.charCodeAt(0) < 32)).toBe(false);
  });

  it('never throws, whatever it is given', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(checkMessageShape(cyclic)).toMatch(/nested more than 64 levels/);
    const proxy = new Proxy({}, { getPrototypeOf: () => Object.prototype, ownKeys: () => [] });
    expect(() => checkMessageShape(proxy)).not.toThrow();
  });
});

describe('oneLine and describeValue', () => {
  it('fold a message to one line of a bounded length', () => {
    expect(oneLine('a\nb\r\nc\td')).toBe('a b c d');
    expect(oneLine('x'.repeat(1000)).length).toBe(400);
    expect(oneLine('x'.repeat(1000)).endsWith('…')).toBe(true);
  });

  it('describe any value in a few words without throwing', () => {
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue(12n)).toBe('12n');
    expect(describeValue('x'.repeat(500)).length).toBeLessThanOrEqual(60);
    expect(describeValue([1, 2, 3])).toBe('an array of 3');
    expect(describeValue(new Float32Array(4))).toBe('a Float32Array of 16 bytes');
    expect(describeValue({ a: 1 })).toBe('an object');
  });
});
