/**
 * An exercise's goals, evaluated: a pure function of the goal (common/exercise.ts) and the
 * runs' recorded data, so the ✓/✗ a student sees follows from numbers a test can craft.
 *
 * A run's metric is a series of (step, value): the explorer's point k is θ after k steps; the
 * network lab's batch loss of update k is at step k; an epoch's figures at the step that ended
 * it; a test evaluation at the step it measured. A goal `within` N looks only at steps ≤ N.
 *
 * - `at: 'any'` ("reaches"): some value at a step ≤ N meets the comparison.
 * - `at: 'end'` ("ends"): the run's last value (at a step ≤ N; with N, only once the run has
 *   taken N steps) meets it.
 *
 * Each run is `met`, `pending` (not met, but the run may still meet it: it goes on and has not
 * passed N) or `failed`. Over the selected runs, `any` is met by one met run and `all` by every
 * one; with no run selected the goal is `no-run`.
 */
import type {
  Comparison,
  ExplorerMetric,
  Goal,
  GoalMetric,
  GoalOptimizer,
  NetworkMetric,
} from '../../../../electron/common/exercise';
import { msg, t } from '../i18n';

/** A metric of one run: `count` values, each with the step it belongs to (steps increasing). */
export interface Series {
  readonly count: number;
  step(i: number): number;
  value(i: number): number;
}

/** What the goals read of a run. */
export interface GoalRun {
  runId: string;
  /** The run's name as its panel shows it ("Run 2: Momentum η=0.01"). */
  name: string;
  lab: 'explorer' | 'network';
  optimizer: GoalOptimizer;
  /** Steps (updates) taken so far. */
  steps: number;
  /** It can take more steps: not diverged, not finished. */
  going: boolean;
  /**
   * The run's series of a metric, or undefined when it has none (a network run never
   * evaluated on the test set). `distance` is measured from `point`.
   */
  series(metric: GoalMetric, point?: readonly [number, number]): Series | undefined;
}

export type GoalState = 'met' | 'pending' | 'failed' | 'no-run';

/** One run's verdict: the value that decided it (or the best so far) and its step. */
export interface RunVerdict {
  runId: string;
  state: Exclude<GoalState, 'no-run'>;
  value?: number;
  step?: number;
}

export interface GoalResult {
  state: GoalState;
  met: boolean;
  /** Per selected run. */
  runs: RunVerdict[];
  /** Why, in a few words: "Run 2 (Momentum η=0.01): 0.04 at step 180". */
  detail: string;
}

export function compare(value: number, op: Comparison, threshold: number): boolean {
  switch (op) {
    case '<=':
      return value <= threshold;
    case '<':
      return value < threshold;
    case '>=':
      return value >= threshold;
    case '>':
      return value > threshold;
  }
}

/** Whether `a` is nearer to meeting `op` than `b` (for "best so far"). */
function better(a: number, b: number | undefined, op: Comparison): boolean {
  if (!Number.isFinite(a)) return false;
  if (b === undefined) return true;
  return op === '<=' || op === '<' ? a < b : a > b;
}

/** One run against a goal. */
export function evaluateRun(goal: Goal, run: GoalRun): RunVerdict {
  const point = goal.lab === 'explorer' ? goal.point?.at : undefined;
  const series = run.series(goal.metric, point);
  const limit = goal.within ?? Infinity;
  // Not met: can the run still meet it? Only if it goes on and has not passed the limit.
  const open = run.going && run.steps < limit;
  const undecided = (value?: number, step?: number): RunVerdict => ({
    runId: run.runId,
    state: open ? 'pending' : 'failed',
    ...(value !== undefined ? { value, step } : {}),
  });
  if (!series || series.count === 0) return undecided();

  if (goal.at === 'any') {
    let best: number | undefined;
    let bestStep: number | undefined;
    for (let i = 0; i < series.count; i++) {
      const step = series.step(i);
      if (step > limit) break;
      const value = series.value(i);
      if (compare(value, goal.compare, goal.threshold)) {
        return { runId: run.runId, state: 'met', value, step };
      }
      if (better(value, best, goal.compare)) {
        best = value;
        bestStep = step;
      }
    }
    return undecided(best, bestStep);
  }

  // 'end': the last value at a step ≤ limit, NaN skipped (an epoch not validated).
  let last = -1;
  for (let i = series.count - 1; i >= 0; i--) {
    if (series.step(i) <= limit && !Number.isNaN(series.value(i))) {
      last = i;
      break;
    }
  }
  if (last < 0) return undecided();
  const value = series.value(last);
  const step = series.step(last);
  // With a limit, the run's end is its value at the limit: not known before it gets there.
  if (open && Number.isFinite(limit)) return { runId: run.runId, state: 'pending', value, step };
  if (compare(value, goal.compare, goal.threshold)) {
    return { runId: run.runId, state: 'met', value, step };
  }
  // Without a limit the run's latest point may still move into the goal.
  return { runId: run.runId, state: open ? 'pending' : 'failed', value, step };
}

