/**
 * The application menu's commands: the fixed list of their ids, the messages that carry them
 * between main and the page, and every label the menu shows (one table, so that a language can
 * be added beside English). The page runs each command through its command registry — the same
 * action as its own button or key — and tells main which are enabled; main builds the menu from
 * this list and refuses any id not in it.
 */

/** The lessons of every lab, in the order the menu lists them (the labs' own lesson ids). */
export const LESSON_IDS = [
  // The explorer: (a)–(g), and the critical-points lessons on its surfaces, (h) and (i).
  'momentum',
  'ravine',
  'bowl',
  'adagrad-explosion',
  'warmup',
  'saddle',
  'softmax',
  'read-eigenvalues',
  'escape-saddle',
  // The critical-points lab: (j) and (k).
  'minimum-ratio',
  'edge-of-stability',
  // The experiments lab: (l)–(p).
  'model-bias-or-optimization',
  'overfitting',
  'mismatch',
  'batch-time',
  'sharp-and-flat',
] as const;

export type LessonId = (typeof LESSON_IDS)[number];

/** Which lab's page each lesson plays on, for the Lessons menu's sections. */
export const LESSON_LABS: Record<LessonId, 'surfaces' | 'critical' | 'experiments'> = {
  momentum: 'surfaces',
  ravine: 'surfaces',
  bowl: 'surfaces',
  'adagrad-explosion': 'surfaces',
  warmup: 'surfaces',
  saddle: 'surfaces',
  softmax: 'surfaces',
  'read-eigenvalues': 'surfaces',
  'escape-saddle': 'surfaces',
  'minimum-ratio': 'critical',
  'edge-of-stability': 'critical',
  'model-bias-or-optimization': 'experiments',
  overfitting: 'experiments',
  mismatch: 'experiments',
  'batch-time': 'experiments',
  'sharp-and-flat': 'experiments',
};

/** The export kinds the Export submenu offers (the page's Export menu has each). */
export const EXPORT_COMMANDS = [
  'exportPng',
  'exportSvg',
  'exportVideo',
  'exportGif',
  'exportGltf',
  'exportJson',
  'exportCsv',
] as const;

/** Every command the menu can ask the page to run. Nothing else crosses the menu's channel. */
export const COMMAND_IDS = [
  'openSession',
  'openRecent',
  'saveSession',
  'saveSessionAs',
  'importData',
  'openLandscapeFile',
  ...EXPORT_COMMANDS,
  'showSurfaces',
  'showNetwork',
  'showCritical',
  'showExperiments',
  'togglePresentation',
  'showShortcuts',
  'showAbout',
  ...LESSON_IDS.map((id) => `lesson.${id}` as const),
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

const commandIds: ReadonlySet<string> = new Set(COMMAND_IDS);

export function isCommandId(value: unknown): value is CommandId {
  return typeof value === 'string' && commandIds.has(value);
}

/** Main → page: run a command (Open Recent's items carry the session's path). */
export interface MenuCommand {
  id: CommandId;
  /** `openRecent` only: the path of a session in main's recent list. */
  path?: string;
}

/** A command's state as the page's control shows it. */
export interface CommandState {
  enabled: boolean;
  /** For toggles and the lab on show (a check mark in the menu). */
  checked?: boolean;
}

/** Page → main: the state of every command it has, and the page's language. */
export interface CommandStates {
  /** The page's language; the menu's labels follow it where the table has that language. */
  language: string;
  commands: Partial<Record<CommandId, CommandState>>;
}

/** Longest path an `openRecent` command may carry. */
export const MAX_MENU_PATH = 4096;
/** Longest language tag in a states message. */
const MAX_LANGUAGE = 16;

/**
 * The menu command a message is, or undefined: a known id, and a path only for `openRecent`
 * (where it is required).
 */
export function parseMenuCommand(message: unknown): MenuCommand | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return;
  const { id, path } = message as { id?: unknown; path?: unknown };
  if (!isCommandId(id)) return;
  if (id === 'openRecent') {
    if (typeof path !== 'string' || path.length === 0 || path.length > MAX_MENU_PATH) return;
    return { id, path };
  }
  return path === undefined ? { id } : undefined;
}

