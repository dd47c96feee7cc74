/**
 * The experiments lab's lessons, one click each, in English and Simplified Chinese: the
 * network lab's dataset and model they need, the experiment they run, and what its result must
 * show. The page says, from the engine's result, whether it does (`verdict`); the end-to-end
 * test asserts the same phenomenon from the result the engine sent.
 *
 * (l) Model bias or optimization: a deeper plain net ends with a *higher* training loss than a
 *     shallower one — it could copy the shallower one, so the optimizer failed it — while the
 *     same depth with residual connections trains (He et al. 2016).
 * (m) Overfitting: as the model grows, the training loss keeps falling while the validation
 *     loss falls, then rises; choose the complexity at the bottom of the U (by N-fold
 *     cross-validation when the data are few).
 * (n) Mismatch: the validation loss stays put while the test loss climbs with the shift of the
 *     test distribution; more training data of the old kind would not help.
 * (o) Batch size, time: on parallel hardware a larger batch costs little more per update, so an
 *     epoch takes far less time.
 * (p) Sharp and flat minima (Keskar et al. 2017): large batches end in sharper minima (a larger
 *     top Hessian eigenvalue) than small ones, which tend to generalize better.
 *
 * The settings are those the engine's tests found robust (test/engine/labs/experiments/).
 */
import type { DatasetSpecInput, ModelSpecInput } from '../../../../../electron/common/network';
import type {
  ExperimentResult,
  ExperimentSpecInput,
} from '../../../../../electron/common/protocol';

export type Language = 'en' | 'zh';
export type Text = Record<Language, string>;

export interface ExperimentLesson {
  id: string;
  /** (l) … (p): after the critical-points lab's lessons, as in the syllabus. */
  letter: string;
  title: Text;
  body: Text;
  watch: Text;
  /** The network lab's problem the experiment runs on. */
  dataset: DatasetSpecInput;
  model: ModelSpecInput;
  experiment: ExperimentSpecInput;
  /** Whether the result shows the phenomenon, and what the data say, in both languages. */
  verdict(result: ExperimentResult): { holds: boolean; text: Text };
}

const fmt = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : String(Number(v.toPrecision(3)));

/** The y values of a figure's series, by the series' index. */
function seriesY(result: ExperimentResult, figure: string, index = 0): (number | null)[] {
  return result.figures.find((f) => f.id === figure)?.series[index]?.y ?? [];
}

const none = { holds: false, text: { en: '', zh: '' } };

