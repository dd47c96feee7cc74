/**
 * The controls an exercise can hide or lock, each by a stable id, and the `control` action
 * that marks an element as one: `<div use:control={'explorer.lr'}>`. A component adds the id
 * and nothing else; what the id means for the element — gone, disabled with a tooltip, or
 * outlined while a lecturer authors the exercise — follows from `exerciseControls`, the one
 * state every lab's components share (an action cannot read a component's context).
 */
import { getContext, setContext } from 'svelte';
import type { ControlRule } from '../../../../electron/common/exercise';
import { msg, t } from '../i18n';

/** A control an exercise can hide or lock. */
export interface ControlInfo {
  id: string;
  lab: 'explorer' | 'network';
  /** What it is, for the author's list (a key of the dictionary: shown as `t(label)`). */
  label: string;
}

/** Every control the page marks, by lab, in the order the author's list shows them. */
export const controlCatalogue = [
  { id: 'explorer.playback', lab: 'explorer', label: msg('Playback: Play, Step, Reset, speed') },
  { id: 'explorer.stepMode', lab: 'explorer', label: msg('Step mode (arrows)') },
  { id: 'explorer.surface', lab: 'explorer', label: msg('Surface choice and gallery') },
  { id: 'explorer.start', lab: 'explorer', label: msg('Moving the start (a click on the views)') },
  { id: 'explorer.lesson', lab: 'explorer', label: msg('Lesson choice') },
  { id: 'explorer.optimizer', lab: 'explorer', label: msg('Run panels: optimizer') },
  { id: 'explorer.lr', lab: 'explorer', label: msg('Run panels: learning rate') },
  { id: 'explorer.momentum', lab: 'explorer', label: msg('Run panels: momentum') },
  { id: 'explorer.hyper', lab: 'explorer', label: msg('Run panels: other hyperparameters') },
  { id: 'explorer.schedule', lab: 'explorer', label: msg('Run panels: schedule') },
  { id: 'explorer.runActions', lab: 'explorer', label: msg('Run panels: Duplicate, Remove') },
  { id: 'explorer.addRun', lab: 'explorer', label: msg('Add run') },
  { id: 'network.dataset', lab: 'network', label: msg('Data and network setup') },
  { id: 'network.playback', lab: 'network', label: msg('Training: Train, Step, Reset, speed') },
  { id: 'network.optimizer', lab: 'network', label: msg('Run panels: optimizer') },
  { id: 'network.lr', lab: 'network', label: msg('Run panels: learning rate') },
  { id: 'network.momentum', lab: 'network', label: msg('Run panels: momentum') },
  { id: 'network.hyper', lab: 'network', label: msg('Run panels: other hyperparameters') },
  { id: 'network.schedule', lab: 'network', label: msg('Run panels: schedule') },
  { id: 'network.runNetwork', lab: 'network', label: msg("Run panels: the run's own network") },
  { id: 'network.batchSize', lab: 'network', label: msg('Run panels: batch size') },
  { id: 'network.test', lab: 'network', label: msg('Run panels: Evaluate on test set') },
  { id: 'network.runActions', lab: 'network', label: msg('Run panels: Duplicate, Remove') },
  { id: 'network.addRun', lab: 'network', label: msg('Add run') },
  { id: 'network.landscape', lab: 'network', label: msg('Loss landscape settings') },
] as const satisfies readonly ControlInfo[];

export type ControlId = (typeof controlCatalogue)[number]['id'];
export type ControlScope = ControlInfo['lab'];

/** The tooltip of a locked control (a key of the dictionary: shown as `t(LOCKED_TITLE)`). */
export const LOCKED_TITLE = msg('Locked by the exercise');

/**
 * Whose page this is: `off` (no exercise), `author` (a lecturer choosing rules: marked
 * controls are outlined, nothing is hidden or disabled) or `student` (the rules apply).
 */
export type ExerciseMode = 'off' | 'author' | 'student';

