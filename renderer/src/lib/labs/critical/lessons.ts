/**
 * The critical-points lab's lessons, one click each, in English and Simplified Chinese: the
 * network lab's dataset and model they need, the experiment they run, and what its data must
 * show. The page says, from the engine's data, whether it does (`verdict`); the end-to-end test
 * (test/e2e/critical-lessons.e2e.ts) asserts the same phenomenon from the exported data.
 *
 * (j) The minimum ratio at "convergence": the lecture's figure. Small networks trained until
 *     ‖∇L‖ is small sit at points whose share of positive Hessian eigenvalues is high but below
 *     1: saddles, not minima.
 * (k) The edge of stability (Cohen et al., ICLR 2021): full-batch gradient descent with step η
 *     drives the sharpness λ_max up to 2/η — where the quadratic model says GD stops being
 *     stable — and it hovers there while the loss keeps falling, non-monotonically.
 */
import type { DatasetSpecInput, ModelSpecInput } from '../../../../../electron/common/network';
import type {
  CriticalExperimentResult,
  CriticalExperimentSpec,
} from '../../../../../electron/common/protocol';
import { rises, secondHalfMean } from './experiment-data';

export type Language = 'en' | 'zh';
export type Text = Record<Language, string>;

export interface CriticalLesson {
  id: string;
  /** (j), (k): after the explorer's lessons, as in the syllabus. */
  letter: string;
  title: Text;
  body: Text;
  watch: Text;
  /** The network lab's problem the experiment runs on. */
  dataset: DatasetSpecInput;
  model: ModelSpecInput;
  experiment: CriticalExperimentSpec;
  /** Whether the result shows the phenomenon, and what the data says, in both languages. */
  verdict(result: CriticalExperimentResult): { holds: boolean; text: Text };
}

const pct = (n: number, of: number) => (of > 0 ? Math.round((100 * n) / of) : 0);

