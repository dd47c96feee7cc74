/**
 * An experiments worker thread (bundle: dist/engine/experiments-worker.js): it loads its own
 * tfjs on the parent's backend (wasm in place of tfjs-node, which loads once per process) and
 * runs one training per job, reporting each epoch. Cancel ends the worker (pool.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { BackendName } from '../../../common/protocol';
import { loadBackend } from '../../backend/select';
import { FieldError } from '../../core/errors';
import { runTraining } from './training';
import type { FromExperimentsWorker, ToExperimentsWorker } from './worker-messages';

if (!parentPort) throw new Error('the experiments worker must run in a worker thread');
const parent = parentPort;

/**
 * This thread gives way to every other: an experiment keeps both cores busy, and the page (its
 * renderer, the engine's own thread) must still get one when it wants it. Linux gives each
 * thread its own nice value (setpriority on the thread's id, found through /proc/thread-self);
 * elsewhere the call fails and the thread keeps the process's priority.
 */
export const WORKER_NICE = 10;
try {
  const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, WORKER_NICE);
} catch {
  // Not Linux, or not allowed: the default priority.
}

const reply = (message: FromExperimentsWorker) => parent.postMessage(message);

/** The backend a worker computes on: the parent's, except that tfjs-node stays with the parent. */
function backendFor(parentBackend: BackendName): BackendName {
  return parentBackend === 'tensorflow' ? 'wasm' : parentBackend;
}

parent.on('message', (message: ToExperimentsWorker) => {
  if (message.type === 'warm') {
    loadBackend({ force: backendFor(message.backend), allowNative: false }).catch(() => undefined);
    return;
  }
  void train(message);
});

async function train(message: Extract<ToExperimentsWorker, { type: 'train' }>): Promise<void> {
  const { job } = message;
  try {
    const { tf } = await loadBackend({ force: backendFor(message.backend), allowNative: false });
    const outcome = await runTraining(tf, message.task, (done) =>
      reply({ type: 'epoch', job, done }),
    );
    reply({ type: 'result', job, outcome });
  } catch (err) {
    reply({
      type: 'error',
      job,
      message: err instanceof FieldError ? err.reason : ((err as Error)?.message ?? String(err)),
      ...(err instanceof FieldError && err.field !== undefined ? { field: err.field } : {}),
    });
  }
}
