/**
 * The preset surfaces: exact derivatives (against finite differences), critical points (∇L = 0,
 * the Hessian's signs, Newton fixed points, nothing missing), closed-form minimum values, and the
 * behaviour each lesson surface was built for, through AnalyticRun.
 */
import { describe, expect, it } from 'vitest';
import type { OptimizerSpec, Point } from '../../../electron/common/schemas';
import { AnalyticRun } from '../../../electron/engine/labs/explorer/analytic-run';
import { presetByName, presets } from '../../../electron/engine/problems/presets';
import type { Surface } from '../../../electron/engine/problems/surface';
import { SeededRandom } from './seeded-random';

const required = [
  'rosenbrock',
  'bowl',
  'saddle',
  'monkey-saddle',
  'himmelblau',
  'beale',
  'six-hump-camel',
  'rastrigin',
  'ackley',
  'styblinski-tang',
  'plateau-cliff',
  'ravine',
  'two-minima',
  'saddle-valley',
  'softmax-ce',
  'softmax-mse',
];

/** Every critical point of these surfaces inside the domain is listed (minima and saddles). */
const expectedCounts: Record<string, [minima: number, saddles: number]> = {
  rosenbrock: [1, 0],
  bowl: [1, 0],
  saddle: [0, 1],
  'monkey-saddle': [0, 1],
  himmelblau: [4, 4],
  beale: [1, 2],
  'six-hump-camel': [6, 7],
  'styblinski-tang': [4, 4],
  rastrigin: [121, 220],
  ackley: [121, 220],
  'plateau-cliff': [1, 0],
  ravine: [1, 0],
  'two-minima': [2, 1],
  'flat-sharp': [2, 1],
  'saddle-valley': [2, 1],
  'softmax-ce': [0, 0],
  'softmax-mse': [0, 0],
};

function get(name: string): Surface {
  const s = presetByName.get(name);
  if (!s) throw new Error(`no preset ${name}`);
  return s;
}

function grad(s: Surface, x: number, y: number): [number, number, number] {
  const g = new Float64Array(2);
  const loss = s.valueAndGrad(x, y, g, 0);
  return [g[0], g[1], loss];
}

function hessian(s: Surface, x: number, y: number): [number, number, number] {
  const h = new Float64Array(3);
  s.hessian(x, y, h);
  return [h[0], h[1], h[2]];
}

/** Fourth-order central difference of f at t (error O(h⁴)). */
function derivative(f: (t: number) => number, t: number, h: number): number {
  return (8 * (f(t + h) - f(t - h)) - (f(t + 2 * h) - f(t - 2 * h))) / (12 * h);
}

function inside(p: Point, s: Surface): boolean {
  const [[x0, x1], [y0, y1]] = s.info.domain;
  return p[0] >= x0 && p[0] <= x1 && p[1] >= y0 && p[1] <= y1;
}

/** Random points of a preset's domain, a few away from the non-smooth tip of Ackley's cone. */
function samplePoints(s: Surface, count: number, seed: number): Point[] {
  const rng = new SeededRandom(seed);
  const [[x0, x1], [y0, y1]] = s.info.domain;
  const points: Point[] = [];
  while (points.length < count) {
    const p: Point = [rng.uniform(x0, x1), rng.uniform(y0, y1)];
    if (s.info.name === 'ackley' && Math.hypot(p[0], p[1]) < 0.05) continue;
    points.push(p);
  }
  return points;
}

const eigen = ([a, b, c]: [number, number, number]): [number, number] => {
  const mean = (a + c) / 2;
  const radius = Math.hypot((a - c) / 2, b);
  return [mean - radius, mean + radius];
};

