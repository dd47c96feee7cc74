/**
 * Gradient kernels of tfjs-backend-wasm 4.22 that convolutional models need and it lacks or
 * gets wrong, replaced by the cpu backend's algorithms for channels-last data, written over the
 * wasm backend's own memory:
 *
 * - Conv2DBackpropFilter is missing (the cpu backend and tfjs-node have it), so a Conv2D's
 *   weight gradient cannot be taken at all;
 * - MaxPoolGrad gives wrong gradients where a window's values are negative (measured against
 *   central differences and the cpu backend: a linear or tanh conv before a max-pool trains
 *   on a wrong gradient); the replacement sends each output's δ to its window's first maximum,
 *   as the cpu backend and PyTorch do.
 *
 * The weight gradient:
 *   ∂L/∂W[r, c, i, o] = Σ_b Σ_(y, x) X[b, r + y·s_h − pad_top, c + x·s_w − pad_left, i] · δY[b, y, x, o]
 *
 * (the sum over the output positions whose input position falls inside X).
 */
import type * as TfModule from '@tensorflow/tfjs';
import type { Tf } from '../mlp';

interface WasmBackendLike {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(
    shape: number[],
    dtype: 'float32',
    memoryOffset?: number,
    values?: Float32Array,
  ): TfModule.TensorInfo;
}

const registered = new WeakSet<Tf>();

/** Registers the kernels the wasm backend lacks or gets wrong for a model's gradient (once per tfjs). */
export function ensureGradientKernels(tf: Tf): void {
  if (registered.has(tf) || !tf.findBackend('wasm')) return;
  registered.add(tf);
  if (tf.getKernel('MaxPoolGrad', 'wasm')) tf.unregisterKernel('MaxPoolGrad', 'wasm');
  tf.registerKernel({
    kernelName: 'MaxPoolGrad',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, input } = inputs as unknown as {
        dy: TfModule.TensorInfo;
        input: TfModule.TensorInfo;
      };
      const a = attrs as unknown as {
        filterSize: number | [number, number];
        strides: number | [number, number];
        pad: 'valid' | 'same' | number;
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
      };
      const info = tf.backend_util.computePool2DInfo(
        input.shape as [number, number, number, number],
        a.filterSize,
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
      );
      const wasm = backend as unknown as WasmBackendLike;
      const xv = wasm.readSync(input.dataId);
      const dyv = wasm.readSync(dy.dataId);
      const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
      const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
      const top = info.padInfo.top;
      const left = info.padInfo.left;
      const dx = new Float32Array(info.batchSize * H * W * C);
      for (let b = 0; b < info.batchSize; b++) {
        for (let y = 0; y < OH; y++) {
          const r0 = y * sh - top;
          for (let q = 0; q < OW; q++) {
            const c0 = q * sw - left;
            for (let d = 0; d < C; d++) {
              let best = -Infinity;
              let at = -1;
              for (let r = Math.max(0, r0); r < Math.min(H, r0 + fh); r++) {
                for (let c = Math.max(0, c0); c < Math.min(W, c0 + fw); c++) {
                  const k = ((b * H + r) * W + c) * C + d;
                  if (xv[k] > best || at < 0) {
                    best = xv[k];
                    at = k;
                  }
                }
              }
              if (at >= 0) dx[at] += dyv[((b * OH + y) * OW + q) * C + d];
            }
          }
        }
      }
      return wasm.makeOutput([...input.shape], 'float32', undefined, dx);
    },
  });
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as unknown as { x: TfModule.TensorInfo; dy: TfModule.TensorInfo };
      const a = attrs as unknown as {
        strides: number | [number, number];
        pad: 'valid' | 'same' | number;
        dataFormat: 'NHWC' | 'NCHW';
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
        filterShape: [number, number, number, number];
      };
      if (a.dataFormat === 'NCHW')
        throw new Error('Conv2DBackpropFilter on wasm: channels-last only');
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        a.filterShape,
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
        false,
        'channelsLast',
      );
      const wasm = backend as unknown as WasmBackendLike;
      const xv = wasm.readSync(x.dataId);
      const dyv = wasm.readSync(dy.dataId);
      const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
      const {
        inHeight: H,
        inWidth: W,
        inChannels: C,
        outHeight: OH,
        outWidth: OW,
        outChannels: O,
      } = info;
      const top = info.padInfo.top;
      const left = info.padInfo.left;
      const dw = new Float32Array(fh * fw * C * O);
      const acc = new Float64Array(O);
      for (let r = 0; r < fh; r++) {
        const yMin = Math.max(0, Math.ceil((top - r) / sh));
        const yMax = Math.min(OH, (H + top - r) / sh);
        for (let c = 0; c < fw; c++) {
          const xMin = Math.max(0, Math.ceil((left - c) / sw));
          const xMax = Math.min(OW, (W + left - c) / sw);
          for (let i = 0; i < C; i++) {
            acc.fill(0);
            for (let b = 0; b < info.batchSize; b++) {
              for (let y = yMin; y < yMax; y++) {
                const xr = r + y * sh - top;
                for (let q = xMin; q < xMax; q++) {
                  const xc = c + q * sw - left;
                  const v = xv[((b * H + xr) * W + xc) * C + i];
                  if (v === 0) continue;
                  const d = ((b * OH + y) * OW + q) * O;
                  for (let o = 0; o < O; o++) acc[o] += v * dyv[d + o];
                }
              }
            }
            const at = ((r * fw + c) * C + i) * O;
            for (let o = 0; o < O; o++) dw[at + o] = acc[o];
          }
        }
      }
      return wasm.makeOutput([fh, fw, C, O], 'float32', undefined, dw);
    },
  });
}