/**
 * The command states a message holds, or a one-line reason it is refused: every key a known
 * id, every state `{ enabled: boolean, checked?: boolean }`, nothing else.
 */
export function parseCommandStates(message: unknown): CommandStates | string {
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    return 'command states: not an object';
  const { language, commands, ...rest } = message as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) return `command states: unknown field "${extra.slice(0, 40)}"`;
  if (typeof language !== 'string' || language.length > MAX_LANGUAGE)
    return 'command states.language: not a language tag';
  if (typeof commands !== 'object' || commands === null || Array.isArray(commands))
    return 'command states.commands: not an object';
  const out: CommandStates['commands'] = {};
  for (const [id, state] of Object.entries(commands)) {
    if (!isCommandId(id)) return `command states.commands: unknown command "${id.slice(0, 40)}"`;
    if (typeof state !== 'object' || state === null)
      return `command states.commands.${id}: not an object`;
    const { enabled, checked, ...more } = state as Record<string, unknown>;
    if (typeof enabled !== 'boolean') return `command states.commands.${id}.enabled: not a boolean`;
    if (checked !== undefined && typeof checked !== 'boolean')
      return `command states.commands.${id}.checked: not a boolean`;
    const unknown = Object.keys(more)[0];
    if (unknown !== undefined)
      return `command states.commands.${id}: unknown field "${unknown.slice(0, 40)}"`;
    out[id] = checked === undefined ? { enabled } : { enabled, checked };
  }
  return { language, commands: out };
}

/** The submenus and main's own items, which have labels but are not page commands. */
export type MenuHeading =
  | 'file'
  | 'view'
  | 'lessons'
  | 'help'
  | 'export'
  | 'recent'
  | 'clearRecent'
  | 'noRecent'
  | 'fullScreen'
  | 'zoomIn'
  | 'zoomOut'
  | 'resetZoom'
  | 'lessonsSurfaces'
  | 'lessonsCritical'
  | 'lessonsExperiments'
  | 'website';

/** Every label of the menu: the commands' (Open Recent's items are the files' names). */
export type MenuLabels = Record<Exclude<CommandId, 'openRecent'> | MenuHeading, string>;

/**
 * The menu's labels, by language. English is complete; a language added here needs every
 * label (the type says so), and main falls back to English for a language it does not have.
 * On Linux and Windows `&` marks the letter that opens a menu with Alt.
 */