class ExerciseControls {
  mode = $state<ExerciseMode>('off');
  /** The rule of each control an exercise names; others are shown. */
  rules = $state<Partial<Record<string, ControlRule>>>({});

  /** What applies to a control now: a rule only for a student. */
  applied(id: string): ControlRule | undefined {
    return this.mode === 'student' ? this.rules[id] : undefined;
  }

  /** The control may not be used now (a keyboard shortcut for it is ignored too). */
  blocks(id: ControlId): boolean {
    return this.applied(id) !== undefined;
  }
}

/** The page's one exercise state (see the module's comment for why it is not in context). */
export const exerciseControls = new ExerciseControls();

const FORM_FIELDS = 'input, select, textarea, button, fieldset';

/**
 * Marks `node` as the control `id`. For a student, hidden: not displayed; locked: every field
 * in it disabled, with the tooltip saying the exercise locks it (kept so while the component
 * re-renders inside it). For an author, an outline in the rule's style.
 */
export function control(node: HTMLElement, id: ControlId): void {
  node.dataset.control = id;
  $effect(() => {
    // The element's own tooltip, given back when the rule goes.
    const ownTitle = node.getAttribute('title');
    const restoreTitle = () => {
      if (ownTitle === null) node.removeAttribute('title');
      else node.title = ownTitle;
    };
    const rule = exerciseControls.applied(id);
    const authoring = exerciseControls.mode === 'author' ? exerciseControls.rules[id] : undefined;
    if (rule === 'hidden') node.style.setProperty('display', 'none', 'important');
    if (authoring) {
      node.style.outline = `2px ${authoring === 'hidden' ? 'dotted' : 'dashed'} var(--warn, #e0a030)`;
      node.style.outlineOffset = '2px';
      node.title =
        authoring === 'hidden' ? t('Hidden from the student') : t('Locked for the student');
    }
    if (rule !== 'locked') {
      return () => {
        node.style.removeProperty('display');
        node.style.removeProperty('outline');
        node.style.removeProperty('outline-offset');
        restoreTitle();
      };
    }
    // Locked: disable the fields, and again whenever the component re-renders them. The
    // tooltip is in the language on screen (read here, the effect follows the switch).
    const lockedTitle = t(LOCKED_TITLE);
    node.dataset.locked = 'true';
    node.title = lockedTitle;
    // Each field's own title and disabled state, given back when the lock goes.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping of one effect, not state
    const touched = new Map<HTMLElement, { title: string | null; disabled: boolean }>();
    const lock = () => {
      const fields = node.matches(FORM_FIELDS)
        ? [node]
        : Array.from(node.querySelectorAll<HTMLElement>(FORM_FIELDS));
      for (const field of fields) {
        if (!touched.has(field)) {
          touched.set(field, {
            title: field.getAttribute('title'),
            disabled: (field as HTMLInputElement).disabled,
          });
        }
        if (!(field as HTMLInputElement).disabled) (field as HTMLInputElement).disabled = true;
        if (field.title !== lockedTitle) field.title = lockedTitle;
      }
    };
    lock();
    const observer = new MutationObserver(lock);
    observer.observe(node, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['disabled'],
    });
    return () => {
      observer.disconnect();
      delete node.dataset.locked;
      restoreTitle();
      for (const [field, { title, disabled }] of touched) {
        (field as HTMLInputElement).disabled = disabled;
        if (title === null) field.removeAttribute('title');
        else field.title = title;
      }
    };
  });
}

const scopeKey = Symbol('control-scope');

/** The lab whose controls the components below mark (run panels serve both labs). */
export function setControlScope(scope: ControlScope): void {
  setContext(scopeKey, scope);
}

/** The lab of the page a shared component is on; the explorer where none was set. */
export function controlScope(): ControlScope {
  return getContext<ControlScope | undefined>(scopeKey) ?? 'explorer';
}
