/**
 * The application menu: the page's own commands (File, View, Lessons, Help) beside Electron's
 * roles (Edit, zoom, full screen, Window). A command item asks the page to run the command —
 * the same action as the page's control — and is enabled and checked as the page says its
 * control is (`losslab:command-states`). Open Recent is main's recent list. Main builds the
 * menu again when either changes.
 */
import {
  Menu,
  type BaseWindow,
  type KeyboardEvent,
  type MenuItem,
  type MenuItemConstructorOptions,
} from 'electron';
import type { RecentSession } from '../common/bridge';
import {
  EXPORT_COMMANDS,
  LESSON_IDS,
  LESSON_LABS,
  menuLabels,
  type CommandId,
  type CommandStates,
  type MenuCommand,
  type MenuLabels,
} from '../common/menu';

/** What the menu shows: the page's command states, the recent sessions, the platform. */
export interface MenuModel {
  isMac: boolean;
  /** Packaged apps have no developer tools item. */
  isPackaged: boolean;
  /** The page's last report; before it, every command is disabled. */
  states?: CommandStates;
  recent: RecentSession[];
}

/** What the menu's items do. */
export interface MenuActions {
  /** Asks the page of `window` (or the focused one) to run a command. */
  run(command: MenuCommand, window: BaseWindow | undefined): void;
  /** Empties the recent list. */
  clearRecent(): void;
  /** The project's web page, in the system browser. */
  openWebsite(): void;
}

/**
 * The keys the page handles itself, in both modes: the menu shows them, but on Linux and
 * Windows does not register them (they would fire twice, and a bare P would be taken from the
 * page's text fields). On macOS a key equivalent the page handles (and prevents) never reaches
 * the menu; a bare key is not shown there.
 */
const PAGE_KEYS: Partial<Record<CommandId, string>> = {
  openSession: 'CmdOrCtrl+O',
  saveSession: 'CmdOrCtrl+S',
  saveSessionAs: 'CmdOrCtrl+Shift+S',
  togglePresentation: 'P',
  showShortcuts: '?',
};

/** Keys only the menu has (browsers keep them for their own tabs). */
const MENU_KEYS: Partial<Record<CommandId, string>> = {
  showSurfaces: 'CmdOrCtrl+1',
  showNetwork: 'CmdOrCtrl+2',
  showCritical: 'CmdOrCtrl+3',
  showExperiments: 'CmdOrCtrl+4',
};

/** Every accelerator a command item has (the README's Keyboard section lists them). */
export const COMMAND_ACCELERATORS: Partial<Record<CommandId, string>> = {
  ...PAGE_KEYS,
  ...MENU_KEYS,
};

type Template = MenuItemConstructorOptions[];

