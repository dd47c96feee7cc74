import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeElectron, FakeBrowserWindow, FakeUtilityProcess } from '../helpers/fake-electron';

vi.mock('electron', () => fakeElectron());

const { createMainWindow, windowOptions, isAppUrl } = await import('../../electron/main/window');
const { EngineHost, ENGINE_SERVICE_NAME } = await import('../../electron/main/engine-host');
const { IpcChannel } = await import('../../electron/common/bridge');

beforeEach(() => {
  FakeBrowserWindow.created.length = 0;
  FakeUtilityProcess.forked.length = 0;
});

describe('main window', () => {
  it('is sandboxed and isolated, with no Node in the page', () => {
    const prefs = windowOptions('/app/dist/preload/preload.js').webPreferences!;
    expect(prefs).toMatchObject({
      preload: '/app/dist/preload/preload.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('loads the app from its own scheme and blocks navigation away, new windows and permissions', async () => {
    const window = createMainWindow('/p.js') as unknown as FakeBrowserWindow;
    expect(window.loadedUrl).toBe('losslab://app/index.html');
    const contents = window.webContents;

    const navigate = (url: string) => {
      const event = { preventDefault: vi.fn() };
      contents.emit('will-navigate', event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(navigate('https://evil.example/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate('losslab://app/index.html')).toBe(false);

    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();

    expect(contents.windowOpenHandler?.({ url: 'losslab://app/other.html' })).toEqual({
      action: 'deny',
    });
    expect(contents.windowOpenHandler?.({ url: 'https://example.org' })).toEqual({
      action: 'deny',
    });
    const { shell } = await import('electron');
    expect(shell.openExternal).toHaveBeenCalledWith('https://example.org');

    const granted: boolean[] = [];
    contents.permissionHandler?.(contents, 'media', (ok) => granted.push(ok));
    expect(granted).toEqual([false]);
  });

  it('recognises only its own origin', () => {
    expect(isAppUrl('losslab://app/index.html')).toBe(true);
    expect(isAppUrl('losslab://other/index.html')).toBe(false);
    expect(isAppUrl('http://127.0.0.1/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});

describe('engine host', () => {
  it('forks the engine as a utility process and links it to the window with a MessageChannelMain', () => {
    const window = new FakeBrowserWindow({});
    const host = new EngineHost('/app/dist/engine/utility.js', window.webContents as never, {
      dataDir: '/home/u/.config/LossLab',
      appVersion: '1.2.3',
    });
    host.connect();
    const [child] = FakeUtilityProcess.forked;
    expect(child.modulePath).toBe('/app/dist/engine/utility.js');
    expect(child.options.serviceName).toBe(ENGINE_SERVICE_NAME);
    expect(child.posted).toHaveLength(1);
    // The engine learns its data folder (the recording's autosave) with its port.
    expect(child.posted[0].message).toEqual({
      type: 'connect',
      options: { dataDir: '/home/u/.config/LossLab', appVersion: '1.2.3' },
    });
    expect(child.posted[0].ports).toHaveLength(1);
    const [toWindow] = window.webContents.posted;
    expect(toWindow.channel).toBe(IpcChannel.enginePort);
    expect(toWindow.ports).toHaveLength(1);
    // The two ends of one channel: one each.
    expect(toWindow.ports[0]).not.toBe(child.posted[0].ports[0]);
  });

  it('tells the window why the engine died, once, with the child-process-gone reason', async () => {
    vi.useFakeTimers();
    const window = new FakeBrowserWindow({});
    const host = new EngineHost('/e.js', window.webContents as never);
    host.start();
    const [child] = FakeUtilityProcess.forked;
    host.onProcessGone({ type: 'GPU', reason: 'crashed', exitCode: 1 });
    host.onProcessGone({
      type: 'Utility',
      serviceName: ENGINE_SERVICE_NAME,
      reason: 'oom',
      exitCode: 137,
    });
    child.emit('exit', 137);
    vi.advanceTimersByTime(200);
    vi.useRealTimers();
    const gone = window.webContents.sent.filter((s) => s.channel === IpcChannel.engineGone);
    expect(gone).toHaveLength(1);
    expect(gone[0].args[0]).toEqual({
      reason: 'the engine process oom (exit code 137)',
      exitCode: 137,
    });
  });

  it('does not report a death it caused, and restarts with a fresh process', () => {
    vi.useFakeTimers();
    const window = new FakeBrowserWindow({});
    const host = new EngineHost('/e.js', window.webContents as never);
    host.start();
    host.restart();
    FakeUtilityProcess.forked[0].emit('exit', 0);
    vi.advanceTimersByTime(200);
    vi.useRealTimers();
    expect(FakeUtilityProcess.forked[0].killed).toBe(true);
    expect(FakeUtilityProcess.forked).toHaveLength(2);
    expect(window.webContents.sent.filter((s) => s.channel === IpcChannel.engineGone)).toEqual([]);
  });
});
