/**
 * The one typed client of the engine. Requests get promises (resolved by the engine's reply,
 * rejected with the field it names); everything else arrives as typed events.
 */
import type {
  AnsweredRequestType,
  ClientMessage,
  EngineMessage,
  EngineMessageOf,
  EngineOrHostMessage,
  PROTOCOL_VERSION,
  ProgressMessageType,
  ReplyOf,
  UnansweredRequestType,
} from '../../../../electron/common/protocol';
import type { Transport } from './transport';

/** Must equal the engine's; the type makes a mismatch a compile error. */
export const CLIENT_PROTOCOL: typeof PROTOCOL_VERSION = 1;

type Request<T extends AnsweredRequestType> = Omit<Extract<ClientMessage, { type: T }>, 'id'>;

/**
 * Messages that carry a request's id without answering it (progress reports): the protocol's
 * request→reply map names them (the type makes a missing one a compile error).
 */
const progress: Record<ProgressMessageType, true> = {
  'step.progress': true,
  'basins.progress': true,
  'net.landscape.progress': true,
  'net.resume.progress': true,
  'critical.progress': true,
  'critical.experiment.progress': true,
  'experiments.progress': true,
  'session.progress': true,
};
const notReplies = new Set<string>(Object.keys(progress));

/** The engine refused a request; `field` is the dotted path it named. */
export class EngineRequestError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

type EventMap = { [K in EngineOrHostMessage['type']]: Extract<EngineOrHostMessage, { type: K }> };

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (m: EngineMessage) => void; reject: (e: Error) => void }
  >();
  private readonly listeners = new Map<string, Set<(message: never) => void>>();

  constructor(private readonly transport: Transport) {
    transport.onMessage((message) => this.receive(message));
  }

  get transportKind(): Transport['kind'] {
    return this.transport.kind;
  }

  /**
   * Connects and says hello. The hello does not wait for tfjs (`lazyBackend`): the explorer
   * needs none, and loading it is most of an engine's start. The backend follows in a
   * `backend` message, unless the hello already carries it.
   */
  async connect(): Promise<EngineMessageOf<'hello'>> {
    await this.transport.connect();
    return this.request({ type: 'hello', protocol: CLIENT_PROTOCOL, lazyBackend: true });
  }

  async restart(): Promise<EngineMessageOf<'hello'>> {
    this.failPending('the engine restarted');
    await this.transport.restart();
    return this.request({ type: 'hello', protocol: CLIENT_PROTOCOL, lazyBackend: true });
  }

  request<T extends AnsweredRequestType>(
    message: Request<T> & { type: T },
    onId?: (id: number) => void,
  ): Promise<ReplyOf<T>> {
    const id = this.nextId++;
    onId?.(id);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (m: EngineMessage) => void, reject });
      this.transport.send({ ...message, id } as ClientMessage);
    });
  }

  /** A message that has no reply of its own (frame acknowledgements, cancellations). */
  post(message: Extract<ClientMessage, { type: UnansweredRequestType }>): void {
    this.transport.send(message);
  }

  on<K extends keyof EventMap>(type: K, listener: (message: EventMap[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as (message: never) => void);
    return () => set.delete(listener as (message: never) => void);
  }

  private receive(message: EngineOrHostMessage): void {
    const waiting =
      'id' in message && message.id !== undefined && !notReplies.has(message.type)
        ? this.pending.get(message.id)
        : undefined;
    if (waiting && 'id' in message && message.id !== undefined) {
      this.pending.delete(message.id);
      if (message.type === 'error')
        waiting.reject(new EngineRequestError(message.message, message.field));
      else waiting.resolve(message);
      if (message.type === 'error') return;
    }
    if (message.type === 'engine.gone') this.failPending(message.reason);
    const set = this.listeners.get(message.type);
    if (set) for (const listener of set) (listener as (m: EngineOrHostMessage) => void)(message);
  }

  private failPending(reason: string): void {
    for (const { reject } of this.pending.values()) reject(new Error(reason));
    this.pending.clear();
  }
}
