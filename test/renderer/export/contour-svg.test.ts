/**
 * The contour view's SVG, built from plain data: a 5 × 5 grid with one run. The values asserted
 * were read from the export before `contourSvg` was split into named steps (axes, level lines,
 * critical points, runs, notes, legend), so they pin that the split changed no coordinate,
 * attribute or order of the groups.
 */
import { describe, expect, it } from 'vitest';
import {
  contourSvgDocument,
  type ContourSvgScene,
} from '../../../renderer/src/lib/export/contour-svg';
import { PALETTES } from '../../../renderer/src/lib/views/look';
import { valueScale } from '../../../renderer/src/lib/views/scale';
import type { TrajectoryView } from '../../../renderer/src/lib/views/view-data';

/** Every `<name …>` of the document with its attributes, in document order. */
function elements(svg: string, name: string): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  for (const m of svg.matchAll(new RegExp(`<${name}((?:\\s[\\w:-]+="[^"]*")*)\\s*/?>`, 'g'))) {
    const attrs: Record<string, string> = {};
    for (const a of m[1].matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    found.push(attrs);
  }
  return found;
}

/** The text of every `<text>` inside the group with this id. */
function textsOf(svg: string, id: string): string[] {
  const start = svg.indexOf(`<g id="${id}"`);
  let depth = 0;
  let end = start;
  for (const m of svg.slice(start).matchAll(/<(\/?)g[\s>]/g)) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) {
      end = start + m.index + 4;
      break;
    }
  }
  return [...svg.slice(start, end).matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

function trajectory(points: [number, number][]): TrajectoryView {
  const flat = new Float64Array(points.flatMap(([x, y]) => [x, y, 0]));
  const none = new Float64Array(points.length);
  return {
    points: flat,
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

function scene(overrides: Partial<ContourSvgScene> = {}): ContourSvgScene {
  const n = 5;
  const values = new Float32Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const [x, y] = [i - 2, j - 2];
      values[j * n + i] = x * x + 2 * y * y + 0.3 * x * y;
    }
  }
  values[24] = NaN;
  return {
    width: 420,
    height: 300,
    plot: { x: 52, y: 39, w: 194, h: 194 },
    grid: {
      values,
      resolution: n,
      domain: [
        [-2, 2],
        [-2, 2],
      ],
      info: {
        name: 's',
        title: 'S',
        description: '',
        domain: [
          [-2, 2],
          [-2, 2],
        ],
        minima: [[0, 0]],
        saddles: [[1, -1]],
        start: [1.5, 1.5],
        logScale: false,
      },
    },
    scale: valueScale(0, 13.2, false),
    heatmapHref: 'data:heatmap',
    contours: true,
    runs: [
      {
        runId: 'r 1',
        color: '#f59e0b',
        label: 'GD "η=0.1"',
        diverged: false,
        onSurface: true,
        trajectory: trajectory([
          [1.5, 1.5],
          [1, 1.2],
          [1, 1.2],
          [1.001, 1.2005],
          [0.5, 0.3],
          [0.1, 0.05],
        ]),
      },
    ],
    step: undefined,
    lineScale: 1,
    notes: [],
    legend: [{ label: 'GD "η=0.1"', color: '#f59e0b', diverged: false }],
    background: '#0f1320',
    palette: PALETTES.dark,
    textWidth: (text, size) => text.length * size * 0.55,
    ...overrides,
  };
}

describe('contourSvgDocument', () => {
  it('stacks its groups in the order of the view', () => {
    const svg = scene();
    const ids = [...contourSvgDocument(svg).matchAll(/<g id="([\w-]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual([
      'heatmap',
      'level-lines',
      'level-labels',
      'axes',
      'critical-points',
      'trajectories',
      'legend',
    ]);
  });

  it('draws the heatmap over the plot and clips a margin of 8 around it', () => {
    const svg = contourSvgDocument(scene());
    expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg /);
    expect(elements(svg, 'svg')[0]).toMatchObject({ width: '420', height: '300' });
    expect(elements(svg, 'rect')[0]).toEqual({
      class: 'background',
      width: '420',
      height: '300',
      fill: '#0f1320',
    });
    expect(elements(svg, 'rect')[1]).toEqual({ x: '44', y: '31', width: '210', height: '210' });
    expect(elements(svg, 'image')).toEqual([
      {
        x: '52',
        y: '39',
        width: '194',
        height: '194',
        preserveAspectRatio: 'none',
        href: 'data:heatmap',
      },
    ]);
  });

  it('draws one path per level crossed and labels every other level', () => {
    const svg = contourSvgDocument(scene());
    const paths = elements(svg, 'path').filter((p) => p.class === 'level-line');
    expect(paths.map((p) => Number(p['data-level']).toFixed(2))).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map((k) => (0.88 * k).toFixed(2)),
    );
    expect(paths[0].d).toBe(
      'M149 157.34L106.32 136M149 157.34L191.68 136M106.32 136L149 114.66M149 114.66L191.68 136',
    );
    expect(textsOf(svg, 'level-labels')).toEqual(['1.76', '3.52', '5.28', '7.04']);
  });

  it('puts ticks and axis names where the canvas does', () => {
    const svg = contourSvgDocument(scene());
    expect(textsOf(svg, 'axes')).toEqual(['-2', '0', '2', '-2', '0', '2', 'x', 'y']);
    const texts = elements(svg, 'text');
    expect(texts.find((t) => t.x === '149' && t.y === '249')).toBeDefined();
    expect(texts.find((t) => t.transform === 'translate(14 136) rotate(-90)')).toBeDefined();
  });

  it('marks the minimum with a star and the saddle with a cross', () => {
    const svg = contourSvgDocument(scene());
    const minimum = elements(svg, 'path').find((p) => p.class === 'minimum')!;
    expect(minimum.d.startsWith('M149 129L150.76 133.57')).toBe(true);
    expect(svg).toContain(
      '<path d="M191.5 178.5L203.5 190.5M203.5 178.5L191.5 190.5" stroke="#0f1320" stroke-width="2.5"/>',
    );
  });

  it('draws the run as one path (sub-pixel vertices dropped), its start and current point', () => {
    const svg = contourSvgDocument(scene());
    const path = elements(svg, 'path').find((p) => p.class === 'trajectory')!;
    expect(path).toMatchObject({
      id: 'trajectory-r-1',
      'data-run': 'r 1',
      'data-points': '6',
      d: 'M221.75 63.25L197.5 77.8L173.25 121.45L153.85 133.57',
      stroke: '#f59e0b',
      'stroke-width': '2',
    });
    const circles = elements(svg, 'circle');
    expect(circles.find((c) => c.class === 'start')).toMatchObject({ cx: '221.75', cy: '63.25' });
    expect(circles.find((c) => c.class === 'current')).toMatchObject({
      cx: '153.85',
      cy: '133.57',
      r: '5',
    });
    expect(svg).toContain('data-label="GD &quot;η=0.1&quot;"><title>GD &quot;η=0.1&quot;</title>');
  });

  it('draws a run up to the step asked for, thicker in presentation mode', () => {
    const svg = contourSvgDocument(scene({ step: 1, lineScale: 2 }));
    expect(svg).toContain('<title>LossLab contour view at step 1</title>');
    const path = elements(svg, 'path').find((p) => p.class === 'trajectory')!;
    expect(path).toMatchObject({ 'data-points': '2', d: 'M221.75 63.25L197.5 77.8' });
    expect(path['stroke-width']).toBe('4');
  });

  it('writes the legend: colour bar range, loss, the run', () => {
    const svg = contourSvgDocument(scene());
    expect(textsOf(svg, 'legend')).toEqual(['0', '6.6', '13.2', 'loss', 'GD &quot;η=0.1&quot;']);
    expect(elements(svg, 'rect').find((r) => r.class === 'legend-box')).toMatchObject({
      x: '258',
      y: '39',
      width: '154',
    });
  });

  it('leaves out what is not asked for: background, legend, level lines', () => {
    const svg = contourSvgDocument(
      scene({ background: undefined, legend: undefined, contours: false }),
    );
    expect(svg).not.toContain('class="background"');
    expect(svg).not.toContain('id="legend"');
    expect(svg).not.toContain('id="level-lines"');
  });

  it('adds the basin map and the notes inside the domain', () => {
    const svg = contourSvgDocument(
      scene({
        basinHref: 'data:basins',
        notes: [
          { text: 'here', at: [0, 0], offset: [40, -30] },
          { text: 'outside', at: [9, 9], offset: [0, 0] },
        ],
      }),
    );
    expect(elements(svg, 'image')[1]).toMatchObject({
      href: 'data:basins',
      style: 'image-rendering: pixelated',
    });
    expect(textsOf(svg, 'notes')).toEqual(['here']);
  });
});
