/**
 * Small helpers every export shares: yielding to the page between frames, cancellation,
 * canvases to blobs, the app's background colour, file sizes for the status line.
 */

/**
 * Resolves after the page has had a chance to handle input and paint (a progress bar, a click
 * on Cancel). A message-channel task rather than setTimeout(0), which the browser clamps to
 * 4 ms once timers nest: over a few thousand frames that adds up.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Throws the signal's reason (an AbortError) if it has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** The error a cancelled export rejects with: a DOMException named "AbortError". */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error
    ? reason
    : new DOMException('The export was cancelled', 'AbortError');
}

/** Whether an error means the export was cancelled. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** A canvas as an image file. */
export function canvasToBlob(
  canvas: HTMLCanvasElement,
  type = 'image/png',
  quality?: number,
): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) =>
        blob
          ? resolve(blob)
          : reject(new Error(`could not encode a ${canvas.width}×${canvas.height} image`)),
      type,
      quality,
    ),
  );
}

/** The app's background colour (CSS `--bg`): what opaque exports are filled with. */
export function backgroundColor(): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue('--bg').trim();
  return value || '#0f1320';
}

/** A file size for people: 912 B, 48.2 kB, 3.1 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** Progress of a long export: frames done out of the total. */
export type ProgressCallback = (done: number, total: number) => void;

/**
 * `onProgress`, called at most once every `intervalMs` and always for the last frame. Every
 * report repaints the progress bar, and on a software rasterizer a repaint of the page cost
 * the GPU process 30–50 ms — as much as drawing a 1080p frame of the export itself.
 */
export function throttleProgress(
  onProgress: ProgressCallback | undefined,
  intervalMs = 250,
): ProgressCallback | undefined {
  if (!onProgress) return undefined;
  let last = -Infinity;
  return (done, total) => {
    const now = performance.now();
    if (done < total && now - last < intervalMs) return;
    last = now;
    onProgress(done, total);
  };
}

/** Options every long export takes. */
export interface LongTaskOptions {
  /** Called after each frame. */
  onProgress?: ProgressCallback;
  /** Aborting stops the export at the next frame and discards what was made. */
  signal?: AbortSignal;
}
