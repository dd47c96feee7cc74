/**
 * Recording: session files (`.losslab`), saving and restoring the engine's runs, replaying and
 * forking them, and autosaving a recording in progress. See electron/common/session.ts for
 * the format.
 */
export { SessionError } from '../../common/session';
export type { SessionData } from '../../common/session';
export {
  decodeSession,
  encodeSession,
  readSession,
  readSessionAsync,
  writeSession,
  writeSessionAsync,
} from './codec';
export type { ReadOptions, WriteOptions } from './codec';
export { packArchive, packArchiveAsync, unpackArchive } from './container';
export type { ArchiveLimits, SessionArchive } from './container';
export {
  compareWithRecording,
  forkRun,
  recordAnalyticRun,
  replayRecording,
  replayRun,
  restoreAnalyticRun,
  settingsAfter,
} from './analytic';
export type { ForkedRun, ForkOptions, ReplayOptions, RestoredAnalyticRun } from './analytic';
export {
  compareNetworkRun,
  problemFromRecording,
  recordLandscape,
  recordNetworkRun,
  replayNetworkRun,
  restoreNetworkRun,
  resumeNetworkRun,
} from './network';
export type {
  LiveLandscape,
  RestoreNetworkOptions,
  RestoredNetworkRun,
  ResumeNetworkOptions,
} from './network';
export { DEFAULT_APP, restoreExplorer, restoreNetwork, sessionFromRuns } from './live-session';
export type {
  LiveBasinMap,
  LiveRun,
  LiveSession,
  RestoredExplorer,
  RestoredNetwork,
} from './live-session';
export {
  AUTOSAVE_FILE,
  Autosaver,
  discardRecoverable,
  findRecoverable,
  recoverSession,
  writeAtomically,
} from './autosave';
export type { AutosaverOptions, RecoverableSession } from './autosave';
