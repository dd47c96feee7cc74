/**
 * The explorer's critical point: the Hessian at a point of its surface (a step of one of its
 * runs, or any point), what the engine says of it, and Escape from it.
 *
 * On a 2-parameter surface the engine's answer is closed form: L, ∇L, the Hessian's entries
 * and its eigen-decomposition H = λ₁v₁v₁ᵀ + λ₂v₂v₂ᵀ (λ₁ ≤ λ₂), and the point's kind by the
 * signs of λ (with the float32 band ±τ·max|λ| counted flat). The views draw it from
 * {@link SurfaceCritical.overlay}: the eigenvectors as arrows, the second-order Taylor model
 * q(θ') = L + gᵀd + ½dᵀHd as a quadric.
 *
 * Escape is one step of length t along ±v₁, the eigenvector of the most negative eigenvalue
 * (the sign the engine picks makes gᵀd ≤ 0). To second order the loss changes by
 * t·gᵀd + ½λ₁t², which at a critical point (g = 0) is the lecture's ½λ₁t² < 0; the engine
 * answers with the predicted and the actual change, and starts every run of the explorer
 * again from θ + t·d (the host restarts its runs around the request). Escape needs a negative
 * eigenvalue: λ₁ < −τ·max|λ|, else there is no second-order descent direction to take.
 *
 * Requests are latest-wins: a new point cancels the job of the one before (`job.cancel`), and
 * a reply to a request that was overtaken is dropped. Nothing here is saved in sessions.
 */
import type {
  CriticalAnalysis,
  CriticalTargetSpec,
  EscapeResult,
} from '../../../../../../electron/common/protocol';
import type { Point, SurfaceSpec } from '../../../../../../electron/common/schemas';
import { errorMessage } from '../../../engine/attempt';
import type { EngineClient } from '../../../engine/client';
import { escapeDirection, formatValue } from '../../../views/critical-geometry';
import type { CriticalOverlay } from '../../../views/view-data';
import { t } from '../../../i18n';

/** What the critical point needs of the lab whose surface it is on. */
export interface SurfaceCriticalHost {
  readonly client: Pick<EngineClient, 'request' | 'post' | 'on'>;
  /** The surface on show: a point of it is analyzed there (a lesson may show another surface). */
  surface(): SurfaceSpec;
  /**
   * Runs Escape's request where the lab restarts its runs (after the requests asked before,
   * playback paused), then takes the escaped point as the runs' new start. Throws the
   * request's error.
   */
  restartRuns(escape: () => Promise<EscapeResult>): Promise<EscapeResult>;
}

export type CriticalStatus = 'idle' | 'analyzing' | 'escaping' | 'done' | 'error';

/** The progress of the job under way, as the engine reports it. */
export interface CriticalProgress {
  phase: string;
  done: number;
  total: number;
}

/**
 * A step of an explorer run (absent: its current step). `lab` names the explorer: a network
 * run may have the same id (a session made elsewhere), and the engine reads an unnamed one as
 * the network lab's.
 */
function runTarget(runId: string, step?: number): CriticalTargetSpec {
  return { kind: 'run', runId, lab: 'explorer', ...(step === undefined ? {} : { step }) };
}

/** Escape's step length when nothing else set it. */
export const DEFAULT_ESCAPE_T = 0.5;

export class SurfaceCritical {
  /** The point asked for (undefined: nothing is analyzed, the card is closed). */
  target = $state.raw<CriticalTargetSpec | undefined>();
  /** The engine's answer for the latest point that got one. */
  analysis = $state.raw<CriticalAnalysis | undefined>();
  /**
   * The last Escape taken (kept when the runs, played on, are analyzed again: its predicted
   * and actual change stay on the card until another Escape or the card closes).
   */
  escaped = $state.raw<EscapeResult | undefined>();
  status = $state<CriticalStatus>('idle');
  progress = $state.raw<CriticalProgress | undefined>();
  error = $state<string | undefined>();
  /** Escape's step length t (in the surface's units: d is a unit vector). */
  t = $state(DEFAULT_ESCAPE_T);
  /** Draw the Taylor quadric (the arrows are always drawn). */
  showQuadric = $state(true);
  /**
   * The runs were restarted since `analysis` was taken (a new start, a reset, Escape): its run
   * and step now name another point, so Escape goes from its θ as a point of the surface.
   */
  detached = $state(false);
  /** The id of the job under way (its progress messages carry it; Cancel names it). */
  private pendingId: number | undefined;
  /** Bumped by every request: a reply to an older one is dropped. */
  private generation = 0;

