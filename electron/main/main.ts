/**
 * Electron main: thin. One window, one engine utility process per window, native dialogs.
 * Everything that computes lives in the engine; everything that draws, in the renderer.
 */
import {
  app,
  BrowserWindow,
  ipcMain,
  shell,
  type BaseWindow,
  type IpcMainEvent,
  type IpcMainInvokeEvent,
} from 'electron';
import path from 'node:path';
import { IpcChannel } from '../common/bridge';
import { parseCommandStates, type MenuCommand } from '../common/menu';
import { registerAppScheme, serveRenderer } from './app-protocol';
import { EngineHost } from './engine-host';
import { SessionFiles } from './files';
import { AppMenu } from './menu';
import { SystemOpens } from './system-open';
import { createMainWindow, isAppUrl } from './window';

const hosts = new Map<number, EngineHost>();

const WEBSITE = 'https://github.com/losslab/losslab';

/**
 * A menu command goes to the window it was chosen in (else the focused one), if an app window.
 * Returns whether it went.
 */
function sendCommand(command: MenuCommand, clicked: BaseWindow | undefined): boolean {
  const window =
    (clicked && BrowserWindow.fromId(clicked.id)) ??
    BrowserWindow.getFocusedWindow() ??
    BrowserWindow.getAllWindows()[0];
  if (!window || !hosts.has(window.webContents.id)) return false;
  window.webContents.send(IpcChannel.menuCommand, command);
  return true;
}

/** Sessions opened from the system (file association, recent documents, command line). */
const systemOpens = new SystemOpens();
for (const file of SystemOpens.sessionsIn(process.argv.slice(1))) systemOpens.add(file);
// macOS tells the app (before it is ready, at launch) rather than passing arguments.
app.on('open-file', (event, file) => {
  event.preventDefault();
  systemOpens.add(file);
});

/** IPC is accepted only from the app's own windows, from their top frame. */
function trustedHost(event: IpcMainEvent | IpcMainInvokeEvent): EngineHost | undefined {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null || !isAppUrl(frame.url)) return undefined;
  return hosts.get(event.sender.id);
}

/** dist/ inside the app (the repo in development, app.asar when packaged). */
const distDir = () => path.join(app.getAppPath(), 'dist');

function openWindow(): void {
  const window = createMainWindow(path.join(distDir(), 'preload', 'preload.js'));
  const contents = window.webContents;
  const id = contents.id;
  const host = new EngineHost(path.join(distDir(), 'engine', 'utility.js'), contents, {
    // The recording's autosave lives in the app's data folder.
    dataDir: app.getPath('userData'),
    appVersion: app.getVersion(),
  });
  hosts.set(id, host);
  host.start();
  window.on('closed', () => {
    host.stop();
    hosts.delete(id);
  });
}

registerAppScheme();
if (!app.requestSingleInstanceLock()) app.quit();

app.on('second-instance', (_event, argv, workingDirectory) => {
  for (const file of SystemOpens.sessionsIn(argv)) {
    systemOpens.add(path.resolve(workingDirectory, file));
  }
  const [window] = BrowserWindow.getAllWindows();
  if (window) {
    if (window.isMinimized()) window.restore();
    window.focus();
  }
});

app.on('child-process-gone', (_event, details) => {
  for (const host of hosts.values()) host.onProcessGone(details);
});

void app.whenReady().then(() => {
  serveRenderer(path.join(distDir(), 'renderer'));
  const fileService = new SessionFiles(
    path.join(app.getPath('userData'), 'recent-sessions.json'),
    () => void menu.refreshRecent(),
  );
  const menu = new AppMenu(
    { isMac: process.platform === 'darwin', isPackaged: app.isPackaged },
    {
      run: sendCommand,
      clearRecent: () => void fileService.clear(),
      openWebsite: () => void shell.openExternal(WEBSITE),
    },
    () => fileService.recent(),
  );
  menu.show();
  void menu.refreshRecent();
  systemOpens.connect({
    allow: (file) => fileService.allow(file),
    canOpen: () => menu.enabled('openRecent'),
    open: (file) => sendCommand({ id: 'openRecent', path: file }, undefined),
  });
  ipcMain.on(IpcChannel.connectEngine, (event) => trustedHost(event)?.connect());
  ipcMain.handle(IpcChannel.restartEngine, (event) => {
    const host = trustedHost(event);
    if (!host) throw new Error('not an app window');
    host.restart();
  });
  const windowOf = (event: IpcMainInvokeEvent) => BrowserWindow.fromWebContents(event.sender);
  const trusted = (event: IpcMainInvokeEvent) => {
    if (!trustedHost(event)) throw new Error('not an app window');
  };
  ipcMain.handle(IpcChannel.saveFile, (event, name: unknown, bytes: unknown, again: unknown) => {
    trusted(event);
    if (typeof name !== 'string' || !(bytes instanceof Uint8Array)) {
      throw new Error('saveFile takes a file name and a Uint8Array');
    }
    return fileService.save(windowOf(event), name, bytes, again === true);
  });
  ipcMain.handle(IpcChannel.openSession, (event, file: unknown) => {
    trusted(event);
    if (file !== undefined && typeof file !== 'string') throw new Error('openSession takes a path');
    return fileService.open(windowOf(event), file);
  });
  ipcMain.handle(IpcChannel.recentSessions, (event) => {
    trusted(event);
    return fileService.recent();
  });
  ipcMain.on(IpcChannel.rememberDropped, (event, file: unknown) => {
    if (trustedHost(event) && typeof file === 'string') fileService.offer(file);
  });
  ipcMain.on(IpcChannel.sessionOpened, (event, name: unknown) => {
    if (trustedHost(event) && typeof name === 'string') {
      void fileService.opened(name, BrowserWindow.fromWebContents(event.sender));
    }
  });
  ipcMain.on(IpcChannel.commandStates, (event, message: unknown) => {
    if (!trustedHost(event)) return;
    const states = parseCommandStates(message);
    if (typeof states === 'string') console.warn(`LossLab menu: refused ${states}`);
    else {
      menu.setStates(states);
      systemOpens.flush();
    }
  });
  ipcMain.handle(IpcChannel.setFullScreen, (event, on: unknown) => {
    trusted(event);
    windowOf(event)?.setFullScreen(on === true);
  });
  openWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
