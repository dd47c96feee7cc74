/**
 * Video of the trajectories unfolding, rendered frame by frame offline and encoded with
 * WebCodecs through mediabunny: every frame is drawn at the chosen resolution, however long it
 * takes, then handed to the encoder with its exact timestamp — never a recording of the screen,
 * so a 4K video comes out smooth on a machine that draws ten frames a second. MP4/H.264 where
 * the platform can encode it, else WebM/VP9 (then VP8, AV1).
 *
 * The frames are composed on a canvas kept in main memory (`readback`), which the encoder reads
 * as it is; nothing drawn on it may come from a GPU canvas (see FrameRenderer). In headless
 * Chromium rendering in software, a 1080p frame on the GPU took 250–380 ms to reach the encoder
 * (copied back through the GPU process), one in main memory a few ms. Drawing the next frame
 * overlaps encoding the last: the encoder runs on its own thread (10–20 ms a 1080p frame), and
 * `add` waits only when its queue is full. The middle frame is kept and compared with the same
 * frame decoded from the finished file: the result's PSNR says what encoding cost in fidelity.
 */
import {
  ALL_FORMATS,
  BufferSource,
  BufferTarget,
  CanvasSource,
  canEncodeVideo,
  Input,
  Mp4OutputFormat,
  Output,
  QUALITY_HIGH,
  VideoSampleSink,
  type VideoSample,
  WebMOutputFormat,
  type VideoCodec,
} from 'mediabunny';
import { MAX_VIDEO_PIXELS, MAX_VIDEO_SIDE } from './export-kinds';
import { i420ToRgba, psnr } from './fidelity';
import { animationPlan, FrameRenderer, frameStep, type AnimationOptions } from './frames';
import type { ExportTargets } from '../views/targets.svelte';
import {
  abortError,
  nextTask,
  throttleProgress,
  throwIfAborted,
  type LongTaskOptions,
} from './tasks';

/** Which container to write; 'auto' picks MP4 when H.264 encodes, else WebM. */
export type VideoContainer = 'auto' | 'mp4' | 'webm';

export interface VideoOptions extends AnimationOptions {
  /** Frame width in pixels (rounded to even, as encoders need). */
  width: number;
  /** Frame height in pixels (rounded to even). */
  height: number;
  /** Frames per second. @default 30 */
  fps?: number;
  /** Length in seconds. @default 5 */
  duration?: number;
  /** @default 'auto' */
  container?: VideoContainer;
}

export interface VideoResult {
  blob: Blob;
  /** File extension without the dot: 'mp4' or 'webm'. */
  extension: string;
  mimeType: string;
  codec: VideoCodec;
  frames: number;
  width: number;
  height: number;
  fps: number;
  /** Seconds. */
  duration: number;
  /** Wall-clock milliseconds the export took. */
  elapsedMs: number;
  /**
   * Peak signal-to-noise ratio, dB, of the middle frame decoded from the file against the same
   * frame as drawn (RGB, 8 bits); undefined where the platform cannot decode what it encoded.
   */
  psnr?: number;
}

/** Even dimensions within the limits; throws for sizes no encoder takes. */
export function videoSize(width: number, height: number): { width: number; height: number } {
  const w = 2 * Math.round(width / 2);
  const h = 2 * Math.round(height / 2);
  if (!(w >= 16 && h >= 16)) throw new Error(`a video of ${width}×${height} is too small`);
  if (w > MAX_VIDEO_SIDE || h > MAX_VIDEO_SIDE || w * h > MAX_VIDEO_PIXELS) {
    throw new Error(`a video of ${w}×${h} exceeds 3840×2160`);
  }
  return { width: w, height: h };
}

/** The codecs to try, in order, for a container choice. */
const CANDIDATES: Record<VideoContainer, { codec: VideoCodec; container: 'mp4' | 'webm' }[]> = {
  auto: [
    { codec: 'avc', container: 'mp4' },
    { codec: 'vp9', container: 'webm' },
    { codec: 'vp8', container: 'webm' },
    { codec: 'av1', container: 'webm' },
  ],
  mp4: [
    { codec: 'avc', container: 'mp4' },
    { codec: 'vp9', container: 'mp4' },
    { codec: 'av1', container: 'mp4' },
  ],
  webm: [
    { codec: 'vp9', container: 'webm' },
    { codec: 'vp8', container: 'webm' },
    { codec: 'av1', container: 'webm' },
  ],
};

/** The first codec and container this platform can encode at a size and frame rate. */
export async function pickVideoCodec(
  width: number,
  height: number,
  fps: number,
  container: VideoContainer = 'auto',
): Promise<{ codec: VideoCodec; container: 'mp4' | 'webm' }> {
  for (const candidate of CANDIDATES[container]) {
    if (
      await canEncodeVideo(candidate.codec, {
        width,
        height,
        quality: QUALITY_HIGH,
        frameRate: fps,
      })
    ) {
      return candidate;
    }
  }
  throw new Error(
    `this platform cannot encode a ${width}×${height} video (no H.264, VP9, VP8 or AV1 encoder)`,
  );
}