  constructor(private readonly host: SurfaceCriticalHost) {
    host.client.on('critical.progress', (message) => {
      if (message.id !== this.pendingId) return;
      this.progress = { phase: message.phase, done: message.done, total: message.total };
    });
  }

  /** Whether a point is chosen (the card shows). */
  get open(): boolean {
    return this.target !== undefined;
  }

  get busy(): boolean {
    return this.status === 'analyzing' || this.status === 'escaping';
  }

  /** The Hessian at a step of an explorer run (absent: its current step). */
  analyzeRun(runId: string, step?: number): Promise<CriticalAnalysis | undefined> {
    return this.analyze(runTarget(runId, step));
  }

  /** The Hessian at a point of the surface on show. */
  analyzePoint(point: Point): Promise<CriticalAnalysis | undefined> {
    return this.analyze(this.pointTarget(point));
  }

  /** A point of the surface on show, as the engine takes it. */
  private pointTarget(point: readonly [number, number]): CriticalTargetSpec {
    return { kind: 'surface', point: [point[0], point[1]], surface: this.host.surface() };
  }

  /**
   * Asks the engine for the Hessian at `target`. The analysis on show stays until the answer
   * replaces it; an answer that a later request overtook is dropped. Resolves the analysis
   * (undefined when refused or overtaken; the reason is in `error`).
   */
  async analyze(target: CriticalTargetSpec): Promise<CriticalAnalysis | undefined> {
    this.cancelPending();
    const generation = ++this.generation;
    this.target = target;
    this.status = 'analyzing';
    this.error = undefined;
    this.progress = undefined;
    try {
      const reply = await this.host.client.request(
        { type: 'critical.analyze', target },
        (id) => (this.pendingId = id),
      );
      if (generation !== this.generation) return undefined;
      this.analysis = reply.analysis;
      this.detached = false;
      this.status = 'done';
      return reply.analysis;
    } catch (err) {
      if (generation !== this.generation) return undefined;
      this.status = 'error';
      this.error = errorMessage(err);
      return undefined;
    } finally {
      if (generation === this.generation) {
        this.pendingId = undefined;
        this.progress = undefined;
      }
    }
  }

  /** Why Escape cannot be taken now, or undefined when it can. */
  get escapeBlocked(): string | undefined {
    const analysis = this.analysis;
    if (!analysis) return t('Choose a point first.');
    if (!analysis.surface) return t('Escape from a point of the surface only.');
    const c = analysis.classification;
    const band = c.tau * c.scale;
    if (!(c.lambdaMin < -band)) {
      return t(
        'No negative eigenvalue: λ_min = {lambdaMin} ≥ −τ·max|λ| = {band}, so no direction lowers the loss to second order.',
        { lambdaMin: formatValue(c.lambdaMin), band: formatValue(-band) },
      );
    }
    if (!(this.t > 0) || !Number.isFinite(this.t))
      return t('The step length t must be a positive number.');
    if (this.busy) return t('Waiting for the engine.');
    return undefined;
  }

  /** Where Escape goes from: the analyzed run's step, or its point once the runs restarted. */
  private escapeTarget(analysis: CriticalAnalysis): CriticalTargetSpec | undefined {
    const { runId, step, point } = analysis.target;
    if (runId !== undefined && !this.detached) return runTarget(runId, step);
    return point ? this.pointTarget(point) : undefined;
  }

