/**
 * A recorded fake of the parts of the `electron` module the shell uses: the Electron binary
 * cannot run on CI, so main and preload are tested against what they ask of Electron.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  id = FakeWebContents.nextId++;
  sent: { channel: string; args: unknown[] }[] = [];
  posted: { channel: string; message: unknown; ports: unknown[] }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  permissionHandler: ((c: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
  destroyed = false;
  session = {
    setPermissionRequestHandler: (h: FakeWebContents['permissionHandler']) => {
      this.permissionHandler = h;
    },
    setPermissionCheckHandler: vi.fn(),
  };
  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  }
  postMessage(channel: string, message: unknown, ports: unknown[] = []) {
    this.posted.push({ channel, message, ports });
  }
  setWindowOpenHandler(h: FakeWebContents['windowOpenHandler']) {
    this.windowOpenHandler = h;
  }
  isDestroyed() {
    return this.destroyed;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static created: FakeBrowserWindow[] = [];
  static focused: FakeBrowserWindow | null = null;
  static nextId = 1;
  id = FakeBrowserWindow.nextId++;
  webContents = new FakeWebContents();
  loadedUrl: string | undefined;
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.created.push(this);
  }
  loadURL(url: string) {
    this.loadedUrl = url;
    return Promise.resolve();
  }
  show() {}
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {}
  static getAllWindows() {
    return FakeBrowserWindow.created;
  }
  static fromId(id: number) {
    return FakeBrowserWindow.created.find((w) => w.id === id) ?? null;
  }
  static fromWebContents(contents: unknown) {
    return FakeBrowserWindow.created.find((w) => w.webContents === contents) ?? null;
  }
  static getFocusedWindow() {
    return FakeBrowserWindow.focused;
  }
}

export class FakeUtilityProcess extends EventEmitter {
  static forked: FakeUtilityProcess[] = [];
  posted: { message: unknown; ports: unknown[] }[] = [];
  killed = false;
  constructor(
    readonly modulePath: string,
    readonly args: string[],
    readonly options: Record<string, unknown>,
  ) {
    super();
    FakeUtilityProcess.forked.push(this);
  }
  postMessage(message: unknown, ports: unknown[] = []) {
    this.posted.push({ message, ports });
  }
  kill() {
    this.killed = true;
    return true;
  }
}

export class FakeMessagePortMain {
  constructor(readonly name: string) {}
}

export const exposed: Record<string, unknown> = {};
export const ipcRendererFake = {
  sent: [] as { channel: string; args: unknown[] }[],
  invoked: [] as { channel: string; args: unknown[] }[],
  listeners: new Map<string, ((...args: unknown[]) => void)[]>(),
  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  },
  invoke(channel: string, ...args: unknown[]) {
    this.invoked.push({ channel, args });
    return Promise.resolve();
  },
  on(channel: string, listener: (...args: unknown[]) => void) {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
    return this;
  },
  removeListener(channel: string, listener: (...args: unknown[]) => void) {
    this.listeners.set(
      channel,
      (this.listeners.get(channel) ?? []).filter((l) => l !== listener),
    );
    return this;
  },
  emit(channel: string, ...args: unknown[]) {
    for (const l of this.listeners.get(channel) ?? []) l(...args);
  },
};

/** Where the fake app's folders (userData, documents) point; tests may change it. */
export let fakePathsRoot = path.join(os.tmpdir(), 'losslab-fake-electron');
export function setFakePathsRoot(dir: string): void {
  fakePathsRoot = dir;
}

export const appFake = Object.assign(new EventEmitter(), {
  isPackaged: false,
  getAppPath: () => path.resolve(__dirname, '../..'),
  whenReady: () => Promise.resolve(),
  requestSingleInstanceLock: () => true,
  quit: vi.fn(),
  getPath: (name: string) => path.join(fakePathsRoot, name),
  getVersion: () => '0.0.0-fake',
  addRecentDocument: vi.fn(),
  clearRecentDocuments: vi.fn(),
});
export const ipcMainFake = {
  listeners: new Map<string, (event: unknown, ...args: unknown[]) => void>(),
  handlers: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void) {
    this.listeners.set(channel, listener);
  },
  handle(channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) {
    this.handlers.set(channel, handler);
  },
};
export const protocolFake = {
  privileged: [] as unknown[],
  handlers: new Map<string, (request: Request) => Promise<Response>>(),
  registerSchemesAsPrivileged(schemes: unknown[]) {
    this.privileged.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Promise<Response>) {
    this.handlers.set(scheme, handler);
  },
};

/** Native dialogs: each call is recorded and answered with the next queued answer. */
export const dialogFake = {
  calls: [] as { kind: 'open' | 'save'; options: Record<string, unknown> }[],
  answers: [] as { canceled: boolean; filePaths?: string[]; filePath?: string }[],
  showOpenDialog(...args: unknown[]) {
    this.calls.push({ kind: 'open', options: args.at(-1) as Record<string, unknown> });
    return Promise.resolve(this.answers.shift() ?? { canceled: true, filePaths: [] });
  },
  showSaveDialog(...args: unknown[]) {
    this.calls.push({ kind: 'save', options: args.at(-1) as Record<string, unknown> });
    return Promise.resolve(this.answers.shift() ?? { canceled: true });
  },
};

export function fakeElectron() {
  return {
    app: appFake,
    ipcMain: ipcMainFake,
    protocol: protocolFake,
    // Electron's net.fetch reads file:// URLs; Node's fetch does not.
    net: {
      fetch: async (url: string) => {
        try {
          return new Response(await readFile(fileURLToPath(url)), { status: 200 });
        } catch {
          return new Response('missing', { status: 404 });
        }
      },
    },
    Menu: { buildFromTemplate: (t: unknown) => ({ template: t }), setApplicationMenu: vi.fn() },
    BrowserWindow: FakeBrowserWindow,
    MessageChannelMain: class {
      port1 = new FakeMessagePortMain('port1');
      port2 = new FakeMessagePortMain('port2');
    },
    utilityProcess: {
      fork: (modulePath: string, args: string[], options: Record<string, unknown>) =>
        new FakeUtilityProcess(modulePath, args, options),
    },
    shell: { openExternal: vi.fn(() => Promise.resolve()) },
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        exposed[key] = api;
      },
    },
    ipcRenderer: ipcRendererFake,
    webUtils: { getPathForFile: (file: { path?: string }) => file.path ?? '' },
    dialog: dialogFake,
  };
}
