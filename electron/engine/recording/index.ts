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
  recordExplorer,
} from '../labs/explorer/recording';
export type {
  ForkedRun,
  ForkOptions,
  ReplayOptions,
  RestoredAnalyticRun,
} from '../labs/explorer/recording';
export {
  problemFromRecording,
  recordLandscape,
  recordNetwork,
  recordedElsewhereReason,
  recordNetworkRun,
  restoreNetworkRun,
  restoreRecordedRuns,
  resumeNetworkRun,
  showRecordedRun,
} from '../labs/network/recording';
export { compareNetworkRun, replayNetworkRun } from '../labs/network/replay';
export type {
  LiveLandscape,
  RecordedNetworkRun,
  RestoreNetworkOptions,
  RestoredNetworkRun,
  ResumeNetworkOptions,
} from '../labs/network/recording';
export { DEFAULT_APP, sessionFromRuns, sessionHeader } from './live-session';
export type { LiveSession } from './live-session';
export type { LiveRun } from '../labs/lab';
export type { LiveBasinMap } from '../labs/basins/recording';
export { restoreExplorer } from '../labs/explorer/recording';
export type { RestoredExplorer } from '../labs/explorer/recording';
export { restoreNetwork } from '../labs/network/recording';
export type { RestoredNetwork } from '../labs/network/recording';
export {
  AUTOSAVE_FILE,
  Autosaver,
  discardRecoverable,
  findRecoverable,
  recoverSession,
  writeAtomically,
} from './autosave';
export type { AutosaverOptions, RecoverableSession } from './autosave';
