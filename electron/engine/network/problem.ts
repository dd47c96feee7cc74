/**
 * A network problem: one dataset and one model architecture with its initial θ₀, shared by
 * every run that trains on it (so their curves and trajectories compare), with the data
 * uploaded to the tfjs backend once. Runs of another architecture on the same data get their
 * own problem from `architecture(model)`, which shares the data (and its upload) with this one.
 */
import { FieldError } from '../core/errors';
import {
  architectureKey,
  datasetSpecSchema,
  modelSpecSchema,
  type DatasetSpecInput,
  type ModelSpec,
  type ModelSpecInput,
} from '../../common/network';
import {
  buildDataset,
  standardize,
  type DataSplit,
  type Dataset,
  type SplitName,
} from '../datasets';
import { budgetOf, checkPass, largestBatch, type BackendBudget } from './budget';
import { buildLayout, initialTheta, type ParamLayout } from './layout';
import type { LossKind } from './losses';
import { Mlp, type DeviceBatch, type Tf } from './mlp';
import type { GradientHelper } from './parallel';
import type { LayersNet } from './layers/layers-net';

/**
 * A model opened from a TensorFlow.js Layers file (see layers/): its θ₀, and its own graph when
 * it is not exactly one of LossLab's MLPs (a Dense-only chain LossLab can build runs as that
 * MLP: the same θ, the same numbers).
 */
export interface ImportedModel {
  /** The file's name, for messages. */
  label: string;
  /** θ as the file holds it, in θ's layout: the problem's θ₀. */
  theta: Float64Array;
  /** Numbers the model takes per example, and outputs it gives. */
  inputDim: number;
  outputDim: number;
  /** The model's own graph; undefined when the problem's MLP is the model. */
  net?: LayersNet;
}

/** A model SPEC that does not fit its dataset; `field` names the offending field. */
export class ModelError extends FieldError {
  constructor(field: string, reason: string) {
    super(field, reason, 'model');
  }
}

export interface Evaluation {
  /** Mean loss, with the L2 penalty. NaN for an empty split or a non-finite θ. */
  loss: number;
  /** Share of examples classified correctly; NaN for regression or an empty split. */
  accuracy: number;
  n: number;
}

/** The data on the backend, shared by every architecture trained on it. */
interface DeviceData {
  splits: Map<SplitName, DeviceBatch>;
  /** Rows of the training split (the halves of a split full batch), by "from count". */
  parts: Map<string, DeviceBatch>;
  disposed: boolean;
  /** The thread computing second halves of batches on this data, if any (see parallel.ts). */
  helper?: GradientHelper;
}

/** Most architectures a problem keeps built for reuse (each holds θ₀ and a float32 θ). */
const KEPT_ARCHITECTURES = 8;

export class NetworkProblem {
  readonly dataset: Dataset;
  readonly model: ModelSpec;
  readonly layout: ParamLayout;
  readonly mlp: Mlp;
  readonly lossKind: LossKind;
  /** θ₀: depends only on the model SPEC (its seed included). Do not modify. */
  readonly initialTheta: Float64Array;
  /** What one pass on this backend may cost (see budget.ts). */
  readonly budget: BackendBudget;
  /**
   * Layers, activation, residual, loss and L2 (see architectureKey): problems with the same key
   * have the same θ layout and the same loss over θ.
   */
  readonly architectureKey: string;
  private readonly device: DeviceData;
  /** The problem whose data this one shares (undefined: this one owns it). */
  private readonly root: NetworkProblem | undefined;
  /** Other architectures on this data, by their full model SPEC (root only). */
  private readonly others = new Map<string, NetworkProblem>();
  /** The model file this problem's model came from, if any. */
  readonly imported: ImportedModel | undefined;