export const experimentLessons: ExperimentLesson[] = [
  {
    id: 'model-bias-or-optimization',
    letter: 'l',
    title: { en: 'Model bias or optimization?', zh: '是模型偏差，还是优化问题？' },
    body: {
      en: 'A large training loss has two possible causes. Model bias: the model cannot express the answer. Optimization: it can, but training does not find it. A deeper network can express everything a shallower one can (its extra layers could pass their input through), so if the deeper one ends with a higher training loss, the model is not to blame — the optimizer is. This lesson trains plain sigmoid MLPs of depth 1 to 16 with one budget, then the same depths with residual connections.',
      zh: '训练损失大，可能有两个原因。模型偏差：模型表达不了答案。优化问题：模型能表达，但训练找不到。更深的网络能表达更浅网络能表达的一切（多出来的层可以把输入原样传下去），所以如果更深的网络训练损失反而更高，问题不在模型，而在优化器。本课用同样的预算训练深度 1 到 16 的普通 sigmoid 多层感知机，再训练同样深度、带残差连接的网络。',
    },
    watch: {
      en: 'The plain depth-16 net stays at chance (loss ≈ ln 2) while the depth-2 net learns: not model bias, optimization. With residual connections the depth-16 net trains; along random directions its landscape is a valley where the plain net’s is a flat plateau.',
      zh: '普通的 16 层网络停在随机猜测的水平（损失约为 ln 2），而 2 层网络学会了：这不是模型偏差，而是优化问题。加上残差连接后，16 层网络也能训练；沿随机方向看，它的损失地形是一个山谷，而普通网络的是一片平坦的高原。',
    },
    dataset: { kind: 'moons', n: 200, seed: 0 },
    model: { depth: 2, width: 16, activation: 'sigmoid', seed: 0 },
    experiment: {
      kind: 'depth',
      depths: [1, 2, 4, 8, 16],
      width: 16,
      residual: true,
      epochs: 30,
      optimizer: { optimizer: 'adam', lr: 0.01 },
    },
    verdict(result) {
      if (result.kind !== 'depth') return none;
      const final = (depth: number, residual: boolean) =>
        result.trainings.find((t) => t.model.depth === depth && t.model.residual === residual)
          ?.final.train.loss ?? NaN;
      const [two, deep, deepResidual] = [final(2, false), final(16, false), final(16, true)];
      return {
        holds: deep > 1.5 * two && deepResidual < deep / 1.5,
        text: {
          en: `Final training loss: depth 2 ${fmt(two)}, depth 16 plain ${fmt(deep)}, depth 16 residual ${fmt(deepResidual)}.`,
          zh: `最终训练损失：2 层 ${fmt(two)}，16 层普通网络 ${fmt(deep)}，16 层残差网络 ${fmt(deepResidual)}。`,
        },
      };
    },
  },
  {
    id: 'overfitting',
    letter: 'm',
    title: { en: 'Overfitting and choosing complexity', zh: '过拟合与模型复杂度的选择' },
    body: {
      en: 'Small training loss, large validation loss: overfitting. A more flexible model fits the training points ever better, noise included, and the points it has not seen ever worse. This lesson trains one hidden layer of tanh units on 60 noisy points, from width 1 to 128, and measures training and validation loss at each width.',
      zh: '训练损失小、验证损失大：这就是过拟合。越灵活的模型把训练点（连同噪声）拟合得越好，对没见过的点却越来越差。本课在 60 个带噪声的点上训练只有一个隐藏层的 tanh 网络，宽度从 1 到 128，测量每个宽度的训练损失和验证损失。',
    },
    watch: {
      en: 'The training loss keeps falling with width; the validation loss falls, then rises — the U-curve. Choose the width at its bottom (marked). With few data, choose it by N-fold cross-validation rather than by one validation split, and only then look at the test set.',
      zh: '训练损失随宽度一直下降；验证损失先降后升——这就是 U 形曲线。应该选曲线最低处的宽度（已标出）。数据少时，用 N 折交叉验证来选，而不是只靠一个验证集；选定之后才看测试集。',
    },
    dataset: {
      kind: 'circles',
      n: 300,
      noise: 0.15,
      seed: 0,
      split: { train: 0.2, validation: 0.6, test: 0.2 },
    },
    model: { depth: 1, width: 8, activation: 'tanh', seed: 0 },
    experiment: {
      kind: 'complexity',
      parameter: 'width',
      values: [1, 2, 4, 16, 64, 128],
      epochs: 400,
      batchSize: 'full',
      optimizer: { optimizer: 'adam', lr: 0.01 },
    },
    verdict(result) {
      if (result.kind !== 'complexity') return none;
      const train = seriesY(result, 'u-curve', 0);
      const validation = seriesY(result, 'u-curve', 1);
      const valid = validation.map((v) => v ?? Infinity);
      const best = valid.indexOf(Math.min(...valid));
      const interior = best > 0 && best < valid.length - 1;
      const falling = train.every((v, i) => i === 0 || (v ?? 0) <= (train[i - 1] ?? 0) + 0.01);
      return {
        holds: interior && falling,
        text: {
          en: `Least validation loss at width ${result.chosen?.value ?? '–'} (${fmt(validation[best])}); at the widest ${fmt(train.at(-1))} training, ${fmt(validation.at(-1))} validation.`,
          zh: `验证损失最小的宽度是 ${result.chosen?.value ?? '–'}（${fmt(validation[best])}）；最宽时训练损失 ${fmt(train.at(-1))}，验证损失 ${fmt(validation.at(-1))}。`,
        },
      };
    },
  },
  {
    id: 'mismatch',
    letter: 'n',
    title: { en: 'Mismatch', zh: '训练数据与测试数据不匹配' },
    body: {
      en: 'Sometimes the validation loss is fine and the test loss is not, because the test data come from another distribution than the training data. This lesson trains a network once, then scores it on test sets rotated further and further from the training data.',
      zh: '有时验证损失很好，测试损失却很差，因为测试数据和训练数据来自不同的分布。本课把网络训练一次，然后在越转越偏离训练数据的测试集上评估它。',
    },
    watch: {
      en: 'The validation loss stays where it is; the test loss climbs with the shift, and from some shift on the verdict says mismatch. More training data of the old kind would not help: the data must come from the test distribution.',
      zh: '验证损失保持不变；测试损失随偏移增大而上升，偏移到一定程度后，结论变为“不匹配”。再多同类的训练数据也没有用：数据必须来自测试时的分布。',
    },
    dataset: { kind: 'moons', n: 300, seed: 0 },
    model: { depth: 2, width: 16, activation: 'tanh', seed: 0 },
    experiment: { kind: 'mismatch', sizes: [0, 0.25, 0.5, 0.75, 1], epochs: 50 },
    verdict(result) {
      if (result.kind !== 'mismatch') return none;
      const rows = result.table.rows;
      const unshifted = rows[0]?.[5] === 'no';
      const shifted = rows.at(-1)?.[5] === 'yes';
      return {
        holds: unshifted && shifted && result.verdict?.branch === 'mismatch',
        text: {
          en: `Unshifted: test loss ${fmt(rows[0]?.[2] as number)}; shifted the most: ${fmt(rows.at(-1)?.[2] as number)}, against validation loss ${fmt(rows[0]?.[4] as number)}.`,
          zh: `未偏移时测试损失 ${fmt(rows[0]?.[2] as number)}；偏移最大时 ${fmt(rows.at(-1)?.[2] as number)}，验证损失为 ${fmt(rows[0]?.[4] as number)}。`,
        },
      };
    },
  },
  {
    id: 'batch-time',
    letter: 'o',
    title: {
      en: 'Batch size: time per update, time per epoch',
      zh: '批量大小：每次更新与每个 epoch 的时间',
    },
    body: {
      en: 'On parallel hardware a batch’s examples are computed together, so a larger batch costs little more per update — until the hardware is full. An epoch of n examples takes ⌈n / B⌉ updates. This lesson measures both on this machine, from batch 1 to the whole training set, and trains each size for the same number of epochs and for the same time.',
      zh: '在并行硬件上，一个批量中的样本是一起计算的，所以批量变大时，每次更新的时间增加得很少——直到硬件被占满。一个 epoch 有 n 个样本，需要 ⌈n / B⌉ 次更新。本课在这台机器上测量批量从 1 到整个训练集时的这两个时间，并让每个批量训练同样多的 epoch、以及同样长的时间。',
    },
    watch: {
      en: 'Time per update barely grows from batch 1 to dozens of examples while time per epoch falls steeply; the mark shows where doubling the batch starts to cost nearly double. At equal epochs the small batches, with many more updates, often do better; at equal time the comparison is fairer.',
      zh: '从批量 1 到几十个样本，每次更新的时间几乎不变，而每个 epoch 的时间急剧下降；标记处是批量加倍、时间也几乎加倍的地方。相同 epoch 数时，小批量更新次数多得多，结果往往更好；相同时间下的比较更公平。',
    },
    dataset: { kind: 'moons', n: 1000, seed: 0 },
    model: { depth: 2, width: 32, activation: 'relu', seed: 0 },
    experiment: {
      kind: 'batch-size',
      sizes: [1, 4, 16, 64, 256, 700],
      epochs: 5,
      timedUpdates: 30,
    },
    verdict(result) {
      if (result.kind !== 'batch-size') return none;
      const epoch = seriesY(result, 'time-per-epoch');
      const update = seriesY(result, 'time-per-update');
      const at64 = 3;
      const epochFalls = (epoch[at64] ?? Infinity) < (epoch[0] ?? 0);
      return {
        holds: epochFalls,
        text: {
          en: `Batch 1: ${fmt(update[0])} ms per update, ${fmt(epoch[0])} ms per epoch; batch 64: ${fmt(update[at64])} ms per update, ${fmt(epoch[at64])} ms per epoch.`,
          zh: `批量 1：每次更新 ${fmt(update[0])} 毫秒，每个 epoch ${fmt(epoch[0])} 毫秒；批量 64：每次更新 ${fmt(update[at64])} 毫秒，每个 epoch ${fmt(epoch[at64])} 毫秒。`,
        },
      };
    },
  },
  {
    id: 'sharp-and-flat',
    letter: 'p',
    title: { en: 'Sharp and flat minima', zh: '尖锐的极小值与平坦的极小值' },
    body: {
      en: 'Small batches and large batches can reach the same training loss and still end in different minima. Keskar et al. (ICLR 2017) found that large batches converge to sharp minima — a narrow valley, a large top Hessian eigenvalue — and small batches to flat ones, which tend to generalize better: a small shift between the training and the test loss surface costs a flat minimum little and a sharp one a lot. This lesson trains the same network from the same start with batches from 2 to the whole set.',
      zh: '小批量和大批量可以达到相同的训练损失，却停在不同的极小值。Keskar 等人（ICLR 2017）发现，大批量收敛到尖锐的极小值——狭窄的山谷，Hessian 最大特征值很大；小批量收敛到平坦的极小值，往往泛化得更好：训练与测试的损失曲面稍有错位时，平坦的极小值损失很小，尖锐的损失很大。本课从同一起点，用从 2 到整个训练集的批量训练同一个网络。',
    },
    watch: {
      en: 'The sharpness (λ_max) rises with the batch size. Along the line from the small batch’s minimum (α = 0) to the full batch’s (α = 1) the loss climbs more steeply on the full batch’s side.',
      zh: '尖锐程度（λ_max）随批量增大而上升。沿着从小批量极小值（α = 0）到全批量极小值（α = 1）的直线，全批量那一侧的损失上升得更陡。',
    },
    dataset: { kind: 'moons', n: 300, noise: 0.3, seed: 0 },
    model: { depth: 2, width: 32, activation: 'relu', seed: 0 },
    experiment: { kind: 'batch-size', sizes: [2, 8, 32, 210], epochs: 30, timedUpdates: 5 },
    verdict(result) {
      if (result.kind !== 'batch-size') return none;
      const sharpness = seriesY(result, 'sharpness');
      const [first, last] = [sharpness[0], sharpness.at(-1)];
      return {
        holds: first !== null && last != null && first > 0 && last > 1.5 * first,
        text: {
          en: `λ_max: ${fmt(first)} after batch ${result.table.rows[0]?.[0]}, ${fmt(last)} after batch ${result.table.rows.at(-1)?.[0]}.`,
          zh: `λ_max：批量 ${result.table.rows[0]?.[0]} 为 ${fmt(first)}，批量 ${result.table.rows.at(-1)?.[0]} 为 ${fmt(last)}。`,
        },
      };
    },
  },
];
