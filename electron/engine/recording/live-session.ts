/**
 * Sessions from the engine's live objects, and back: what `session.save` and `session.open`
 * (and the autosaver) call.
 */
import type { Point, SurfaceSpec } from '../../common/schemas';
import {
  SessionError,
  type ExplorerRecording,
  type ForkOrigin,
  type JsonObject,
  type SessionData,
} from '../../common/session';
import type { LiveBasinMap } from '../labs/basins/jobs';
import type { AnalyticRun } from '../labs/explorer/analytic-run';
import { recordAnalyticRun } from '../labs/explorer/recording';
import { recordLandscape, recordNetworkRun, type LiveLandscape } from '../labs/network/recording';
import type { NetworkProblem, NetworkRun } from '../network';

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