/** The runs a goal is about: its lab's, of its optimizer when it names one. */
export function selectRuns(goal: Goal, runs: readonly GoalRun[]): GoalRun[] {
  return runs.filter(
    (r) =>
      r.lab === goal.lab &&
      (goal.runs.optimizer === undefined || r.optimizer === goal.runs.optimizer),
  );
}

/** A goal over every run of the session. */
export function evaluateGoal(goal: Goal, runs: readonly GoalRun[]): GoalResult {
  const selected = selectRuns(goal, runs);
  if (selected.length === 0) {
    const optimizer = goal.runs.optimizer ? optimizerName(goal.runs.optimizer) : undefined;
    const explorer = goal.lab === 'explorer';
    return {
      state: 'no-run',
      met: false,
      runs: [],
      detail: optimizer
        ? explorer
          ? t('no {optimizer} run in the explorer', { optimizer })
          : t('no {optimizer} run in the network lab', { optimizer })
        : explorer
          ? t('no run in the explorer')
          : t('no run in the network lab'),
    };
  }
  const verdicts = selected.map((r) => evaluateRun(goal, r));
  const states = verdicts.map((v) => v.state);
  let state: GoalState;
  if (goal.runs.quantifier === 'any') {
    state = states.includes('met') ? 'met' : states.includes('pending') ? 'pending' : 'failed';
  } else {
    state = states.includes('failed') ? 'failed' : states.includes('pending') ? 'pending' : 'met';
  }
  // The run that decided it: the first met (any) or the first not met (all), else the first.
  const decisive =
    goal.runs.quantifier === 'any'
      ? (verdicts.find((v) => v.state === state) ?? verdicts[0])
      : (verdicts.find((v) => v.state !== 'met') ?? verdicts[0]);
  const run = selected[verdicts.indexOf(decisive)];
  const figure =
    decisive.value === undefined
      ? state === 'failed'
        ? t('no value')
        : t('no value yet')
      : t('{metric} {value} at step {step}', {
          metric: goal.metric === 'distance' ? t('distance') : t(metricNames[goal.metric]),
          value: formatValue(goal.metric, decisive.value),
          step: decisive.step,
        });
  return {
    state,
    met: state === 'met',
    runs: verdicts,
    detail:
      state === 'pending' && goal.within
        ? t('{name}: {figure} (step {steps} of {within})', {
            name: run.name,
            figure,
            steps: run.steps,
            within: goal.within,
          })
        : t('{name}: {figure}', { name: run.name, figure }),
  };
}

/**
 * The optimizers' names as run panels show them: keys of the dictionary (names such as SGD and
 * Adam stay as they are in every language), shown with `optimizerName`.
 */
export const optimizerNames: Record<GoalOptimizer, string> = {
  sgd: 'SGD',
  momentum: msg('Momentum'),
  nesterov: 'Nesterov',
  adagrad: 'Adagrad',
  rmsprop: 'RMSProp',
  adam: 'Adam',
  adamw: 'AdamW',
  'adagrad-lecture': msg('Adagrad (lecture)'),
  'rmsprop-lecture': msg('RMSProp (lecture)'),
};

