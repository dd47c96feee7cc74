/** Session files sent in parts: every byte once, in order, each part within the protocol's bound. */
import { describe, expect, it } from 'vitest';
import { MAX_UPLOAD_PART_BYTES } from '../../electron/common/protocol';
import { UPLOAD_PART_BYTES, uploadParts } from '../../renderer/src/lib/session/upload';

describe('session upload parts', () => {
  it('stay within the engine’s part limit', () => {
    expect(UPLOAD_PART_BYTES).toBeLessThanOrEqual(MAX_UPLOAD_PART_BYTES);
  });

  it('cover a file exactly once, in order', () => {
    for (const total of [1, 7, 8, 9, 16, 17, 257]) {
      const parts = uploadParts(total, 8);
      expect(parts[0][0]).toBe(0);
      expect(parts.at(-1)![1]).toBe(total);
      for (let k = 1; k < parts.length; k++) expect(parts[k][0]).toBe(parts[k - 1][1]);
      for (const [a, b] of parts) expect(b - a).toBeGreaterThan(0);
      for (const [a, b] of parts) expect(b - a).toBeLessThanOrEqual(8);
    }
  });
});
