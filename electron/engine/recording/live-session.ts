/**
 * Sessions from live objects: a session's header, and a whole session of given live runs (the
 * engine's session desk asks each lab for its own part instead; tests and tools use this).
 */
import type { Point, SurfaceSpec } from '../../common/schemas';
import type { Exercise } from '../../common/exercise';
import type { JsonObject, SessionData } from '../../common/session';
import { recordBasinMap, type LiveBasinMap } from '../labs/basins/recording';
import type { AnalyticRun } from '../labs/explorer/analytic-run';
import { recordExplorer } from '../labs/explorer/recording';
import type { LiveRun } from '../labs/lab';
import { recordNetwork, type LiveNetwork } from '../labs/network/recording';

/** The application that writes sessions, unless told otherwise. */
export const DEFAULT_APP = { name: 'LossLab', version: 'unknown' };

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
  network?: LiveNetwork;
  /** The client's view state (camera, toggles, theme, titles, annotations). @default {} */
  view?: JsonObject;
  /** A lecturer's exercise on the session. */
  exercise?: Exercise;
}

/** A session's header: when, by what, its title and the client's view; no lab's part yet. */
export function sessionHeader(session: Omit<LiveSession, 'explorer' | 'network'>): SessionData {
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
  if (session.exercise) data.exercise = session.exercise;
  return data;
}

/**
 * A session of the given live runs: its header, then the explorer part (with its basin map)
 * and the network part, each recorded by its lab (copies, so the runs may go on while the
 * session is written).
 */
export function sessionFromRuns(session: LiveSession): SessionData {
  const data = sessionHeader(session);
  if (session.explorer) {
    const { basins, ...explorer } = session.explorer;
    data.explorer = recordExplorer(explorer);
    if (basins) data.explorer.basins = recordBasinMap(basins);
  }
  if (session.network) data.network = recordNetwork(session.network);
  return data;
}
