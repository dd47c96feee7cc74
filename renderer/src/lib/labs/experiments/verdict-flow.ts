/**
 * The lecture's flowchart, as the verdict walks it: four questions and five branches, each
 * question with the answer and evidence the engine gave where it asked it, and the path taken
 * to the branch reached. Plain data, free of Svelte, so the unit tests read it directly.
 *
 *   Is the training loss large?
 *   ├─ yes: Does a smaller model reach a lower training loss?  yes → optimization, no → model bias
 *   └─ no:  Is the validation loss large next to the training loss?  yes → overfitting
 *           └─ no: Is the test loss large next to the validation loss?  yes → mismatch, no → fine
 */
import type { Verdict, VerdictBranch } from '../../../../../electron/common/protocol';
import { msg } from '../../i18n';

export type QuestionId = 'large' | 'smaller' | 'overfit' | 'mismatch';

/** Where an answer leads: the next question or a branch. */
type Next = { question: QuestionId } | { branch: VerdictBranch };

interface QuestionShape {
  id: QuestionId;
  /** The engine's words for it (how its steps are matched). */
  text: string;
  yes: Next;
  no: Next;
}

export const FLOWCHART: readonly QuestionShape[] = [
  {
    id: 'large',
    text: msg('Is the training loss large?'),
    yes: { question: 'smaller' },
    no: { question: 'overfit' },
  },
  {
    id: 'smaller',
    text: msg('Does a smaller model reach a lower training loss?'),
    yes: { branch: 'optimization' },
    no: { branch: 'model bias' },
  },
  {
    id: 'overfit',
    text: msg('Is the validation loss large next to the training loss?'),
    yes: { branch: 'overfitting' },
    no: { question: 'mismatch' },
  },
  {
    id: 'mismatch',
    text: msg('Is the test loss large next to the validation loss?'),
    yes: { branch: 'mismatch' },
    no: { branch: 'fine' },
  },
];

/** What the lecture calls each branch, as the page heads it. */
export const BRANCH_TITLES: Record<VerdictBranch, string> = {
  'model bias': msg('Model bias'),
  optimization: msg('Optimization'),
  overfitting: msg('Overfitting'),
  mismatch: msg('Mismatch'),
  fine: msg('Fine'),
};

/** A question of the flowchart as the verdict left it. */
export interface FlowQuestion {
  id: QuestionId;
  text: string;
  /** The engine's answer, where it asked the question. */
  answer?: boolean;
  evidence?: string;
}

export interface Flow {
  questions: Record<QuestionId, FlowQuestion>;
  branch: VerdictBranch;
  /** Steps whose question is not on the flowchart, in order (shown as a list below it). */
  other: Verdict['steps'];
}

/** The flowchart with the verdict's answers on it. */
export function flowOf(verdict: Verdict): Flow {
  const questions = Object.fromEntries(
    FLOWCHART.map((q) => [q.id, { id: q.id, text: q.text }]),
  ) as Record<QuestionId, FlowQuestion>;
  const other: Verdict['steps'] = [];
  for (const step of verdict.steps) {
    const shape = FLOWCHART.find((q) => q.text === step.question);
    if (!shape) {
      other.push(step);
      continue;
    }
    questions[shape.id] = {
      id: shape.id,
      text: shape.text,
      answer: step.answer,
      evidence: step.evidence,
    };
  }
  return { questions, branch: verdict.branch, other };
}

/**
 * Whether an arrow of the flowchart was taken: its question was answered that way. A question
 * the experiment did not ask (the mismatch experiment starts at the validation question) takes
 * neither of its arrows.
 */
export function taken(flow: Flow, id: QuestionId, answer: boolean): boolean {
  return flow.questions[id].answer === answer;
}