/**
 * Renders and encodes the video. Reports progress per frame; aborting `signal` stops at the
 * next frame, discards the output and rejects with an AbortError.
 */
export async function exportVideo(
  targets: ExportTargets,
  options: VideoOptions,
  task: LongTaskOptions = {},
): Promise<VideoResult> {
  const started = performance.now();
  const { signal } = task;
  const onProgress = throttleProgress(task.onProgress);
  const { width, height } = videoSize(options.width, options.height);
  const fps = options.fps ?? 30;
  const { frames, from, to, orbit, frame } = animationPlan(
    targets,
    { ...options, fps, duration: options.duration ?? 5, width, height },
    { maxFps: 120, maxDuration: 600 },
  );

  throwIfAborted(signal);
  const { codec, container } = await pickVideoCodec(width, height, fps, options.container);
  const renderer = new FrameRenderer(targets, { ...frame, readback: true });
  const probe = Math.floor(frames / 2);
  let drawn: ImageData | undefined;
  const output = new Output({
    format:
      container === 'mp4'
        ? new Mp4OutputFormat({ fastStart: 'in-memory' })
        : new WebMOutputFormat(),
    target: new BufferTarget(),
  });
  const source = new CanvasSource(renderer.canvas, { codec, quality: QUALITY_HIGH });
  output.addVideoTrack(source, { frameRate: fps });
  let finished = false;
  try {
    await output.start();
    for (let i = 0; i < frames; i++) {
      if (signal?.aborted) throw abortError(signal);
      // A full orbit ends one frame short of where it began, so the video loops seamlessly.
      const t1 = performance.now();
      renderer.draw(frameStep(i, frames, from, to), (orbit * i) / frames);
      performance.measure('losslab:export-frame', { start: t1, end: performance.now() });
      const t0 = performance.now();
      if (i === probe) drawn = renderer.canvas.getContext('2d')!.getImageData(0, 0, width, height);
      await source.add(i / fps, 1 / fps);
      performance.measure('losslab:export-encode', { start: t0, end: performance.now() });
      onProgress?.(i + 1, frames);
      await nextTask();
    }
    if (signal?.aborted) throw abortError(signal);
    await output.finalize();
    finished = true;
  } finally {
    if (!finished) await output.cancel().catch(() => undefined);
    renderer.dispose();
  }
  const buffer = output.target.buffer;
  if (!buffer) throw new Error('the encoder produced no file');
  const mimeType = container === 'mp4' ? 'video/mp4' : 'video/webm';
  const fidelity = drawn ? await decodedPsnr(buffer, (probe + 0.5) / fps, drawn) : undefined;
  return {
    blob: new Blob([buffer], { type: mimeType }),
    extension: container,
    mimeType,
    codec,
    frames,
    width,
    height,
    fps,
    duration: frames / fps,
    elapsedMs: performance.now() - started,
    ...(fidelity !== undefined ? { psnr: fidelity } : {}),
  };
}

/**
 * PSNR (dB) of the frame shown at `time` in an encoded file against `drawn`, over the R, G and
 * B channels; undefined when the frame cannot be decoded here. Infinity for identical frames.
 */
export async function decodedPsnr(
  file: ArrayBuffer,
  time: number,
  drawn: ImageData,
): Promise<number | undefined> {
  const input = new Input({ formats: ALL_FORMATS, source: new BufferSource(file) });
  try {
    const track = await input.getPrimaryVideoTrack();
    if (!track || !(await track.canDecode())) return undefined;
    const sample = await new VideoSampleSink(track).getSample(time);
    if (!sample) return undefined;
    // Converted here rather than drawn on a canvas where the frame allows (see i420ToRgba).
    const decoded = await planesToRgba(sample, drawn.width, drawn.height);
    if (decoded) {
      sample.close();
      return psnr(drawn.data, decoded);
    }
    const canvas = document.createElement('canvas');
    canvas.width = drawn.width;
    canvas.height = drawn.height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    sample.draw(ctx, 0, 0, drawn.width, drawn.height);
    sample.close();
    return psnr(drawn.data, ctx.getImageData(0, 0, drawn.width, drawn.height).data);
  } catch {
    return undefined;
  } finally {
    input.dispose();
  }
}

/** A decoded 8-bit I420 frame's pixels in RGBA (see i420ToRgba); undefined for other frames. */
async function planesToRgba(
  sample: VideoSample,
  width: number,
  height: number,
): Promise<Uint8ClampedArray | undefined> {
  if (sample.format !== 'I420') return undefined;
  const frame = sample.toVideoFrame();
  try {
    const rect = frame.visibleRect;
    if (!rect || rect.width < width || rect.height < height) return undefined;
    const data = new Uint8Array(frame.allocationSize());
    const layout = await frame.copyTo(data);
    if (layout.length !== 3) return undefined;
    return i420ToRgba(data, [layout[0], layout[1], layout[2]], width, height, frame.colorSpace);
  } finally {
    frame.close();
  }
}
