/**
 * The browser-mode server's small guards: the headers every response carries, the token
 * check, request targets, refusals written on a raw socket, handlers that never throw to their
 * emitter, and option and id checks. Each refuses with one line and never throws past itself.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { oneLine } from '../common/bounds';
import { CONTENT_SECURITY_POLICY } from '../common/security';

/** The cookie that carries the token after the page's first load. */
export const TOKEN_COOKIE = 'losslab_token';

/** Headers on every HTTP response, refusals included. */
export const COMMON_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Why a static-file error refused a request, by its status. */
export const STATIC_REFUSALS: Record<number, string> = {
  400: 'the path is not a valid percent-encoded path',
  403: 'the path leaves the app folder',
  404: 'not found',
  412: 'precondition failed',
  416: 'the requested range is not satisfiable',
};

export function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

export function cookieToken(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return rest.join('=');
  }
  return undefined;
}

/** The request target as a URL, or undefined when it is not a path (absolute-form, junk). */
export function parseTarget(target: string | undefined): URL | undefined {
  if (!target || !target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, 'http://127.0.0.1');
  } catch {
    return undefined;
  }
}

export function describeError(err: unknown): string {
  return oneLine(err instanceof Error ? `${err.name}: ${err.message}` : String(err), 200);
}

/** Logs what a handler threw; the server goes on. */
export function logCaught(where: string, err: unknown): void {
  console.error(`losslab web: ${where}: ${describeError(err)}`);
}

/** A handler that never throws to its emitter: what it throws is logged and dropped. */
export function guarded<A extends unknown[]>(where: string, fn: (...args: A) => void) {
  return (...args: A): void => {
    try {
      fn(...args);
    } catch (err) {
      logCaught(where, err);
    }
  };
}

/** A whole HTTP refusal written on a raw socket (upgrade, CONNECT, client errors). */
function rawRefusal(status: number, why: string): string {
  const body = `${status}: ${oneLine(why)}\n`;
  const headers = {
    ...COMMON_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Answers an HTTP request with a one-line refusal (or cuts a response already under way). */
export function refuse(res: http.ServerResponse, status: number, why: string): void {
  if (res.headersSent) {
    // Mid-file: nothing honest can be written any more.
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const body = `${status}: ${oneLine(why)}\n`;
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...(status === 405 ? { Allow: 'GET, HEAD' } : {}),
  });
  res.end(body);
}

/** Writes a refusal on a raw socket and closes it; errors on the way are swallowed. */
export function refuseSocket(socket: Duplex, status: number, why: string): void {
  socket.on('error', () => socket.destroy());
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(rawRefusal(status, why), () => socket.destroy());
}

export function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** The request's `id` when it is one the engine would answer with (a safe integer ≥ 0). */
export function usableId(message: unknown): number | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
  const id = (message as { id?: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}
