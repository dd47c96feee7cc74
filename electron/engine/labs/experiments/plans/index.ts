/** The experiments lab's experiments, each an async function of its spec and the services. */
import type { ExperimentResult, ExperimentSpec } from '../../../../common/protocol';
import { runAdaptive } from './adaptive';
import { runBatchSize } from './batch-size';
import type { ExperimentServices } from './common';
import { runComplexity } from './complexity';
import { runCrossValidation } from './cross-validation';
import { runDepth } from './depth';
import { runDiagnose } from './diagnose';
import { runLosses } from './losses';
import { runMismatch } from './mismatch';
import { runNoise } from './noise';
import { runScaling } from './scaling';

export { wilsonData } from './adaptive';
export { batchSizes } from './batch-size';
export { constantLoss, type Base, type ExperimentServices } from './common';
export { references, verdictOf } from './diagnose';
export { shiftOf } from './mismatch';

/** Runs the experiment `spec` asks for. */
export function runPlan(
  spec: ExperimentSpec,
  services: ExperimentServices,
): Promise<ExperimentResult> {
  switch (spec.kind) {
    case 'diagnose':
      return runDiagnose(spec, services);
    case 'depth':
      return runDepth(spec, services);
    case 'complexity':
      return runComplexity(spec, services);
    case 'cross-validation':
      return runCrossValidation(spec, services);
    case 'mismatch':
      return runMismatch(spec, services);
    case 'batch-size':
      return runBatchSize(spec, services);
    case 'noise':
      return runNoise(spec, services);
    case 'scaling':
      return runScaling(spec, services);
    case 'losses':
      return runLosses(spec, services);
    case 'adaptive':
      return runAdaptive(spec, services);
  }
}
