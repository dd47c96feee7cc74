/**
 * `window.losslab`: the one object the preload exposes to the renderer. Purpose-built methods
 * only; no generic send, no sendSync, no process.env.
 */

/** Why the engine process went away, from Electron's `child-process-gone` details. */
export interface EngineGone {
  reason: string;
  exitCode?: number;
}

export interface LossLabBridge {
  /**
   * Asks main for a fresh engine connection. The MessagePort arrives as a window `message`
   * event whose data is {@link ENGINE_PORT_MESSAGE} and whose `ports[0]` is the port.
   */
  connectEngine(): void;
  /** Starts a new engine after the old one died; connect again afterwards. */
  restartEngine(): Promise<void>;
  /** Called when the engine process dies. Returns a function that unsubscribes. */
  onEngineGone(listener: (gone: EngineGone) => void): () => void;
  /** Versions of the shell, for the About box. */
  readonly versions: { electron: string; chrome: string; node: string };
}

/** The data of the window message carrying the engine port. */
export const ENGINE_PORT_MESSAGE = 'losslab:engine-port';

/** IPC channels between preload and main; nothing else is listened to. */
export const IpcChannel = {
  connectEngine: 'losslab:connect-engine',
  restartEngine: 'losslab:restart-engine',
  enginePort: 'losslab:engine-port',
  engineGone: 'losslab:engine-gone',
} as const;

/** The scheme and host the renderer is served from in Electron. */
export const APP_SCHEME = 'losslab';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
