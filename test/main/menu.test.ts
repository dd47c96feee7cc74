/**
 * The application menu against the recorded fake: every item and accelerator there, every
 * item clicked reaching the page as its command id (or main's own action running), items
 * enabled and checked as the page's states say, and Open Recent following main's list.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  appFake,
  fakeElectron,
  FakeBrowserWindow,
  ipcMainFake,
  setFakePathsRoot,
} from '../helpers/fake-electron';

vi.mock('electron', () => fakeElectron());

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-menu-'));
setFakePathsRoot(root);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const electron = await import('electron');
const { menuTemplate, COMMAND_ACCELERATORS } = await import('../../electron/main/menu');
const { COMMAND_IDS, LESSON_IDS, MENU_LABELS } = await import('../../electron/common/menu');
const { IpcChannel } = await import('../../electron/common/bridge');
type CommandId = (typeof COMMAND_IDS)[number];

type Item = MenuItemConstructorOptions;
const submenu = (item: Item): Item[] => (item.submenu ?? []) as Item[];
/** Every item of a template, depth first. */
const flatten = (items: Item[]): Item[] => items.flatMap((i) => [i, ...flatten(submenu(i))]);
const byId = (items: Item[], id: string): Item => {
  const found = flatten(items).filter((i) => i.id === id);
  expect(found, `one item "${id}"`).toHaveLength(1);
  return found[0];
};
/** Clicks an item as Electron would (the item, the window it was chosen in, the event). */
const click = (item: Item, window?: unknown) =>
  (item.click as (item: unknown, window: unknown, event: unknown) => void)({}, window, {});

const everyCommand = COMMAND_IDS.filter((id) => id !== 'openRecent');
const allEnabled = {
  language: 'en',
  commands: Object.fromEntries(COMMAND_IDS.map((id) => [id, { enabled: true }])),
};

function recorder() {
  const ran: { id: string; path?: string; window: unknown }[] = [];
  return {
    ran,
    actions: {
      run: (command: { id: string; path?: string }, window: unknown) =>
        ran.push({ ...command, window }),
      clearRecent: vi.fn(),
      openWebsite: vi.fn(),
    },
  };
}

