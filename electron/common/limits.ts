/**
 * Limits more than one module enforces, in one place so they cannot disagree.
 */

/** Most bytes a session may hold once unzipped (manifest and arrays together): 2 GiB. */
export const MAX_SESSION_BYTES = 2 * 2 ** 30;

/** Most bytes of one session.upload part: well inside a 64 MiB WebSocket frame. */
export const MAX_UPLOAD_PART_BYTES = 16 * 2 ** 20;
