/**
 * Host: a basins worker thread. Computes bands of basin-map rows for the pool in
 * electron/engine/labs/basins/pool.ts, one at a time. It loads only what a preset needs:
 * mathjs (hundreds of ms to load) is imported on the first typed expression.
 */
import { parentPort } from 'node:worker_threads';
import type { SurfaceSpec } from '../../common/schemas';
import { CancelledError } from '../core/errors';
import { runBand, type BandReply, type BandRequest } from '../labs/basins/band';
import { presetByName } from '../problems/presets';
import type { Surface } from '../problems/surface';

if (!parentPort) throw new Error('the basins worker must run in a worker thread');
const parent = parentPort;

async function surfaceFor(spec: SurfaceSpec): Promise<Surface> {
  const preset = typeof spec === 'string' ? presetByName.get(spec) : undefined;
  if (preset) return preset;
  const { resolveSurface } = await import('../problems');
  return resolveSurface(spec);
}

function reply(message: BandReply, transfer: ArrayBuffer[] = []): void {
  parent.postMessage(message, transfer);
}

// Tells the pool this script loaded, so a later failure is a band's, not the bundle's.
reply({ type: 'ready', task: 0 });

parent.on('message', (request: BandRequest) => {
  if (request?.type !== 'band') return;
  const { task, job } = request;
  const flag = new Int32Array(request.cancel);
  void (async () => {
    try {
      const surface = await surfaceFor(job.surface);
      const outcome = await runBand(job, surface, {
        cancelled: () => Atomics.load(flag, 0) !== 0,
        onProgress: (step) => reply({ type: 'progress', task, step }),
      });
      reply({ type: 'done', task, outcome }, [
        outcome.labels.buffer as ArrayBuffer,
        outcome.steps.buffer as ArrayBuffer,
        outcome.finals.buffer as ArrayBuffer,
      ]);
    } catch (err) {
      if (err instanceof CancelledError) reply({ type: 'cancelled', task });
      else reply({ type: 'failed', task, message: (err as Error)?.message ?? String(err) });
    }
  })();
});