export const criticalLessons: CriticalLesson[] = [
  {
    id: 'minimum-ratio',
    letter: 'j',
    title: {
      en: 'The minimum ratio at “convergence”',
      zh: '“收敛”时的最小值比例',
    },
    body: {
      en: 'Training stops where the gradient is (nearly) zero: at a critical point. Which kind? The Hessian’s eigenvalues say — all positive at a minimum, some negative at a saddle. The minimum ratio is the share of them that are positive. This lesson trains small networks from different seeds until ‖∇L‖ falls under a tolerance (or a step budget ends), then computes the full Hessian spectrum at each endpoint.',
      zh: '梯度（几乎）为零时，训练就停了：停在一个临界点。是哪一种？Hessian 的特征值会告诉我们——极小值处全为正，鞍点处有负的。最小值比例就是正特征值所占的比例。本课用不同的随机种子训练若干个小网络，直到 ‖∇L‖ 小于阈值（或步数预算用完），再计算每个终点的完整 Hessian 谱。',
    },
    watch: {
      en: 'Each dot is one network: its training loss (x) and its minimum ratio (y). Networks that training calls converged sit high but below 1: saddles, not minima — a local minimum is rare in practice. Eigenvalues within ±τ·max|λ| are counted apart: float32 cannot sign them.',
      zh: '每个点是一个网络：横轴是训练损失，纵轴是最小值比例。训练认为“已收敛”的网络，最小值比例很高却小于 1：它们停在鞍点，而不是极小值——实践中真正的局部极小值很少见。落在 ±τ·max|λ| 之内的特征值单独计数：float32 无法判断它们的正负。',
    },
    // 70 training points, 2 → 4 tanh units → 2 classes (22 parameters), cross-entropy: the
    // endpoints' ratios come out near 0.7, each with a negative eigenvalue or so left. The
    // experiment trains networks of its own of that shape; the lab gets the same network.
    dataset: { kind: 'moons', n: 100, seed: 0 },
    model: { depth: 1, width: 4, activation: 'tanh', seed: 0 },
    experiment: {
      kind: 'minimum-ratio',
      network: { depth: 1, width: 4, activation: 'tanh' },
      count: 12,
      gradTolerance: 1e-3,
      maxSteps: 2000,
      tau: 1e-4,
      seed: 1,
    },
    verdict(result) {
      if (result.kind !== 'minimum-ratio') return { holds: false, text: { en: '', zh: '' } };
      const n = result.points.length;
      const high = result.points.filter((p) => p.minimumRatio > 0.5 && p.minimumRatio < 1).length;
      const saddles = result.points.filter((p) => p.index > 0).length;
      const minima = result.points.filter((p) => p.minimumRatio === 1).length;
      return {
        holds: high > n / 2 && saddles >= 1,
        text: {
          en: `${high} of ${n} networks (${pct(high, n)} %) have a minimum ratio between 0.5 and 1; ${saddles} have negative eigenvalues (saddles); ${minima} are minima (ratio 1).`,
          zh: `${n} 个网络中有 ${high} 个（${pct(high, n)}%）的最小值比例在 0.5 与 1 之间；${saddles} 个有负特征值（鞍点）；${minima} 个是极小值（比例为 1）。`,
        },
      };
    },
  },
  {
    id: 'edge-of-stability',
    letter: 'k',
    title: {
      en: 'The edge of stability',
      zh: '稳定性边缘',
    },
    body: {
      en: 'On a quadratic, gradient descent with step η is stable only while the sharpness λ_max — the Hessian’s largest eigenvalue — stays below 2/η. Cohen et al. (ICLR 2021) found that full-batch gradient descent on a neural network drives λ_max up (progressive sharpening) until it reaches 2/η, and then hovers there: the edge of stability. Here a small tanh MLP with the mean squared error trains by full-batch gradient descent at three learning rates, λ_max measured every few steps.',
      zh: '在二次函数上，步长为 η 的梯度下降只有当锐度 λ_max（Hessian 的最大特征值）小于 2/η 时才稳定。Cohen 等人（ICLR 2021）发现：在神经网络上做全批量梯度下降，λ_max 会一路上升（渐进锐化），直到达到 2/η，然后在那里徘徊——这就是稳定性边缘。这里用均方误差训练一个小的 tanh 多层感知机，以三个学习率做全批量梯度下降，每隔几步测一次 λ_max。',
    },
    watch: {
      en: 'In the sharpness chart each η’s λ_max climbs to its dashed 2/η line and stays near it. Meanwhile the loss keeps falling, but not monotonically: it jumps up and comes down again, which gradient descent below 2/η never does.',
      zh: '在锐度图中，每个 η 的 λ_max 都爬升到对应的虚线 2/η，并停在它附近。与此同时损失仍在下降，但不是单调的：它会跳高再回落——在 2/η 以下的梯度下降从不会这样。',
    },
    // The experiment trains its own 2×32 tanh MLP under the squared loss on the lab's data; the
    // lab gets the same network. On these moons (140 training points) λ_max starts near 18 and
    // sharpens: every 2/η here (25, 22.2, 20) is above where it starts and reached in 1,000 steps.
    dataset: { kind: 'moons', n: 200, seed: 0 },
    model: { depth: 2, width: 32, activation: 'tanh', loss: 'mse', seed: 0 },
    experiment: {
      kind: 'edge-of-stability',
      lrs: [0.08, 0.09, 0.1],
      steps: 1000,
      every: 10,
      seed: 0,
    },
    verdict(result) {
      if (result.kind !== 'edge-of-stability') return { holds: false, text: { en: '', zh: '' } };
      const rows = result.series.map((s) => {
        const late = secondHalfMean(s.sharpnessSteps, s.sharpness);
        const ratio = late / s.threshold;
        const lower = s.loss[s.loss.length - 1] < s.loss[0];
        // It rises to the edge: below 2/η where it starts.
        const below = s.sharpness.length > 0 && s.sharpness[0] < s.threshold;
        return {
          lr: s.lr,
          ratio,
          ok: !s.diverged && below && ratio > 0.8 && ratio < 1.2 && rises(s.loss) && lower,
        };
      });
      const ok = rows.filter((r) => r.ok).length;
      const list = rows.map((r) => `η ${r.lr}: ${Math.round(100 * r.ratio)} %`).join(', ');
      return {
        holds: ok === rows.length && rows.length > 0,
        text: {
          en: `λ_max in the second half, as a share of 2/η — ${list}. ${ok} of ${rows.length} learning rates hover at the edge with a loss that rises on the way yet ends lower.`,
          zh: `后半程 λ_max 占 2/η 的比例——${list}。${rows.length} 个学习率中有 ${ok} 个停在边缘附近，损失途中有回升、最终却更低。`,
        },
      };
    },
  },
];

export function lessonById(id: string): CriticalLesson | undefined {
  return criticalLessons.find((l) => l.id === id);
}
