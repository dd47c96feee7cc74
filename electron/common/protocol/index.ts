/**
 * The engine protocol: every message between a client (the renderer, a test, the CLI) and the
 * engine. Client messages are zod schemas because the engine validates each one at its
 * boundary; engine messages are plain types because the engine is trusted by its clients.
 * One file per part: `control` (the engine as a whole), `explorer`, `network`, `critical`,
 * `experiments`, `session`, `host`; `messages` composes them and maps each request to its reply.
 *
 * Bulk numbers travel as typed arrays, never as JSON arrays. Over a worker_thread they are
 * transferred; over Electron's MessagePortMain they are structured-cloned; over the browser-mode
 * WebSocket they are binary CBOR frames.
 */
export * from './base';
export * from './control';
export * from './explorer';
export * from './network';
export * from './critical';
export * from './experiments';
export * from './session';
export * from './host';
export * from './messages';
