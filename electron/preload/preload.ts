/**
 * The only bridge between the sandboxed renderer and Electron. Exposes `window.losslab` with
 * purpose-built methods; the engine's MessagePort is forwarded to the page with
 * window.postMessage (ports cannot cross contextBridge).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  ENGINE_PORT_MESSAGE,
  IpcChannel,
  type EngineGone,
  type LossLabBridge,
} from '../common/bridge';

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
  versions: {
    electron: process.versions.electron ?? '',
    chrome: process.versions.chrome ?? '',
    node: process.versions.node,
  },
};

contextBridge.exposeInMainWorld('losslab', bridge);
