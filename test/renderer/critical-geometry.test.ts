/**
 * The Hessian's picture on the explorer's views: arrows ∝ |λ| coloured by sign, the
 * second-order Taylor model (exact for quadratics, off by the third-order term otherwise),
 * its patch and level rings, Escape's direction, picking a trajectory's point, the unclamped
 * scale the quadric's heights go through, and the card's derivation text.
 */
import { describe, expect, it } from 'vitest';
import type { Domain } from '../../electron/common/schemas';
import {
  escapeText,
  gradientCounts,
  taylorLines,
} from '../../renderer/src/lib/labs/critical/surface/taylor-text';
import {
  arrowScale,
  criticalDrawing,
  curvatureArrows,
  curvatureSign,
  describeCritical,
  escapeDirection,
  formatValue,
  lambdaLabel,
  pickTrajectoryPoint,
  quadricLevels,
  quadricPatch,
  taylorChange,
  taylorModel,
} from '../../renderer/src/lib/views/critical-geometry';
import { projectTo } from '../../renderer/src/lib/views/contour-layout';
import { curvatureColors, PALETTES } from '../../renderer/src/lib/views/look';
import { unclampedScale, valueScale } from '../../renderer/src/lib/views/scale';
import type { CriticalOverlay, TrajectoryView } from '../../renderer/src/lib/views/view-data';

/** saddle-valley: L = ½x² + ¼(y² − 1)², on [−2, 2] × [−1.6, 1.6]. */
const valley: Domain = [
  [-2, 2],
  [-1.6, 1.6],
];
const valleyLoss = (x: number, y: number) => 0.5 * x * x + 0.25 * (y * y - 1) ** 2;

/** The overlay of saddle-valley at (x, y): its exact gradient and (diagonal) Hessian. */
function valleyAt(x: number, y: number): CriticalOverlay {
  const hyy = 3 * y * y - 1;
  const [l1, l2, v1, v2] =
    hyy < 1
      ? [hyy, 1, [0, 1] as [number, number], [1, 0] as [number, number]]
      : [1, hyy, [1, 0] as [number, number], [0, 1] as [number, number]];
  return {
    point: [x, y],
    loss: valleyLoss(x, y),
    gradient: [x, y * (y * y - 1)],
    hessian: [1, 0, hyy],
    eigenvalues: [l1, l2],
    vectors: [v1, v2],
    flat: 1e-4 * Math.max(Math.abs(l1), Math.abs(l2)),
    quadric: true,
  };
}

const saddle = valleyAt(0, 0);
const minimum = valleyAt(0, 1);

describe('arrows', () => {
  it('give the larger |λ| 15 % of the shorter side, the other in proportion', () => {
    // Shorter side 3.2: the longer arrow is 0.48 long.
    expect(arrowScale(saddle, valley)).toEqual({ reach: 0.48, perLambda: 0.48 });
    const [a1, a2] = curvatureArrows(minimum, valley);
    expect(a1.lambda).toBe(1);
    expect(a2.lambda).toBeCloseTo(2, 12);
    expect(a2.length).toBeCloseTo(0.48, 12);
    expect(a1.length).toBeCloseTo(0.24, 12);
  });

  it('run both ways from θ along each eigenvector, coloured by the sign of λ', () => {
    const [down, up] = curvatureArrows(saddle, valley);
    expect(down.sign).toBe('negative');
    expect(up.sign).toBe('positive');
    expect(down.tips[0][0]).toBeCloseTo(0, 12);
    expect(down.tips[0][1]).toBeCloseTo(0.48, 12);
    expect(down.tips[1][1]).toBeCloseTo(-0.48, 12);
    expect(up.tips[0][0]).toBeCloseTo(0.48, 12);
    expect(up.tips[1][0]).toBeCloseTo(-0.48, 12);
    expect(lambdaLabel(down)).toBe('λ₁ = −1');
    expect(lambdaLabel(up)).toBe('λ₂ = 1');
  });

  it('call an eigenvalue within ±τ·max|λ| flat', () => {
    expect(curvatureSign(2e-5, 1e-4)).toBe('flat');
    expect(curvatureSign(-2e-5, 1e-4)).toBe('flat');
    expect(curvatureSign(2e-4, 1e-4)).toBe('positive');
    expect(curvatureSign(-2e-4, 1e-4)).toBe('negative');
  });
});

