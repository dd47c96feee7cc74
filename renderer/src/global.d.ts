import type { LossLabBridge } from '../../electron/common/bridge';

declare global {
  /** The app's version (package.json), written in by Vite. */
  const __LOSSLAB_VERSION__: string;

  interface Window {
    /** Present in the Electron app (from the preload); absent in browser mode. */
    losslab?: LossLabBridge;
  }
}

export {};
