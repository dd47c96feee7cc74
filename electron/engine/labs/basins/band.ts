/**
 * A band of grid rows of a basin map: the unit of work a basins worker (or the engine's own
 * thread) computes. Plain data in and out, so it crosses a worker boundary as it is.
 */
import type {
  Domain,
  Hyper,
  OptimizerName,
  Point,
  Schedule,
  SurfaceSpec,
} from '../../../common/schemas';
import { CancelledError } from '../../core/errors';
import type { Surface } from '../../problems/surface';
import { BasinsBatch, type BasinsOutcome } from './batch';

/** Rows [rowStart, rowEnd) of a resolution × resolution grid over `domain`. */
export interface BandJob {
  surface: SurfaceSpec;
  optimizer: OptimizerName;
  hyper: Hyper;
  schedule: Schedule;
  steps: number;
  resolution: number;
  domain: Domain;
  rowStart: number;
  rowEnd: number;
  minima: Point[];
  radius: number;
}

export interface BandHooks {
  /** Called between chunks with the steps every start of the band has taken. */
  onProgress?(step: number): void;
  /** Polled between chunks; true stops the band with a CancelledError. */
  cancelled?(): boolean;
  /** Awaited between chunks: lets the thread's other messages through. */
  pause?(): Promise<void>;
  /**
   * Wall time one chunk of steps should take, so progress and cancel stay prompt.
   * @default 8
   */
  chunkMs?: number;
}

/**
 * Start (x, y) of grid point (i, j): the same formula sampleSurface uses, corners included, so a
 * basin map lines up with the surface grid of the same resolution.
 */
export function gridStarts(
  domain: Domain,
  resolution: number,
  rowStart = 0,
  rowEnd = resolution,
): Float64Array {
  const [[x0, x1], [y0, y1]] = domain;
  const starts = new Float64Array(2 * resolution * (rowEnd - rowStart));
  let o = 0;
  for (let j = rowStart; j < rowEnd; j++) {
    const y = y0 + ((y1 - y0) * j) / (resolution - 1);
    for (let i = 0; i < resolution; i++) {
      starts[o++] = x0 + ((x1 - x0) * i) / (resolution - 1);
      starts[o++] = y;
    }
  }
  return starts;
}

/** Computes one band on a resolved surface, in chunks of steps with the hooks in between. */
export async function runBand(
  job: BandJob,
  surface: Surface,
  hooks: BandHooks = {},
): Promise<BasinsOutcome> {
  const batch = new BasinsBatch(
    {
      surface,
      optimizer: job.optimizer,
      hyper: job.hyper,
      schedule: job.schedule,
      steps: job.steps,
      minima: job.minima,
      radius: job.radius,
    },
    gridStarts(job.domain, job.resolution, job.rowStart, job.rowEnd),
  );
  const chunkMs = hooks.chunkMs ?? 8;
  // First guess: ~0.25 M point-steps, a few ms for a preset; then sized from measured time.
  let chunk = Math.max(1, Math.floor(262_144 / Math.max(1, batch.count)));
  while (!batch.done) {
    if (hooks.cancelled?.()) throw new CancelledError();
    const t0 = performance.now();
    const taken = batch.advance(chunk);
    const ms = performance.now() - t0;
    const rate = taken / Math.max(ms, 0.05);
    chunk = Math.max(1, Math.min(4 * chunk, Math.floor(rate * chunkMs)));
    hooks.onProgress?.(batch.step);
    if (hooks.pause && !batch.done) await hooks.pause();
  }
  if (hooks.cancelled?.()) throw new CancelledError();
  return batch.result();
}

/** Parent → basins worker: compute one band. `cancel` is an Int32Array(1) flag set to 1. */
export interface BandRequest {
  type: 'band';
  task: number;
  job: BandJob;
  cancel: SharedArrayBuffer;
}

/** Basins worker → parent. Outcome arrays are transferred, not copied. */
export type BandReply =
  | { type: 'ready'; task: 0 }
  | { type: 'progress'; task: number; step: number }
  | { type: 'done'; task: number; outcome: BasinsOutcome }
  | { type: 'cancelled'; task: number }
  | { type: 'failed'; task: number; message: string };