describe('menu template', () => {
  it('has File, Edit, View, Lessons, Window and Help, with the macOS app menu first there', () => {
    const { actions } = recorder();
    const linux = menuTemplate({ isMac: false, isPackaged: true, recent: [] }, actions);
    expect(linux.map((m) => m.label ?? m.role)).toEqual([
      '&File',
      'editMenu',
      '&View',
      '&Lessons',
      'windowMenu',
      '&Help',
    ]);
    expect(submenu(linux[0]).map((i) => i.id ?? i.role ?? i.type)).toEqual([
      'openSession',
      'recent',
      'separator',
      'saveSession',
      'saveSessionAs',
      'separator',
      'importData',
      'openLandscapeFile',
      'export',
      'separator',
      'quit',
    ]);
    expect(submenu(byId(linux, 'export')).map((i) => i.id)).toEqual([
      'exportPng',
      'exportSvg',
      'exportVideo',
      'exportGif',
      'exportGltf',
      'exportJson',
      'exportCsv',
    ]);
    // View: each lab, presentation, full screen and zoom (Electron's roles do those two).
    const view = submenu(linux[2]).map((i) => i.id ?? i.type);
    expect(view).toEqual([
      'showSurfaces',
      'showNetwork',
      'showCritical',
      'showExperiments',
      'separator',
      'togglePresentation',
      'fullScreen',
      'separator',
      'resetZoom',
      'zoomIn',
      'zoomOut',
    ]);
    expect(
      ['fullScreen', 'resetZoom', 'zoomIn', 'zoomOut'].map((id) => byId(linux, id).role),
    ).toEqual(['togglefullscreen', 'resetZoom', 'zoomIn', 'zoomOut']);
    // Unpackaged: the developer tools too.
    const dev = menuTemplate({ isMac: false, isPackaged: false, recent: [] }, actions);
    expect(submenu(dev[2]).at(-1)?.role).toBe('toggleDevTools');

    const mac = menuTemplate({ isMac: true, isPackaged: true, recent: [] }, actions);
    expect(mac.map((m) => m.label ?? m.role)).toEqual([
      'appMenu',
      'File',
      'editMenu',
      'View',
      'Lessons',
      'windowMenu',
      'Help',
    ]);
    expect(mac[0].role).toBe('appMenu');
    expect(submenu(mac[0])[0].id).toBe('showAbout');
    expect(submenu(mac[1]).some((i) => i.role === 'quit')).toBe(false);
    expect(submenu(byId(mac, 'help')).some((i) => i.id === 'showAbout')).toBe(false);
  });

  it('holds every command once, labelled from the table, with its accelerator', () => {
    const { actions } = recorder();
    for (const isMac of [false, true]) {
      const template = menuTemplate({ isMac, isPackaged: true, recent: [] }, actions);
      for (const id of everyCommand) {
        const item = byId(template, id);
        expect(item.label).toBe(MENU_LABELS.en[id as Exclude<CommandId, 'openRecent'>]);
        expect(typeof item.click).toBe('function');
      }
      const keys = Object.fromEntries(
        flatten(template)
          .filter((i) => i.accelerator)
          .map((i) => [i.id, [i.accelerator, i.registerAccelerator ?? true]]),
      );
      expect(keys).toEqual({
        // The page handles these keys itself: shown, not registered (no double action).
        openSession: ['CmdOrCtrl+O', false],
        saveSession: ['CmdOrCtrl+S', false],
        saveSessionAs: ['CmdOrCtrl+Shift+S', false],
        ...(isMac ? {} : { togglePresentation: ['P', false], showShortcuts: ['?', false] }),
        // The menu's own.
        showSurfaces: ['CmdOrCtrl+1', true],
        showNetwork: ['CmdOrCtrl+2', true],
        showCritical: ['CmdOrCtrl+3', true],
        showExperiments: ['CmdOrCtrl+4', true],
      });
      expect(Object.keys(COMMAND_ACCELERATORS).sort()).toEqual(
        Object.keys(isMac ? { ...keys, togglePresentation: 1, showShortcuts: 1 } : keys).sort(),
      );
    }
  });

  it('lists every lesson of every lab under its lab, in order', () => {
    const { actions } = recorder();
    const template = menuTemplate({ isMac: false, isPackaged: true, recent: [] }, actions);
    const items = submenu(byId(template, 'lessons'));
    expect(items.map((i) => i.id ?? i.type)).toEqual([
      'lessonsSurfaces',
      ...LESSON_IDS.slice(0, 9).map((id) => `lesson.${id}`),
      'separator',
      'lessonsCritical',
      'lesson.minimum-ratio',
      'lesson.edge-of-stability',
      'separator',
      'lessonsExperiments',
      ...LESSON_IDS.slice(11).map((id) => `lesson.${id}`),
    ]);
    expect(items.filter((i) => i.id?.startsWith('lesson.'))).toHaveLength(16);
    expect(items.map((i) => i.label).filter((l) => l?.startsWith('('))).toEqual(
      'abcdefghijklmnop'.split('').map((letter) => expect.stringMatching(`^\\(${letter}\\) `)),
    );
  });

  it('sends each command item, clicked, to the page as its id, with the window', () => {
    const { ran, actions } = recorder();
    const template = menuTemplate(
      { isMac: false, isPackaged: true, recent: [], states: allEnabled },
      actions,
    );
    const window = { id: 7 };
    for (const id of everyCommand) click(byId(template, id), window);
    expect(ran).toEqual(everyCommand.map((id) => ({ id, window })));
    click(byId(template, 'website'));
    expect(actions.openWebsite).toHaveBeenCalledTimes(1);
  });

  it('enables and checks the items as the page says; disabled before it has said', () => {
    const { actions } = recorder();
    const before = menuTemplate({ isMac: false, isPackaged: true, recent: [] }, actions);
    for (const id of everyCommand) expect(byId(before, id).enabled, id).toBe(false);

    const states = {
      language: 'en',
      commands: {
        openSession: { enabled: false },
        saveSession: { enabled: true },
        showSurfaces: { enabled: true, checked: false },
        showNetwork: { enabled: true, checked: true },
        togglePresentation: { enabled: true, checked: true },
        exportPng: { enabled: true },
        exportVideo: { enabled: false },
        'lesson.mismatch': { enabled: false },
        'lesson.momentum': { enabled: true },
      },
    };
    const template = menuTemplate({ isMac: false, isPackaged: true, recent: [], states }, actions);
    const enabled = everyCommand.filter((id) => byId(template, id).enabled);
    expect(enabled.sort()).toEqual(
      [
        'saveSession',
        'showSurfaces',
        'showNetwork',
        'togglePresentation',
        'exportPng',
        'lesson.momentum',
      ].sort(),
    );
    expect(byId(template, 'showNetwork')).toMatchObject({ type: 'radio', checked: true });
    expect(byId(template, 'showSurfaces')).toMatchObject({ type: 'radio', checked: false });
    expect(byId(template, 'togglePresentation')).toMatchObject({
      type: 'checkbox',
      checked: true,
    });
  });

  it('Open Recent: the files by name, each sent with its path; Clear Menu; none', () => {
    const { ran, actions } = recorder();
    const ampersand = { name: 'R&D.losslab', path: '/s/R&D.losslab', at: '2026-12-01T20:00:00Z' };
    for (const isMac of [false, true]) {
      const t = menuTemplate({ isMac, isPackaged: true, recent: [ampersand] }, actions);
      expect(submenu(byId(t, 'recent'))[0].label).toBe(isMac ? 'R&D.losslab' : 'R&&D.losslab');
    }
    const recent = [
      { name: 'b.losslab', path: '/s/b.losslab', at: '2026-12-07T20:00:00Z' },
      { name: 'a.losslab', path: '/s/a.losslab', at: '2026-12-06T20:00:00Z' },
    ];
    const states = { language: 'en', commands: { openRecent: { enabled: true } } };
    const template = menuTemplate({ isMac: false, isPackaged: true, recent, states }, actions);
    const items = submenu(byId(template, 'recent'));
    expect(items.map((i) => i.label ?? i.type)).toEqual([
      'b.losslab',
      'a.losslab',
      'separator',
      'Clear Menu',
    ]);
    expect(items.slice(0, 2).map((i) => i.enabled)).toEqual([true, true]);
    click(items[1], { id: 3 });
    expect(ran).toEqual([{ id: 'openRecent', path: '/s/a.losslab', window: { id: 3 } }]);
    click(items[3]);
    expect(actions.clearRecent).toHaveBeenCalledTimes(1);
    // While the page cannot open (say, recording), neither can the menu.
    const recording = menuTemplate(
      {
        isMac: false,
        isPackaged: true,
        recent,
        states: { language: 'en', commands: { openRecent: { enabled: false } } },
      },
      actions,
    );
    expect(
      submenu(byId(recording, 'recent'))
        .slice(0, 2)
        .map((i) => i.enabled),
    ).toEqual([false, false]);
    const none = menuTemplate({ isMac: false, isPackaged: true, recent: [], states }, actions);
    expect(submenu(byId(none, 'recent'))).toEqual([
      { id: 'noRecent', label: 'No Recent Sessions', enabled: false },
    ]);
  });

  it('follows the page into 简体中文; on macOS without the Alt letters', () => {
    const { actions } = recorder();
    const zh = { language: 'zh', commands: {} };
    const linux = menuTemplate({ isMac: false, isPackaged: true, recent: [], states: zh }, actions);
    expect(linux[0].label).toBe('文件(&F)');
    expect(byId(linux, 'openSession').label).toBe('打开会话…');
    expect(byId(linux, 'lesson.momentum').label).toBe('(a) 动量越过山口，滚进更深的谷底');
    const mac = menuTemplate({ isMac: true, isPackaged: true, recent: [], states: zh }, actions);
    expect(mac.map((m) => m.label)).toContain('文件');
  });

  it('labels in a language the table lacks are English', () => {
    const { actions } = recorder();
    const template = menuTemplate(
      { isMac: false, isPackaged: true, recent: [], states: { language: 'xx', commands: {} } },
      actions,
    );
    expect(byId(template, 'openSession').label).toBe('Open Session…');
  });
});

