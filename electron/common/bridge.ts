/**
 * `window.losslab`: the one object the preload exposes to the renderer. Purpose-built methods
 * only; no generic send, no sendSync, no process.env.
 */

import type { CommandStates, MenuCommand } from './menu';

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
  /**
   * Shows the native Save dialog (starting at `name` in the Documents folder) and writes the
   * bytes there. Resolves the path written, or undefined when the user cancelled. `again`
   * (Save, not Save As): writes over the session this window last saved or opened under the
   * same name without asking; the dialog asks when there is none.
   */
  saveFile(name: string, bytes: Uint8Array, again?: boolean): Promise<string | undefined>;
  /**
   * Opens a session: `path` must be one of recentSessions(); without it, the native Open
   * dialog asks. Resolves undefined when the user cancelled.
   */
  openSession(path?: string): Promise<OpenedFile | undefined>;
  /** Sessions opened or saved lately, newest first (ones since deleted are left out). */
  recentSessions(): Promise<RecentSession[]>;
  /**
   * A session file dropped on the window: main notes its path, and adds it to the recent ones
   * once the engine has opened it ({@link sessionOpened}).
   */
  rememberDropped(file: File): void;
  /**
   * The session named `name` (as `openSession` gave it, or as dropped) opened: it joins the
   * recent sessions. A file the engine refused never does.
   */
  sessionOpened(name: string): void;
  /** Full screen on or off (presentation mode). */
  setFullScreen(on: boolean): Promise<void>;
  /**
   * The application menu asks the page to run one of its commands (an id of the fixed list;
   * anything else is dropped). Returns a function that unsubscribes.
   */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  /** Tells main which commands are enabled (and checked): the menu follows the page. */
  setCommandStates(states: CommandStates): void;
  /** Versions of the shell, for the About box. */
  readonly versions: { electron: string; chrome: string; node: string };
}

/** A file read from disk for the renderer. */
export interface OpenedFile {
  name: string;
  path: string;
  bytes: Uint8Array;
}

export interface RecentSession {
  name: string;
  path: string;
  /** ISO 8601: when it was last opened or saved. */
  at: string;
}

/** The data of the window message carrying the engine port. */
export const ENGINE_PORT_MESSAGE = 'losslab:engine-port';

/** IPC channels between preload and main; nothing else is listened to. */
export const IpcChannel = {
  connectEngine: 'losslab:connect-engine',
  restartEngine: 'losslab:restart-engine',
  enginePort: 'losslab:engine-port',
  engineGone: 'losslab:engine-gone',
  saveFile: 'losslab:save-file',
  openSession: 'losslab:open-session',
  recentSessions: 'losslab:recent-sessions',
  rememberDropped: 'losslab:remember-dropped',
  sessionOpened: 'losslab:session-opened',
  setFullScreen: 'losslab:set-full-screen',
  menuCommand: 'losslab:menu-command',
  commandStates: 'losslab:command-states',
} as const;

/** The scheme and host the renderer is served from in Electron. */
export const APP_SCHEME = 'losslab';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
