/**
 * Animated GIF of the trajectories unfolding, from the same offline frames as the video,
 * encoded with gifenc. One 256-colour palette for the whole animation, taken from its last
 * frame (every trajectory drawn in full): per-frame palettes would make the surface shimmer.
 */
import { applyPalette, GIFEncoder, quantize } from 'gifenc';
import { animationPlan, FrameRenderer, frameStep, type AnimationOptions } from './frames';
import type { ExportTargets } from '../views/targets.svelte';
import {
  abortError,
  nextTask,
  throttleProgress,
  throwIfAborted,
  type LongTaskOptions,
} from './tasks';

/** Largest GIF side: beyond it files run to hundreds of megabytes. */
export const MAX_GIF_SIDE = 1920;

export interface GifOptions extends AnimationOptions {
  /** Frame width in pixels. @default 480 */
  width?: number;
  /** Frame height in pixels. @default 270 */
  height?: number;
  /**
   * Frames per second. GIF delays are whole hundredths of a second, so the rate played back is
   * 100 / round(100 / fps). @default 15
   */
  fps?: number;
  /** Length in seconds. @default 4 */
  duration?: number;
}

export interface GifResult {
  blob: Blob;
  frames: number;
  width: number;
  height: number;
  /** Delay between frames as stored, in milliseconds. */
  delayMs: number;
  elapsedMs: number;
}

/**
 * Renders and encodes the GIF. Reports progress per frame; aborting `signal` stops at the next
 * frame and rejects with an AbortError.
 */
export async function exportGif(
  targets: ExportTargets,
  options: GifOptions,
  task: LongTaskOptions = {},
): Promise<GifResult> {
  const started = performance.now();
  const { signal } = task;
  const onProgress = throttleProgress(task.onProgress);
  const width = Math.round(options.width ?? 480);
  const height = Math.round(options.height ?? 270);
  if (!(width >= 16 && height >= 16 && width <= MAX_GIF_SIDE && height <= MAX_GIF_SIDE)) {
    throw new Error(`a GIF of ${width}×${height} is out of range (16 to ${MAX_GIF_SIDE} a side)`);
  }
  const fps = options.fps ?? 15;
  const { frames, from, to, orbit, frame } = animationPlan(
    targets,
    { ...options, fps, duration: options.duration ?? 4, width, height },
    { maxFps: 50, maxDuration: 120 },
  );
  const delayMs = 10 * Math.max(2, Math.round(100 / fps));

  throwIfAborted(signal);
  const renderer = new FrameRenderer(targets, { ...frame, readback: true });
  const ctx = renderer.canvas.getContext('2d', { willReadFrequently: true })!;
  const pixels = () => ctx.getImageData(0, 0, width, height).data;
  try {
    renderer.draw(frameStep(frames - 1, frames, from, to), (orbit * (frames - 1)) / frames);
    const palette = quantize(pixels(), 256, { format: 'rgb565' });
    const gif = GIFEncoder();
    for (let i = 0; i < frames; i++) {
      if (signal?.aborted) throw abortError(signal);
      renderer.draw(frameStep(i, frames, from, to), (orbit * i) / frames);
      const index = applyPalette(pixels(), palette, 'rgb565');
      gif.writeFrame(
        index,
        width,
        height,
        i === 0 ? { palette, delay: delayMs, repeat: 0 } : { delay: delayMs },
      );
      onProgress?.(i + 1, frames);
      await nextTask();
    }
    gif.finish();
    return {
      blob: new Blob([gif.bytesView()], { type: 'image/gif' }),
      frames,
      width,
      height,
      delayMs,
      elapsedMs: performance.now() - started,
    };
  } finally {
    renderer.dispose();
  }
}
