import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `require` and the folder of the running file, the same way in the CommonJS bundles under
 * dist/ (where the build defines import.meta.url from __filename) and in vitest (ESM).
 */
export const nodeRequire = createRequire(import.meta.url);
export const hereDir = path.dirname(fileURLToPath(import.meta.url));