  /**
   * @param dataset a dataset SPEC, or a dataset already built (see customDataset).
   * @param modelSpec the architecture; omitted fields take their defaults.
   * @param shareWith a problem whose data (and its upload) this one shares; use
   *   `architecture(model)` rather than passing it.
   * @param imported a model opened from a file (see layers/openModel): its θ is θ₀, and with
   *   its own graph (`net`) that graph is the model (`modelSpec` is then only a placeholder).
   */
  constructor(
    readonly tf: Tf,
    dataset: DatasetSpecInput | Dataset,
    modelSpec: ModelSpecInput = {},
    shareWith?: NetworkProblem,
    imported?: ImportedModel,
  ) {
    this.root = shareWith?.root ?? shareWith;
    this.device = this.root?.device ?? { splits: new Map(), parts: new Map(), disposed: false };
    this.dataset = this.root
      ? this.root.dataset
      : 'train' in dataset && 'inputDim' in dataset
        ? dataset
        : buildDataset(datasetSpecSchema.parse(dataset));
    this.model = modelSpecSchema.parse(modelSpec);
    const { task, inputDim, outputDim } = this.dataset;
    if (task === 'regression' && this.model.loss !== undefined && this.model.loss !== 'mse') {
      throw new ModelError('loss', 'a regression set is fitted with the mean squared error');
    }
    this.lossKind = task === 'regression' ? 'regression' : (this.model.loss ?? 'crossEntropy');
    this.imported = imported;
    this.architectureKey = imported?.net
      ? `tfjs ${imported.label} ${imported.theta.length}`
      : architectureKey(this.model, task === 'regression');
    this.layout = imported?.net
      ? imported.net.layout
      : buildLayout(inputDim, outputDim, this.model);
    if (imported && (imported.inputDim !== inputDim || imported.outputDim !== outputDim)) {
      throw new FieldError(
        undefined,
        `${imported.label} takes ${imported.inputDim} inputs and gives ${imported.outputDim} outputs; the dataset has ${inputDim} features and ${outputDim} ${task === 'regression' ? 'target' : 'classes'}`,
        'model',
      );
    }
    this.budget = budgetOf(tf.getBackend());
    this.checkSize();
    this.mlp = new Mlp(tf, this.layout, {
      activation: this.model.activation,
      loss: this.lossKind,
      l2: this.model.l2,
      dropout: this.model.dropout,
    });
    if (imported && imported.theta.length !== this.layout.size) {
      throw new FieldError(
        undefined,
        `${imported.label} has ${imported.theta.length} weights; the network needs ${this.layout.size}`,
        'model',
      );
    }
    this.initialTheta = imported
      ? Float64Array.from(imported.theta)
      : initialTheta(this.layout, this.model);
  }

  /**
   * The problem of another architecture on the same data: this one when `model` is this
   * problem's model (or omitted), else one sharing this problem's data and its upload. Sized
   * before it is built, like any problem (a BudgetError or ModelError names the field).
   */
  architecture(model?: ModelSpecInput): NetworkProblem {
    const root = this.root ?? this;
    if (model === undefined) return root;
    const spec = modelSpecSchema.parse(model);
    const key = JSON.stringify(spec);
    // An imported model's θ₀ is the file's: a SPEC asks for LossLab's own initialization.
    if (key === JSON.stringify(root.model) && !root.imported) return root;
    let problem = root.others.get(key);
    if (problem) {
      // Most recently used last, so the oldest is the one to forget.
      root.others.delete(key);
    } else {
      problem = new NetworkProblem(root.tf, root.dataset, spec, root);
    }
    root.others.set(key, problem);
    if (root.others.size > KEPT_ARCHITECTURES) {
      root.others.delete(root.others.keys().next().value!);
    }
    return problem;
  }

  /** Whether `other` is the same function of the same θ layout (see architectureKey). */
  sameArchitecture(other: NetworkProblem): boolean {
    return this.architectureKey === other.architectureKey;
  }

  /**
   * Refuses a network and dataset that one evaluation of a split, or one update on a single
   * example, would take past the backend's budget (time or memory), before anything is built.
   */
  private checkSize(): void {
    const { train, validation, test } = this.dataset;
    const largest = Math.max(train.n, validation.n, test.n);
    const hint = ' — use a smaller network or fewer points';
    checkPass(
      this.layout,
      largest,
      false,
      this.budget,
      `one evaluation of ${largest.toLocaleString('en')} examples`,
      'model',
      this.residentBytes,
      hint,
    );
    checkPass(this.layout, 1, true, this.budget, 'one update', 'model', this.residentBytes, hint);
  }

  /**
   * Bytes the splits keep on the backend: X of each split, and [X | 1] of the training one in
   * both gradient forms (architectures sharing the data may use either) — twice for the
   * training split, whole and in the halves a split full batch is computed in.
   */
  get residentBytes(): number {
    const { inputDim: d, train, validation, test } = this.dataset;
    return 4 * (2 * train.n * (3 * d + 2) + (validation.n + test.n) * d);
  }