describe('menu in main', async () => {
  await import('../../electron/main/main');
  await new Promise((resolve) => setTimeout(resolve, 0));
  const [window] = FakeBrowserWindow.created;
  const setMenu = vi.mocked(electron.Menu.setApplicationMenu);
  const shown = (): Item[] =>
    (setMenu.mock.calls.at(-1)?.[0] as unknown as { template: Item[] }).template;
  const fromApp = {
    sender: window.webContents,
    senderFrame: { url: 'losslab://app/index.html', parent: null },
  };
  const states = ipcMainFake.listeners.get(IpcChannel.commandStates)!;
  const store = path.join(root, 'userData', 'recent-sessions.json');
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(check()).toBe(true);
  };

  beforeEach(() => {
    window.webContents.sent.length = 0;
  });

  it('sets the menu at start, every command disabled until the page reports', () => {
    expect(setMenu).toHaveBeenCalled();
    for (const id of everyCommand) expect(byId(shown(), id).enabled).toBe(false);
  });

  it("follows the page's states, and refuses foreign pages and bad messages", () => {
    states(fromApp, allEnabled);
    for (const id of everyCommand) expect(byId(shown(), id).enabled).toBe(true);
    const calls = setMenu.mock.calls.length;
    // The same states again build nothing.
    states(fromApp, allEnabled);
    expect(setMenu.mock.calls.length).toBe(calls);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const off = { language: 'en', commands: { saveSession: { enabled: false } } };
    states(
      { sender: window.webContents, senderFrame: { url: 'https://evil.example/', parent: null } },
      off,
    );
    states(fromApp, { language: 'en', commands: { rm: { enabled: false } } });
    states(fromApp, { language: 'en', commands: { saveSession: { enabled: 'no' } } });
    states(fromApp, { language: 'en', commands: {}, extra: 1 });
    states(fromApp, 'not an object');
    expect(setMenu.mock.calls.length).toBe(calls);
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      'LossLab menu: refused command states.commands: unknown command "rm"',
      'LossLab menu: refused command states.commands.saveSession.enabled: not a boolean',
      'LossLab menu: refused command states: unknown field "extra"',
      'LossLab menu: refused command states: not an object',
    ]);
    warn.mockRestore();
    states(fromApp, off);
    expect(byId(shown(), 'saveSession').enabled).toBe(false);
    expect(byId(shown(), 'openSession').enabled).toBe(false);
    states(fromApp, allEnabled);
  });

  it('sends a clicked command to the window it was chosen in (else the focused one)', () => {
    click(byId(shown(), 'saveSessionAs'), window);
    FakeBrowserWindow.focused = window;
    click(byId(shown(), 'lesson.edge-of-stability'), undefined);
    FakeBrowserWindow.focused = null;
    // A window without the app's page (no engine host) gets nothing.
    const other = new FakeBrowserWindow({});
    click(byId(shown(), 'showAbout'), other);
    expect(other.webContents.sent).toEqual([]);
    expect(window.webContents.sent).toEqual([
      { channel: IpcChannel.menuCommand, args: [{ id: 'saveSessionAs' }] },
      { channel: IpcChannel.menuCommand, args: [{ id: 'lesson.edge-of-stability' }] },
    ]);
  });

  it("Open Recent is main's list: newest first, capped, gone files dropped, cleared", async () => {
    const saveHandler = ipcMainFake.handlers.get(IpcChannel.saveFile)!;
    const { dialogFake } = await import('../helpers/fake-electron');
    const files = Array.from({ length: 12 }, (_, k) => path.join(root, `s${k}.losslab`));
    for (const file of files) {
      dialogFake.answers.push({ canceled: false, filePath: file });
      await saveHandler(fromApp, 'x.losslab', new Uint8Array([1]));
    }
    const names = () =>
      submenu(byId(shown(), 'recent'))
        .filter((i) => i.id?.startsWith('openRecent.'))
        .map((i) => i.label);
    // Ten at most, newest first; the OS hears of each.
    await until(() => names()[0] === 's11.losslab');
    expect(names()).toEqual(
      files
        .slice(2)
        .reverse()
        .map((f) => path.basename(f)),
    );
    expect(appFake.addRecentDocument).toHaveBeenCalledWith(files[11]);
    // An item sends its path to the page.
    click(submenu(byId(shown(), 'recent'))[1], window);
    expect(window.webContents.sent.at(-1)).toEqual({
      channel: IpcChannel.menuCommand,
      args: [{ id: 'openRecent', path: files[10] }],
    });
    // A file deleted since is left out the next time the list is read.
    fs.rmSync(files[11]);
    dialogFake.answers.push({ canceled: false, filePath: files[5] });
    await saveHandler(fromApp, 'x.losslab', new Uint8Array([1]));
    await until(() => names()[0] === 's5.losslab');
    expect(names()).not.toContain('s11.losslab');
    expect(names()).toHaveLength(9);
    // Save (not Save As) writes over the window's session without asking.
    const asked = dialogFake.calls.length;
    expect(await saveHandler(fromApp, 's5.losslab', new Uint8Array([4, 2]), true)).toBe(files[5]);
    expect(dialogFake.calls.length).toBe(asked);
    expect([...fs.readFileSync(files[5])]).toEqual([4, 2]);
    // Under another name it asks.
    dialogFake.answers.push({ canceled: true });
    expect(await saveHandler(fromApp, 'other.losslab', new Uint8Array([1]), true)).toBeUndefined();
    expect(dialogFake.calls.length).toBe(asked + 1);
    // Clear Menu: main's list and the OS's.
    click(byId(shown(), 'clearRecent'));
    await until(() => names().length === 0);
    expect(appFake.clearRecentDocuments).toHaveBeenCalled();
    expect(JSON.parse(fs.readFileSync(store, 'utf8'))).toEqual([]);
    expect(byId(shown(), 'noRecent').enabled).toBe(false);
  });

  it('opens a session the system hands the app once the page can, and lets it read that file', async () => {
    const openHandler = ipcMainFake.handlers.get(IpcChannel.openSession)!;
    const file = path.join(root, 'from-finder.losslab');
    fs.writeFileSync(file, Uint8Array.from([7, 7]));
    const cannot = { language: 'en', commands: { openRecent: { enabled: false } } };
    states(fromApp, cannot);
    const event = { preventDefault: vi.fn() };
    appFake.emit('open-file', event, file);
    appFake.emit('open-file', { preventDefault: vi.fn() }, path.join(root, 'notes.txt'));
    expect(event.preventDefault).toHaveBeenCalled();
    // The engine is not ready yet (say): it waits.
    expect(window.webContents.sent).toEqual([]);
    states(fromApp, allEnabled);
    expect(window.webContents.sent).toEqual([
      { channel: IpcChannel.menuCommand, args: [{ id: 'openRecent', path: file }] },
    ]);
    // The page may read that file, once; it is in no recent list.
    const opened = (await openHandler(fromApp, file)) as { bytes: Uint8Array };
    expect([...opened.bytes]).toEqual([7, 7]);
    await expect(openHandler(fromApp, file)).rejects.toThrow(/not among the recent sessions/);
    // A second instance started with a session (a jump list, a file manager): the same.
    const second = path.join(root, 'second.losslab');
    fs.writeFileSync(second, Uint8Array.from([1]));
    // Its arguments are relative to its own folder.
    appFake.emit(
      'second-instance',
      {},
      ['/opt/LossLab/losslab', '--no-sandbox', 'second.losslab', 'x.csv'],
      root,
    );
    expect(window.webContents.sent.at(-1)).toEqual({
      channel: IpcChannel.menuCommand,
      args: [{ id: 'openRecent', path: second }],
    });
    expect(window.webContents.sent).toHaveLength(2);
  });
});

describe('AppMenu', () => {
  it('shows the latest read of the recent list when reads overlap', async () => {
    const { AppMenu } = await import('../../electron/main/menu');
    const setMenu = vi.mocked(electron.Menu.setApplicationMenu);
    const reads: ((list: { name: string; path: string; at: string }[]) => void)[] = [];
    const menu = new AppMenu(
      { isMac: false, isPackaged: true },
      { run: () => {}, clearRecent: () => {}, openWebsite: () => {} },
      () => new Promise((resolve) => reads.push(resolve)),
    );
    const first = menu.refreshRecent();
    const second = menu.refreshRecent();
    reads[1]([{ name: 'new.losslab', path: '/new.losslab', at: '' }]);
    await second;
    reads[0]([{ name: 'old.losslab', path: '/old.losslab', at: '' }]);
    await first;
    const template = (setMenu.mock.calls.at(-1)?.[0] as unknown as { template: Item[] }).template;
    expect(submenu(byId(template, 'recent')).map((i) => i.label)).toEqual([
      'new.losslab',
      undefined,
      'Clear Menu',
    ]);
  });
});