describe('the Taylor model', () => {
  it('is L itself for a quadratic: L = xy, whose Hessian has no diagonal', () => {
    // At θ = (0.3, −0.2): L = −0.06, ∇L = (y, x), H = [[0, 1], [1, 0]].
    const overlay: CriticalOverlay = {
      point: [0.3, -0.2],
      loss: -0.06,
      gradient: [-0.2, 0.3],
      hessian: [0, 1, 0],
      eigenvalues: [-1, 1],
      vectors: [
        [Math.SQRT1_2, -Math.SQRT1_2],
        [Math.SQRT1_2, Math.SQRT1_2],
      ],
      flat: 1e-4,
      quadric: true,
    };
    for (const [x, y] of [
      [1.1, 0.7],
      [-2, 3],
      [0.3, -0.2],
    ])
      expect(taylorModel(overlay, x, y)).toBeCloseTo(x * y, 12);
  });

  it('misses a quartic by its third- and fourth-order terms only', () => {
    // saddle-valley at (0.5, 0.5), stepping d = (0.1, 0.2): L is quadratic in x, and in y its
    // third and fourth derivatives are 6y and 6, so L − q = y·dy³ + ¼dy⁴ = 0.0044.
    const at = valleyAt(0.5, 0.5);
    expect(taylorModel(at, 0.6, 0.7)).toBeCloseTo(0.240625, 12);
    expect(valleyLoss(0.6, 0.7) - taylorModel(at, 0.6, 0.7)).toBeCloseTo(0.0044, 12);
  });

  it('changes by ½λt² along an eigenvector at a critical point', () => {
    for (const t of [0.1, -0.3, 1]) {
      expect(taylorChange(saddle, 0, t)).toBeCloseTo(-0.5 * t * t, 12);
      expect(taylorChange(saddle, t, 0)).toBeCloseTo(0.5 * t * t, 12);
      expect(taylorChange(minimum, 0, 1 + t)).toBeCloseTo(t * t, 12);
    }
  });
});

describe('the quadric patch', () => {
  it('spans the arrows’ reach around θ and samples the model', () => {
    const patch = quadricPatch(saddle, valley, 5)!;
    expect(patch.box).toEqual([
      [-0.48, 0.48],
      [-0.48, 0.48],
    ]);
    expect(patch.values[0]).toBeCloseTo(taylorModel(saddle, -0.48, -0.48), 12);
    expect(patch.values[2 * 5 + 2]).toBe(0.25);
    expect(patch.values[2 * 5 + 4]).toBeCloseTo(0.25 + 0.5 * 0.48 ** 2, 12);
  });

  it('is cut to the domain, and absent when θ is far outside it', () => {
    const edge = quadricPatch(valleyAt(1.9, 0), valley, 5)!;
    expect(edge.box[0][0]).toBeCloseTo(1.42, 12);
    expect(edge.box[0][1]).toBe(2);
    expect(quadricPatch(valleyAt(5, 0), valley)).toBeUndefined();
  });

  it('has level rings on both sides of L(θ) at a saddle, above it only at a minimum', () => {
    const sides = (o: CriticalOverlay) => [...new Set(quadricLevels(o, valley).map((l) => l.side))];
    expect(sides(saddle).sort()).toEqual(['above', 'below']);
    expect(sides(minimum)).toEqual(['above']);
  });

  it('draws each ring where the model takes its level', () => {
    for (const o of [saddle, minimum, valleyAt(0.5, 0.5)]) {
      const levels = quadricLevels(o, valley);
      expect(levels.length).toBeGreaterThan(0);
      const spread = Math.max(...levels.map((l) => Math.abs(l.level - o.loss)));
      for (const level of levels) {
        const s = level.segments;
        for (let k = 0; k < s.length; k += 2) {
          // Marching squares interpolates linearly within a cell of 1/48 of the patch.
          expect(Math.abs(taylorModel(o, s[k], s[k + 1]) - level.level)).toBeLessThan(
            2e-3 * spread,
          );
        }
      }
    }
  });

  it('spaces its rings evenly along an eigenvector (q − L grows as |d|²)', () => {
    // At the minimum q − L = ½(dx² + 2dy²): the rings cross the y axis (x = 0, y > 1) at
    // equal steps.
    const crossings = quadricLevels(minimum, valley)
      .map((level) => {
        const s = level.segments;
        let best = Infinity;
        for (let k = 0; k < s.length; k += 2)
          if (Math.abs(s[k]) < 0.01 && s[k + 1] > 1) best = Math.min(best, s[k + 1] - 1);
        return best;
      })
      .sort((a, b) => a - b);
    expect(crossings).toHaveLength(2);
    expect(crossings[1] - crossings[0]).toBeCloseTo(crossings[0], 2);
  });
});

