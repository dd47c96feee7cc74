import { svelte } from '@sveltejs/vite-plugin-svelte';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY_META } from '../electron/common/security';

const CSP_PLACEHOLDER = '__LOSSLAB_CSP__';

/**
 * Writes the app's CSP into index.html's <meta> tag, which sits right after the charset and so
 * before every script and stylesheet Vite adds (a policy only covers what comes after it).
 */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'losslab-csp',
    transformIndexHtml: {
      order: 'pre',
      handler: (html) => {
        const at = html.indexOf(CSP_PLACEHOLDER);
        if (at < 0 || html.indexOf(CSP_PLACEHOLDER, at + 1) >= 0) {
          throw new Error(`renderer/index.html must hold ${CSP_PLACEHOLDER} exactly once`);
        }
        const escaped = CONTENT_SECURITY_POLICY_META.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
        return html.replace(CSP_PLACEHOLDER, escaped);
      },
    },
  };
}

/** The app's version, for the About box (in both modes). */
const { version } = JSON.parse(
  readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'),
) as { version: string };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  define: { __LOSSLAB_VERSION__: JSON.stringify(version) },
  plugins: [svelte(), contentSecurityPolicy()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
    // No inline <script>/<style> or data: modules: everything as files, under a strict CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
