import type { SurfaceSpec } from '../../common/schemas';
import { compileExpression, ExpressionError } from './expression';
import { presetByName, presets } from './presets';
import type { Surface } from './surface';

export type { Surface } from './surface';
export { ExpressionError } from './expression';
export { presets } from './presets';

/** Compiled expressions by source and domain; compiling differentiates symbolically. */
const compiled = new Map<string, Surface>();
const MAX_CACHED = 64;

/** The surface a spec names: a preset, or a compiled expression. Throws ExpressionError. */
export function resolveSurface(spec: SurfaceSpec): Surface {
  if (typeof spec === 'string') {
    const surface = presetByName.get(spec);
    if (!surface) {
      const names = presets.map((s) => s.info.name).join(', ');
      throw new ExpressionError(`unknown surface "${spec}" (presets: ${names})`);
    }
    return surface;
  }
  const key = JSON.stringify([spec.expr, spec.domain ?? null]);
  let surface = compiled.get(key);
  if (!surface) {
    surface = compileExpression(spec.expr, spec.domain);
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, surface);
  }
  return surface;
}

/** A stable display name for a spec: the preset's name or the expression itself. */
export function surfaceName(spec: SurfaceSpec): string {
  return typeof spec === 'string' ? spec : spec.expr;
}
