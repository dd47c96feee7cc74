/**
 * A Hessian analysed elsewhere — PyHessian's top eigenvalues, Hutchinson trace samples and SLQ
 * density, saved by the Python companion's `write_hessian` (see pyhessianFileSchema) — as the
 * critical-points lab's analysis, so its spectrum views show it. PyHessian gives the top of
 * the spectrum only: the classification counts the top eigenvalues and, when a density is
 * given, the smallest SLQ node (the Lanczos estimate of λ_min, Ritz values being inside the
 * spectrum); the density is smoothed on PyHessian's grid (densityOnGrid, its conventions).
 */
import type { z } from 'zod';
import { FieldError } from '../../core/errors';
import { pyhessianFileSchema, type CriticalAnalysis } from '../../../common/protocol';
import { classify } from '../../hessian/classify';
import { densityOnGrid } from '../../hessian/density';

/** Parses and checks the file's text (one line naming the field when it is not one). */
export function parsePyhessian(text: string): z.infer<typeof pyhessianFileSchema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FieldError('text', `not JSON: ${(err as Error).message.slice(0, 120)}`);
  }
  const parsed = pyhessianFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FieldError(
      issue.path.length ? issue.path.join('.') : 'text',
      `not a LossLab Hessian file: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** The analysis a PyHessian file holds (see the file's top). */
export function pyhessianAnalysis(text: string): CriticalAnalysis {
  const file = parsePyhessian(text);
  const top = Float64Array.from(file.eigenvalues).sort();
  const nodes = file.density?.eigen.map((e) => Float64Array.from(e)) ?? [];
  const weights = file.density?.weight.map((w) => Float64Array.from(w)) ?? [];
  let smallest = Infinity;
  for (const n of nodes) for (const v of n) smallest = Math.min(smallest, v);
  const counted = Number.isFinite(smallest) && smallest < top[0] ? [smallest, ...top] : [...top];
  const gradNorm = file.gradNorm ?? NaN;
  const classification = classify(counted, gradNorm);
  const samples = file.trace ?? [];
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const sd =
    samples.length > 1
      ? Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples.length - 1))
      : NaN;
  const density = nodes.length ? densityOnGrid(nodes, weights) : undefined;
  return {
    target: { lab: 'network', runId: file.label ?? 'PyHessian', step: file.step ?? 0 },
    parameters: file.parameters ?? 0,
    loss: file.loss ?? NaN,
    gradNorm,
    method: 'lanczos',
    eigenvalues: top,
    eigenvectors: new Float64Array(0),
    vectorIndices: [],
    trace: samples.length ? mean : NaN,
    traceMethod: 'hutchinson',
    ...(samples.length > 1 ? { traceError: sd / Math.sqrt(samples.length) } : {}),
    classification: { ...classification, gradNorm },
    ...(density
      ? {
          density: {
            grid: density.grid,
            density: density.density,
            probes: nodes.length,
            iterations: nodes[0].length,
            sigma: density.sigma,
          },
        }
      : {}),
    ms: 0,
    backend: file.recordedBy,
  };
}
