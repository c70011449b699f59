import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Root is viewer/; the build lands in viewer/dist, which `gymlab serve` / `gymlab start` serve at /.
// In dev (`npx vite viewer`), /api and /ws are proxied to a running server (GYMLAB_SERVER, default :8080),
// so the app talks to its own origin exactly as it does when served by gymlab.
const root = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));
const target = process.env['GYMLAB_SERVER'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: './',
  // The dev server's dependency cache goes with the repository's node_modules, not into viewer/.
  cacheDir: '../node_modules/.vite-viewer',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // TensorFlow.js is a large chunk, loaded only when a page plays a checkpoint in the browser.
    chunkSizeWarningLimit: 4000,
  },
  server: {
    fs: { allow: [repo] },
    proxy: {
      '/api': { target, changeOrigin: true },
      '/ws': { target: target.replace(/^http/, 'ws'), ws: true, changeOrigin: true },
    },
  },
});