/** The menu's template (pure: no Electron call, so a test reads and clicks it). */
export function menuTemplate(model: MenuModel, actions: MenuActions): Template {
  const table: MenuLabels = menuLabels(model.states?.language ?? 'en');
  // macOS has no Alt mnemonics: it would show the & itself.
  const labels = model.isMac
    ? (Object.fromEntries(
        // "文件(&F)": the whole "(&F)" goes, as Chinese menus on macOS have none.
        Object.entries(table).map(([k, v]) => [
          k,
          v.replace(/\(&\w\)/g, '').replace(/&(?!&)/g, ''),
        ]),
      ) as MenuLabels)
    : table;
  const states = model.states?.commands ?? {};
  const command = (
    id: Exclude<CommandId, 'openRecent'>,
    kind?: 'checkbox' | 'radio',
  ): MenuItemConstructorOptions => {
    const state = states[id];
    // macOS would take a bare key from the page's text fields: there the menu leaves it out.
    const pageKey = model.isMac && !PAGE_KEYS[id]?.includes('+') ? undefined : PAGE_KEYS[id];
    const accelerator = pageKey ?? MENU_KEYS[id];
    return {
      id,
      label: labels[id],
      enabled: state?.enabled ?? false,
      ...(kind ? { type: kind, checked: state?.checked ?? false } : {}),
      ...(accelerator ? { accelerator } : {}),
      ...(pageKey ? { registerAccelerator: false } : {}),
      click: (_item: MenuItem, window: BaseWindow | undefined, _event: KeyboardEvent) =>
        actions.run({ id }, window),
    };
  };
  const separator: MenuItemConstructorOptions = { type: 'separator' };

  const recentEnabled = states.openRecent?.enabled ?? false;
  const recent: Template = model.recent.length
    ? [
        ...model.recent.map((entry, k): MenuItemConstructorOptions => ({
          id: `openRecent.${k}`,
          // A file's own & is not a mnemonic (Linux and Windows read && as one &).
          label: model.isMac ? entry.name : entry.name.replace(/&/g, '&&'),
          toolTip: entry.path,
          enabled: recentEnabled,
          click: (_item, window) => actions.run({ id: 'openRecent', path: entry.path }, window),
        })),
        separator,
        { id: 'clearRecent', label: labels.clearRecent, click: () => actions.clearRecent() },
      ]
    : [{ id: 'noRecent', label: labels.noRecent, enabled: false }];

  const file: MenuItemConstructorOptions = {
    id: 'file',
    label: labels.file,
    submenu: [
      command('openSession'),
      { id: 'recent', label: labels.recent, submenu: recent },
      separator,
      command('saveSession'),
      command('saveSessionAs'),
      separator,
      command('importData'),
      command('openLandscapeFile'),
      { id: 'export', label: labels.export, submenu: EXPORT_COMMANDS.map((id) => command(id)) },
      ...(model.isMac ? [] : [separator, { role: 'quit' as const }]),
    ],
  };

  const view: MenuItemConstructorOptions = {
    id: 'view',
    label: labels.view,
    submenu: [
      command('showSurfaces', 'radio'),
      command('showNetwork', 'radio'),
      command('showCritical', 'radio'),
      command('showExperiments', 'radio'),
      separator,
      command('togglePresentation', 'checkbox'),
      { id: 'fullScreen', role: 'togglefullscreen', label: labels.fullScreen },
      separator,
      { id: 'resetZoom', role: 'resetZoom', label: labels.resetZoom },
      { id: 'zoomIn', role: 'zoomIn', label: labels.zoomIn },
      { id: 'zoomOut', role: 'zoomOut', label: labels.zoomOut },
      ...(model.isPackaged ? [] : [separator, { role: 'toggleDevTools' as const }]),
    ],
  };

  const section = (lab: (typeof LESSON_LABS)[keyof typeof LESSON_LABS]) =>
    LESSON_IDS.filter((id) => LESSON_LABS[id] === lab).map((id) => command(`lesson.${id}`));
  const lessons: MenuItemConstructorOptions = {
    id: 'lessons',
    label: labels.lessons,
    submenu: [
      { id: 'lessonsSurfaces', label: labels.lessonsSurfaces, enabled: false },
      ...section('surfaces'),
      separator,
      { id: 'lessonsCritical', label: labels.lessonsCritical, enabled: false },
      ...section('critical'),
      separator,
      { id: 'lessonsExperiments', label: labels.lessonsExperiments, enabled: false },
      ...section('experiments'),
    ],
  };

  const help: MenuItemConstructorOptions = {
    id: 'help',
    role: 'help',
    label: labels.help,
    submenu: [
      command('showShortcuts'),
      ...(model.isMac ? [] : [command('showAbout')]),
      separator,
      { id: 'website', label: labels.website, click: () => actions.openWebsite() },
    ],
  };

  // macOS: the app's own menu comes first, with About in it.
  const appMenu: MenuItemConstructorOptions = {
    role: 'appMenu',
    submenu: [
      command('showAbout'),
      separator,
      { role: 'services' },
      separator,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      separator,
      { role: 'quit' },
    ],
  };

  return [
    ...(model.isMac ? [appMenu] : []),
    file,
    { role: 'editMenu' },
    view,
    lessons,
    { role: 'windowMenu' },
    help,
  ];
}

/**
 * The menu's state in main: the page's last command states and the recent list. Each change
 * builds the menu again (Electron menus cannot change their items' labels or checks in place
 * on every platform); a report that changes nothing builds nothing.
 */
export class AppMenu {
  private states: CommandStates | undefined;
  private recent: RecentSession[] = [];
  private shown = '';
  /** Reads of the recent list started so far. */
  private reads = 0;

  constructor(
    private readonly platform: { isMac: boolean; isPackaged: boolean },
    private readonly actions: MenuActions,
    /** Reads the recent list (main's, files since gone left out). */
    private readonly readRecent: () => Promise<RecentSession[]>,
  ) {}

  /** The page's command states (already checked by `parseCommandStates`). */
  setStates(states: CommandStates): void {
    this.states = states;
    this.show();
  }

  /** Whether the page said a command is enabled. */
  enabled(id: CommandId): boolean {
    return this.states?.commands[id]?.enabled ?? false;
  }

  /** Reads the recent list again (after a save, an open, a clear). */
  async refreshRecent(): Promise<void> {
    // Reads overlap (a save right after another): only the latest one's list is shown.
    const generation = ++this.reads;
    const recent = await this.readRecent();
    if (generation !== this.reads) return;
    this.recent = recent;
    this.show();
  }

  /** Builds and sets the menu if what it shows changed. */
  show(): void {
    const model: MenuModel = { ...this.platform, states: this.states, recent: this.recent };
    const key = JSON.stringify(model);
    if (key === this.shown) return;
    this.shown = key;
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(model, this.actions)));
  }
}
