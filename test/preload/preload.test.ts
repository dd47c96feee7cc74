import { describe, expect, it, vi } from 'vitest';
import { exposed, fakeElectron, ipcRendererFake } from '../helpers/fake-electron';

vi.mock('electron', () => fakeElectron());

const posted: unknown[][] = [];
vi.stubGlobal('window', {
  location: { origin: 'losslab://app' },
  postMessage: (...args: unknown[]) => posted.push(args),
});
vi.stubGlobal('process', {
  ...process,
  versions: { ...process.versions, electron: '45.5.0', chrome: '140' },
});

await import('../../electron/preload/preload');
const { IpcChannel, ENGINE_PORT_MESSAGE } = await import('../../electron/common/bridge');

describe('preload', () => {
  it('exposes exactly one object, window.losslab, with purpose-built methods only', () => {
    expect(Object.keys(exposed)).toEqual(['losslab']);
    const bridge = exposed.losslab as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual([
      'connectEngine',
      'onEngineGone',
      'onMenuCommand',
      'openSession',
      'recentSessions',
      'rememberDropped',
      'restartEngine',
      'saveFile',
      'sessionOpened',
      'setCommandStates',
      'setFullScreen',
      'versions',
    ]);
    for (const generic of ['send', 'invoke', 'sendSync', 'on', 'ipcRenderer', 'env']) {
      expect(bridge[generic]).toBeUndefined();
    }
    expect(bridge.versions).toEqual({
      electron: '45.5.0',
      chrome: '140',
      node: process.versions.node,
    });
  });

  it('connectEngine sends only its own channel; restartEngine invokes only its own', async () => {
    const bridge = exposed.losslab as { connectEngine(): void; restartEngine(): Promise<void> };
    bridge.connectEngine();
    await bridge.restartEngine();
    expect(ipcRendererFake.sent).toEqual([{ channel: IpcChannel.connectEngine, args: [] }]);
    expect(ipcRendererFake.invoked).toEqual([{ channel: IpcChannel.restartEngine, args: [] }]);
  });

  it('file methods invoke only their own channels; a dropped file is remembered by its path', async () => {
    const bridge = exposed.losslab as {
      saveFile(name: string, bytes: Uint8Array): Promise<unknown>;
      openSession(path?: string): Promise<unknown>;
      recentSessions(): Promise<unknown>;
      setFullScreen(on: boolean): Promise<void>;
      rememberDropped(file: unknown): void;
      sessionOpened(name: unknown): void;
    };
    ipcRendererFake.invoked.length = 0;
    ipcRendererFake.sent.length = 0;
    const bytes = new Uint8Array([1, 2]);
    await bridge.saveFile('a.png', bytes);
    await bridge.openSession();
    await bridge.recentSessions();
    await bridge.setFullScreen(true);
    bridge.rememberDropped({ path: '/home/u/race.losslab' });
    bridge.rememberDropped({});
    bridge.sessionOpened('race.losslab');
    bridge.sessionOpened(42);
    expect(ipcRendererFake.invoked).toEqual([
      { channel: IpcChannel.saveFile, args: ['a.png', bytes, false] },
      { channel: IpcChannel.openSession, args: [undefined] },
      { channel: IpcChannel.recentSessions, args: [] },
      { channel: IpcChannel.setFullScreen, args: [true] },
    ]);
    expect(ipcRendererFake.sent).toEqual([
      { channel: IpcChannel.rememberDropped, args: ['/home/u/race.losslab'] },
      { channel: IpcChannel.sessionOpened, args: ['race.losslab'] },
    ]);
  });

  it('forwards the engine port to the page, to its own origin only', () => {
    const port = { fake: 'port' };
    ipcRendererFake.emit(IpcChannel.enginePort, { ports: [port] });
    expect(posted).toEqual([[ENGINE_PORT_MESSAGE, 'losslab://app', [port]]]);
  });

  it('passes engine deaths to the page and can unsubscribe', () => {
    const bridge = exposed.losslab as { onEngineGone(l: (g: unknown) => void): () => void };
    const seen: unknown[] = [];
    const off = bridge.onEngineGone((g) => seen.push(g));
    ipcRendererFake.emit(IpcChannel.engineGone, {}, { reason: 'crashed', exitCode: 11 });
    off();
    ipcRendererFake.emit(IpcChannel.engineGone, {}, { reason: 'again' });
    expect(seen).toEqual([{ reason: 'crashed', exitCode: 11 }]);
  });

  it('passes menu commands to the page: known ids only, a path only for Open Recent', () => {
    const bridge = exposed.losslab as {
      onMenuCommand(l: (c: unknown) => void): () => void;
      saveFile(name: string, bytes: Uint8Array, again?: boolean): Promise<unknown>;
    };
    const seen: unknown[] = [];
    const off = bridge.onMenuCommand((c) => seen.push(c));
    const send = (message: unknown) => ipcRendererFake.emit(IpcChannel.menuCommand, {}, message);
    send({ id: 'saveSession' });
    send({ id: 'lesson.mismatch' });
    send({ id: 'openRecent', path: '/home/u/a.losslab' });
    // Dropped: unknown ids, a path where none belongs, Open Recent without one, non-objects.
    send({ id: 'eval' });
    send({ id: 'saveSession', path: '/etc/passwd' });
    send({ id: 'openRecent' });
    send({ id: 'openRecent', path: 'x'.repeat(5000) });
    send('saveSession');
    send(null);
    off();
    send({ id: 'showAbout' });
    expect(seen).toEqual([
      { id: 'saveSession' },
      { id: 'lesson.mismatch' },
      { id: 'openRecent', path: '/home/u/a.losslab' },
    ]);
  });

  it('sends command states on its own channel; Save passes whether it saves again', async () => {
    const bridge = exposed.losslab as {
      setCommandStates(states: unknown): void;
      saveFile(name: string, bytes: Uint8Array, again?: boolean): Promise<unknown>;
    };
    ipcRendererFake.sent.length = 0;
    ipcRendererFake.invoked.length = 0;
    const states = { language: 'en', commands: { saveSession: { enabled: true } } };
    bridge.setCommandStates(states);
    expect(ipcRendererFake.sent).toEqual([{ channel: IpcChannel.commandStates, args: [states] }]);
    const bytes = new Uint8Array([1]);
    await bridge.saveFile('a.losslab', bytes, true);
    await bridge.saveFile('a.losslab', bytes, 'yes' as never);
    expect(ipcRendererFake.invoked).toEqual([
      { channel: IpcChannel.saveFile, args: ['a.losslab', bytes, true] },
      { channel: IpcChannel.saveFile, args: ['a.losslab', bytes, false] },
    ]);
  });
});
