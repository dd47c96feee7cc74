/**
 * A TensorFlow.js Layers model's topology (the `modelTopology` of its `model.json`, as
 * `tensorflowjs_converter` writes it from Keras or `model.save` from tfjs), read before tfjs
 * builds anything: every layer is checked against what LossLab can train, and the first one it
 * cannot is named in the refusal with its index, name and class. Pure data in, pure data out.
 */
import { FieldError } from '../../core/errors';

/** Layer classes LossLab runs (in the model's own graph, through tfjs). */
export const SUPPORTED_LAYERS = [
  'InputLayer',
  'Dense',
  'Conv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Flatten',
  'Reshape',
  'Dropout',
  'Activation',
] as const;

/** Activations LossLab accepts in hidden layers (softmax only on the output layer). */
export const SUPPORTED_ACTIVATIONS = [
  'linear',
  'relu',
  'tanh',
  'sigmoid',
  'elu',
  'selu',
  'softplus',
  'softsign',
] as const;

/** A refusal of a model file; `field` names the file or the layer. */
export class ModelFileError extends FieldError {
  constructor(field: string, reason: string) {
    super(field, reason, 'model');
  }
}

/** One layer as the topology declares it. */
export interface TopologyLayer {
  /** 0-based position in the model. */
  index: number;
  name: string;
  className: string;
  /** Its activation, where it has one (Dense, Conv2D, Activation). */
  activation?: string;
  /** Dense units / Conv2D filters. */
  units?: number;
  /** Dropout rate. */
  rate?: number;
  config: Record<string, unknown>;
}

export interface Topology {
  /** `Sequential`, `Model` or `Functional`. */
  kind: string;
  name: string;
  layers: TopologyLayer[];
  /** The input's shape without the batch axis ([64], [8, 8, 1]). */
  inputShape: number[];
  /** Numbers per example: the product of inputShape. */
  inputSize: number;
  /** Units of the output layer. */
  outputUnits: number;
  /** The output layer's activation (softmax or linear; LossLab takes the logits before it). */
  outputActivation: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The layer list and kind of a topology, old (`model_config`) or new layout. */
function modelConfig(topology: unknown): { kind: string; name: string; layers: unknown[] } {
  let t = topology;
  if (isObject(t) && isObject(t.model_config)) t = t.model_config;
  if (!isObject(t) || typeof t.class_name !== 'string') {
    throw new ModelFileError('modelTopology', 'is not a Keras model topology (no class_name)');
  }
  const config = t.config;
  // Old Sequential files keep the layer list as the config itself.
  const layers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new ModelFileError('modelTopology', 'has no layers');
  }
  const name = isObject(config) && typeof config.name === 'string' ? config.name : 'model';
  return { kind: t.class_name, name, layers };
}

const activationOf = (config: Json): string | undefined => {
  const a = config.activation;
  if (a === undefined || a === null) return undefined;
  if (typeof a === 'string') return a;
  // Keras 3 serializes some activations as objects.
  if (isObject(a) && typeof a.config === 'string') return a.config;
  if (isObject(a) && typeof a.class_name === 'string') return a.class_name;
  return String(a);
};

/** The supported list for a refusal: "Dense, Conv2D, …". */
const supportedList = SUPPORTED_LAYERS.join(', ');

/**
 * Reads a topology and checks it against what LossLab handles: a chain of supported layers
 * (a Sequential model, or a functional one whose layers each take the previous one's output),
 * one input, supported activations, channels-last convolutions, a softmax or linear output.
 * Throws a ModelFileError naming the first layer it cannot handle.
 */
