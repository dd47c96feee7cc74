/**
 * The basin map of the contour view: which minimum each start of a grid over the domain
 * reaches with one run's optimizer, computed by the engine with progress and a Cancel.
 */
import type { OptimizerSpec, SurfaceSpec } from '../../../../../electron/common/schemas';
import { errorMessage } from '../../engine/attempt';
import type { EngineClient } from '../../engine/client';
import type { BasinsResult } from './types';

/** Where the basin map stands. */
export type BasinsState =
  | { status: 'idle' }
  | { status: 'computing'; done: number; total: number; label: string }
  | { status: 'done'; result: BasinsResult; label: string }
  | { status: 'failed'; message: string };

/** The map to compute: the optimizer, on the surface, from every start of the grid. */
export interface BasinsRequest {
  surface: SurfaceSpec;
  optimizer: OptimizerSpec;
  resolution: number;
  steps: number;
}

/** The explorer's basin map: at most one computed at a time, the latest asked for. */
export class BasinMap {
  state = $state.raw<BasinsState>({ status: 'idle' });
  /** The request being computed: replies to any other are stale. */
  private id: number | undefined;

  constructor(private readonly client: EngineClient) {}

  /** Computes a map (cancelling the one being computed), shown under `label`. */
  async compute(request: BasinsRequest, label: string): Promise<void> {
    this.cancel();
    const { resolution, steps } = request;
    this.state = { status: 'computing', done: 0, total: resolution * resolution * steps, label };
    let id: number | undefined;
    const off = this.client.on('basins.progress', (m) => {
      if (m.id === id && this.state.status === 'computing')
        this.state = { ...this.state, done: m.done, total: m.total };
    });
    try {
      const result = await this.client.request(
        { type: 'basins.compute', ...request },
        (assigned) => {
          id = assigned;
          this.id = assigned;
        },
      );
      if (this.id === id) this.state = { status: 'done', result, label };
    } catch (err) {
      if (this.id !== id) return;
      const message = errorMessage(err);
      this.state = message.startsWith('cancelled')
        ? { status: 'idle' }
        : { status: 'failed', message };
    } finally {
      off();
      if (this.id === id) this.id = undefined;
    }
  }

  /** Stops a map being computed (the engine replies "cancelled") and shows none. */
  cancel(): void {
    if (this.id !== undefined) this.client.post({ type: 'basins.cancel', id: this.id });
    this.id = undefined;
    this.state = { status: 'idle' };
  }

  /** A session was opened: a map still being computed belongs to the page before it. */
  forget(): void {
    this.id = undefined;
  }

  /** Shows a map read from a session. */
  restore(saved: Omit<BasinsResult, 'type' | 'id'>, label: string): void {
    this.state = { status: 'done', result: { type: 'basins.result', id: -1, ...saved }, label };
  }
}
