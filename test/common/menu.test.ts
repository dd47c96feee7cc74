/** The menu's messages: what main and the preload accept, and the labels table. */
import { describe, expect, it } from 'vitest';
import {
  COMMAND_IDS,
  LESSON_IDS,
  LESSON_LABS,
  MENU_LABELS,
  menuLabels,
  parseCommandStates,
  parseMenuCommand,
} from '../../electron/common/menu';

describe('menu commands', () => {
  it('has each id once, and a label for every one (Open Recent shows file names)', () => {
    expect(new Set(COMMAND_IDS).size).toBe(COMMAND_IDS.length);
    for (const id of COMMAND_IDS) {
      if (id === 'openRecent') continue;
      expect(MENU_LABELS.en[id], id).toMatch(/\S/);
    }
    expect(Object.keys(LESSON_LABS).sort()).toEqual([...LESSON_IDS].sort());
    expect(menuLabels('zz')).toBe(MENU_LABELS.en);
  });

  it('accepts command states of known ids only, and says what is wrong with the others', () => {
    expect(
      parseCommandStates({
        language: 'zh',
        commands: {
          saveSession: { enabled: true },
          showNetwork: { enabled: false, checked: true },
        },
      }),
    ).toEqual({
      language: 'zh',
      commands: { saveSession: { enabled: true }, showNetwork: { enabled: false, checked: true } },
    });
    const refusals: [unknown, string][] = [
      [[], 'command states: not an object'],
      [{ commands: {} }, 'command states.language: not a language tag'],
      [{ language: 'x'.repeat(17), commands: {} }, 'command states.language: not a language tag'],
      [{ language: 'en', commands: [] }, 'command states.commands: not an object'],
      [
        { language: 'en', commands: { __proto__x: { enabled: true } } },
        'command states.commands: unknown command "__proto__x"',
      ],
      [
        { language: 'en', commands: { saveSession: true } },
        'command states.commands.saveSession: not an object',
      ],
      [
        { language: 'en', commands: { saveSession: { enabled: 1 } } },
        'command states.commands.saveSession.enabled: not a boolean',
      ],
      [
        { language: 'en', commands: { saveSession: { enabled: true, checked: 'yes' } } },
        'command states.commands.saveSession.checked: not a boolean',
      ],
      [
        { language: 'en', commands: { saveSession: { enabled: true, label: 'Format disk' } } },
        'command states.commands.saveSession: unknown field "label"',
      ],
      [{ language: 'en', commands: {}, run: 'x' }, 'command states: unknown field "run"'],
    ];
    for (const [message, reason] of refusals) expect(parseCommandStates(message)).toBe(reason);
  });

  it('accepts a menu command of a known id; a path for Open Recent only', () => {
    expect(parseMenuCommand({ id: 'exportGif' })).toEqual({ id: 'exportGif' });
    expect(parseMenuCommand({ id: 'openRecent', path: '/a.losslab' })).toEqual({
      id: 'openRecent',
      path: '/a.losslab',
    });
    for (const bad of [
      undefined,
      'saveSession',
      { id: 'toString' },
      { id: 'exportGif', path: '/a' },
      { id: 'openRecent', path: '' },
      { id: 'openRecent', path: 42 },
    ]) {
      expect(parseMenuCommand(bad)).toBeUndefined();
    }
  });
});
