/**
 * The lectures' optimization lessons as one-click presets: a surface, a start, the runs to
 * race, the camera, and a short explanation in English and Simplified Chinese. Each lesson is
 * checked end to end (test/e2e/lessons.e2e.ts) against the data the engine reports.
 */
import type { Point, SurfaceSpec } from '../../../../../electron/common/schemas';
import type { NewRun, ViewSettings } from './types';

export type Language = 'en' | 'zh';
export type Text = Record<Language, string>;

export interface Lesson {
  id: string;
  /** (a), (b), … as in the syllabus. */
  letter: string;
  title: Text;
  /** What the lesson shows and why, in a few sentences. */
  body: Text;
  /** What to look at once it plays. */
  watch: Text;
  surface: SurfaceSpec;
  /** What to call `surface` beside its alternatives. */
  surfaceLabel?: Text;
  /** Other surfaces the lesson lets the user show (same parameters, another loss). */
  alternatives?: { label: Text; surface: SurfaceSpec }[];
  start: Point;
  runs: NewRun[];
  /**
   * The step at which the lesson's phenomenon is over: playback pauses there (Play goes on
   * past it). Every claim of `body` and `watch` holds up to this step.
   */
  stopAt: number;
  /**
   * The lesson's pace: about this many steps a second whatever the display's frame rate (the
   * explorer sets its steps per frame from the frames it sees), so it plays to `stopAt` in a
   * few seconds. Picking a speed by hand ends the pacing.
   */
  stepsPerSecond: number;
  camera?: { azimuth: number; elevation: number };
  view?: Partial<ViewSettings>;
  /**
   * The lesson reads the Hessian: at its end (`stopAt`) it computes it where run `run` (the
   * first by default) stands, and shows it on the views and in the critical point card;
   * `escape.t` is the step length its Escape suggests.
   */
  critical?: { analyzeAt: 'end'; run?: number; escape?: { t: number } };
}

