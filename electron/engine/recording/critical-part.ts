/**
 * The critical-points lab's part of a `.losslab` file: each finished experiment's spec, when
 * it finished, and its result — scalars in the manifest (`real`, so a diverged training's NaN
 * survives JSON), series as f64 arrays named after where they belong
 * (`critical/experiments/0/plain`, `critical/experiments/2/series/1/sharpness`). Both
 * directions live here so that the two sides cannot drift apart.
 */
import {
  decodeReal,
  encodeReal,
  type CriticalManifest,
  type CriticalRecording,
  type CriticalResultManifest,
} from '../../common/session';
import type { CriticalExperimentResult } from '../../common/protocol';

/** Puts an array in the file under `name`; returns the name (the manifest's reference). */
type Put = (name: string, array: Float64Array) => string;

/**
 * Takes the f64 array a reference names, of `length` values when given (else any), or throws
 * a SessionError naming `field`.
 */
type Take = (name: string, length: number | undefined, field: string, what: string) => Float64Array;

/** The critical part as the manifest keeps it, its series put into the file. */
export function encodeCritical(critical: CriticalRecording, put: Put): CriticalManifest {
  return {
    experiments: critical.experiments.map((e, i) => ({
      id: e.id,
      spec: e.spec,
      finishedAt: e.finishedAt,
      result: encodeResult(e.result, `critical/experiments/${i}`, put),
    })),
  };
}

function encodeResult(r: CriticalExperimentResult, at: string, put: Put): CriticalResultManifest {
  const real = encodeReal;
  switch (r.kind) {
    case 'minimum-ratio':
      return {
        kind: r.kind,
        architecture: r.architecture,
        points: r.points.map((p) => ({
          seed: p.seed,
          steps: p.steps,
          loss: real(p.loss),
          gradNorm: real(p.gradNorm),
          minimumRatio: real(p.minimumRatio),
          flat: p.flat,
          index: real(p.index),
          kind: p.kind,
          converged: p.converged,
        })),
        tau: real(r.tau),
        gradTolerance: real(r.gradTolerance),
        parameters: r.parameters,
      };
    case 'saddle-escape':
      return {
        kind: r.kind,
        saddle: {
          loss: real(r.saddle.loss),
          gradNorm: real(r.saddle.gradNorm),
          lambdaMin: real(r.saddle.lambdaMin),
          lambdaMax: real(r.saddle.lambdaMax),
          index: real(r.saddle.index),
        },
        predicted: real(r.predicted),
        actual: real(r.actual),
        t: real(r.t),
        arrays: {
          steps: put(`${at}/steps`, r.steps),
          plain: put(`${at}/plain`, r.plain),
          escaped: put(`${at}/escaped`, r.escaped),
        },
      };
    case 'edge-of-stability':
      return {
        kind: r.kind,
        series: r.series.map((s, j) => {
          const sa = `${at}/series/${j}`;
          return {
            lr: real(s.lr),
            threshold: real(s.threshold),
            ...(s.diverged !== undefined ? { diverged: s.diverged } : {}),
            arrays: {
              steps: put(`${sa}/steps`, s.steps),
              loss: put(`${sa}/loss`, s.loss),
              sharpnessSteps: put(`${sa}/sharpness-steps`, s.sharpnessSteps),
              sharpness: put(`${sa}/sharpness`, s.sharpness),
            },
          };
        }),
        parameters: r.parameters,
      };
    case 'sharpness':
      return {
        kind: r.kind,
        runId: r.runId,
        arrays: {
          steps: put(`${at}/steps`, r.steps),
          lambdaMax: put(`${at}/lambda-max`, r.lambdaMax),
          trace: put(`${at}/trace`, r.trace),
          loss: put(`${at}/loss`, r.loss),
        },
      };
  }
}

/** The critical part of a validated manifest, its series taken from the file and checked. */
export function decodeCritical(manifest: CriticalManifest, take: Take): CriticalRecording {
  return {
    experiments: manifest.experiments.map((e, i) => ({
      id: e.id,
      spec: e.spec,
      finishedAt: e.finishedAt,
      result: decodeResult(e.result, `critical.experiments.${i}.result`, take),
    })),
  };
}

function decodeResult(
  r: CriticalResultManifest,
  field: string,
  take: Take,
): CriticalExperimentResult {
  const real = decodeReal;
  switch (r.kind) {
    case 'minimum-ratio':
      return {
        kind: r.kind,
        architecture: r.architecture,
        points: r.points.map((p) => ({
          seed: p.seed,
          steps: p.steps,
          loss: real(p.loss),
          gradNorm: real(p.gradNorm),
          minimumRatio: real(p.minimumRatio),
          flat: p.flat,
          index: real(p.index),
          kind: p.kind,
          converged: p.converged,
        })),
        tau: real(r.tau),
        gradTolerance: real(r.gradTolerance),
        parameters: r.parameters,
      };
    case 'saddle-escape': {
      const f = `${field}.arrays`;
      const steps = take(r.arrays.steps, undefined, `${f}.steps`, '');
      const what = `a series of ${steps.length} steps`;
      return {
        kind: r.kind,
        saddle: {
          loss: real(r.saddle.loss),
          gradNorm: real(r.saddle.gradNorm),
          lambdaMin: real(r.saddle.lambdaMin),
          lambdaMax: real(r.saddle.lambdaMax),
          index: real(r.saddle.index),
        },
        steps,
        plain: take(r.arrays.plain, steps.length, `${f}.plain`, what),
        escaped: take(r.arrays.escaped, steps.length, `${f}.escaped`, what),
        predicted: real(r.predicted),
        actual: real(r.actual),
        t: real(r.t),
      };
    }
    case 'edge-of-stability':
      return {
        kind: r.kind,
        series: r.series.map((s, j) => {
          const f = `${field}.series.${j}.arrays`;
          const steps = take(s.arrays.steps, undefined, `${f}.steps`, '');
          const sharpnessSteps = take(
            s.arrays.sharpnessSteps,
            undefined,
            `${f}.sharpnessSteps`,
            '',
          );
          return {
            lr: real(s.lr),
            threshold: real(s.threshold),
            steps,
            loss: take(
              s.arrays.loss,
              steps.length,
              `${f}.loss`,
              `a series of ${steps.length} steps`,
            ),
            sharpnessSteps,
            sharpness: take(
              s.arrays.sharpness,
              sharpnessSteps.length,
              `${f}.sharpness`,
              `a series of ${sharpnessSteps.length} steps`,
            ),
            ...(s.diverged !== undefined ? { diverged: s.diverged } : {}),
          };
        }),
        parameters: r.parameters,
      };
    case 'sharpness': {
      const f = `${field}.arrays`;
      const steps = take(r.arrays.steps, undefined, `${f}.steps`, '');
      const what = `a series of ${steps.length} steps`;
      return {
        kind: r.kind,
        runId: r.runId,
        steps,
        lambdaMax: take(r.arrays.lambdaMax, steps.length, `${f}.lambdaMax`, what),
        trace: take(r.arrays.trace, steps.length, `${f}.trace`, what),
        loss: take(r.arrays.loss, steps.length, `${f}.loss`, what),
      };
    }
  }
}
