/**
 * The video export's fidelity measure: PSNR over R, G and B (alpha ignored), 10·log₁₀(255²/MSE),
 * and the note the export shows with it.
 */
import { describe, expect, it } from 'vitest';
import { i420ToRgba, psnr, psnrNote } from '../../../renderer/src/lib/export/fidelity';

describe('psnr', () => {
  const image = (pixels: number[][]) => Uint8ClampedArray.from(pixels.flat());

  it('is infinite for identical images, whatever their alpha', () => {
    const a = image([
      [10, 20, 30, 255],
      [40, 50, 60, 255],
    ]);
    const b = image([
      [10, 20, 30, 0],
      [40, 50, 60, 7],
    ]);
    expect(psnr(a, b)).toBe(Infinity);
  });

  it('is 10·log₁₀(255² / MSE) over the colour channels', () => {
    // Two pixels, six colour values; one off by 6: MSE = 36 / 6 = 6.
    const a = image([
      [0, 0, 0, 255],
      [100, 100, 100, 255],
    ]);
    const b = image([
      [0, 6, 0, 255],
      [100, 100, 100, 255],
    ]);
    expect(psnr(a, b)).toBeCloseTo(10 * Math.log10((255 * 255) / 6), 12);
    // Every value off by 255: 0 dB.
    expect(psnr(image([[0, 0, 0, 255]]), image([[255, 255, 255, 255]]))).toBe(0);
  });

  it("is in the export's note", () => {
    expect(psnrNote(41.234)).toBe(', PSNR 41.2 dB');
    expect(psnrNote(Infinity)).toBe(', lossless');
    expect(psnrNote(undefined)).toBe('');
  });
});

describe('i420ToRgba', () => {
  /** A 4 × 2 I420 frame: luma rows, then 2 × 1 chroma planes, packed without padding. */
  const frame = (luma: number[], u: number[], v: number[]) => ({
    data: Uint8Array.from([...luma, ...u, ...v]),
    layout: [
      { offset: 0, stride: 4 },
      { offset: 8, stride: 2 },
      { offset: 10, stride: 2 },
    ] as const,
  });

  it('turns grey into grey at full range, and maps limited range 16–235 onto 0–255', () => {
    const grey = frame([0, 64, 128, 255, 0, 64, 128, 255], [128, 128], [128, 128]);
    const full = i420ToRgba(grey.data, grey.layout, 4, 2, { matrix: 'bt709', fullRange: true })!;
    expect([...full.subarray(0, 16)]).toEqual([
      0, 0, 0, 255, 64, 64, 64, 255, 128, 128, 128, 255, 255, 255, 255, 255,
    ]);
    const limited = frame([16, 16, 235, 235, 16, 16, 235, 235], [128, 128], [128, 128]);
    const rgba = i420ToRgba(limited.data, limited.layout, 4, 2, { matrix: 'bt709' })!;
    expect([...rgba.subarray(0, 4)]).toEqual([0, 0, 0, 255]);
    expect([...rgba.subarray(8, 12)]).toEqual([255, 255, 255, 255]);
  });

  it('uses the BT.709 or BT.601 weights, and blends chroma between its samples', () => {
    // Pure red in full-range BT.709: Y = 0.2126·255, Cr = 128 + 0.5·255.
    const y = Math.round(0.2126 * 255);
    const cb = Math.round(128 - (0.2126 / (2 * (1 - 0.0722))) * 255);
    const red = frame(Array(8).fill(y), [cb, cb], [255, 255]);
    const rgba = i420ToRgba(red.data, red.layout, 4, 2, { matrix: 'bt709', fullRange: true })!;
    expect(rgba[0]).toBeGreaterThanOrEqual(253);
    expect(rgba[1]).toBeLessThanOrEqual(2);
    expect(rgba[2]).toBeLessThanOrEqual(2);
    // The same planes read as BT.601 come out another colour.
    const other = i420ToRgba(red.data, red.layout, 4, 2, { matrix: 'smpte170m', fullRange: true })!;
    expect(rgba[0] - other[0]).toBeGreaterThan(10);
    // Cr 96 on the left sample, 160 on the right: luma x reads chroma at x / 2 − 0.25 (a
    // quarter and three quarters of the way across for x = 1 and 2), and the outer pixels
    // clamp to their sample. Red is Y + 1.5748·(Cr − 128).
    const ramp = frame(Array(8).fill(128), [128, 128], [96, 160]);
    const r = i420ToRgba(ramp.data, ramp.layout, 4, 2, { matrix: 'bt709', fullRange: true })!;
    const reds = [0, 1, 2, 3].map((x) => r[4 * x]);
    const redOf = (cr: number) => Math.round(128 + 1.5748 * (cr - 128));
    expect(reds).toEqual([redOf(96), redOf(112), redOf(144), redOf(160)]);
  });

  it('declines matrices it does not know', () => {
    const grey = frame(Array(8).fill(128), [128, 128], [128, 128]);
    expect(i420ToRgba(grey.data, grey.layout, 4, 2, { matrix: 'bt2020-ncl' })).toBeUndefined();
  });
});
