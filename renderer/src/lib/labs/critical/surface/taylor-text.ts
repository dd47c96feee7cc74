/**
 * The lecture's derivation written out with a point's numbers, for the explorer's critical
 * point card. With d = θ' − θ,
 *
 *   L(θ') ≈ L(θ) + gᵀd + ½ dᵀHd                       (second-order Taylor model)
 *
 * and at a critical point g = 0, so L(θ') ≈ L(θ) + ½ dᵀHd. Writing d = t·v with v a unit
 * eigenvector (Hv = λv) gives dᵀHd = t²·vᵀHv = λt², hence L(θ + tv) ≈ L(θ) + ½λt²: the loss
 * rises both ways along v when λ > 0 and falls both ways when λ < 0. Every eigenvalue
 * positive: a minimum; every one negative: a maximum; both signs: a saddle, and the
 * eigenvector of the negative one is the way out (Escape).
 *
 * Pure text from plain numbers (no Svelte, no DOM) so unit tests check it.
 */
import type { PointKind } from '../../../../../../electron/common/protocol';
import { formatValue } from '../../../views/critical-geometry';
import { msg, t } from '../../../i18n';

/** What a card shows of one point, from the engine's analysis. */
export interface TaylorNumbers {
  loss: number;
  gradient: [number, number];
  /** [Lxx, Lxy, Lyy]. */
  hessian: [number, number, number];
  /** λ₁ ≤ λ₂ with their unit eigenvectors. */
  eigenvalues: [number, number];
  vectors: [[number, number], [number, number]];
  /** The linear term counts here (see {@link gradientCounts}): θ is not a critical point. */
  sloped: boolean;
}

/**
 * Whether the gradient term counts beside the curvature over a distance r (the arrows'
 * reach): |gᵀd| ≤ ‖g‖·r against ½·max|λ|·r², the linear term is more than a twentieth of
 * the quadratic one. A point the engine calls not critical always counts as sloped.
 */
export function gradientCounts(
  kind: PointKind,
  gradNorm: number,
  scale: number,
  reach: number,
): boolean {
  return kind === 'not critical' || gradNorm * reach > 0.05 * 0.5 * scale * reach * reach;
}

/** A number as the card writes it (3 significant digits, a true minus sign). */
export const num = formatValue;

/** (a, b). */
export function pair(v: readonly [number, number]): string {
  return `(${num(v[0])}, ${num(v[1])})`;
}

/** c·`power` as a signed term: "+ 0.5 t²", "− 0.12 t". */
function signedTerm(c: number, power: string): string {
  return `${c < 0 ? '−' : '+'} ${num(Math.abs(c))} ${power}`;
}

/** The badge's words for a kind. */
export const KIND_LABEL: Record<PointKind, string> = {
  minimum: msg('minimum'),
  saddle: msg('saddle point'),
  maximum: msg('maximum'),
  degenerate: msg('degenerate'),
  'not critical': msg('not critical'),
};

/** What the curvature alone says where the gradient still counts (not a critical point). */
export const SHAPE_LABEL: Record<PointKind, string> = {
  minimum: msg("a minimum's curvature"),
  saddle: msg("a saddle's curvature"),
  maximum: msg("a maximum's curvature"),
  degenerate: msg('degenerate curvature'),
  'not critical': '',
};

/** One line per step of the derivation, with the point's numbers. */
export interface TaylorLines {
  /** The model with the point's L and g: "L(θ') ≈ 0.25 + (0, 0)·d + ½ dᵀH d". */
  model: string;
  /** The same up to H, for a card that draws H as a matrix: "L(θ') ≈ 0.25 + (0, 0)·d + ½ dᵀ". */
  head: string;
  /** The Hessian's rows, for a matrix drawn in two lines. */
  rows: [string, string];
  /** What g = 0 leaves (or why the linear term still counts here). */
  critical: string;
  /** Along each eigenvector: L(θ + t·vᵢ) ≈ L + ½λᵢt². */
  along: [string, string];
}

/** The derivation with `n`'s numbers. */
export function taylorLines(n: TaylorNumbers): TaylorLines {
  const [hxx, hxy, hyy] = n.hessian;
  const critical = n.sloped
    ? t(
        "Here g ≠ 0, so θ is not a critical point: the linear term gᵀd leads near θ. Where g = 0 it vanishes, L(θ') ≈ L(θ) + ½ dᵀHd, and along d = t·v (Hv = λv) that is ½λt².",
      )
    : t(
        "At a critical point g = 0, so L(θ') ≈ L(θ) + ½ dᵀHd; with d = t·v and Hv = λv, ½ dᵀHd = ½λt².",
      );
  const along = ([0, 1] as const).map((i) => {
    const v = n.vectors[i];
    const name = `v${i === 0 ? '₁' : '₂'}`;
    const slope = n.gradient[0] * v[0] + n.gradient[1] * v[1];
    const linear = n.sloped ? ` ${signedTerm(slope, 't')}` : '';
    return `${name} = ${pair(v)}: L(θ + t·${name}) ≈ ${num(n.loss)}${linear} ${signedTerm(0.5 * n.eigenvalues[i], 't²')}`;
  }) as [string, string];
  const head = `L(θ') ≈ ${num(n.loss)} + ${pair(n.gradient)}·d + ½ dᵀ`;
  return {
    model: `${head}H d`,
    head,
    rows: [`${num(hxx)}  ${num(hxy)}`, `${num(hxy)}  ${num(hyy)}`],
    critical,
    along,
  };
}

/** Escape's account: the lecture's prediction ½λt² beside what the loss did. */
export function escapeText(e: {
  lambda: number;
  t: number;
  predicted: number;
  predictedSecondOrder: number;
  actual: number;
}): { predicted: string; actual: string; note: string } {
  const gap = e.actual - e.predicted;
  return {
    predicted: `½λt² = ½·(${num(e.lambda)})·${num(e.t)}² = ${num(e.predicted)}`,
    actual: `L(θ + t·d) − L(θ) = ${num(e.actual)}`,
    note:
      e.predictedSecondOrder !== e.predicted
        ? t('with t·gᵀd: {second}; the rest, {rest}, is of order t³ and higher', {
            second: num(e.predictedSecondOrder),
            rest: num(e.actual - e.predictedSecondOrder),
          })
        : t('the rest, {rest}, is of order t³ and higher', { rest: num(gap) }),
  };
}
