/**
 * The video export's fidelity measure: PSNR over R, G and B (alpha ignored), 10·log₁₀(255²/MSE),
 * and the note the export shows with it.
 */
import { describe, expect, it } from 'vitest';
import { psnr, psnrNote } from '../../../renderer/src/lib/export/fidelity';

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
