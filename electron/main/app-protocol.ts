import { net, protocol } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_SCHEME } from '../common/bridge';
import { oneLine } from '../common/bounds';
import { CONTENT_SECURITY_POLICY } from '../common/security';

/** Headers on every response of the app's scheme, refusals included. */
const COMMON_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
};

/** Must run before the app is ready: `losslab://` behaves like https (secure, standard). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

function refusal(status: number, why: string): Response {
  return new Response(`${status}: ${oneLine(why)}\n`, {
    status,
    headers: { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

/** The file a request names inside `root`, or the refusal to answer instead. */
function fileFor(root: string, request: Request): string | Response {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return refusal(405, 'only GET and HEAD are served');
  }
  const { host, pathname } = new URL(request.url);
  if (host !== 'app') return refusal(404, 'not found');
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return refusal(400, 'the path is not a valid percent-encoded path');
  }
  if (relative.includes('\0')) return refusal(400, 'the path holds a NUL character');
  const file = path.resolve(root, relative.replace(/^\/+/, '') || 'index.html');
  if (!file.startsWith(root + path.sep)) return refusal(404, 'not found');
  return file;
}

/** Serves the built renderer from `rendererDir` under losslab://app/, with the app's CSP. */
export function serveRenderer(rendererDir: string): void {
  const root = path.resolve(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    try {
      const file = fileFor(root, request);
      if (typeof file !== 'string') return file;
      const response = await net.fetch(pathToFileURL(file).toString());
      if (!response.ok) return refusal(404, 'not found');
      const headers = new Headers(response.headers);
      for (const [name, value] of Object.entries(COMMON_HEADERS)) headers.set(name, value);
      return new Response(response.body, { status: response.status, headers });
    } catch {
      // A file that cannot be read (or any surprise) is a refusal, never an error in main.
      return refusal(404, 'not found');
    }
  });
}
