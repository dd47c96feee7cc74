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
    return {
      state: 'no-run',
      met: false,
      runs: [],
      detail: `no ${goal.runs.optimizer ? `${optimizerNames[goal.runs.optimizer]} ` : ''}run in the ${goal.lab === 'explorer' ? 'explorer' : 'network lab'}`,
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
        ? 'no value'
        : 'no value yet'
      : `${goal.metric === 'distance' ? 'distance' : metricNames[goal.metric]} ${formatValue(goal.metric, decisive.value)} at step ${decisive.step}`;
  return {
    state,
    met: state === 'met',
    runs: verdicts,
    detail: `${run.name}: ${figure}${state === 'pending' && goal.within ? ` (step ${run.steps} of ${goal.within})` : ''}`,
  };
}

/** The optimizers' names as run panels show them. */
export const optimizerNames: Record<GoalOptimizer, string> = {
  sgd: 'SGD',
  momentum: 'Momentum',
  nesterov: 'Nesterov',
  adagrad: 'Adagrad',
  rmsprop: 'RMSProp',
  adam: 'Adam',
  adamw: 'AdamW',
  'adagrad-lecture': 'Adagrad (lecture)',
  'rmsprop-lecture': 'RMSProp (lecture)',
};

/** Each lab's metrics and their names (every one of the schema's: the types check it). */
export const explorerMetricNames: Record<ExplorerMetric, string> = {
  loss: 'loss',
  gradNorm: 'gradient norm ‖∇L‖',
  distance: 'distance to',
};
export const networkMetricNames: Record<NetworkMetric, string> = {
  batchLoss: 'batch loss',
  trainLoss: 'training loss',
  trainAccuracy: 'training accuracy',
  validationLoss: 'validation loss',
  validationAccuracy: 'validation accuracy',
  testLoss: 'test loss',
  testAccuracy: 'test accuracy',
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

/**
 * A goal in words, when its author wrote none: "any Adam run: validation loss ≤ 0.2 within 500
 * steps", "any Momentum run ends within 0.1 of the deep minimum".
 */
export function describeGoal(goal: Goal): string {
  const who = `${goal.runs.quantifier === 'all' ? 'every' : 'any'} ${goal.runs.optimizer ? `${optimizerNames[goal.runs.optimizer]} ` : ''}run`;
  const within = goal.within ? ` within ${goal.within} steps` : '';
  if (goal.lab === 'explorer' && goal.metric === 'distance' && goal.point) {
    const op = goal.compare === '<=' || goal.compare === '<' ? 'within' : 'farther than';
    const verb = goal.at === 'end' ? 'ends' : 'comes';
    return `${who} ${verb} ${op} ${formatValue('distance', goal.threshold)} of ${goal.point.name}${within}`;
  }
  const op = comparisonSymbols[goal.compare];
  const when = goal.at === 'end' ? (goal.within ? ' at' : ' at its end') : '';
  return `${who}: ${metricNames[goal.metric]} ${op} ${formatValue(goal.metric, goal.threshold)}${when}${goal.at === 'end' && goal.within ? ` step ${goal.within}` : within}`;
}