export const MENU_LABELS: { en: MenuLabels; zh: MenuLabels } & Partial<Record<string, MenuLabels>> =
  {
    en: {
      file: '&File',
      view: '&View',
      lessons: '&Lessons',
      help: '&Help',
      openSession: 'Open Session…',
      recent: 'Open Recent',
      clearRecent: 'Clear Menu',
      noRecent: 'No Recent Sessions',
      saveSession: 'Save Session',
      saveSessionAs: 'Save Session As…',
      importData: 'Import Data…',
      openLandscapeFile: 'Open Loss Landscape (.h5)…',
      export: 'Export',
      exportPng: 'Image (PNG)…',
      exportSvg: 'Vector Image (SVG)…',
      exportVideo: 'Video…',
      exportGif: 'Animated GIF…',
      exportGltf: 'Surface Mesh (glTF)…',
      exportJson: 'Data (JSON)',
      exportCsv: 'Data (CSV)',
      showSurfaces: 'Surfaces',
      showNetwork: 'Network Lab',
      showCritical: 'Critical Points',
      showExperiments: 'Experiments',
      togglePresentation: 'Presentation',
      fullScreen: 'Full Screen',
      zoomIn: 'Zoom In',
      zoomOut: 'Zoom Out',
      resetZoom: 'Actual Size',
      showShortcuts: 'Keyboard Shortcuts',
      showAbout: 'About LossLab',
      website: 'LossLab on the Web',
      lessonsSurfaces: 'On the surfaces',
      lessonsCritical: 'Critical points',
      lessonsExperiments: 'Experiments',
      'lesson.momentum': '(a) Momentum rolls over the pass into the deeper valley',
      'lesson.ravine': '(b) Stuck in a ravine: the loss is flat, the gradient is not',
      'lesson.bowl': '(c) The elongated bowl: one η cannot fit both directions',
      'lesson.adagrad-explosion': "(d) The lecture's Adagrad explodes — and decay fixes it",
      'lesson.warmup': '(e) Warm-up: small steps while Adam learns the scale',
      'lesson.saddle': '(f) Crawling past a saddle point',
      'lesson.softmax': '(g) Cross-entropy or MSE on a softmax',
      'lesson.read-eigenvalues': '(h) Saddle or minimum: read the eigenvalues',
      'lesson.escape-saddle': '(i) Escape along the negative eigenvector',
      'lesson.minimum-ratio': '(j) The minimum ratio at “convergence”',
      'lesson.edge-of-stability': '(k) The edge of stability',
      'lesson.model-bias-or-optimization': '(l) Model bias or optimization?',
      'lesson.overfitting': '(m) Overfitting and choosing complexity',
      'lesson.mismatch': '(n) Mismatch',
      'lesson.batch-time': '(o) Batch size: time per update, time per epoch',
      'lesson.sharp-and-flat': '(p) Sharp and flat minima',
    },
    zh: {
      file: '文件(&F)',
      view: '视图(&V)',
      lessons: '课程(&L)',
      help: '帮助(&H)',
      openSession: '打开会话…',
      recent: '最近打开',
      clearRecent: '清除菜单',
      noRecent: '没有最近的会话',
      saveSession: '保存会话',
      saveSessionAs: '会话另存为…',
      importData: '导入数据…',
      openLandscapeFile: '打开损失地形（.h5）…',
      export: '导出',
      exportPng: '图片（PNG）…',
      exportSvg: '矢量图（SVG）…',
      exportVideo: '视频…',
      exportGif: 'GIF 动画…',
      exportGltf: '曲面网格（glTF）…',
      exportJson: '数据（JSON）',
      exportCsv: '数据（CSV）',
      showSurfaces: '曲面',
      showNetwork: '网络实验室',
      showCritical: '临界点',
      showExperiments: '实验',
      togglePresentation: '演示',
      fullScreen: '全屏',
      zoomIn: '放大',
      zoomOut: '缩小',
      resetZoom: '实际大小',
      showShortcuts: '键盘快捷键',
      showAbout: '关于 LossLab',
      website: 'LossLab 网站',
      lessonsSurfaces: '曲面上的课程',
      lessonsCritical: '临界点',
      lessonsExperiments: '实验',
      'lesson.momentum': '(a) 动量越过山口，滚进更深的谷底',
      'lesson.ravine': '(b) 困在峡谷里：损失不降，梯度却不小',
      'lesson.bowl': '(c) 狭长的碗：一个学习率无法兼顾两个方向',
      'lesson.adagrad-explosion': '(d) 课上的 Adagrad 会“爆炸”，学习率衰减可以解决',
      'lesson.warmup': '(e) 预热：在 Adam 摸清尺度之前先走小步',
      'lesson.saddle': '(f) 在鞍点附近缓慢爬行',
      'lesson.softmax': '(g) softmax 之后用交叉熵还是均方误差',
      'lesson.read-eigenvalues': '(h) 鞍点还是极小值：看 Hessian 的特征值',
      'lesson.escape-saddle': '(i) 沿负特征值的特征向量逃离鞍点',
      'lesson.minimum-ratio': '(j) “收敛”时的最小值比例',
      'lesson.edge-of-stability': '(k) 稳定性边缘',
      'lesson.model-bias-or-optimization': '(l) 是模型偏差，还是优化问题？',
      'lesson.overfitting': '(m) 过拟合与模型复杂度的选择',
      'lesson.mismatch': '(n) 训练数据与测试数据不匹配',
      'lesson.batch-time': '(o) 批量大小：每次更新与每个 epoch 的时间',
      'lesson.sharp-and-flat': '(p) 尖锐的极小值与平坦的极小值',
    },
  };

/** The labels for a language: its table where there is one, else English. */
export function menuLabels(language: string): MenuLabels {
  return MENU_LABELS[language] ?? MENU_LABELS.en;
}
