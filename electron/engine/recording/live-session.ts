/**
 * Sessions from the engine's live objects, and back: what `session.save` and `session.open`
 * (and the autosaver) call.
 */
import type { BasinsSpec } from '../../common/spec';
import type { Domain, Point, SurfaceSpec } from '../../common/schemas';
import {
  SessionError,
  type ExplorerRecording,
  type ForkOrigin,
  type JsonObject,
  type LandscapeRecording,
  type NetworkRecording,
  type SessionData,
} from '../../common/session';
import type { AnalyticRun } from '../experiments/analytic-run';
import type { NetworkProblem, NetworkRun, Tf } from '../network';
import { recordAnalyticRun, restoreAnalyticRun, type RestoredAnalyticRun } from './analytic';
import {
  problemFromRecording,
  recordLandscape,
  recordNetworkRun,
  restoreNetworkRun,
  type LiveLandscape,
  type RestoreNetworkOptions,
  type RestoredNetworkRun,
} from './network';

/** The application that writes sessions, unless told otherwise. */
export const DEFAULT_APP = { name: 'LossLab', version: 'unknown' };

/** A live run with what only the client or the engine's bookkeeping knows about it. */
export interface LiveRun<R> {
  run: R;
  /** The colour the client draws it in. */
  color?: string;
  /** Where it branched off another run ("re-run from here"). */
  forkedFrom?: ForkOrigin;
}

/** A finished basin map: what was asked (`basins.compute`'s spec) and what came out. */
export interface LiveBasinMap {
  spec: BasinsSpec;
  result: {
    domain: Domain;
    minima: Point[];
    radius: number;
    labels: Int16Array;
    steps: Uint32Array;
    finals: Float64Array;
  };
}

/** Everything a session is made from. */
export interface LiveSession {
  /** When the session (or recording) began. @default now */
  createdAt?: Date | string;
  /** @default DEFAULT_APP */
  app?: { name: string; version: string };
  title?: string;
  /** Set by the autosaver. */
  autosave?: boolean;
  explorer?: {
    surface: SurfaceSpec;
    start: Point;
    runs: readonly (AnalyticRun | LiveRun<AnalyticRun>)[];
    basins?: LiveBasinMap;
  };
  network?: {
    problem: NetworkProblem;
    runs: readonly (NetworkRun | LiveRun<NetworkRun>)[];
    landscapes?: readonly LiveLandscape[];
  };
  /** The client's view state (camera, toggles, theme, titles, annotations). @default {} */
  view?: JsonObject;
}

function live<R extends object>(entry: R | LiveRun<R>): LiveRun<R> {
  return 'run' in entry ? (entry as LiveRun<R>) : { run: entry };
}

function extra(entry: LiveRun<unknown>): { color?: string; forkedFrom?: ForkOrigin } {
  return {
    ...(entry.color !== undefined ? { color: entry.color } : {}),
    ...(entry.forkedFrom ? { forkedFrom: entry.forkedFrom } : {}),
  };
}

/**
 * A session of the engine's current runs: each run's starting settings, changes, status and
 * series (copied, so the runs may go on while the session is written).
 */
export function sessionFromRuns(session: LiveSession): SessionData {
  const createdAt =
    session.createdAt === undefined
      ? new Date().toISOString()
      : new Date(session.createdAt).toISOString();
  const data: SessionData = {
    createdAt,
    app: session.app ?? DEFAULT_APP,
    view: session.view ?? {},
  };
  if (session.title !== undefined) data.title = session.title;
  if (session.autosave) data.autosave = true;
  if (session.explorer) {
    const e = session.explorer;
    const explorer: ExplorerRecording = {
      surface: e.surface,
      start: [e.start[0], e.start[1]],
      runs: e.runs.map((entry) => {
        const r = live(entry);
        return recordAnalyticRun(r.run, extra(r));
      }),
    };
    if (e.basins) {
      const { spec, result } = e.basins;
      explorer.basins = {
        spec,
        domain: result.domain,
        minima: result.minima,
        radius: result.radius,
        labels: result.labels.slice(),
        steps: result.steps.slice(),
        finals: result.finals.slice(),
      };
    }
    data.explorer = explorer;
  }
  if (session.network) {
    const { problem, runs, landscapes = [] } = session.network;
    const spec = problem.dataset.spec;
    if (spec.kind === 'custom') {
      throw new SessionError(
        `cannot save this session: its dataset "${spec.name}" was built from given arrays, not a spec`,
        'network.dataset',
      );
    }
    data.network = {
      dataset: spec,
      model: problem.model,
      runs: runs.map((entry) => {
        const r = live(entry);
        return recordNetworkRun(r.run, extra(r));
      }),
      landscapes: landscapes.map((l, i) => recordLandscape(l, i)),
    };
  }
  return data;
}

/** The explorer of a session, rebuilt as engine runs. */
export interface RestoredExplorer {
  surface: SurfaceSpec;
  start: Point;
  runs: RestoredAnalyticRun[];
  basins?: ExplorerRecording['basins'];
}

/**
 * AnalyticRuns holding a session's recorded trajectories bit for bit, each resumable when
 * replaying its configuration reproduces it (see restoreAnalyticRun). All or nothing: a run
 * that cannot be rebuilt throws a SessionError naming it, and no run is returned.
 */
export function restoreExplorer(explorer: ExplorerRecording): RestoredExplorer {
  const runs = explorer.runs.map((recording, i) => {
    try {
      return restoreAnalyticRun(recording);
    } catch (err) {
      if (err instanceof SessionError) {
        throw new SessionError(err.message, `explorer.runs.${i}.${err.field ?? 'config'}`);
      }
      throw err;
    }
  });
  return {
    surface: explorer.surface,
    start: explorer.start,
    runs,
    ...(explorer.basins ? { basins: explorer.basins } : {}),
  };
}

/** The network lab of a session, rebuilt: its problem (built anew), runs and landscapes. */
export interface RestoredNetwork {
  problem: NetworkProblem;
  runs: RestoredNetworkRun[];
  landscapes: LandscapeRecording[];
}

/**
 * The session's problem (dataset and model rebuilt from their specs) with NetworkRuns showing
 * the recorded curves (see restoreNetworkRun; resumeNetworkRun makes one steppable). On any
 * failure the problem is disposed and a SessionError thrown.
 */
export function restoreNetwork(
  tf: Tf,
  network: NetworkRecording,
  options: RestoreNetworkOptions = {},
): RestoredNetwork {
  let problem: NetworkProblem;
  try {
    problem = problemFromRecording(tf, network);
  } catch (err) {
    throw new SessionError(
      `the session's network cannot be rebuilt: ${(err as Error).message}`,
      'network.model',
    );
  }
  try {
    const runs = network.runs.map((recording) => restoreNetworkRun(problem, recording, options));
    return { problem, runs, landscapes: network.landscapes };
  } catch (err) {
    problem.dispose();
    if (err instanceof SessionError) throw err;
    throw new SessionError(
      `the session's network runs cannot be rebuilt: ${(err as Error).message}`,
    );
  }
}
