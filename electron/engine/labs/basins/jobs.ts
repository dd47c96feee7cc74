/**
 * The engine's basin-map requests: `basins.compute` starts a computation that runs on worker
 * threads (or in slices of the engine's own thread) while the engine keeps answering other
 * messages; `basins.progress` reports it at most once a frame; `basins.result` or an error ends
 * it. `basins.cancel` ends it early with an error whose message starts with "cancelled".
 */
import type { BasinsResultMessage, EngineMessage } from '../../../common/protocol';
import type { BasinsSpec } from '../../../common/spec';
import { CancelledError, errorReply, FieldError } from '../../core/errors';
import { computeBasins, planBasins, type BasinsPlan } from './compute';
import type { BasinsPool } from './pool';
import { recordBasinMap, type LiveBasinMap } from './recording';

/** Most basin maps one engine computes at once (each holds its whole grid's optimizer state). */
export const MAX_BASINS_JOBS = 4;

type Post = (message: EngineMessage, transfer?: ArrayBuffer[]) => void;

export interface BasinsJobsOptions {
  /**
   * Least time between two progress messages of one computation.
   * @default 16
   */
  progressIntervalMs?: number;
  /** Worker pool (tests); @default the process-wide pool, when the worker bundle exists. */
  pool?: BasinsPool;
  /** Passed to computeBasins. @default 'auto' */
  workers?: number | 'auto';
}

export class BasinsJobs {
  private readonly running = new Map<number, AbortController>();
  private readonly progressIntervalMs: number;
  /** The last finished map (copies), for a session to save. */
  latest: LiveBasinMap | undefined;

  constructor(
    private readonly post: Post,
    private readonly options: BasinsJobsOptions = {},
  ) {
    this.progressIntervalMs = options.progressIntervalMs ?? 16;
  }

  /**
   * Starts a computation and returns at once. A bad request is answered now with an error
   * naming the field (`surface`, `optimizer.<name>`, `id`); the result comes later.
   */
  start(request: BasinsSpec & { id: number }): void {
    const { id } = request;
    let plan: BasinsPlan;
    try {
      if (this.running.has(id)) {
        throw new FieldError('id', `a basins computation with id ${id} is already running`);
      }
      if (this.running.size >= MAX_BASINS_JOBS) {
        throw new FieldError(undefined, `at most ${MAX_BASINS_JOBS} basin maps at once`);
      }
      plan = planBasins(request);
    } catch (err) {
      this.post({ type: 'error', id, ...describe(err) });
      return;
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    void this.run(id, basinsSpecOf(request), plan, controller.signal).finally(() =>
      this.running.delete(id),
    );
  }

  /** Cancels a running computation; one that already ended (or never was) is left alone. */
  cancel(id: number): void {
    this.running.get(id)?.abort();
  }

  /** Cancels everything, silently: the engine is going away. */
  close(): void {
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
  }

  private async run(
    id: number,
    spec: BasinsSpec,
    plan: BasinsPlan,
    signal: AbortSignal,
  ): Promise<void> {
    let lastProgress = -Infinity;
    try {
      const result = await computeBasins(plan, {
        signal,
        ...(this.options.pool ? { pool: this.options.pool } : {}),
        ...(this.options.workers !== undefined ? { workers: this.options.workers } : {}),
        onProgress: (done, total) => {
          const now = performance.now();
          if (now - lastProgress < this.progressIntervalMs || done >= total) return;
          lastProgress = now;
          this.post({ type: 'basins.progress', id, done, total });
        },
      });
      const message: BasinsResultMessage = {
        type: 'basins.result',
        id,
        surface: result.surface,
        resolution: result.resolution,
        domain: result.domain,
        minima: result.minima,
        radius: result.radius,
        labels: result.labels,
        steps: result.steps,
        finals: result.finals,
        counts: result.counts,
        elapsedMs: result.elapsedMs,
        workers: result.workers,
      };
      this.latest = { spec, result: recordBasinMap({ spec, result }) };
      this.post(message, [
        result.labels.buffer as ArrayBuffer,
        result.steps.buffer as ArrayBuffer,
        result.finals.buffer as ArrayBuffer,
      ]);
    } catch (err) {
      if (err instanceof CancelledError) {
        this.post({ type: 'error', id, message: `cancelled: basins.compute ${id} was cancelled` });
      } else {
        this.post({ type: 'error', id, ...describe(err) });
      }
    }
  }
}

/**
 * Exactly the BasinsSpec of a request: a session stores it under a strict schema, so the
 * request's own keys (`type`, `id`) must not come along.
 */
function basinsSpecOf(request: BasinsSpec): BasinsSpec {
  return {
    surface: request.surface,
    optimizer: request.optimizer,
    resolution: request.resolution,
    steps: request.steps,
    ...(request.tolerance !== undefined ? { tolerance: request.tolerance } : {}),
  };
}

/** An error as the protocol's (field, message), fields named as in basins.compute. */
function describe(err: unknown): { field?: string; message: string } {
  return errorReply(err, { optimizer: 'optimizer', surface: 'surface' });
}