describe('the preset library', () => {
  it('has at least 16 presets with unique kebab-case names, every required one among them', () => {
    const names = presets.map((s) => s.info.name);
    expect(names.length).toBeGreaterThanOrEqual(16);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(names).toEqual(expect.arrayContaining(required));
    for (const s of presets) expect(presetByName.get(s.info.name)).toBe(s);
    expect(Object.keys(expectedCounts).sort()).toEqual([...names].sort());
  });

  it('keeps the bowl and the saddle exactly as the lecture writes them', () => {
    const rng = new SeededRandom(7);
    for (let i = 0; i < 50; i++) {
      const [x, y] = [rng.uniform(-4, 4), rng.uniform(-4, 4)];
      expect(get('bowl').value(x, y)).toBe(0.5 * (x * x + 25 * y * y));
      expect(get('saddle').value(x, y)).toBe(x * x - y * y);
      expect(get('monkey-saddle').value(x, y)).toBeCloseTo(x ** 3 - 3 * x * y * y, 12);
    }
  });
});

describe.each(presets.map((s) => [s.info.name, s] as const))('%s', (name, s) => {
  const { info } = s;

  it('describes itself: a title, a one-line description, a domain, a start inside it', () => {
    expect(info.title.length).toBeGreaterThan(0);
    expect(info.description.length).toBeGreaterThan(20);
    expect(info.description).not.toMatch(/\n/);
    for (const [a, b] of info.domain) expect(a).toBeLessThan(b);
    expect(inside(info.start, s)).toBe(true);
    const [gx, gy, loss] = grad(s, ...info.start);
    expect(Number.isFinite(loss)).toBe(true);
    expect(Number.isFinite(gx) && Number.isFinite(gy)).toBe(true);
    // A race from a critical point would not move.
    expect(Math.hypot(gx, gy)).toBeGreaterThan(1e-6);
  });

  it('lists every minimum and saddle inside its domain, each once', () => {
    const [minima, saddles] = expectedCounts[name];
    expect(info.minima).toHaveLength(minima);
    expect(info.saddles).toHaveLength(saddles);
    const all = [...info.minima, ...info.saddles];
    for (const p of all) expect(inside(p, s), `${p} in ${info.domain}`).toBe(true);
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        expect(Math.hypot(all[i][0] - all[j][0], all[i][1] - all[j][1])).toBeGreaterThan(0.05);
      }
    }
  });

  it('returns the same loss from value() and valueAndGrad()', () => {
    for (const [x, y] of samplePoints(s, 200, 11)) {
      const loss = grad(s, x, y)[2];
      expect(Math.abs(s.value(x, y) - loss)).toBeLessThanOrEqual(1e-15 * (1 + Math.abs(loss)));
    }
  });

  it('has an exact gradient: central differences agree at 300 random points', () => {
    for (const [x, y] of samplePoints(s, 300, 1234)) {
      const [gx, gy, loss] = grad(s, x, y);
      const h = 1e-3;
      const fx = derivative((t) => s.value(t, y), x, h);
      const fy = derivative((t) => s.value(x, t), y, h);
      // Truncation O(h⁴) plus rounding of L over h.
      const tol = (g: number) => 1e-6 * (1 + Math.abs(g)) + (1e-14 * Math.abs(loss)) / h;
      expect(Math.abs(gx - fx), `∂L/∂x at (${x}, ${y})`).toBeLessThanOrEqual(tol(gx));
      expect(Math.abs(gy - fy), `∂L/∂y at (${x}, ${y})`).toBeLessThanOrEqual(tol(gy));
    }
  });

  it('has an exact Hessian: differences of the gradient agree at 300 random points', () => {
    for (const [x, y] of samplePoints(s, 300, 4321)) {
      const [hxx, hxy, hyy] = hessian(s, x, y);
      const h = 1e-4;
      const gxx = derivative((t) => grad(s, t, y)[0], x, h);
      const gyx = derivative((t) => grad(s, x, t)[0], y, h);
      const gxy = derivative((t) => grad(s, t, y)[1], x, h);
      const gyy = derivative((t) => grad(s, x, t)[1], y, h);
      const [gx, gy] = grad(s, x, y);
      const scale = 1e-14 * (1 + Math.abs(gx) + Math.abs(gy));
      const tol = (v: number) => 1e-5 * (1 + Math.abs(v)) + scale / h;
      const at = `at (${x}, ${y})`;
      expect(Math.abs(hxx - gxx), `Hxx ${at}`).toBeLessThanOrEqual(tol(hxx));
      expect(Math.abs(hxy - gyx), `Hxy ${at}`).toBeLessThanOrEqual(tol(hxy));
      expect(Math.abs(hxy - gxy), `Hyx ${at}`).toBeLessThanOrEqual(tol(hxy));
      expect(Math.abs(hyy - gyy), `Hyy ${at}`).toBeLessThanOrEqual(tol(hyy));
    }
  });

  it('has ∇L = 0 and a positive definite Hessian at every listed minimum', () => {
    for (const [x, y] of info.minima) {
      const [gx, gy] = grad(s, x, y);
      const hs = hessian(s, x, y);
      const curvature = Math.min(Math.abs(hs[0]) + Math.abs(hs[1]) + Math.abs(hs[2]), 1e6);
      expect(Math.hypot(gx, gy), `∇L at (${x}, ${y})`).toBeLessThanOrEqual(1e-12 * (1 + curvature));
      expect(hs[0]).toBeGreaterThan(0);
      expect(hs[0] * hs[2] - hs[1] * hs[1]).toBeGreaterThan(0);
    }
  });

  it('has ∇L = 0 at every listed saddle, with L both above and below it nearby', () => {
    for (const [x, y] of info.saddles) {
      const [gx, gy, loss] = grad(s, x, y);
      const hs = hessian(s, x, y);
      const curvature = Math.abs(hs[0]) + Math.abs(hs[1]) + Math.abs(hs[2]);
      expect(Math.hypot(gx, gy), `∇L at (${x}, ${y})`).toBeLessThanOrEqual(1e-12 * (1 + curvature));
      const det = hs[0] * hs[2] - hs[1] * hs[1];
      if (det !== 0) {
        // A non-degenerate saddle: the Hessian is indefinite.
        expect(det).toBeLessThan(0);
      } else {
        // A degenerate one (the monkey saddle): the second-order test is silent, so look.
        const around = Array.from({ length: 36 }, (_, k) => {
          const a = (k * Math.PI) / 18;
          return s.value(x + 1e-3 * Math.cos(a), y + 1e-3 * Math.sin(a)) - loss;
        });
        expect(Math.max(...around)).toBeGreaterThan(0);
        expect(Math.min(...around)).toBeLessThan(0);
      }
    }
  });

  it('lists each critical point to the last digits: a Newton step from it stays put', () => {
    for (const [x, y] of [...info.minima, ...info.saddles]) {
      const [gx, gy] = grad(s, x, y);
      const [a, b, c] = hessian(s, x, y);
      const det = a * c - b * b;
      if (det === 0 || !Number.isFinite(det)) continue;
      const dx = (c * gx - b * gy) / det;
      const dy = (a * gy - b * gx) / det;
      expect(Math.hypot(dx, dy), `Newton step at (${x}, ${y})`).toBeLessThan(1e-12);
    }
  });

  it('misses no minimum or saddle: Newton from a grid over the domain finds only listed ones', () => {
    const [[x0, x1], [y0, y1]] = info.domain;
    const n = name === 'rastrigin' || name === 'ackley' ? 81 : 41;
    const listed = [...info.minima, ...info.saddles];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let x = x0 + ((x1 - x0) * (i + 0.5)) / n;
        let y = y0 + ((y1 - y0) * (j + 0.5)) / n;
        let converged = false;
        for (let k = 0; k < 100; k++) {
          const [gx, gy] = grad(s, x, y);
          const [a, b, c] = hessian(s, x, y);
          const det = a * c - b * b;
          if (!Number.isFinite(det) || det === 0) break;
          const dx = (c * gx - b * gy) / det;
          const dy = (a * gy - b * gx) / det;
          x -= dx;
          y -= dy;
          if (!Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) + Math.abs(y) > 1e6) break;
          if (Math.hypot(dx, dy) < 1e-12) {
            converged = true;
            break;
          }
        }
        if (!converged || !inside([x, y], s)) continue;
        const [gx, gy] = grad(s, x, y);
        if (Math.hypot(gx, gy) > 1e-8) continue;
        const [lo, hi] = eigen(hessian(s, x, y));
        if (hi < 0) continue; // a maximum: not listed
        const nearest = Math.min(...listed.map((p) => Math.hypot(p[0] - x, p[1] - y)));
        expect(nearest, `critical point (${x}, ${y}), eigenvalues ${lo}, ${hi}`).toBeLessThan(1e-7);
      }
    }
  });

  if (info.logScale) {
    it('is ≥ 0 over its domain, as a log-scaled height needs', () => {
      const [[x0, x1], [y0, y1]] = info.domain;
      for (let i = 0; i <= 50; i++) {
        for (let j = 0; j <= 50; j++) {
          const v = s.value(x0 + ((x1 - x0) * i) / 50, y0 + ((y1 - y0) * j) / 50);
          expect(v).toBeGreaterThanOrEqual(0);
        }
      }
    });
  }
});

