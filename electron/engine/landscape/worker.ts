/**
 * A landscape worker thread (bundle: dist/engine/landscape-worker.js). It loads its own tfjs
 * on the parent's backend, builds a LandscapeEvaluator per job and evaluates the grid points
 * it is sent, checking the job's cancel flag between points.
 */
import { parentPort } from 'node:worker_threads';
import { loadBackend } from '../backend/select';
import { LandscapeEvaluator } from './evaluator';
import type { BackendName } from '../../common/protocol';
import type { FromWorker, ToWorker } from './protocol';

if (!parentPort) throw new Error('the landscape worker must run in a worker thread');
const parent = parentPort;

interface Job {
  evaluator: Promise<LandscapeEvaluator>;
  cancel: Int32Array;
}
const jobs = new Map<number, Job>();
/** Messages are handled one after another: a job's points wait for its setup. */
let queue: Promise<void> = Promise.resolve();

const reply = (message: FromWorker) => parent.postMessage(message);

parent.on('message', (message: ToWorker) => {
  queue = queue
    .then(() => handle(message))
    .catch((err: Error) => {
      const task = message.type === 'points' ? { task: message.task } : {};
      reply({ type: 'error', job: message.job, ...task, message: err.message });
    });
});

/** The backend a worker computes on: the parent's, except that tfjs-node stays with the parent. */
function backendFor(parentBackend: BackendName): BackendName {
  // tfjs-node works once per process: a worker never takes it.
  return parentBackend === 'tensorflow' ? 'wasm' : parentBackend;
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'warm':
      await loadBackend({ force: backendFor(message.backend), allowNative: false });
      return;
    case 'setup': {
      const evaluator = loadBackend({
        force: backendFor(message.backend),
        allowNative: false,
      }).then(({ tf }) => new LandscapeEvaluator(tf, message.data));
      evaluator.catch(() => undefined);
      jobs.set(message.job, { evaluator, cancel: new Int32Array(message.cancel) });
      return;
    }
    case 'points': {
      const job = jobs.get(message.job);
      if (!job) throw new Error(`no landscape job ${message.job} here`);
      const evaluator = await job.evaluator;
      const values = evaluator.evaluate(message.points, () => Atomics.load(job.cancel, 0) !== 0);
      if (!values) {
        reply({ type: 'cancelled', job: message.job, task: message.task });
        return;
      }
      parent.postMessage({ type: 'values', job: message.job, task: message.task, values }, [
        values.buffer as ArrayBuffer,
      ]);
      return;
    }
    case 'release': {
      const job = jobs.get(message.job);
      jobs.delete(message.job);
      if (job) (await job.evaluator.catch(() => undefined))?.dispose();
      return;
    }
  }
}