  /**
   * Refuses a batch size whose update would not fit the budget, naming `field` and the
   * largest batch that does.
   */
  checkBatch(batchSize: number | 'full', field: string): void {
    const n =
      batchSize === 'full' ? this.dataset.train.n : Math.min(batchSize, this.dataset.train.n);
    const most = largestBatch(this.layout, this.budget, this.residentBytes);
    checkPass(
      this.layout,
      n,
      true,
      this.budget,
      `one update on a batch of ${n.toLocaleString('en')} examples`,
      field,
      this.residentBytes,
      ` — use batches of at most ${most.toLocaleString('en')}`,
    );
  }

  /**
   * Forgets the data uploaded to the backend without disposing it: after the backend was
   * restarted (see backend/select.ts) its tensors are gone; the splits upload again on use.
   */
  forgetDevice(): void {
    this.device.splits.clear();
    this.device.parts.clear();
  }

  /**
   * The thread that computes second halves of split batches on this data (shared by every
   * architecture on it), or undefined: both halves are computed here (see parallel.ts).
   */
  get helper(): GradientHelper | undefined {
    return this.device.helper;
  }

  set helper(helper: GradientHelper | undefined) {
    this.device.helper = helper;
  }

  get task(): Dataset['task'] {
    return this.dataset.task;
  }

  split(name: SplitName): DataSplit {
    return this.dataset[name];
  }

  /**
   * A whole split on the device (uploaded on first use, kept until dispose, shared by every
   * architecture on this data); the training split also holds this architecture's first-layer
   * gradient operand.
   */
  deviceSplit(name: SplitName): DeviceBatch {
    this.checkAlive();
    let batch = this.device.splits.get(name);
    const split = this.dataset[name];
    if (!batch) {
      const all = new Int32Array(split.n).map((_, i) => i);
      batch = this.gather(name, all, 0, split.n, false);
      this.device.splits.set(name, batch);
    }
    if (name === 'train' && !this.imported?.net) {
      const form = this.mlp.gradientForms[0];
      if ((form === 'rows' ? batch.xOnes : batch.xOnesT) === undefined) {
        this.addGradientOperand(batch, split.x, split.n);
      }
    }
    return batch;
  }

  /**
   * Rows [from, from + count) of the training split on the device, with this architecture's
   * first-layer gradient operand: a half of a split full batch. Kept like the splits.
   */
  trainPart(from: number, count: number): DeviceBatch {
    this.checkAlive();
    const key = `${from} ${count}`;
    let batch = this.device.parts.get(key);
    const split = this.dataset.train;
    if (from < 0 || count < 1 || from + count > split.n) {
      throw new RangeError(`rows ${from} … ${from + count} of a training split of ${split.n}`);
    }
    if (!batch) {
      const rows = new Int32Array(count).map((_, i) => from + i);
      batch = this.gather('train', rows, 0, count, false);
      this.device.parts.set(key, batch);
    }
    const form = this.mlp.gradientForms[0];
    if (!this.imported?.net && (form === 'rows' ? batch.xOnes : batch.xOnesT) === undefined) {
      const d = this.dataset.inputDim;
      this.addGradientOperand(batch, split.x.subarray(from * d, (from + count) * d), count);
    }
    return batch;
  }

