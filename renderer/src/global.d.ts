import type { LossLabBridge } from '../../electron/common/bridge';

declare global {
  interface Window {
    /** Present in the Electron app (from the preload); absent in browser mode. */
    losslab?: LossLabBridge;
  }
}

export {};
