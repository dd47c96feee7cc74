/**
 * TensorFlow.js Layers models opened as network problems: read (load.ts), checked layer by
 * layer (topology.ts), and run either as LossLab's own MLP — a Dense-only chain it can build,
 * with the same θ and the same numbers — or through the model's own graph (layers-net.ts).
 */
import type { DatasetSpecInput, ModelSpecInput } from '../../../common/network';
import type { Dataset } from '../../datasets';
import type { Tf } from '../mlp';
import { NetworkProblem, type ImportedModel } from '../problem';
import { LayersNet, mlpOf } from './layers-net';
import { diskSource, readModel, type ModelSource } from './load';

export { baseName, diskSource, memorySource, readModel } from './load';
export type { ModelFile, ModelSource } from './load';
export { kerasToTorch, LayersNet, mlpOf, torchToKeras } from './layers-net';
export type { LayersParam } from './layers-net';
export { ModelFileError, readTopology, SUPPORTED_ACTIVATIONS, SUPPORTED_LAYERS } from './topology';
export type { Topology, TopologyLayer } from './topology';

/** A model file opened: what the network problem is built from, and what to say about it. */
export interface OpenedModel {
  imported: ImportedModel;
  /** The MLP's SPEC when the model is one of LossLab's MLPs, else a placeholder ({}). */
  spec: ModelSpecInput;
  /** How it runs: `mlp` (LossLab's own MLP) or `graph` (the model's own graph in tfjs). */
  runs: 'mlp' | 'graph';
  /** "sequential_1: Dense(16, tanh) → Dense(3, softmax)" and its parameter count. */
  summary: string;
  layers: { name: string; className: string; detail: string }[];
}

/** Reads and checks a model, and decides how it runs (see the module's comment). */
export async function openModel(tf: Tf, source: ModelSource): Promise<OpenedModel> {
  const file = await readModel(tf, source);
  const net = await LayersNet.build(tf, file);
  const { inputSize: inputDim, outputUnits: outputDim } = file.topology;
  const mlp = mlpOf(file);
  const layers = file.topology.layers.map((l) => ({
    name: l.name,
    className: l.className,
    detail: [
      l.units !== undefined ? String(l.units) : undefined,
      l.activation,
      l.rate !== undefined ? `rate ${l.rate}` : undefined,
    ]
      .filter((v) => v !== undefined)
      .join(', '),
  }));
  const summary = `${file.topology.name}: ${layers
    .filter((l) => l.className !== 'InputLayer')
    .map((l) => `${l.className}${l.detail ? `(${l.detail})` : ''}`)
    .join(' → ')}; ${net.layout.size.toLocaleString('en')} parameters`;
  const label = source.label;
  if (mlp) {
    const theta = Float64Array.from(net.theta);
    net.dispose();
    return {
      imported: { label, theta, inputDim, outputDim },
      spec: { ...mlp, residual: false, l2: 0 },
      runs: 'mlp',
      summary,
      layers,
    };
  }
  return {
    imported: { label, theta: net.theta, inputDim, outputDim, net },
    spec: {},
    runs: 'graph',
    summary,
    layers,
  };
}

/** The network problem of a model file on disk (model.json at `path`) on a dataset. */
export async function importedProblem(
  tf: Tf,
  dataset: DatasetSpecInput | Dataset,
  path: string,
): Promise<NetworkProblem> {
  const opened = await openModel(tf, diskSource(path));
  try {
    return new NetworkProblem(tf, dataset, opened.spec, undefined, opened.imported);
  } catch (err) {
    opened.imported.net?.dispose();
    throw err;
  }
}
