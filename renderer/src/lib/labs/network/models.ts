/** What a network lab's dataset and model are, in words, and when two models are the same. */
import type { DatasetSpec, ModelSpec } from '../../../../../electron/common/network';
import { formatNumber, msg, t } from '../../i18n';

const datasetNames: Record<DatasetSpec['kind'], string> = {
  spirals: msg('two spirals'),
  circles: msg('circles'),
  xor: 'XOR',
  moons: msg('moons'),
  blobs: msg('Gaussian blobs'),
  sine: msg('noisy sine'),
  polynomial: msg('noisy polynomial'),
  digits: msg('handwritten digits'),
  csv: msg('your data'),
  given: msg('given data'),
};

/** "two spirals, 400 points", "handwritten digits, 1,797 images": a dataset in a few words. */
export function datasetLabel(dataset: DatasetSpec): string {
  if (dataset.kind === 'csv') return dataset.name ?? datasetNames.csv;
  if (dataset.kind === 'given')
    return `${dataset.name ?? datasetNames.given}, ${dataset.x.length} rows`;
  const n = dataset.n;
  const name = t(datasetNames[dataset.kind]);
  if (n === undefined) return name;
  return dataset.kind === 'digits'
    ? t('{name}, {n} images', { name, n: formatNumber(n) })
    : t('{name}, {n} points', { name, n: formatNumber(n) });
}

/** "3×32 tanh", "20×16 ReLU residual, MSE": what a model is, in a few words. */
export function architectureLabel(model: Partial<ModelSpec> | undefined): string {
  if (!model) return '';
  const act = model.activation === 'relu' ? 'ReLU' : (model.activation ?? 'ReLU');
  return `${model.depth ?? 2}×${model.width ?? 32} ${act}${model.residual ? ' residual' : ''}${model.loss === 'mse' ? ', MSE' : ''}`;
}

const modelKeys = [
  'depth',
  'width',
  'activation',
  'residual',
  'loss',
  'l2',
  'dropout',
  'seed',
  'init',
] as const;

/** Whether two model SPECs are the same in every field. */
export function sameModel(a: ModelSpec | undefined, b: ModelSpec | undefined): boolean {
  return !!a && !!b && modelKeys.every((k) => a[k] === b[k]);
}

/** Whether two runs' networks are the same function of the same θ (the engine's rule). */
export function sameArchitecture(a: ModelSpec | undefined, b: ModelSpec | undefined): boolean {
  if (!a || !b) return false;
  return (
    a.depth === b.depth &&
    a.width === b.width &&
    a.activation === b.activation &&
    a.residual === b.residual &&
    (a.loss ?? 'crossEntropy') === (b.loss ?? 'crossEntropy') &&
    a.l2 === b.l2
  );
}
