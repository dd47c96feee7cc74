/** Frames are decoded within bounds: no stack overflow, no heap blow-up, the id kept for the reply. */
import { decode, encode } from 'cborg/extended';
import { describe, expect, it } from 'vitest';
import { decodeFrame, FRAME_MAX_DEPTH, peekId } from '../../electron/web/frames';

/** `levels` nested one-element arrays (0x81) around a 0, as raw CBOR. */
function deepArrays(levels: number, prefix: number[] = []): Uint8Array {
  return new Uint8Array([...prefix, ...new Array<number>(levels).fill(0x81), 0x00]);
}

/** {type: "hello", id: 7, deep: [[[…]]]} with the deep part `levels` arrays deep. */
function deepMessage(levels: number, indefinite = false): Uint8Array {
  const head = [...encode({ type: 'hello', id: 7 })];
  head[0] = 0xa3; // three entries, the third follows
  const key = [...encode('deep')];
  const open = indefinite ? 0x9f : 0x81;
  const body = [...new Array<number>(levels).fill(open), 0x00];
  if (indefinite) body.push(...new Array<number>(levels).fill(0xff));
  return new Uint8Array([...head, ...key, ...body]);
}

describe('decodeFrame', () => {
  it('decodes what the renderer sends, typed arrays included', () => {
    const message = { type: 'run.create', id: 3, start: new Float64Array([1.5, -2]) };
    const decoded = decodeFrame(encode(message));
    expect(decoded).toEqual({ message });
    expect((decoded as { message: typeof message }).message.start).toBeInstanceOf(Float64Array);
  });

  it('decodes nesting up to its depth bound and refuses one level more, with one line', () => {
    expect(decodeFrame(deepArrays(FRAME_MAX_DEPTH))).toHaveProperty('message');
    const refused = decodeFrame(deepArrays(FRAME_MAX_DEPTH + 1));
    expect(refused).toEqual({ error: expect.stringMatching(/nests more than 256 levels/) });
  });

  it.each([3000, 5000, 100_000])(
    'refuses %i nested arrays (from 5000 cborg alone overflows the stack) and keeps the id',
    (levels) => {
      if (levels >= 5000) expect(() => decode(deepMessage(levels))).toThrow(RangeError);
      for (const indefinite of [false, true]) {
        const refused = decodeFrame(deepMessage(levels, indefinite));
        expect(refused).toMatchObject({ id: 7, error: expect.stringMatching(/nests more than/) });
        expect((refused as { error: string }).error).not.toMatch(/\n/);
      }
    },
  );

  it('refuses a frame of millions of empty maps before building them', () => {
    // 4 Mi empty maps in an array: cborg alone builds 4 million objects (67 million in a
    // 64 MiB frame, past V8's heap limit).
    const count = 4 * 2 ** 20;
    const frame = new Uint8Array(count + 5);
    frame[0] = 0x9a;
    new DataView(frame.buffer).setUint32(1, count);
    frame.fill(0xa0, 5);
    const started = performance.now();
    const refused = decodeFrame(frame);
    expect(refused).toEqual({ error: expect.stringMatching(/more than 3,000,000 CBOR items/) });
    console.log(`4 Mi empty maps refused in ${(performance.now() - started).toFixed(0)} ms`);
  });

  it.each([
    ['junk bytes', new Uint8Array([0xff, 0x00, 0x13])],
    ['a truncated map', encode({ type: 'hello', id: 1 }).subarray(0, 6)],
    ['an unknown tag', new Uint8Array([0xd9, 0x03, 0xe7, 0x00])],
    ['an integer map key', new Uint8Array([0xa1, 0x01, 0x02])],
    ['trailing bytes', new Uint8Array([0x00, 0x00])],
    ['nothing', new Uint8Array()],
    ['a Float64Array of 3 bytes', new Uint8Array([0xd8, 0x56, 0x43, 1, 2, 3])],
  ])('answers %s with one line instead of throwing', (_what, frame) => {
    const refused = decodeFrame(frame);
    expect(refused).toEqual({ error: expect.stringMatching(/^the frame is not a CBOR message/) });
    expect((refused as { error: string }).error).not.toMatch(/\n/);
  });
});

describe('peekId', () => {
  it('finds a top-level id wherever it sits, and only a safe integer ≥ 0', () => {
    expect(peekId(encode({ type: 'x', id: 12 }))).toBe(12);
    expect(peekId(encode({ deep: [[[[{ id: 3 }]]]], id: 4 }))).toBe(4);
    expect(peekId(encode({ inner: { id: 3 } }))).toBeUndefined();
    expect(peekId(encode({ id: -1 }))).toBeUndefined();
    expect(peekId(encode({ id: 1.5 }))).toBeUndefined();
    expect(peekId(encode({ id: 2n ** 60n }))).toBeUndefined();
    expect(peekId(encode({ id: '7' }))).toBeUndefined();
    expect(peekId(encode([{ id: 1 }]))).toBeUndefined();
    expect(peekId(new Uint8Array([0xff]))).toBeUndefined();
    expect(peekId(encode({ id: Number.MAX_SAFE_INTEGER }))).toBe(Number.MAX_SAFE_INTEGER);
  });
});
