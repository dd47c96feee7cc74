/**
 * How faithful an encoded video is to the frames drawn for it: PSNR over the colour channels,
 * and the words the export's note puts it in. Pure.
 */

/** PSNR (dB) of two RGBA images of one size over R, G and B: 10 log₁₀(255² / MSE). */
export function psnr(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const d = a[i + c] - b[i + c];
      sum += d * d;
    }
  }
  const mse = sum / ((a.length / 4) * 3);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** How faithful the encoded frames are: the middle frame's PSNR, as the export's note says it. */
export function psnrNote(psnr: number | undefined): string {
  if (psnr === undefined) return '';
  return Number.isFinite(psnr) ? `, PSNR ${psnr.toFixed(1)} dB` : ', lossless';
}
