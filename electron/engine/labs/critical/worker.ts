/**
 * A critical-points worker thread (bundle: dist/engine/critical-worker.js): it loads its own
 * tfjs on the parent's backend (wasm in place of tfjs-node) and analyses one network Hessian
 * per job — the exact spectrum's P Hessian-vector products and dense eigensolver, or Lanczos,
 * Hutchinson and SLQ — reporting progress and stopping at its checkpoints when cancelled. The
 * engine's thread, meanwhile, goes on with playback: the dense eigensolver is one synchronous
 * O(P³) piece that would otherwise stall it for seconds (see critical-lab.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { BackendName } from '../../../common/protocol';
import { loadBackend } from '../../backend/select';
import { CancelledError, FieldError } from '../../core/errors';
import { makeCheckpoint } from '../../hessian/checkpoint';
import { prepareEigenHelper } from '../../hessian/eigen';
import { analyzeNetwork } from '../../hessian/report';
import type { FromCriticalWorker, ToCriticalWorker } from './worker-messages';

if (!parentPort) throw new Error('the critical-points worker must run in a worker thread');
const parent = parentPort;
const running = new Map<number, AbortController>();

const reply = (message: FromCriticalWorker, transfer: ArrayBuffer[] = []) =>
  parent.postMessage(message, transfer);

/** The backend a worker computes on: the parent's, except that tfjs-node stays with the parent. */
function backendFor(parentBackend: BackendName): BackendName {
  return parentBackend === 'tensorflow' ? 'wasm' : parentBackend;
}

parent.on('message', (message: ToCriticalWorker) => {
  switch (message.type) {
    case 'warm':
      loadBackend({ force: backendFor(message.backend), allowNative: false }).catch(
        () => undefined,
      );
      // The eigensolver's second thread, started (and its passes compiled) before it is needed.
      prepareEigenHelper().catch(() => undefined);
      return;
    case 'cancel':
      running.get(message.job)?.abort();
      return;
    case 'analyze':
      void analyze(message);
      return;
  }
});

async function analyze(message: Extract<ToCriticalWorker, { type: 'analyze' }>): Promise<void> {
  const { job } = message;
  const controller = new AbortController();
  running.set(job, controller);
  let phase: Extract<FromCriticalWorker, { type: 'progress' }>['phase'] = 'hessian';
  try {
    const { tf } = await loadBackend({ force: backendFor(message.backend), allowNative: false });
    const checkpoint = makeCheckpoint({
      signal: controller.signal,
      yieldEveryMs: 30,
      progressEveryMs: 100,
      onProgress: (done, total) => reply({ type: 'progress', job, phase, done, total }),
    });
    const analysis = await analyzeNetwork(
      tf,
      message.model,
      message.theta,
      message.data,
      {
        ...message.options,
        onPhase: (p) => {
          phase = p;
        },
      },
      checkpoint,
    );
    const transfer = [analysis.eigenvalues.buffer as ArrayBuffer];
    if (analysis.eigenvectors) transfer.push(analysis.eigenvectors.buffer as ArrayBuffer);
    reply({ type: 'result', job, analysis }, transfer);
  } catch (err) {
    const cancelled = err instanceof CancelledError || controller.signal.aborted;
    reply({
      type: 'error',
      job,
      message: err instanceof FieldError ? err.reason : ((err as Error)?.message ?? String(err)),
      ...(err instanceof FieldError && err.field !== undefined ? { field: err.field } : {}),
      ...(cancelled ? { cancelled: true } : {}),
    });
  } finally {
    running.delete(job);
  }
}
