/**
 * Bit-for-bit comparison of series: how a run rebuilt from a session is checked against the
 * recording it was rebuilt from, in every lab.
 */

/** Same number, bit for bit: +0 and −0 differ, every NaN equals every NaN. */
function sameBits(a: number, b: number): boolean {
  if (a === b) return a !== 0 || 1 / a === 1 / b;
  return Number.isNaN(a) && Number.isNaN(b);
}

/** The first index where two series differ, or −1 (up to `count` entries of both). */
export function firstDifference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  count?: number,
): number {
  const n = count ?? Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (i >= a.length || i >= b.length || !sameBits(a[i], b[i])) return i;
  }
  return -1;
}
