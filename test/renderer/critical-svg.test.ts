/**
 * The Hessian's picture in the contour view's SVG: the model's level lines under the runs,
 * the arrows and λ labels over them, at the same pixels as the canvas draws them (both come
 * from criticalDrawing), and nothing of it when no point is chosen.
 */
import { describe, expect, it } from 'vitest';
import {
  contourSvgDocument,
  type ContourSvgScene,
} from '../../renderer/src/lib/export/contour-svg';
import { criticalDrawing } from '../../renderer/src/lib/views/critical-geometry';
import { curvatureColors, PALETTES } from '../../renderer/src/lib/views/look';
import { valueScale } from '../../renderer/src/lib/views/scale';
import type { CriticalOverlay, TrajectoryView } from '../../renderer/src/lib/views/view-data';

/** The saddle of L = x² − y² at the origin, on [−2, 2]²: H = diag(2, −2). */
const saddle: CriticalOverlay = {
  point: [0, 0],
  loss: 0,
  gradient: [0, 0],
  hessian: [2, 0, -2],
  eigenvalues: [-2, 2],
  vectors: [
    [0, 1],
    [1, 0],
  ],
  flat: 2e-4,
  quadric: true,
  escape: { to: [0, 0.5], taken: false },
};
const colors = curvatureColors(PALETTES.dark);
const domain: [[number, number], [number, number]] = [
  [-2, 2],
  [-2, 2],
];
const plot = { x: 52, y: 39, w: 194, h: 194 };

function trajectory(points: [number, number][]): TrajectoryView {
  const none = new Float64Array(points.length);
  return {
    points: new Float64Array(points.flatMap(([x, y]) => [x, y, 0])),
    gradNorm: none,
    lr: none,
    grad: none,
    effStep: none,
    count: points.length,
    generation: 0,
    x: (i) => points[i][0],
    y: (i) => points[i][1],
    loss: () => 0,
  };
}

function scene(critical?: ContourSvgScene['critical']): ContourSvgScene {
  const n = 5;
  const values = new Float32Array(n * n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) values[j * n + i] = (i - 2) ** 2 - (j - 2) ** 2;
  return {
    width: 420,
    height: 300,
    plot,
    grid: {
      values,
      resolution: n,
      domain,
      info: {
        name: 'saddle',
        title: 'Saddle',
        description: '',
        domain,
        minima: [],
        saddles: [[0, 0]],
        start: [1.5, 0.01],
        logScale: false,
      },
    },
    scale: valueScale(-4, 4, false),
    heatmapHref: 'data:heatmap',
    contours: true,
    runs: [
      {
        runId: 'run-1',
        color: '#f59e0b',
        label: 'GD',
        diverged: false,
        onSurface: true,
        trajectory: trajectory([
          [1.5, 0.01],
          [0.5, 0.01],
        ]),
      },
    ],
    step: undefined,
    lineScale: 1,
    notes: [],
    background: '#0f1320',
    palette: PALETTES.dark,
    textWidth: (text, size) => text.length * size * 0.55,
    ...(critical ? { critical } : {}),
  };
}

describe('the Hessian in the contour SVG', () => {
  const svg = contourSvgDocument(scene({ overlay: saddle, colors }));

  it('puts the model under the runs and the arrows over them', () => {
    const ids = [...svg.matchAll(/<g id="([\w-]+)"/g)].map((m) => m[1]);
    const at = (id: string) => ids.indexOf(id);
    expect(at('hessian-model')).toBeGreaterThan(at('critical-points'));
    expect(at('trajectories')).toBeGreaterThan(at('hessian-model'));
    expect(at('hessian-arrows')).toBeGreaterThan(at('trajectories'));
  });

  it('draws each arrow where the canvas does, coloured by the sign of λ', () => {
    const drawing = criticalDrawing(saddle, colors, domain, plot);
    const lines = [
      ...svg.matchAll(/<g class="(eigenvector lambda-\d|escape-step)"><g><line ([^>]*)\/>/g),
    ];
    expect(lines.map((m) => m[1])).toEqual([
      'eigenvector lambda-1',
      'eigenvector lambda-1',
      'eigenvector lambda-2',
      'eigenvector lambda-2',
      'escape-step',
    ]);
    lines.forEach((m, k) => {
      const attr = (name: string) => Number(new RegExp(`${name}="([^"]*)"`).exec(m[2])![1]);
      const arrow = drawing.arrows[k];
      expect(attr('x2')).toBeCloseTo(arrow.to[0], 2);
      expect(attr('y2')).toBeCloseTo(arrow.to[1], 2);
      expect(new RegExp(`stroke="([^"]*)"`).exec(m[2])![1]).toBe(arrow.color);
    });
    expect(lines[4][2]).toContain('stroke-dasharray="6 4"');
    expect(colors.negative).toBe(PALETTES.dark.danger);
  });

  it('labels the eigenvalues and draws the level lines on both sides of L(θ)', () => {
    const labels = [...svg.matchAll(/<text class="lambda"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(['λ₁ = −2', 'λ₂ = 2']);
    expect(svg).toContain('class="taylor-level below"');
    expect(svg).toContain('class="taylor-level above"');
    expect(svg).toContain('class="taylor-patch"');
  });

  it('leaves the model out when it is hidden, and everything out with no point chosen', () => {
    const hidden = contourSvgDocument(scene({ overlay: { ...saddle, quadric: false }, colors }));
    expect(hidden).not.toContain('taylor-level');
    expect(hidden).toContain('id="hessian-arrows"');
    const none = contourSvgDocument(scene());
    expect(none).not.toContain('hessian');
  });
});
