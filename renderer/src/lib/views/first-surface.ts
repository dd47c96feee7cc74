/**
 * The page's first surface on screen: marked for the start-up benchmark (the performance mark
 * `losslab:first-surface`, scripts/bench/startup.mjs), and awaited by what can wait for it.
 * Apart from the 3-D view's code (three.js) so that the shell's panels can wait without
 * loading it.
 */

let drawn = false;
const waiting = new Set<() => void>();

/** The first surface was drawn (the 3-D view's first render with a surface). Once per page. */
export function markFirstSurface(): void {
  if (drawn) return;
  drawn = true;
  performance.mark('losslab:first-surface');
  for (const then of [...waiting]) then();
  waiting.clear();
}

/**
 * Calls `then` once the page's first surface has been drawn and the page is idle again (its
 * frame on screen first), or after `fallbackMs` without one (a page whose 3-D view never
 * draws). Work that is not needed for the first picture waits for it this way, so it does not
 * slow it (issue 14: the loss curves' first chart.js layout, 0.5 s of the page's main thread on
 * a loaded software-rendered machine). Returns the cancel.
 */
export function afterFirstSurface(then: () => void, fallbackMs = 10_000): () => void {
  let idle: number | undefined;
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    clearTimeout(fallback);
    waiting.delete(ready);
    then();
  };
  const ready = () => {
    if (done || idle !== undefined) return;
    // After the frame that drew the surface (not inside it), when the page has time.
    idle =
      typeof requestIdleCallback === 'function'
        ? requestIdleCallback(run, { timeout: 500 })
        : window.setTimeout(run, 0);
  };
  const fallback = setTimeout(ready, fallbackMs);
  if (drawn) ready();
  else waiting.add(ready);
  return () => {
    done = true;
    clearTimeout(fallback);
    waiting.delete(ready);
    if (idle !== undefined) {
      if (typeof cancelIdleCallback === 'function') cancelIdleCallback(idle);
      else clearTimeout(idle);
    }
  };
}
