/**
 * Requests that must not overlap, run one at a time in the order asked: a user who picks a
 * surface and then, at once, an optimizer gets the optimizer on the new surface, not on a run
 * that is being removed.
 */

/** A queue of operations, each started after every one queued before it has settled. */
export class SerialQueue {
  /** Operations queued or running that change the set of runs (panels wait for them). */
  restructuring = $state(0);
  private tail: Promise<unknown> = Promise.resolve();

  /**
   * Runs `operation` after every operation queued before it; its result (or error) is the
   * caller's, and a failure does not stop the operations after it. `restructures` counts it in
   * `restructuring` until it settles.
   */
  run<T>(operation: () => Promise<T>, restructures = false): Promise<T> {
    if (restructures) this.restructuring++;
    const result = this.tail.then(operation).finally(() => {
      if (restructures) this.restructuring--;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
