/**
 * A stand-in for the engine connection: requests wait until the test answers them, in the
 * order they were sent, and events reach the listeners the stores registered.
 */
import type { EngineConnection } from '../../../renderer/src/lib/engine/connection.svelte';

export interface SentRequest {
  message: { type: string } & Record<string, unknown>;
  resolve(reply: unknown): void;
  reject(error: Error): void;
}

export class FakeClient {
  readonly sent: SentRequest[] = [];
  readonly posted: unknown[] = [];
  private readonly listeners = new Map<string, Set<(message: never) => void>>();

  request(message: SentRequest['message']): Promise<unknown> {
    return new Promise((resolve, reject) => this.sent.push({ message, resolve, reject }));
  }

  post(message: unknown): void {
    this.posted.push(message);
  }

  on(type: string, listener: (message: never) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit(type: string, message: object): void {
    for (const listener of this.listeners.get(type) ?? [])
      (listener as (m: object) => void)({ type, ...message });
  }

  /** The types of the requests sent so far. */
  get types(): string[] {
    return this.sent.map((s) => s.message.type);
  }
}

/** A connection that is up, around a fake client. */
export function fakeEngine(client = new FakeClient()): {
  engine: EngineConnection;
  client: FakeClient;
} {
  const engine = { client, status: 'ready', ready: true, hello: undefined } as unknown;
  return { engine: engine as EngineConnection, client };
}

/** Lets every promise callback queued so far run. */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
