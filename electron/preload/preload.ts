/**
 * The only bridge between the sandboxed renderer and Electron. Exposes `window.losslab` with
 * purpose-built methods; the engine's MessagePort is forwarded to the page with
 * window.postMessage (ports cannot cross contextBridge).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import {
  ENGINE_PORT_MESSAGE,
  IpcChannel,
  type EngineGone,
  type LossLabBridge,
  type OpenedFile,
  type RecentSession,
} from '../common/bridge';
import { parseMenuCommand, type MenuCommand } from '../common/menu';

/** The page's window, as far as the preload touches it (electron/ is typed without the DOM). */
declare const window: {
  postMessage(message: unknown, targetOrigin: string, transfer: unknown[]): void;
  location: { origin: string };
};

ipcRenderer.on(IpcChannel.enginePort, (event: IpcRendererEvent) => {
  window.postMessage(ENGINE_PORT_MESSAGE, window.location.origin, event.ports);
});

const bridge: LossLabBridge = {
  connectEngine() {
    ipcRenderer.send(IpcChannel.connectEngine);
  },
  restartEngine() {
    return ipcRenderer.invoke(IpcChannel.restartEngine) as Promise<void>;
  },
  onEngineGone(listener) {
    const handler = (_event: IpcRendererEvent, gone: EngineGone) => listener(gone);
    ipcRenderer.on(IpcChannel.engineGone, handler);
    return () => {
      ipcRenderer.removeListener(IpcChannel.engineGone, handler);
    };
  },
  saveFile(name, bytes, again) {
    return ipcRenderer.invoke(IpcChannel.saveFile, name, bytes, again === true) as Promise<
      string | undefined
    >;
  },
  openSession(path) {
    return ipcRenderer.invoke(IpcChannel.openSession, path) as Promise<OpenedFile | undefined>;
  },
  recentSessions() {
    return ipcRenderer.invoke(IpcChannel.recentSessions) as Promise<RecentSession[]>;
  },
  rememberDropped(file) {
    // Sandboxed pages cannot see a dropped file's path; the preload can.
    const path = webUtils.getPathForFile(file);
    if (path) ipcRenderer.send(IpcChannel.rememberDropped, path);
  },
  sessionOpened(name) {
    if (typeof name === 'string') ipcRenderer.send(IpcChannel.sessionOpened, name);
  },
  setFullScreen(on) {
    return ipcRenderer.invoke(IpcChannel.setFullScreen, on === true) as Promise<void>;
  },
  onMenuCommand(listener) {
    const handler = (_event: IpcRendererEvent, message: unknown) => {
      const command: MenuCommand | undefined = parseMenuCommand(message);
      if (command) listener(command);
    };
    ipcRenderer.on(IpcChannel.menuCommand, handler);
    return () => {
      ipcRenderer.removeListener(IpcChannel.menuCommand, handler);
    };
  },
  setCommandStates(states) {
    // Main checks every field; a structured clone leaves no getters or functions behind.
    ipcRenderer.send(IpcChannel.commandStates, states);
  },
  versions: {
    electron: process.versions.electron ?? '',
    chrome: process.versions.chrome ?? '',
    node: process.versions.node,
  },
};

contextBridge.exposeInMainWorld('losslab', bridge);
