/**
 * The renderer's Content-Security-Policy, from one list of directives for every way the page is
 * served: the <meta> tag Vite writes into index.html, the browser-mode server's header and
 * Electron's protocol handler. Scripts only from the app itself; no eval, no inline script, no
 * remote; no page may frame the app.
 */
const DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "media-src 'self' blob:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
];

/** The policy as an HTTP header: the <meta> one plus `frame-ancestors 'none'` (no framing). */
export const CONTENT_SECURITY_POLICY = [...DIRECTIVES, "frame-ancestors 'none'"].join('; ');

/**
 * The policy for index.html's <meta> tag. Browsers ignore frame-ancestors there (and warn about
 * it), so it is left out; the header carries it.
 */
export const CONTENT_SECURITY_POLICY_META = DIRECTIVES.join('; ');