describe('closed-form minimum values', () => {
  it('rosenbrock, beale, bowl, himmelblau, flat-sharp: 0 at each minimum', () => {
    for (const name of ['rosenbrock', 'beale', 'bowl', 'himmelblau', 'flat-sharp']) {
      for (const [x, y] of get(name).info.minima) {
        expect(get(name).value(x, y), `${name} at (${x}, ${y})`).toBeLessThan(1e-24);
        expect(get(name).value(x, y)).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('himmelblau: (3, 2) and the three irrational minima solve the system exactly', () => {
    const h = get('himmelblau');
    expect(h.info.minima).toContainEqual([3, 2]);
    // Each minimum is a root of both squares: x² + y − 11 = 0 and x + y² − 7 = 0.
    for (const [x, y] of h.info.minima) {
      expect(Math.abs(x * x + y - 11)).toBeLessThan(1e-14);
      expect(Math.abs(x + y * y - 7)).toBeLessThan(1e-14);
    }
  });

  it('six-hump camel: −1.0316284535 at its two global minima, higher at the other four', () => {
    const s = get('six-hump-camel');
    const values = s.info.minima.map(([x, y]) => s.value(x, y)).sort((a, b) => a - b);
    expect(values[0]).toBeCloseTo(-1.0316284534898774, 14);
    expect(values[1]).toBeCloseTo(-1.0316284534898774, 14);
    expect(values[2]).toBeGreaterThan(-1);
    // The origin is a saddle with L = 0 and Hessian [[8, 1], [1, −8]].
    expect(s.value(0, 0)).toBe(0);
    expect(hessian(s, 0, 0)).toEqual([8, 1, -8]);
  });

  it('styblinski-tang: 2 × −39.16616570377142 at (−2.9035…, −2.9035…)', () => {
    const s = get('styblinski-tang');
    const values = s.info.minima.map(([x, y]) => s.value(x, y));
    expect(Math.min(...values)).toBeCloseTo(2 * -39.16616570377142, 12);
    // The 1-D critical points are the three roots of 4s³ − 32s + 5.
    const roots = new Set(s.info.minima.flat().concat(s.info.saddles.flat()));
    expect(roots.size).toBe(3);
    for (const r of roots) expect(Math.abs(4 * r ** 3 - 32 * r + 5)).toBeLessThan(1e-12);
  });

  it('rastrigin and ackley: 0 at the origin, and the origin is listed', () => {
    for (const name of ['rastrigin', 'ackley']) {
      const s = get(name);
      expect(s.info.minima).toContainEqual([0, 0]);
      expect(Math.abs(s.value(0, 0))).toBeLessThan(1e-14);
      const others = s.info.minima.filter(([x, y]) => x !== 0 || y !== 0);
      for (const [x, y] of others) expect(s.value(x, y)).toBeGreaterThan(0.5);
    }
  });

  it("ackley's cone tip: subgradient 0, infinite curvature, and no smaller value nearby", () => {
    const s = get('ackley');
    const [gx, gy] = grad(s, 0, 0);
    expect([gx, gy]).toEqual([0, 0]);
    const [a, , c] = hessian(s, 0, 0);
    expect(a).toBe(Infinity);
    expect(c).toBe(Infinity);
    // Just off the tip: finite (if huge) curvature, and the cone's full slope 2√2 · e^(−0.2r).
    expect(hessian(s, 1e-300, 0).every(Number.isFinite)).toBe(true);
    expect(grad(s, 1e-300, 0)[0]).toBeCloseTo(2 * Math.SQRT2, 12);
    for (let k = 0; k < 16; k++) {
      const t = (k * Math.PI) / 8;
      expect(s.value(1e-6 * Math.cos(t), 1e-6 * Math.sin(t))).toBeGreaterThan(s.value(0, 0));
    }
  });

  it('two-minima: 16/3 in the shallow minimum, 45/8 on the pass, 0 in the deep one', () => {
    const s = get('two-minima');
    expect(s.value(-2, 0)).toBeCloseTo(16 / 3, 14);
    expect(s.value(-1, 0)).toBeCloseTo(45 / 8, 14);
    expect(s.value(2, 0)).toBeCloseTo(0, 14);
  });
});

describe('lesson surfaces stay finite far outside their domains (runs wander)', () => {
  for (const name of [
    'plateau-cliff',
    'ravine',
    'flat-sharp',
    'saddle-valley',
    'softmax-ce',
    'softmax-mse',
  ]) {
    it(name, () => {
      const s = get(name);
      for (const x of [-1e4, -50, 0, 50, 1e4]) {
        for (const y of [-1e4, -50, 0, 50, 1e4]) {
          expect(grad(s, x, y).every(Number.isFinite), `(${x}, ${y})`).toBe(true);
          expect(hessian(s, x, y).every(Number.isFinite), `(${x}, ${y})`).toBe(true);
        }
      }
    });
  }
});

/** Runs one optimizer on a preset from a start; returns the run after `steps` steps. */
function race(surface: string, optimizer: OptimizerSpec, steps: number, start?: Point) {
  const s = get(surface);
  const run = new AnalyticRun({
    runId: 'r',
    surface,
    start: start ?? s.info.start,
    optimizer,
  });
  run.advance(steps);
  expect(run.status).toBe('ok');
  const points = run.points.view();
  const loss = (k: number) => points[3 * k + 2];
  const at = (k: number): Point => [points[3 * k], points[3 * k + 1]];
  return { run, loss, at, gradNorm: (k: number) => run.gradNorm.at(k), last: at(steps) };
}

describe('lesson: a fixed learning rate bounces across the ravine', () => {
  const steps = 500;

  it('SGD (η = 0.1): the gradient stays large while the loss stalls', () => {
    const sgd = race('ravine', { optimizer: 'sgd', lr: 0.1 }, steps);
    for (let k = 20; k <= steps; k++) expect(sgd.gradNorm(k)).toBeGreaterThan(3);
    // Bouncing from wall to wall: y changes sign every step.
    for (let k = 400; k < steps; k++)
      expect(Math.sign(sgd.at(k)[1])).toBe(-Math.sign(sgd.at(k + 1)[1]));
    expect(sgd.loss(steps)).toBeGreaterThan(0.5);
    expect(sgd.loss(steps)).toBeGreaterThan(0.75 * sgd.loss(50));
  });

  it('SGD with other moderate rates (0.05, 0.2) stalls the same way', () => {
    for (const lr of [0.05, 0.2]) {
      const sgd = race('ravine', { optimizer: 'sgd', lr }, steps);
      for (let k = 50; k <= steps; k++) expect(sgd.gradNorm(k)).toBeGreaterThan(3);
      expect(sgd.loss(steps)).toBeGreaterThan(0.2);
    }
  });

  it('Adam and RMSProp settle across the ravine and walk down it', () => {
    const sgd = race('ravine', { optimizer: 'sgd', lr: 0.1 }, steps);
    const adam = race('ravine', { optimizer: 'adam', lr: 0.1 }, steps);
    const rmsprop = race('ravine', { optimizer: 'rmsprop', lr: 0.01 }, steps);
    expect(adam.loss(steps)).toBeLessThan(0.01 * sgd.loss(steps));
    expect(rmsprop.loss(steps)).toBeLessThan(0.05 * sgd.loss(steps));
    expect(Math.abs(adam.last[0])).toBeLessThan(0.1);
    expect(Math.abs(rmsprop.last[0])).toBeLessThan(1);
  });
});

describe('lesson: momentum rolls past a shallow minimum into the deep one', () => {
  const near = (p: Point, q: Point, tol: number) => Math.hypot(p[0] - q[0], p[1] - q[1]) < tol;

  it('gradient descent stops in the shallow minimum at every sensible rate', () => {
    for (const lr of [0.003, 0.01, 0.03, 0.1]) {
      const { last } = race('two-minima', { optimizer: 'sgd', lr }, 5000);
      expect(near(last, [-2, 0], 1e-3), `η = ${lr}: ended at ${last}`).toBe(true);
    }
  });

  it('SGD with momentum 0.9 reaches the deep minimum', () => {
    for (const lr of [0.01, 0.03, 0.1]) {
      const { last } = race('two-minima', { optimizer: 'sgd', lr, momentum: 0.9 }, 5000);
      expect(near(last, [2, 0], 1e-3), `η = ${lr}: ended at ${last}`).toBe(true);
    }
  });

  it('so does Nesterov momentum', () => {
    const spec = { optimizer: 'sgd', lr: 0.03, momentum: 0.9, nesterov: true } as const;
    const { last } = race('two-minima', spec, 5000);
    expect(near(last, [2, 0], 1e-3)).toBe(true);
  });
});

describe('lesson: softmax with MSE is flat where the answer is badly wrong', () => {
  const ce = get('softmax-ce');
  const mse = get('softmax-mse');

  it('at the suggested far start, MSE has almost no gradient and cross-entropy a full one', () => {
    const [x, y] = mse.info.start;
    const [mx, my, mLoss] = grad(mse, x, y);
    const [cx, cy] = grad(ce, x, y);
    expect(Math.hypot(mx, my)).toBeLessThan(0.01);
    expect(Math.hypot(cx, cy)).toBeGreaterThan(1);
    // The MSE is near its maximum, 2: the top of the plateau.
    expect(mLoss).toBeGreaterThan(1.99);
  });

  it('over the far corner |∇MSE| < 5% of |∇CE| (z₁ ≤ −4, z₂ ≥ 4), < 1% beyond ±6', () => {
    for (let z1 = -10; z1 <= -4; z1 += 0.25) {
      for (let z2 = 4; z2 <= 10; z2 += 0.25) {
        const [mx, my] = grad(mse, z1, z2);
        const [cx, cy] = grad(ce, z1, z2);
        const share = z1 <= -6 && z2 >= 6 ? 0.01 : 0.05;
        expect(Math.hypot(mx, my)).toBeLessThan(share * Math.hypot(cx, cy));
        expect(Math.hypot(cx, cy)).toBeGreaterThan(1);
      }
    }
  });

  it('near the target both slope the same way: −∇L points to larger z₁', () => {
    for (const s of [ce, mse]) expect(grad(s, 0, 0)[0]).toBeLessThan(0);
  });

  it('SGD from the far start: cross-entropy gets out, MSE barely moves', () => {
    const spec = { optimizer: 'sgd', lr: 1 } as const;
    const withCe = race('softmax-ce', spec, 100);
    const withMse = race('softmax-mse', spec, 100);
    expect(withCe.loss(100)).toBeLessThan(0.1);
    expect(withMse.loss(100)).toBeGreaterThan(0.99 * withMse.loss(0));
  });

  it('agrees with a direct softmax at random logits', () => {
    const rng = new SeededRandom(99);
    for (let i = 0; i < 200; i++) {
      const [z1, z2] = [rng.uniform(-10, 10), rng.uniform(-10, 10)];
      const sum = Math.exp(z1) + Math.exp(z2) + 1;
      const [p1, p2, p3] = [Math.exp(z1) / sum, Math.exp(z2) / sum, 1 / sum];
      expect(ce.value(z1, z2)).toBeCloseTo(-Math.log(p1), 12);
      expect(mse.value(z1, z2)).toBeCloseTo((p1 - 1) ** 2 + p2 ** 2 + p3 ** 2, 14);
    }
  });
});

describe('lesson: plateau, cliff, flat and sharp minima', () => {
  it('plateau-cliff: a tiny gradient on the plateau, a huge one on the cliff', () => {
    const s = get('plateau-cliff');
    expect(Math.hypot(...grad(s, ...s.info.start).slice(0, 2))).toBeLessThan(0.1);
    expect(Math.abs(grad(s, 0, 0)[0])).toBeGreaterThan(2.4);
    expect(s.value(-2, 0) - s.value(s.info.minima[0][0], 0)).toBeGreaterThan(1);
  });

  it('flat-sharp: equal loss, Hessians 1 and ~16; a large step cannot stay in the sharp one', () => {
    const s = get('flat-sharp');
    const [flat, sharp] = s.info.minima;
    const [flatLo, flatHi] = eigen(hessian(s, ...flat));
    const [sharpLo] = eigen(hessian(s, ...sharp));
    expect(flatHi).toBeLessThan(1.01);
    expect(sharpLo).toBeGreaterThan(10 * flatLo);
    // η below 2/λ settles in the sharp minimum from nearby, η above it is thrown out.
    const start: Point = [sharp[0] + 0.01, sharp[1] - 0.01];
    const calm = race('flat-sharp', { optimizer: 'sgd', lr: 0.05 }, 500, start);
    expect(Math.hypot(calm.last[0] - sharp[0], calm.last[1] - sharp[1])).toBeLessThan(1e-6);
    const bold = race('flat-sharp', { optimizer: 'sgd', lr: 0.2 }, 500, start);
    expect(Math.hypot(bold.last[0] - sharp[0], bold.last[1] - sharp[1])).toBeGreaterThan(0.01);
  });
});

describe('lesson: crawling past a saddle between two valleys', () => {
  const s = get('saddle-valley');

  it('is ½x² + ¼(y² − 1)²: 0 at both minima, ¼ at the saddle, Hessian diag(1, −1) there', () => {
    expect(s.info.minima).toEqual([
      [0, -1],
      [0, 1],
    ]);
    expect(s.info.saddles).toEqual([[0, 0]]);
    for (const [x, y] of s.info.minima) expect(s.value(x, y)).toBe(0);
    expect(s.value(0, 0)).toBe(0.25);
    expect(hessian(s, 0, 0)).toEqual([1, 0, -1]);
    const rng = new SeededRandom(5);
    for (let i = 0; i < 50; i++) {
      const [x, y] = [rng.uniform(-2, 2), rng.uniform(-1.6, 1.6)];
      expect(s.value(x, y)).toBeCloseTo(0.5 * x * x + 0.25 * (y * y - 1) ** 2, 14);
    }
  });

  it('gradient descent crawls near the saddle; momentum reaches a minimum at least 3× sooner', () => {
    const escaped = (run: ReturnType<typeof race>) => {
      for (let k = 0; k <= 400; k++) if (Math.abs(run.at(k)[1]) > 0.95) return k;
      return Infinity;
    };
    const gd = race('saddle-valley', { optimizer: 'sgd', lr: 0.05 }, 400);
    const momentum = race('saddle-valley', { optimizer: 'sgd', lr: 0.05, momentum: 0.9 }, 400);
    expect(escaped(momentum)).toBeGreaterThan(0);
    expect(escaped(gd)).toBeLessThan(400);
    expect(escaped(gd)).toBeGreaterThan(3 * escaped(momentum));
    // Near the saddle the gradient nearly vanishes.
    let least = Infinity;
    for (let k = 0; k < escaped(gd); k++) least = Math.min(least, gd.gradNorm(k));
    expect(least).toBeLessThan(0.03);
  });
});
