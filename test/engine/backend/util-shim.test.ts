import util from 'node:util';
import { describe, expect, it } from 'vitest';
import { installUtilShim } from '../../../electron/engine/backend/util-shim';

describe('util.isNullOrUndefined shim (tfjs-node 4.22 on Node 23+)', () => {
  it('installs a correct isNullOrUndefined where it is missing', () => {
    const bare: { isNullOrUndefined?: (v: unknown) => boolean } = {};
    expect(installUtilShim(bare)).toBe(true);
    const f = bare.isNullOrUndefined!;
    expect([f(null), f(undefined), f(0), f(''), f(false), f(NaN), f({})]).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('leaves an existing isNullOrUndefined alone', () => {
    const own = () => true;
    const target = { isNullOrUndefined: own };
    expect(installUtilShim(target)).toBe(false);
    expect(target.isNullOrUndefined).toBe(own);
  });

  it('patches the real util module when Node lacks the function', () => {
    const u = util as unknown as { isNullOrUndefined?: (v: unknown) => boolean };
    const original = Object.getOwnPropertyDescriptor(u, 'isNullOrUndefined');
    try {
      if (original) delete u.isNullOrUndefined;
      expect(typeof u.isNullOrUndefined).toBe('undefined');
      expect(installUtilShim()).toBe(true);
      expect(u.isNullOrUndefined?.(null)).toBe(true);
      expect(u.isNullOrUndefined?.(1)).toBe(false);
    } finally {
      delete u.isNullOrUndefined;
      if (original) Object.defineProperty(u, 'isNullOrUndefined', original);
    }
  });
});
