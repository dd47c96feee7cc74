import type {
  BackendInfo,
  ClientMessage,
  EngineMessage,
  EngineMessageOf,
} from '../../electron/common/protocol';

/** Omit over each member of a union (plain Omit collapses the union). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Something that carries messages to an engine and back (in-process host, worker, socket). */
export interface Wire {
  send(message: unknown): void;
  onMessage(listener: (message: EngineMessage) => void): void;
}

/** A minimal test client: requests by id, and a log of everything the engine said. */
export class TestClient {
  readonly log: EngineMessage[] = [];
  private nextId = 1;
  private waiters: { match: (m: EngineMessage) => boolean; resolve: (m: EngineMessage) => void }[] =
    [];

  constructor(private readonly wire: Wire) {
    wire.onMessage((message) => {
      this.log.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
  }

  /** Sends anything (valid or not) and waits for the first message matching `match`. */
  sendAndWait(
    message: unknown,
    match: (m: EngineMessage) => boolean,
    timeoutMs = 20_000,
  ): Promise<EngineMessage> {
    const reply = this.waitFor(match, timeoutMs);
    this.wire.send(message);
    return reply;
  }

  waitFor(match: (m: EngineMessage) => boolean, timeoutMs = 20_000): Promise<EngineMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('timed out waiting for the engine')),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /**
   * Sends a request and resolves with its reply (ok, hello, grid) or its error.
   * @param timeoutMs how long the reply may take. @default 20,000
   */
  request(
    message: DistributiveOmit<Extract<ClientMessage, { id: number }>, 'id'>,
    timeoutMs?: number,
  ): Promise<EngineMessage> {
    const id = this.nextId++;
    // Progress reports carry the request's id but do not answer it.
    return this.sendAndWait(
      { ...message, id },
      (m) => 'id' in m && m.id === id && !m.type.endsWith('.progress'),
      timeoutMs,
    );
  }

  /** A hello that waits for tfjs (no `lazyBackend`): its reply carries the backend. */
  async hello(): Promise<EngineMessageOf<'hello'> & BackendInfo> {
    const reply = await this.request({ type: 'hello', protocol: 1 });
    if (reply.type !== 'hello') throw new Error(`hello failed: ${JSON.stringify(reply)}`);
    if (reply.backend === undefined) throw new Error('the hello came without its backend');
    return reply;
  }

  /** All points the engine has framed for a run, in step order (later frames overwrite). */
  trajectory(runId: string): { points: number[][]; gradNorm: number[]; lr: number[] } {
    const points: number[][] = [];
    const gradNorm: number[] = [];
    const lr: number[] = [];
    for (const m of this.log) {
      if (m.type === 'run.state' && m.run.runId === runId && m.run.step === 0) {
        points.length = 0;
        gradNorm.length = 0;
        lr.length = 0;
      }
      if (m.type !== 'frame') continue;
      for (const f of m.runs) {
        if (f.runId !== runId) continue;
        for (let i = 0; i < f.gradNorm.length; i++) {
          const k = f.fromStep + i;
          points[k] = [f.points[3 * i], f.points[3 * i + 1], f.points[3 * i + 2]];
          gradNorm[k] = f.gradNorm[i];
          lr[k] = f.lr[i];
        }
        points.length = gradNorm.length = lr.length = f.fromStep + f.gradNorm.length;
      }
    }
    return { points, gradNorm, lr };
  }
}
