import fs from 'node:fs';
import path from 'node:path';
import type { BackendName, SelfCheck } from '../../common/protocol';
import { hereDir, nodeRequire } from '../core/node-require';
import { installUtilShim } from './util-shim';
import type * as TfModule from '@tensorflow/tfjs';
import type * as WasmModule from '@tensorflow/tfjs-backend-wasm';

type Tf = typeof TfModule;

export interface BackendReport {
  backend: BackendName;
  /** Why each faster backend was passed over. */
  notes: string[];
  tfjsVersion: string;
  selfCheck: SelfCheck;
  wasmDir?: string;
}

export interface BackendOptions {
  /**
   * May this process load tfjs-node? Only one tfjs-node instance works per process (a second
   * concurrent worker thread fails), so only the utility process or the first worker may.
   * @default true
   */
  allowNative?: boolean;
  /** Skip faster backends and use this one (tests, benchmarks). */
  force?: BackendName;
  /** Where tfjs-backend-wasm's .wasm files are; found automatically when absent. */
  wasmDir?: string;
}

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

/**
 * The folder holding the .wasm binaries: next to the built engine (dist/engine/wasm, unpacked
 * from the asar archive in a packaged app), else the installed package (running from source).
 */
export function locateWasmDir(): string {
  const candidates = [
    path.join(hereDir, 'wasm'),
    path.join(hereDir, '..', 'engine', 'wasm'),
    path.dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist',
  ].map((dir) => dir.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`));
  for (const dir of candidates) {
    if (WASM_FILES.every((file) => fs.existsSync(path.join(dir, file)))) return dir;
  }
  throw new Error(`tfjs wasm binaries not found in ${candidates.join(', ')}`);
}

let loaded: Promise<{ tf: Tf; report: BackendReport }> | undefined;

/** tfjs on the best backend this process can run: tensorflow, else wasm, else cpu. Once. */
export function loadBackend(
  options: BackendOptions = {},
): Promise<{ tf: Tf; report: BackendReport }> {
  loaded ??= pickBackend(options);
  return loaded;
}

async function pickBackend(options: BackendOptions): Promise<{ tf: Tf; report: BackendReport }> {
  const notes: string[] = [];
  const order: BackendName[] = options.force ? [options.force] : ['tensorflow', 'wasm', 'cpu'];
  let tf: Tf | undefined;
  let wasmDir: string | undefined;

  for (const name of order) {
    try {
      if (name === 'tensorflow') {
        if (options.allowNative === false) {
          notes.push('tensorflow: another engine in this process holds tfjs-node');
          continue;
        }
        installUtilShim();
        // tfjs-node registers itself on the tfjs it depends on; take tf from it so both agree.
        nodeRequire('@tensorflow/tfjs-node');
        tf = nodeRequire('@tensorflow/tfjs') as Tf;
      } else {
        tf = nodeRequire('@tensorflow/tfjs') as Tf;
        if (name === 'wasm') {
          const wasm = nodeRequire('@tensorflow/tfjs-backend-wasm') as typeof WasmModule;
          wasmDir = options.wasmDir ?? locateWasmDir();
          wasm.setWasmPaths(wasmDir.endsWith(path.sep) ? wasmDir : wasmDir + path.sep);
        }
      }
      // Production mode: no debug checks, and no "install tfjs-node" banner on cpu.
      tf.enableProdMode();
      if (!(await tf.setBackend(name))) throw new Error('setBackend refused it');
      await tf.ready();
      const selfCheck = runSelfCheck(tf);
      if (!selfCheck.ok) throw new Error(`self-check failed: ${selfCheck.detail}`);
      return {
        tf,
        report: {
          backend: name,
          notes,
          tfjsVersion: tf.version.tfjs,
          selfCheck,
          ...(name === 'wasm' ? { wasmDir } : {}),
        },
      };
    } catch (err) {
      notes.push(`${name}: ${describeLoadError(err)}`);
    }
  }
  throw new Error(`no tfjs backend could start (${notes.join('; ')})`);
}

function describeLoadError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'MODULE_NOT_FOUND') return 'not installed';
  return (e?.message ?? String(err)).split('\n')[0];
}

/**
 * A matrix product and a gradient with known answers, timed: proves the backend computes,
 * not merely that it registered.
 */
export function runSelfCheck(tf: Tf): SelfCheck {
  const t0 = performance.now();
  const before = tf.memory().numTensors;
  const [product, gradient] = tf.tidy(() => {
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const b = tf.tensor2d([5, 6], [2, 1]);
    const p = tf.matMul(a, b).dataSync();
    const g = tf
      .grad((x: TfModule.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2, 3]))
      .dataSync();
    return [Array.from(p), Array.from(g)];
  });
  const ms = performance.now() - t0;
  const ok =
    product.length === 2 &&
    product[0] === 17 &&
    product[1] === 39 &&
    gradient.join() === '2,4,6' &&
    tf.memory().numTensors === before;
  const detail = `[[1,2],[3,4]]·[5,6] = [${product.join(', ')}], ∇Σx² at (1,2,3) = [${gradient.join(', ')}]`;
  return { ok, ms, detail };
}

/**
 * Starts the current backend afresh. tfjs-wasm aborts for good once a kernel has run out of
 * its 4 GiB heap ("Aborted()" from every later call); registering its factory again gives a
 * new heap. Every tensor of the old backend is gone: callers upload again what they need.
 */
export async function restartBackend(tf: Tf): Promise<void> {
  const name = tf.getBackend();
  const factory = tf.findBackendFactory(name);
  if (!factory) throw new Error(`no factory for the ${name} backend`);
  tf.removeBackend(name);
  tf.registerBackend(name, factory);
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend did not start again`);
  await tf.ready();
  const check = runSelfCheck(tf);
  if (!check.ok)
    throw new Error(`the restarted ${name} backend fails its self-check: ${check.detail}`);
}
