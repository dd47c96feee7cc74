/**
 * What every part of the protocol shares: its version, the ids of runs and requests, which
 * lab's runs a request is about, and a run's status.
 */
import { z } from 'zod';

/** Bumped whenever a message changes shape. The engine refuses a hello with another version. */
export const PROTOCOL_VERSION = 1;

export const backendNames = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof backendNames)[number];

/** A run's id, unique within its lab. */
export const runIdSchema = z.string().min(1).max(64);
/** A request's id, chosen by the client; the engine's reply carries it back. */
export const requestIdSchema = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Which lab's runs a request is about: the explorer's (`analytic`) or the network lab's. */
export const scopeSchema = z.enum(['analytic', 'network']);

/**
 * `ok`: can step. `diverged`: the loss, a coordinate or the gradient stopped being finite; the
 * trajectory ends at its last finite point. `finished`: the run reached its step limit.
 */
export type RunStatus = 'ok' | 'diverged' | 'finished';

export interface SelfCheck {
  ok: boolean;
  ms: number;
  detail: string;
}
