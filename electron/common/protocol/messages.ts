/**
 * The whole protocol: every client request and every engine message, composed from the parts
 * (the engine as a whole, the explorer, the network lab, sessions), and which engine message
 * answers which request.
 */
import { z } from 'zod';
import { controlRequests, type ControlMessage } from './control';
import { criticalRequests, type CriticalMessage } from './critical';
import { experimentsRequests, type ExperimentsMessage } from './experiments';
import { explorerRequests, type ExplorerMessage } from './explorer';
import { networkRequests, type NetworkMessage } from './network';
import { sessionRequests, type SessionMessage } from './session';

/** Every message a client may send, validated by the engine at its boundary. */
export const clientMessageSchema = z.discriminatedUnion('type', [
  ...controlRequests,
  ...explorerRequests,
  ...networkRequests,
  ...criticalRequests,
  ...experimentsRequests,
  ...sessionRequests,
]);
export type ClientMessage = z.input<typeof clientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];
/** A client message after validation (defaults filled in). */
export type ValidClientMessage = z.output<typeof clientMessageSchema>;
/** A client message of one type, after validation. */
export type ValidClientMessageOf<T extends ClientMessageType> = Extract<
  ValidClientMessage,
  { type: T }
>;

/** Every message the engine sends. */
export type EngineMessage =
  | ControlMessage
  | ExplorerMessage
  | NetworkMessage
  | CriticalMessage
  | ExperimentsMessage
  | SessionMessage;
export type EngineMessageType = EngineMessage['type'];
export type EngineMessageOf<T extends EngineMessageType> = Extract<EngineMessage, { type: T }>;

/** How the engine answers one kind of request. */
export interface ReplySpec {
  /**
   * The message types that answer it, carrying its id (the first such message settles it);
   * empty: it is not answered (an acknowledgement or a cancellation).
   */
  readonly reply: readonly EngineMessageType[];
  /** Messages carrying its id before its answer, reporting how far it has come. */
  readonly progress?: readonly EngineMessageType[];
}

/**
 * The request→reply map: which engine message answers each client request. Any request may be
 * refused instead with an `error` carrying its id. The client types its promises with it, the
 * engine its replies; `frame.ack` and the cancellations have no answer of their own (a
 * cancelled job answers its own request with an error starting "cancelled").
 */
export const requestReplies = {
  hello: { reply: ['hello'] },
  'run.reset': { reply: ['ok'] },
  playback: { reply: ['ok'] },
  step: { reply: ['ok'], progress: ['step.progress'] },
  'frame.ack': { reply: [] },
  'job.cancel': { reply: [] },
  'run.create': { reply: ['ok'] },
  'run.update': { reply: ['ok'] },
  'run.remove': { reply: ['ok'] },
  'surface.sample': { reply: ['surface.grid'] },
  'run.inspect': { reply: ['run.inspection'] },
  'schedule.preview': { reply: ['schedule.values'] },
  'basins.compute': { reply: ['basins.result'], progress: ['basins.progress'] },
  'basins.cancel': { reply: [] },
  'net.setup': { reply: ['net.problem'] },
  'net.model.open': { reply: ['net.problem'] },
  'net.run.create': { reply: ['ok'] },
  'net.run.update': { reply: ['ok'] },
  'net.run.remove': { reply: ['ok'] },
  'net.evaluate': { reply: ['net.evaluation'] },
  'net.view': { reply: ['net.view.data'] },
  'net.speed': { reply: ['ok'] },
  'net.landscape': { reply: ['net.landscape.result'], progress: ['net.landscape.progress'] },
  'net.landscape.cancel': { reply: [] },
  'net.run.resume': { reply: ['ok'], progress: ['net.resume.progress'] },
  'net.directions.save': { reply: ['ok'] },
  'net.line': { reply: ['net.line.result'] },
  'net.data.part': { reply: ['ok', 'net.data.imported'] },
  'net.landscape.file': { reply: ['net.landscape.file.result'] },
  'critical.analyze': { reply: ['critical.result'], progress: ['critical.progress'] },
  'critical.escape': { reply: ['critical.escaped'], progress: ['critical.progress'] },
  'critical.line': { reply: ['critical.line.result'], progress: ['critical.progress'] },
  'critical.import': { reply: ['critical.result'] },
  'critical.experiment': {
    reply: ['critical.experiment.result'],
    progress: ['critical.experiment.progress'],
  },
  'experiments.run': { reply: ['experiments.result'], progress: ['experiments.progress'] },
  'experiments.remove': { reply: ['ok'] },
  'session.save': { reply: ['session.file'] },
  'session.open': { reply: ['session.opened'], progress: ['session.progress'] },
  'session.upload': { reply: ['ok'] },
  /** check: session.recoverable; open: session.opened; discard: ok. */
  'session.recover': {
    reply: ['session.recoverable', 'session.opened', 'ok'],
    progress: ['session.progress'],
  },
  'record.start': { reply: ['ok'] },
  'record.stop': { reply: ['ok'] },
  'session.context': { reply: ['ok'] },
  sync: { reply: ['ok'] },
  /** Answered by run.forked (an `ok` with its id follows, settling nothing). */
  'run.fork': { reply: ['run.forked'] },
} as const satisfies { [T in ClientMessageType]: ReplySpec };

/** Requests the engine answers. */
export type AnsweredRequestType = {
  [T in ClientMessageType]: (typeof requestReplies)[T]['reply'] extends readonly [] ? never : T;
}[ClientMessageType];

/** Requests without an answer of their own (acknowledgements, cancellations). */
export type UnansweredRequestType = Exclude<ClientMessageType, AnsweredRequestType>;

/** The engine message that answers a request of type T. */
export type ReplyOf<T extends AnsweredRequestType> = EngineMessageOf<
  (typeof requestReplies)[T]['reply'][number]
>;

/** Engine messages that carry a request's id without answering it (progress reports). */
export type ProgressMessageType = {
  [T in ClientMessageType]: (typeof requestReplies)[T] extends {
    progress: readonly (infer P)[];
  }
    ? P
    : never;
}[ClientMessageType];

/** Engine messages that carry a request's id without answering it (progress reports). */
export const progressMessageTypes: ReadonlySet<EngineMessageType> = new Set<EngineMessageType>(
  Object.values(requestReplies).flatMap((spec: ReplySpec) => spec.progress ?? []),
);
