/**
 * The renderer's Content-Security-Policy, one string for every way the page is served: the
 * <meta> tag Vite writes into index.html, the browser-mode server's header and Electron's
 * protocol handler. Scripts only from the app itself; no eval, no inline script, no remote.
 */
export const CONTENT_SECURITY_POLICY = [
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
].join('; ');
