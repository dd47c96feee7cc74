/**
 * Limits more than one module enforces, in one place so they cannot disagree.
 */

/** Most bytes a session may hold once unzipped (manifest and arrays together): 2 GiB. */
export const MAX_SESSION_BYTES = 2 * 2 ** 30;