  /**
   * Examples order[from … from + count) of a split as a device batch the caller disposes
   * (see disposeBatch). `training` adds the first layer's gradient operand ([X | 1] or its
   * transpose, whichever the layer's gradient form packs).
   */
  gather(
    name: SplitName,
    order: Int32Array,
    from: number,
    count: number,
    training = true,
  ): DeviceBatch {
    const { x, y } = this.dataset[name];
    const d = this.dataset.inputDim;
    const rows = new Float32Array(count * d);
    const targets = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const src = order[from + i];
      targets[i] = y[src];
      rows.set(x.subarray(src * d, (src + 1) * d), i * d);
    }
    const batch: DeviceBatch = { n: count, x: this.tf.tensor2d(rows, [count, d]), y: targets };
    if (training && !this.imported?.net) this.addGradientOperand(batch, rows, count);
    return batch;
  }

  /** [X | 1] or its transpose, as this architecture's first layer packs it (see GradientForm). */
  private addGradientOperand(batch: DeviceBatch, rows: Float32Array, count: number): void {
    const d = this.dataset.inputDim;
    const tf = this.tf;
    if (this.mlp.gradientForms[0] === 'rows') {
      const ones = new Float32Array(count * (d + 1));
      for (let i = 0; i < count; i++) {
        ones.set(rows.subarray(i * d, (i + 1) * d), i * (d + 1));
        ones[i * (d + 1) + d] = 1;
      }
      batch.xOnes = tf.tensor2d(ones, [count, d + 1]);
    } else {
      const ones = new Float32Array((d + 1) * count).fill(1, d * count);
      for (let i = 0; i < count; i++)
        for (let f = 0; f < d; f++) ones[f * count + i] = rows[i * d + f];
      batch.xOnesT = tf.tensor2d(ones, [d + 1, count]);
    }
  }

  /** Loss and accuracy of θ on a whole split, in evaluation mode (no dropout). */
  evaluate(theta: Float64Array, name: SplitName): Evaluation {
    const n = this.dataset[name].n;
    if (n === 0) return { loss: NaN, accuracy: NaN, n };
    const net = this.imported?.net;
    const value = net
      ? net.evaluate(theta, this.deviceSplit(name), this.lossKind)
      : this.mlp.evaluate(theta, this.deviceSplit(name));
    return {
      loss: value.loss,
      accuracy: this.task === 'classification' ? value.correct / n : NaN,
      n,
    };
  }

  /**
   * The model's output at raw (unstandardized) inputs, n × inputDim row-major: class
   * probabilities (n × classes, row-major) for classification, ŷ (n) for regression. For the
   * decision surface and the fitted curve.
   */
  predict(theta: Float64Array, raw: ArrayLike<number>): Float32Array {
    this.checkAlive();
    const d = this.dataset.inputDim;
    const n = raw.length / d;
    const tensor = this.tf.tensor2d(standardize(this.dataset, raw), [n, d]);
    const z = this.logits(theta, tensor);
    tensor.dispose();
    const k = this.dataset.outputDim;
    if (this.task === 'regression') return z;
    const out = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      for (let c = 0; c < k; c++) m = Math.max(m, z[i * k + c]);
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(z[i * k + c] - m);
      for (let c = 0; c < k; c++) out[i * k + c] = Math.exp(z[i * k + c] - m) / s;
    }
    return out;
  }

  /** The logits at θ for standardized inputs x (evaluation mode), from the MLP or the model's graph. */
  logits(theta: Float64Array, x: DeviceBatch['x']): Float32Array {
    return this.imported?.net ? this.imported.net.logits(theta, x) : this.mlp.logits(theta, x);
  }

  /**
   * Examples of a split that θ classifies wrongly, in split order (for the digits' grid of
   * mistakes: their pixels are `split(name).raw`, 64 per image), at most `limit` of them.
   */
  misclassified(
    theta: Float64Array,
    name: SplitName,
    limit = 64,
  ): { index: number; label: number; predicted: number }[] {
    if (this.task !== 'classification') return [];
    const split = this.dataset[name];
    if (split.n === 0) return [];
    const z = this.logits(theta, this.deviceSplit(name).x);
    const k = this.dataset.outputDim;
    const out: { index: number; label: number; predicted: number }[] = [];
    for (let i = 0; i < split.n && out.length < limit; i++) {
      let predicted = 0;
      for (let c = 1; c < k; c++) if (z[i * k + c] > z[i * k + predicted]) predicted = c;
      if (predicted !== split.y[i]) out.push({ index: i, label: split.y[i], predicted });
    }
    return out;
  }

  /**
   * Frees the device copies of the data. The problem, and every architecture sharing its data,
   * cannot be used afterwards. On a problem from `architecture()` it does nothing: the data
   * belongs to the problem it came from.
   */
  dispose(): void {
    if (this.root) return;
    for (const batch of this.device.splits.values()) disposeBatch(batch);
    for (const batch of this.device.parts.values()) disposeBatch(batch);
    this.device.splits.clear();
    this.device.parts.clear();
    this.device.helper?.forget(this.dataset);
    this.device.disposed = true;
    this.others.clear();
    this.imported?.net?.dispose();
  }

  private checkAlive(): void {
    if (this.device.disposed) throw new Error('this network problem was disposed');
  }
}

export function disposeBatch(batch: DeviceBatch): void {
  batch.x.dispose();
  batch.xOnes?.dispose();
  batch.xOnesT?.dispose();
}