export function readTopology(topology: unknown): Topology {
  const { kind, name, layers: raw } = modelConfig(topology);
  if (!['Sequential', 'Model', 'Functional'].includes(kind)) {
    throw new ModelFileError('modelTopology', `a ${kind} is not a Keras model LossLab can open`);
  }
  const layers: TopologyLayer[] = raw.map((entry, index) => {
    if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) {
      throw new ModelFileError(`layers.${index}`, 'is not a Keras layer (class_name, config)');
    }
    const config = entry.config;
    const layerName = typeof config.name === 'string' ? config.name : `layer_${index}`;
    const className = entry.class_name;
    const where = `layer ${index} '${layerName}' (${className})`;
    if (!(SUPPORTED_LAYERS as readonly string[]).includes(className)) {
      throw new ModelFileError(
        `layers.${index}`,
        `${where} is not supported: LossLab handles ${supportedList}`,
      );
    }
    if (kind !== 'Sequential' && index > 0) checkChain(entry, raw[index - 1], where, index);
    const activation = activationOf(config);
    const df = config.data_format;
    if (df !== undefined && df !== null && df !== 'channels_last') {
      throw new ModelFileError(
        `layers.${index}`,
        `${where} uses data_format ${String(df)}: LossLab handles channels_last`,
      );
    }
    if (className === 'Conv2D') {
      const dilation = config.dilation_rate;
      const dilated = Array.isArray(dilation)
        ? dilation.some((d) => d !== 1)
        : dilation !== undefined && dilation !== 1;
      if (dilated) {
        throw new ModelFileError(
          `layers.${index}`,
          `${where} is dilated: LossLab handles dilation_rate 1 (tfjs has no gradient for dilated convolutions)`,
        );
      }
      const groups = config.groups;
      if (groups !== undefined && groups !== 1) {
        throw new ModelFileError(
          `layers.${index}`,
          `${where} is grouped: LossLab handles groups = 1`,
        );
      }
    }
    const units =
      typeof config.units === 'number'
        ? config.units
        : typeof config.filters === 'number'
          ? config.filters
          : undefined;
    return {
      index,
      name: layerName,
      className,
      ...(activation !== undefined ? { activation } : {}),
      ...(units !== undefined ? { units } : {}),
      ...(typeof config.rate === 'number' ? { rate: config.rate } : {}),
      config,
    };
  });

  // Activations: supported ones inside, softmax or linear at the output.
  const last = lastWithActivation(layers);
  layers.forEach((layer) => {
    const a = layer.activation;
    if (a === undefined) return;
    const where = `layer ${layer.index} '${layer.name}' (${layer.className})`;
    if (layer === last && (a === 'softmax' || a === 'linear')) return;
    if (a === 'softmax') {
      throw new ModelFileError(
        `layers.${layer.index}`,
        `${where} has a softmax activation: LossLab takes softmax only on the output layer`,
      );
    }
    if (!(SUPPORTED_ACTIVATIONS as readonly string[]).includes(a)) {
      throw new ModelFileError(
        `layers.${layer.index}`,
        `${where} has activation '${a}': LossLab handles ${SUPPORTED_ACTIVATIONS.join(', ')} (and softmax on the output)`,
      );
    }
  });
  if (!last || (last.className !== 'Dense' && last.className !== 'Activation')) {
    throw new ModelFileError(
      'layers',
      'the model must end in a Dense layer (with a softmax or linear activation)',
    );
  }
  const outputActivation = last.activation ?? 'linear';
  if (outputActivation !== 'softmax' && outputActivation !== 'linear') {
    const where = `layer ${last.index} '${last.name}' (${last.className})`;
    throw new ModelFileError(
      `layers.${last.index}`,
      `${where} is the output layer with activation '${outputActivation}': LossLab takes a softmax (classification) or linear (regression, or logits) output`,
    );
  }
  const lastDense = [...layers].reverse().find((l) => l.className === 'Dense');
  if (!lastDense?.units) throw new ModelFileError('layers', 'the model has no Dense output layer');
  for (let i = lastDense.index + 1; i < layers.length; i++) {
    if (layers[i].className !== 'Activation' && layers[i].className !== 'Dropout') {
      const l = layers[i];
      throw new ModelFileError(
        `layers.${i}`,
        `layer ${i} '${l.name}' (${l.className}) follows the output Dense layer: the model must end in it`,
      );
    }
  }
  const inputShape = inputShapeOf(layers);
  return {
    kind,
    name,
    layers,
    inputShape,
    inputSize: inputShape.reduce((a, b) => a * b, 1),
    outputUnits: lastDense.units,
    outputActivation,
  };
}

function lastWithActivation(layers: TopologyLayer[]): TopologyLayer | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    if (layers[i].activation !== undefined) return layers[i];
  }
  return undefined;
}

/** A functional layer must take exactly the previous layer's output. */
function checkChain(entry: Json, previous: unknown, where: string, index: number): void {
  const prevName =
    isObject(previous) && isObject(previous.config) ? String(previous.config.name) : '';
  const inbound = entry.inbound_nodes;
  const names: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      // tfjs / Keras 2: [[["name", 0, 0, {}]]]
      if (typeof v[0] === 'string') names.push(v[0]);
      else v.forEach(walk);
    } else if (isObject(v)) {
      // Keras 3: { args: [{ class_name: '__keras_tensor__', config: { keras_history: [name, …] } }] }
      const history = isObject(v.config) ? v.config.keras_history : undefined;
      if (Array.isArray(history) && typeof history[0] === 'string') names.push(history[0]);
      else Object.values(v).forEach(walk);
    }
  };
  walk(inbound);
  if (names.length !== 1 || names[0] !== prevName) {
    throw new ModelFileError(
      `layers.${index}`,
      `${where} takes ${names.length === 0 ? 'no input' : names.map((n) => `'${n}'`).join(' and ')}: LossLab handles a chain of layers, each taking the previous one's output`,
    );
  }
}

function inputShapeOf(layers: TopologyLayer[]): number[] {
  const first = layers[0].config;
  const shape = first.batch_input_shape ?? first.batch_shape ?? first.batchInputShape;
  if (!Array.isArray(shape) || shape.length < 2) {
    throw new ModelFileError(
      'layers.0',
      'the first layer declares no input shape (batch_input_shape)',
    );
  }
  const dims = shape.slice(1);
  if (!dims.every((d) => Number.isInteger(d) && (d as number) > 0)) {
    throw new ModelFileError(
      'layers.0',
      `the input shape [${dims.map(String).join(', ')}] is not fixed: LossLab needs every dimension but the batch's`,
    );
  }
  return dims as number[];
}
