import { describe, expect, it } from 'vitest';
import { runColors } from '../../../renderer/src/lib/views/palette';

describe('run colours', () => {
  const hsl = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const l = (max + min) / 2;
    const s = max === min ? 0 : (max - min) / (1 - Math.abs(2 * l - 1));
    return { s, l };
  };

  it('are eight, distinct, and none white, grey or black (those mark minima and saddles)', () => {
    expect(runColors).toHaveLength(8);
    expect(new Set(runColors).size).toBe(8);
    for (const color of runColors) expect(hsl(color).s, color).toBeGreaterThan(0.5);
  });
});