export const lessons: Lesson[] = [
  {
    id: 'momentum',
    letter: 'a',
    title: {
      en: 'Momentum rolls over the pass into the deeper valley',
      zh: '动量越过山口，滚进更深的谷底',
    },
    body: {
      en: 'Gradient descent stops wherever the gradient is zero, here in the shallow minimum on the left. Momentum keeps part of every earlier step (b ← μb + g, θ ← θ − ηb): the ball arrives in the shallow minimum with speed, crosses the low pass (the saddle ✕) and settles in the deep minimum on the right.',
      zh: '梯度下降在梯度为零的地方停下，这里就是左边较浅的极小值。动量保留之前每一步的一部分（b ← μb + g，θ ← θ − ηb）：小球带着速度进入浅谷，越过低矮的山口（鞍点 ✕），最终停在右边更深的极小值。',
    },
    watch: {
      en: 'Gradient descent (orange) ends at loss 5.33; momentum (blue) ends at 0. Turn on step mode and step to see b carry the ball.',
      zh: '梯度下降（橙色）停在损失 5.33；动量（蓝色）到达 0。打开单步模式，一步一步看 b 如何推动小球。',
    },
    surface: 'two-minima',
    start: [-3.5, 1],
    runs: [
      { optimizer: { optimizer: 'sgd', lr: 0.05 }, label: 'GD η = 0.05' },
      { optimizer: { optimizer: 'sgd', lr: 0.01, momentum: 0.9 }, label: 'Momentum 0.9, η = 0.01' },
    ],
    stopAt: 200,
    stepsPerSecond: 40,
    camera: { azimuth: 0, elevation: 35 },
    view: { lossLog: false },
  },
  {
    id: 'ravine',
    letter: 'b',
    title: {
      en: 'Stuck in a ravine: the loss is flat, the gradient is not',
      zh: '困在峡谷里：损失不降，梯度却不小',
    },
    body: {
      en: 'Training looks stuck when the loss stops falling, but that does not mean the gradient is small. In this ravine a fixed learning rate makes each step jump from one steep wall to the other: the gradient norm stays large, the loss stays flat, and the run barely moves along the floor. Adam and RMSProp scale each coordinate by its own gradient size, settle across the ravine and walk down it.',
      zh: '损失不再下降时，训练看起来卡住了，但这不代表梯度很小。在这个峡谷里，固定学习率让每一步都从一侧陡壁跳到另一侧：梯度范数一直很大，损失却平平不动，沿谷底几乎没有前进。Adam 和 RMSProp 按每个坐标自己的梯度大小缩放步长，在横向稳定下来，沿着峡谷走下去。',
    },
    watch: {
      en: 'Compare the loss and gradient-norm curves of gradient descent: loss flat near 0.7, ‖∇L‖ near 4. The adaptive runs reach 0.',
      zh: '对比梯度下降的损失和梯度范数曲线：损失停在 0.7 左右，‖∇L‖ 约为 4。自适应方法到达 0。',
    },
    surface: 'ravine',
    start: [-5, 0.4],
    runs: [
      { optimizer: { optimizer: 'sgd', lr: 0.1 }, label: 'GD η = 0.1' },
      { optimizer: { optimizer: 'rmsprop', lr: 0.01 }, label: 'RMSProp η = 0.01' },
      { optimizer: { optimizer: 'adam', lr: 0.05 }, label: 'Adam η = 0.05' },
    ],
    stopAt: 400,
    stepsPerSecond: 60,
    camera: { azimuth: 15, elevation: 45 },
    view: { lossLog: false },
  },
  {
    id: 'bowl',
    letter: 'c',
    title: {
      en: 'The elongated bowl: one η cannot fit both directions',
      zh: '狭长的碗：一个学习率无法兼顾两个方向',
    },
    body: {
      en: 'L = ½(x² + 25y²) is convex, but 25 times steeper across than along. Gradient descent with a large fixed η jumps from wall to wall across the valley; with a small η it barely moves along the floor and stops far from the minimum. Adagrad, RMSProp and Adam divide η by σ, the size of recent gradients, per coordinate: large steps along the flat direction, small ones across the steep one.',
      zh: 'L = ½(x² + 25y²) 是凸的，但横向比纵向陡 25 倍。固定的大学习率会在谷壁之间来回跳；小学习率沿谷底几乎不动，停在离最小值很远的地方。Adagrad、RMSProp 和 Adam 按坐标把 η 除以 σ（近期梯度的大小）：平坦方向步子大，陡峭方向步子小。',
    },
    watch: {
      en: 'The orange run zigzags; the blue one stalls; the adaptive runs reach the star. Compare their η/σ curves.',
      zh: '橙色曲线来回震荡；蓝色停滞不前；自适应方法到达星号处。对比它们的 η/σ 曲线。',
    },
    surface: 'bowl',
    start: [-3.5, 1.5],
    runs: [
      { optimizer: { optimizer: 'sgd', lr: 0.0795 }, label: 'GD, large η = 0.0795' },
      { optimizer: { optimizer: 'sgd', lr: 0.002 }, label: 'GD, small η = 0.002' },
      { optimizer: { optimizer: 'adagrad', lr: 0.5 }, label: 'Adagrad η = 0.5' },
      { optimizer: { optimizer: 'rmsprop', lr: 0.05 }, label: 'RMSProp η = 0.05' },
      { optimizer: { optimizer: 'adam', lr: 0.1 }, label: 'Adam η = 0.1' },
    ],
    stopAt: 400,
    stepsPerSecond: 60,
    camera: { azimuth: 20, elevation: 50 },
    view: { lossLog: true },
  },
  {
    id: 'adagrad-explosion',
    letter: 'd',
    title: {
      en: "The lecture's Adagrad explodes — and decay fixes it",
      zh: '课上的 Adagrad 会“爆炸”，学习率衰减可以解决',
    },
    body: {
      en: 'With σ the root mean square of all past gradients, σ shrinks while the gradient stays small. Once the run settles on the valley floor, η/σ across the valley grows step by step until the step overshoots and blows up; the large gradients then raise σ and the run returns — again and again. Decaying η as η/√(t+1) keeps η/σ bounded and removes the spikes.',
      zh: '当 σ 取过去所有梯度的均方根时，梯度一直很小，σ 就随之变小。到了谷底之后，横向的 η/σ 一步步变大，直到步长过冲、突然“爆炸”；随后大梯度又把 σ 撑大，于是回到谷底——如此反复。把学习率按 η/√(t+1) 衰减，η/σ 就有界，尖峰消失。',
    },
    watch: {
      en: 'Watch the step-size curve η/σ and the loss: spikes for the constant η, none with decay.',
      zh: '观察步长曲线 η/σ 和损失：固定学习率出现尖峰，衰减后没有。',
    },
    surface: 'bowl',
    start: [-3, 1],
    runs: [
      {
        optimizer: { optimizer: 'adagrad', variant: 'lecture', lr: 0.5 },
        label: 'Adagrad (RMS σ), constant η',
      },
      {
        optimizer: {
          optimizer: 'adagrad',
          variant: 'lecture',
          lr: 0.5,
          schedule: { kind: 'invSqrt' },
        },
        label: 'Adagrad (RMS σ), η/√(t+1)',
      },
    ],
    stopAt: 400,
    stepsPerSecond: 50,
    camera: { azimuth: 10, elevation: 55 },
    view: { lossLog: true },
  },
  {
    id: 'warmup',
    letter: 'e',
    title: {
      en: 'Warm-up: small steps while Adam learns the scale',
      zh: '预热：在 Adam 摸清尺度之前先走小步',
    },
    body: {
      en: "Adam's first steps have length about η in every coordinate, whatever the gradient: m and v have seen only one gradient, so m̂/√v̂ ≈ ±1. From a steep start with a large η, those first steps throw the run over the ridge into the shallow minimum. Linear warm-up raises η from 1% to 100% over the first 200 steps, so m and v settle while the steps are small — and the same η then finishes in the deep minimum.",
      zh: 'Adam 最初几步在每个坐标上的长度都约为 η，与梯度大小无关：m 和 v 只见过一个梯度，所以 m̂/√v̂ ≈ ±1。从陡峭的起点出发、学习率又大时，这几步会把轨迹甩过山脊，落进较浅的极小值。线性预热让 η 在前 200 步从 1% 升到 100%，m 和 v 在步子还小时就稳定下来——同样的 η 最终到达更深的极小值。',
    },
    watch: {
      en: 'Watch the first few steps in the contour view and the learning-rate curve: the run without warm-up jumps far and ends at loss 5.33; the warmed-up run ends at 0.',
      zh: '在等高线图和学习率曲线上观察最初几步：没有预热的轨迹一下跳得很远，最后停在损失 5.33；预热后的轨迹到达 0。',
    },
    surface: 'two-minima',
    start: [3.4, 1.5],
    runs: [
      { optimizer: { optimizer: 'adam', lr: 2 }, label: 'Adam η = 2, no warm-up' },
      {
        optimizer: {
          optimizer: 'adam',
          lr: 2,
          schedule: { kind: 'linear', startFactor: 0.01, endFactor: 1, totalIters: 200 },
        },
        label: 'Adam η = 2, linear warm-up 200 steps',
      },
    ],
    stopAt: 400,
    stepsPerSecond: 60,
    camera: { azimuth: 0, elevation: 40 },
    view: { lossLog: false },
  },
  {
    id: 'saddle',
    letter: 'f',
    title: { en: 'Crawling past a saddle point', zh: '在鞍点附近缓慢爬行' },
    body: {
      en: 'At a saddle point the gradient is zero but it is not a minimum: the Hessian has a negative eigenvalue, and moving along its eigenvector lowers the loss. Near the saddle the gradient is tiny, so plain gradient descent crawls for a long time before it escapes; momentum keeps building speed along the escape direction and gets out much sooner.',
      zh: '鞍点处梯度为零，但它不是最小值：Hessian 有负特征值，沿其特征向量移动损失会下降。鞍点附近梯度很小，普通梯度下降要爬很久才能逃离；动量会沿逃离方向不断加速，早得多地离开。',
    },
    watch: {
      en: 'The gradient-norm curve dips towards zero near the saddle (✕); count the steps each run needs to reach a minimum (★).',
      zh: '在鞍点（✕）附近梯度范数曲线趋近于零；数一数每条轨迹到达最小值（★）需要多少步。',
    },
    surface: 'saddle-valley',
    start: [1.8, 0.0001],
    runs: [
      { optimizer: { optimizer: 'sgd', lr: 0.05 }, label: 'GD η = 0.05' },
      { optimizer: { optimizer: 'sgd', lr: 0.05, momentum: 0.9 }, label: 'Momentum 0.9, η = 0.05' },
    ],
    stopAt: 300,
    stepsPerSecond: 50,
    camera: { azimuth: 60, elevation: 40 },
    view: { lossLog: false },
  },
  {
    id: 'softmax',
    letter: 'g',
    title: { en: 'Cross-entropy or MSE on a softmax', zh: 'softmax 之后用交叉熵还是均方误差' },
    body: {
      en: 'Two logits z₁, z₂ (the third fixed at 0) go through a softmax; the target is class 1. Both runs start where class 2 wins by far, with the same optimizer. With mean squared error the loss there is a high, flat plateau: the gradient is almost zero, and gradient descent creeps for some 200 steps, then stalls on a second plateau (class 3 winning) and reaches the right answer only after about 500. With cross-entropy the surface keeps a slope of about √2 all the way, and the run is there within 20 steps.',
      zh: '两个 logit z₁、z₂（第三个固定为 0）经过 softmax，目标是第 1 类。两条轨迹从第 2 类遥遥领先的地方出发，使用相同的优化器。用均方误差时，那里是一片又高又平的高原：梯度几乎为零，梯度下降要缓慢爬行约 200 步，接着又在第二片高原（第 3 类领先）上停滞，大约 500 步后才到达正确答案。用交叉熵时，曲面一路保持约 √2 的坡度，20 步之内就到达了。',
    },
    watch: {
      en: 'Switch the surface shown between MSE and cross-entropy; compare the loss and gradient-norm curves: ‖∇L‖ below 0.01 at the MSE start, about 1.4 at the cross-entropy one.',
      zh: '在均方误差和交叉熵之间切换显示的曲面；对比损失和梯度范数曲线：均方误差起点处 ‖∇L‖ 小于 0.01，交叉熵起点处约为 1.4。',
    },
    surface: 'softmax-mse',
    surfaceLabel: { en: 'MSE', zh: '均方误差' },
    alternatives: [{ label: { en: 'Cross-entropy', zh: '交叉熵' }, surface: 'softmax-ce' }],
    start: [-6, 6],
    runs: [
      {
        optimizer: { optimizer: 'sgd', lr: 1 },
        label: 'GD on cross-entropy, η = 1',
        surface: 'softmax-ce',
      },
      { optimizer: { optimizer: 'sgd', lr: 1 }, label: 'GD on MSE, η = 1', surface: 'softmax-mse' },
    ],
    stopAt: 600,
    stepsPerSecond: 100,
    camera: { azimuth: 30, elevation: 40 },
    view: { lossLog: false },
  },
  {
    id: 'read-eigenvalues',
    letter: 'h',
    title: {
      en: 'Saddle or minimum: read the eigenvalues',
      zh: '鞍点还是极小值：看 Hessian 的特征值',
    },
    body: {
      en: "Both runs come to rest where the gradient vanishes, and their loss curves alone cannot tell the two points apart. The Hessian H can: at a critical point g = 0, so the second-order Taylor model is L(θ') ≈ L(θ) + ½ dᵀHd, and along an eigenvector d = t·v it is L(θ) + ½λt². Run 1 starts on the ridge y = 0 and converges to the saddle at the origin: there λ₁ = −1 < 0, the loss falls both ways along y. Run 2 starts beside the ridge and reaches the minimum (0, 1), where both eigenvalues are positive (1 and 2): the loss rises every way.",
      zh: "两条轨迹都停在梯度为零的地方，仅凭损失曲线无法区分这两个点。Hessian H 可以：在临界点处 g = 0，二阶泰勒模型是 L(θ') ≈ L(θ) + ½ dᵀHd，沿特征向量 d = t·v 则为 L(θ) + ½λt²。轨迹 1 从山脊 y = 0 出发，收敛到原点处的鞍点：那里 λ₁ = −1 < 0，沿 y 方向两侧的损失都会下降。轨迹 2 从山脊旁边出发，到达极小值 (0, 1)，那里两个特征值都是正的（1 和 2）：往任何方向损失都会上升。",
    },
    watch: {
      en: 'At step 400 the lesson computes the Hessian where run 1 stopped: the badge says saddle point, λ₁ = −1 (red arrows; the quadric curves down along y), λ₂ = 1 (teal). Then click the end of run 2 in the contour view: minimum, λ₁ = 1 and λ₂ = 2, both teal.',
      zh: '在第 400 步，本课计算轨迹 1 停下处的 Hessian：标记显示“鞍点”，λ₁ = −1（红色箭头；二次曲面沿 y 向下弯），λ₂ = 1（青色）。然后在等高线图上点击轨迹 2 的终点：极小值，λ₁ = 1、λ₂ = 2，都是青色。',
    },
    surface: 'saddle-valley',
    start: [1.8, 0],
    runs: [
      { optimizer: { optimizer: 'sgd', lr: 0.05 }, label: 'GD η = 0.05 on the ridge y = 0' },
      {
        optimizer: { optimizer: 'sgd', lr: 0.05 },
        label: 'GD η = 0.05 from (1.8, 0.3)',
        start: [1.8, 0.3],
      },
    ],
    stopAt: 400,
    stepsPerSecond: 80,
    camera: { azimuth: 35, elevation: 35 },
    view: { lossLog: false },
    critical: { analyzeAt: 'end' },
  },
  {
    id: 'escape-saddle',
    letter: 'i',
    title: {
      en: 'Escape along the negative eigenvector',
      zh: '沿负特征值的特征向量逃离鞍点',
    },
    body: {
      en: "A run that lands exactly on a saddle's stable manifold never leaves it. Both runs start on the ridge y = 0, where ∂L/∂y = y³ − y is exactly 0: every step stays on the ridge, and gradient descent and momentum alike converge to the saddle (0, 0). The gradient there is zero, but the Hessian still shows the way down: the eigenvector of λ₁ = −1 points along y. Escape takes one step of length t along it; to second order the loss changes by ½λ₁t² = −½t² (here exactly −½t² + ¼t⁴), and the runs go on from the point reached.",
      zh: '恰好落在鞍点稳定流形上的轨迹永远不会离开。两条轨迹都从山脊 y = 0 出发，那里 ∂L/∂y = y³ − y 恰好为 0：每一步都留在山脊上，梯度下降和动量都收敛到鞍点 (0, 0)。那里梯度为零，但 Hessian 仍然指出了下山的路：λ₁ = −1 的特征向量沿着 y 方向。“逃离”沿它走一步，步长为 t；按二阶近似，损失变化 ½λ₁t² = −½t²（这里精确值是 −½t² + ¼t⁴），然后轨迹从到达的点继续。',
    },
    watch: {
      en: 'At step 300 the lesson computes the Hessian: saddle point, λ₁ = −1. Press Escape (t = 0.2): predicted ½λt² = −0.02 beside the actual −0.0196. The runs start again from there, fall into a minimum (0, ±1), and at step 300 the badge says minimum.',
      zh: '在第 300 步，本课计算 Hessian：鞍点，λ₁ = −1。按“逃离”（t = 0.2）：预测 ½λt² = −0.02，实际为 −0.0196。轨迹从那里重新开始，落入极小值 (0, ±1)，到第 300 步时标记显示“极小值”。',
    },
    surface: 'saddle-valley',
    start: [1.8, 0],
    runs: [
      { optimizer: { optimizer: 'sgd', lr: 0.05 }, label: 'GD η = 0.05' },
      { optimizer: { optimizer: 'sgd', lr: 0.05, momentum: 0.9 }, label: 'Momentum 0.9, η = 0.05' },
    ],
    stopAt: 300,
    stepsPerSecond: 60,
    camera: { azimuth: 35, elevation: 35 },
    view: { lossLog: false },
    critical: { analyzeAt: 'end', escape: { t: 0.2 } },
  },
];

export function lessonById(id: string): Lesson | undefined {
  return lessons.find((l) => l.id === id);
}
