import util from 'node:util';

/**
 * tfjs-node 4.22 calls `util.isNullOrUndefined`, which Node 23 removed (Electron 40+ ships
 * Node 24). Put it back, where missing, before tfjs-node loads. Returns whether it installed.
 */
export function installUtilShim(target: object = util): boolean {
  const u = target as { isNullOrUndefined?: (value: unknown) => boolean };
  if (typeof u.isNullOrUndefined === 'function') return false;
  Object.defineProperty(u, 'isNullOrUndefined', {
    value: (value: unknown) => value === null || value === undefined,
    configurable: true,
    writable: true,
  });
  return true;
}
