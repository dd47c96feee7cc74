/** main.ts wired against the recorded fake: IPC only from the app's own top frame. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  fakeElectron,
  FakeBrowserWindow,
  FakeUtilityProcess,
  ipcMainFake,
  protocolFake,
} from '../helpers/fake-electron';

vi.mock('electron', () => fakeElectron());

await import('../../electron/main/main');
await new Promise((resolve) => setTimeout(resolve, 0));
const { IpcChannel } = await import('../../electron/common/bridge');
const { CONTENT_SECURITY_POLICY } = await import('../../electron/common/security');

const [window] = FakeBrowserWindow.created;
const frame = (url: string, parent: unknown = null) => ({
  sender: window.webContents,
  senderFrame: { url, parent },
});

describe('main process', () => {
  it('registers losslab:// as a secure standard scheme and opens one window with its engine', () => {
    expect(protocolFake.privileged).toEqual([
      { scheme: 'losslab', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    expect(FakeBrowserWindow.created).toHaveLength(1);
    expect(FakeUtilityProcess.forked).toHaveLength(1);
    expect(FakeUtilityProcess.forked[0].modulePath).toMatch(/engine[/\\]utility\.js$/);
  });

  it('ignores engine requests from foreign pages and subframes', () => {
    const connect = ipcMainFake.listeners.get(IpcChannel.connectEngine)!;
    connect(frame('https://evil.example/'));
    connect(frame('losslab://app/index.html', { url: 'losslab://app/' }));
    expect(window.webContents.posted).toEqual([]);
    connect(frame('losslab://app/index.html'));
    expect(window.webContents.posted.map((p) => p.channel)).toEqual([IpcChannel.enginePort]);
  });

  it('refuses a restart asked by a foreign page', () => {
    const restart = ipcMainFake.handlers.get(IpcChannel.restartEngine)!;
    expect(() => restart(frame('https://evil.example/'))).toThrow(/not an app window/);
  });

  it('serves the renderer with the CSP, and nothing outside its folder', async () => {
    const handler = protocolFake.handlers.get('losslab')!;
    // The handler serves dist/renderer; requests that try to leave it get nothing.
    const outside = await handler(new Request('losslab://app/../../../../etc/passwd'));
    expect([403, 404]).toContain(outside.status);
    const otherHost = await handler(new Request('losslab://evil/index.html'));
    expect(otherHost.status).toBe(404);
    const encoded = await handler(new Request('losslab://app/%2e%2e/%2e%2e/package.json'));
    expect([403, 404]).toContain(encoded.status);
    const rendererIndex = path.resolve(__dirname, '../../dist/renderer/index.html');
    expect(fs.existsSync(rendererIndex), 'build the renderer first').toBe(true);
    const page = await handler(new Request('losslab://app/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Security-Policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await page.text()).toContain('<div id="app">');
  });
});