describe('Escape', () => {
  it('goes along ±v₁, the sign that does not raise the loss to first order', () => {
    expect(escapeDirection(saddle)).toEqual([0, 1]);
    // g = 0: either sign is as good; the engine's has its larger component positive.
    expect(
      escapeDirection({
        ...saddle,
        vectors: [
          [0.6, -0.8],
          [0.8, 0.6],
        ],
      }),
    ).toEqual([-0.6, 0.8]);
    expect(
      escapeDirection({
        ...saddle,
        vectors: [
          [-0.8, 0.6],
          [0.6, 0.8],
        ],
      }),
    ).toEqual([0.8, -0.6]);
    // At (0.2, −0.1) the gradient's y part is positive: d points to −y.
    expect(escapeDirection(valleyAt(0.2, -0.1))).toEqual([-0, -1]);
    expect(escapeDirection(valleyAt(0.2, 0.1))).toEqual([0, 1]);
  });
});

describe('the contour picture', () => {
  const plot = { x: 52, y: 12, w: 400, h: 320 };
  const colors = curvatureColors(PALETTES.dark);

  it('has two arrows per eigenvector from θ, the λ labels, the rings and the patch', () => {
    const drawing = criticalDrawing(
      { ...saddle, escape: { to: [0, 0.5], taken: false } },
      colors,
      valley,
      plot,
    );
    const at = projectTo(valley, plot, 0, 0);
    expect(drawing.at).toEqual(at);
    const eigen = drawing.arrows.filter((a) => a.index >= 0);
    expect(eigen).toHaveLength(4);
    for (const a of eigen) {
      expect(a.from).toEqual(at);
      // 0.48 of 4 wide is 48 px on a 400 px plot.
      expect(Math.hypot(a.to[0] - at[0], a.to[1] - at[1])).toBeCloseTo(48, 6);
      expect(a.color).toBe(a.index === 0 ? colors.negative : colors.positive);
    }
    const escape = drawing.arrows.find((a) => a.index === -1)!;
    expect(escape.dashed).toBe(true);
    expect(escape.to).toEqual(projectTo(valley, plot, 0, 0.5));
    expect(drawing.labels.map((l) => l.text)).toEqual(['λ₁ = −1', 'λ₂ = 1']);
    expect(drawing.levels.some((l) => l.side === 'below' && l.color === colors.negative)).toBe(
      true,
    );
    expect(drawing.patch!.w).toBeCloseTo(96, 6);
  });

  it('leaves the model out when it is hidden, and arrows shorter than 3 px', () => {
    const flat: CriticalOverlay = { ...saddle, eigenvalues: [-1, 0.01], quadric: false };
    const drawing = criticalDrawing(flat, colors, valley, plot);
    expect(drawing.arrows).toHaveLength(2);
    expect(drawing.labels).toHaveLength(2);
    expect(drawing.levels).toEqual([]);
    expect(drawing.patch).toBeUndefined();
  });
});

describe('the picture in words', () => {
  it('names the point, the eigenvalues and the model', () => {
    expect(describeCritical(saddle)).toBe(
      'The Hessian at (0, 0): eigenvalues λ₁ = −1 and λ₂ = 1, drawn as arrows along their eigenvectors, and the second-order Taylor model around it.',
    );
    expect(describeCritical({ ...minimum, quadric: false })).toMatch(
      /λ₂ = 2, drawn as arrows along their eigenvectors\.$/,
    );
  });
});

describe('picking a trajectory point', () => {
  const plot = { x: 0, y: 0, w: 400, h: 320 };
  const domain = valley;
  /** A trajectory through the given points (loss 0). */
  const run = (runId: string, points: [number, number][], onSurface = true) => ({
    runId,
    onSurface,
    trajectory: {
      count: points.length,
      x: (i: number) => points[i][0],
      y: (i: number) => points[i][1],
    } as unknown as TrajectoryView,
  });
  const px = (x: number, y: number) => projectTo(domain, plot, x, y);

  it('takes the latest step of a run stalled on one pixel', () => {
    const stalled = run('a', [
      [1.8, 0],
      [1, 0],
      [0.001, 0],
      [0.0005, 0],
      [0.0002, 0],
    ]);
    const [x, y] = px(0, 0);
    expect(pickTrajectoryPoint([stalled], domain, plot, x, y, undefined)).toEqual({
      runId: 'a',
      step: 4,
    });
    // Replay shows the run up to step 3: that is the latest point drawn.
    expect(pickTrajectoryPoint([stalled], domain, plot, x, y, 3)).toEqual({ runId: 'a', step: 3 });
  });

  it('prefers the nearer run and ignores points beyond the radius or off the surface', () => {
    const near = run('near', [[0.5, 0.5]]);
    const far = run('far', [[0.52, 0.5]]);
    const [x, y] = px(0.5, 0.5);
    expect(pickTrajectoryPoint([far, near], domain, plot, x, y, undefined)?.runId).toBe('near');
    expect(pickTrajectoryPoint([far, near], domain, plot, x + 30, y, undefined)).toBeUndefined();
    expect(
      pickTrajectoryPoint([run('other', [[0.5, 0.5]], false)], domain, plot, x, y, undefined),
    ).toBeUndefined();
  });
});