/** An optimizer's name in the language on screen. */
export const optimizerName = (optimizer: GoalOptimizer): string => t(optimizerNames[optimizer]);

/**
 * Each lab's metrics and their names (every one of the schema's: the types check it): keys of
 * the dictionary, shown with `t(metricNames[m])`.
 */
export const explorerMetricNames: Record<ExplorerMetric, string> = {
  loss: msg('loss'),
  gradNorm: msg('gradient norm ‖∇L‖'),
  distance: msg('distance to ★'),
};
export const networkMetricNames: Record<NetworkMetric, string> = {
  batchLoss: msg('batch loss'),
  trainLoss: msg('training loss'),
  trainAccuracy: msg('training accuracy'),
  validationLoss: msg('validation loss'),
  validationAccuracy: msg('validation accuracy'),
  testLoss: msg('test loss'),
  testAccuracy: msg('test accuracy'),
};
export const metricNames: Record<GoalMetric, string> = {
  ...explorerMetricNames,
  ...networkMetricNames,
};

/** The comparisons as a goal's sentence writes them. */
export const comparisonSymbols: Record<Comparison, string> = {
  '<=': '≤',
  '<': '<',
  '>=': '≥',
  '>': '>',
};

/** The keys of a record of names, in their order (the renderer imports no schema values). */
export const keysOf = <K extends string>(names: Record<K, string>): K[] =>
  Object.keys(names) as K[];

const isAccuracy = (metric: GoalMetric) => metric.endsWith('Accuracy');

/** A value as the goal's sentence says it: accuracies in per cent, others to 3 digits. */
export function formatValue(metric: GoalMetric, value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (isAccuracy(metric)) return `${Number((value * 100).toPrecision(3))} %`;
  return String(Number(value.toPrecision(3)));
}

/** The runs a goal is about, in words: "any run", "every Adam run". */
function whoOf(goal: Goal): string {
  const optimizer = goal.runs.optimizer ? optimizerName(goal.runs.optimizer) : undefined;
  const every = goal.runs.quantifier === 'all';
  if (optimizer) {
    return every
      ? t('every {optimizer} run', { optimizer })
      : t('any {optimizer} run', { optimizer });
  }
  return every ? t('every run') : t('any run');
}

/**
 * A goal in words, when its author wrote none: "any Adam run: validation loss ≤ 0.2 within 500
 * steps", "any Momentum run ends within 0.1 of the deep minimum".
 */
export function describeGoal(goal: Goal): string {
  const who = whoOf(goal);
  const within = goal.within;
  if (goal.lab === 'explorer' && goal.metric === 'distance' && goal.point) {
    const params = {
      who,
      value: formatValue('distance', goal.threshold),
      point: goal.point.name,
      within,
    };
    const near = goal.compare === '<=' || goal.compare === '<';
    if (goal.at === 'end') {
      if (near) {
        return within
          ? t('{who} ends within {value} of {point} within {within} steps', params)
          : t('{who} ends within {value} of {point}', params);
      }
      return within
        ? t('{who} ends farther than {value} of {point} within {within} steps', params)
        : t('{who} ends farther than {value} of {point}', params);
    }
    if (near) {
      return within
        ? t('{who} comes within {value} of {point} within {within} steps', params)
        : t('{who} comes within {value} of {point}', params);
    }
    return within
      ? t('{who} comes farther than {value} of {point} within {within} steps', params)
      : t('{who} comes farther than {value} of {point}', params);
  }
  const params = {
    who,
    metric: t(metricNames[goal.metric]),
    op: comparisonSymbols[goal.compare],
    value: formatValue(goal.metric, goal.threshold),
    within,
  };
  if (goal.at === 'end') {
    return within
      ? t('{who}: {metric} {op} {value} at step {within}', params)
      : t('{who}: {metric} {op} {value} at its end', params);
  }
  return within
    ? t('{who}: {metric} {op} {value} within {within} steps', params)
    : t('{who}: {metric} {op} {value}', params);
}
