/**
 * The labs' runs as the goals read them (goals.ts): each run's metrics as series of (step,
 * value) over the data its store already holds, no copies.
 */
import type { GoalMetric, GoalOptimizer } from '../../../../electron/common/exercise';
import type { ExplorerStore } from '../labs/explorer/explorer.svelte';
import type { NetworkStore } from '../labs/network/network.svelte';
import type { EpochColumn } from '../labs/network/run-data';
import { t } from '../i18n';
import { choiceOf } from '../state/optimizers';
import type { GoalRun, Series } from './goals';

const epochMetrics: Partial<Record<GoalMetric, EpochColumn>> = {
  trainLoss: 'trainLoss',
  trainAccuracy: 'trainAccuracy',
  validationLoss: 'validationLoss',
  validationAccuracy: 'validationAccuracy',
};

/** The explorer's runs: point k of a trajectory is θ after k steps. */
export function explorerGoalRuns(lab: ExplorerStore): GoalRun[] {
  return lab.runs.flatMap((run, index): GoalRun[] => {
    const state = run.state;
    if (!state) return [];
    const path = run.trajectory;
    const count = path.count;
    const at = (value: (i: number) => number): Series => ({ count, step: (i) => i, value });
    return [
      {
        runId: run.runId,
        name: t('Run {n} ({label})', { n: index + 1, label: lab.labelOf(run) }),
        lab: 'explorer',
        optimizer: choiceOf(state).id as GoalOptimizer,
        steps: Math.max(0, count - 1),
        going: state.status === 'ok',
        series(metric, point) {
          if (metric === 'loss') return at((i) => path.loss(i));
          if (metric === 'gradNorm') return at((i) => path.gradNorm[i]);
          if (metric === 'distance' && point) {
            return at((i) => Math.hypot(path.x(i) - point[0], path.y(i) - point[1]));
          }
          return undefined;
        },
      },
    ];
  });
}

/**
 * The network lab's runs: a batch loss at the update that used it (update k is step k), an
 * epoch's figures at the step that ended it, the test set's at the step it was evaluated.
 */
export function networkGoalRuns(net: NetworkStore): GoalRun[] {
  return net.runs.flatMap((run, index): GoalRun[] => {
    const state = run.state;
    if (!state) return [];
    return [
      {
        runId: run.runId,
        name: t('Run {n} ({label})', { n: index + 1, label: net.labelOf(run) }),
        lab: 'network',
        optimizer: choiceOf(state).id as GoalOptimizer,
        steps: run.steps.count,
        going: state.status === 'ok',
        series(metric) {
          if (metric === 'batchLoss') {
            const loss = run.steps.get('loss');
            return { count: run.steps.count, step: (i) => i + 1, value: (i) => loss[i] };
          }
          const column = epochMetrics[metric];
          if (column) {
            const steps = run.epochs.get('step');
            const values = run.epochs.get(column);
            return { count: run.epochs.count, step: (i) => steps[i], value: (i) => values[i] };
          }
          const test = run.test;
          if (!test || (metric !== 'testLoss' && metric !== 'testAccuracy')) return undefined;
          const value = metric === 'testLoss' ? test.loss : test.accuracy;
          return { count: 1, step: () => test.step, value: () => value };
        },
      },
    ];
  });
}
