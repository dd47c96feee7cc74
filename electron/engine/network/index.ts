/** The network lab's engine side: MLPs on a flat θ, trained by the engine's own optimizers. */
export { BudgetError } from './budget';
export { buildLayout, initialTheta, weightMask } from './layout';
export type { LayerInfo, ParamLayout, ParamTensor } from './layout';
export { lossFromLogits } from './losses';
export type { LossKind, LossValue } from './losses';
export { Mlp } from './mlp';
export type { DeviceBatch, MlpOptions, StepValue, Tf } from './mlp';
export { gradientHelper, GradientHelper } from './parallel';
export { disposeBatch, ModelError, NetworkProblem } from './problem';
export type { Evaluation } from './problem';
export { MAX_NETWORK_STEPS, NetworkRun } from './run';
export type {
  EpochCurves,
  NetworkChange,
  NetworkRunFrame,
  NetworkRunState,
  StepCurves,
} from './run';
export { SnapshotStore } from './snapshots';