  /**
   * One step of length t along the most negative eigenvector; every run starts again from the
   * point reached. Resolves the engine's account (predicted ½λt² beside the actual change), or
   * undefined when refused (the reason in `error`).
   */
  async escape(): Promise<EscapeResult | undefined> {
    const analysis = this.analysis;
    const target = analysis && this.escapeTarget(analysis);
    if (!analysis || !target || this.escapeBlocked !== undefined) return undefined;
    this.cancelPending();
    const generation = ++this.generation;
    const t = this.t;
    this.status = 'escaping';
    this.error = undefined;
    try {
      const result = await this.host.restartRuns(async () => {
        const reply = await this.host.client.request(
          { type: 'critical.escape', target, t, tau: analysis.classification.tau },
          (id) => (this.pendingId = id),
        );
        return reply.escape;
      });
      if (generation !== this.generation) return result;
      this.escaped = result;
      // The runs start again from θ + t·d: the analyzed run and step name another point now.
      this.detached = true;
      this.target = analysis.target.point ? this.pointTarget(analysis.target.point) : this.target;
      this.status = 'done';
      return result;
    } catch (err) {
      if (generation === this.generation) {
        this.status = 'error';
        this.error = errorMessage(err);
      }
      return undefined;
    } finally {
      if (generation === this.generation) {
        this.pendingId = undefined;
        this.progress = undefined;
      }
    }
  }

  /** The runs restarted (a new start, a reset): the analysis stays, as a point of the surface. */
  detach(): void {
    if (this.analysis) this.detached = true;
  }

  /** Closes the card: nothing chosen, nothing drawn; a job under way is cancelled. */
  clear(): void {
    this.cancelPending();
    this.generation++;
    this.target = undefined;
    this.analysis = undefined;
    this.escaped = undefined;
    this.detached = false;
    this.status = 'idle';
    this.error = undefined;
    this.progress = undefined;
  }

  /** Stops the job under way; its request is answered "cancelled", which is dropped. */
  private cancelPending(): void {
    if (this.pendingId === undefined) return;
    this.host.client.post({ type: 'job.cancel', id: this.pendingId });
    this.pendingId = undefined;
  }

  /**
   * What the views draw: θ, L, ∇L, H, the eigenpairs and the flat band, the quadric when
   * shown, and Escape's step (dashed: where it would go at the current t; solid once taken).
   * Undefined without an analysis of a surface point.
   */
  get overlay(): CriticalOverlay | undefined {
    const analysis = this.analysis;
    const surface = analysis?.surface;
    const point = analysis?.target.point;
    if (!analysis || !surface || !point || analysis.eigenvalues.length < 2) return undefined;
    const vector = (index: number): Point => {
      const k = analysis.vectorIndices.indexOf(index);
      const at = (k < 0 ? index : k) * 2;
      return [analysis.eigenvectors[at] ?? NaN, analysis.eigenvectors[at + 1] ?? NaN];
    };
    const c = analysis.classification;
    const overlay: CriticalOverlay = {
      point: [point[0], point[1]],
      loss: analysis.loss,
      gradient: [surface.gradient[0], surface.gradient[1]],
      hessian: [surface.hessian[0], surface.hessian[1], surface.hessian[2]],
      eigenvalues: [analysis.eigenvalues[0], analysis.eigenvalues[1]],
      vectors: [vector(0), vector(1)],
      flat: c.tau * c.scale,
      quadric: this.showQuadric,
    };
    const escaped = this.escaped;
    const from = escaped?.target.point;
    if (escaped?.point && from && from[0] === point[0] && from[1] === point[1]) {
      overlay.escape = { to: [escaped.point[0], escaped.point[1]], taken: true };
    } else if (c.lambdaMin < -overlay.flat && this.t > 0 && Number.isFinite(this.t)) {
      const [dx, dy] = escapeDirection(overlay);
      overlay.escape = { to: [point[0] + this.t * dx, point[1] + this.t * dy], taken: false };
    }
    return overlay;
  }
}