describe('the unclamped scale', () => {
  it('extends a linear scale past [0, 1]', () => {
    const s = valueScale(0, 2, false);
    expect(unclampedScale(s, 1)).toBe(s(1));
    expect(unclampedScale(s, -1)).toBe(-0.5);
    expect(unclampedScale(s, 3)).toBe(1.5);
  });

  it('agrees with a log scale in its range and has no place far below its minimum', () => {
    const s = valueScale(1, 1001, true);
    for (const v of [1, 1.5, 10, 1001]) expect(unclampedScale(s, v)).toBeCloseTo(s(v), 12);
    expect(unclampedScale(s, 5000)).toBeGreaterThan(1);
    expect(unclampedScale(s, 0.5)).toBeNaN();
    expect(unclampedScale(s, NaN)).toBeNaN();
  });
});

describe("the card's derivation", () => {
  it('writes the model and ½λt² along each eigenvector with the point’s numbers', () => {
    const lines = taylorLines({
      loss: 0.25,
      gradient: [0, 0],
      hessian: [1, 0, -1],
      eigenvalues: [-1, 1],
      vectors: [
        [0, 1],
        [1, 0],
      ],
      sloped: false,
    });
    expect(lines.model).toBe("L(θ') ≈ 0.25 + (0, 0)·d + ½ dᵀH d");
    expect(lines.rows).toEqual(['1  0', '0  −1']);
    expect(lines.critical).toMatch(/g = 0/);
    expect(lines.along).toEqual([
      'v₁ = (0, 1): L(θ + t·v₁) ≈ 0.25 − 0.5 t²',
      'v₂ = (1, 0): L(θ + t·v₂) ≈ 0.25 + 0.5 t²',
    ]);
  });

  it('adds the linear term where the gradient counts', () => {
    // saddle-valley at (0.5, 0.5): g = (0.5, −0.375), H = diag(1, −0.25).
    const at = valleyAt(0.5, 0.5);
    expect(gradientCounts('saddle', 0.625, 1, 0.48)).toBe(true);
    expect(gradientCounts('saddle', 0.001, 1, 0.48)).toBe(false);
    expect(gradientCounts('not critical', 0, 1, 0.48)).toBe(true);
    const lines = taylorLines({ ...at, vectors: at.vectors, sloped: true });
    expect(lines.critical).toMatch(/^Here g ≠ 0/);
    expect(lines.along).toEqual([
      'v₁ = (0, 1): L(θ + t·v₁) ≈ 0.266 − 0.375 t − 0.125 t²',
      'v₂ = (1, 0): L(θ + t·v₂) ≈ 0.266 + 0.5 t + 0.5 t²',
    ]);
  });

  it("sets Escape's prediction beside the actual change", () => {
    // saddle-valley from the saddle, t = 0.2 along y: ½λt² = −0.02, actual −½t² + ¼t⁴.
    const text = escapeText({
      lambda: -1,
      t: 0.2,
      predicted: -0.02,
      predictedSecondOrder: -0.02,
      actual: -0.0196,
    });
    expect(text.predicted).toBe('½λt² = ½·(−1)·0.2² = −0.02');
    expect(text.actual).toBe('L(θ + t·d) − L(θ) = −0.0196');
    expect(text.note).toBe('the rest, 4e−4, is of order t³ and higher');
  });

  it('formats numbers with a true minus and an exponent outside [10⁻³, 10⁴)', () => {
    expect(formatValue(-1)).toBe('−1');
    expect(formatValue(0.000123)).toBe('1.23e−4');
    expect(formatValue(-0.0004)).toBe('−4e−4');
    expect(formatValue(123456)).toBe('1.23e+5');
    expect(formatValue(0)).toBe('0');
  });
});
