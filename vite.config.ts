// The renderer's build: renderer/ → out/renderer/. Relative asset URLs ('./assets/…') so the same
// files work under app://privacy-desk/ in Electron and http://127.0.0.1:<port>/ in browser mode.
// JSX goes through Vite's built-in Oxc transform (React's automatic runtime); no plugin needed.
// The built index.html must carry no inline script or style: both hosts send
// `script-src 'self'; style-src 'self'` (test/e2e/build.test.ts checks the output).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('./out/renderer', import.meta.url)),
    emptyOutDir: true,
    // Electron 45 ships Chromium 142 and Debian's Chromium is newer; 120 leaves room for both.
    target: 'chrome120',
    // The polyfill would be fine under CSP, but nothing needs it in Chromium.
    modulePreload: { polyfill: false },
    // No data: URLs for assets: every file is served from the app's own origin.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: { host: '127.0.0.1' },
});
