/**
 * What a host (Electron's main process, the browser-mode server, a test) adds around the
 * engine, and the port it gives the engine.
 */
import type { EngineMessage } from './messages';

/** Messages a host adds around the engine (not from the engine itself). */
export type HostMessage = {
  type: 'engine.gone';
  /** Electron's child-process-gone reason, or the worker's exit description. */
  reason: string;
  exitCode?: number;
};

export type EngineOrHostMessage = EngineMessage | HostMessage;

/** Requests a client makes of the host rather than the engine. */
export type HostRequest = { type: 'engine.restart' };

/** What a host gives the engine: a port it can post to and hear from. */
export interface EnginePort {
  post(message: EngineMessage, transfer?: ArrayBuffer[]): void;
  onMessage(listener: (message: unknown) => void): void;
}
