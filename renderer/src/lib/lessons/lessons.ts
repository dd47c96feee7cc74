/**
 * The lectures' optimization lessons as one-click presets: a surface, a start, the runs to
 * race, the camera, and a short explanation in English and Simplified Chinese. Each lesson is
 * checked end to end (test/e2e/lessons.e2e.ts) against the data the engine reports.
 */
import type { Point, SurfaceSpec } from '../../../../electron/common/schemas';
import type { NewRun, ViewSettings } from '../state/lab.svelte';

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
  /** Other surfaces the lesson lets the user show (same parameters, another loss). */
  alternatives?: { label: Text; surface: SurfaceSpec }[];
  start: Point;
  runs: NewRun[];
  stepsPerFrame: number;
  camera?: { azimuth: number; elevation: number };
  view?: Partial<ViewSettings>;
}

/** L(x, y) = ½x² + ¼(y² − 1)²: a saddle at the origin between minima at (0, ±1). */
const saddleValley = '0.5 * x^2 + 0.25 * (y^2 - 1)^2';

export const lessons: Lesson[] = [
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
      { optimizer: { optimizer: 'sgd', lr: 0.075 }, label: 'GD, large η = 0.075' },
      { optimizer: { optimizer: 'sgd', lr: 0.002 }, label: 'GD, small η = 0.002' },
      { optimizer: { optimizer: 'adagrad', lr: 0.5 }, label: 'Adagrad η = 0.5' },
      { optimizer: { optimizer: 'rmsprop', lr: 0.05 }, label: 'RMSProp η = 0.05' },
      { optimizer: { optimizer: 'adam', lr: 0.1 }, label: 'Adam η = 0.1' },
    ],
    stepsPerFrame: 2,
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
    stepsPerFrame: 1,
    camera: { azimuth: 10, elevation: 55 },
    view: { lossLog: true },
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
    surface: {
      expr: saddleValley,
      domain: [
        [-2, 2],
        [-1.6, 1.6],
      ],
    },
    start: [1.8, 0.001],
    runs: [
      { optimizer: { optimizer: 'sgd', lr: 0.05 }, label: 'GD η = 0.05' },
      { optimizer: { optimizer: 'sgd', lr: 0.05, momentum: 0.9 }, label: 'Momentum 0.9, η = 0.05' },
    ],
    stepsPerFrame: 1,
    camera: { azimuth: 60, elevation: 40 },
    view: { lossLog: false },
  },
];

export function lessonById(id: string): Lesson | undefined {
  return lessons.find((l) => l.id === id);
}
