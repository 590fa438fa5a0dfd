import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * dwv starts its decoders (JPEG baseline, lossless, 2000, RLE) as module workers from
 * `<base>/assets/workers/<name>.worker.min.js`: copy them there (the gateway serves that folder revalidated,
 * not as immutable, since the names carry no hash).
 */
function dwvWorkers(): Plugin {
  return {
    name: 'careledger-dwv-workers',
    apply: 'build',
    async writeBundle(options) {
      const require = createRequire(import.meta.url);
      const from = path.join(path.dirname(require.resolve('dwv')), 'assets', 'workers');
      const to = path.join(options.dir ?? 'dist', 'assets', 'workers');
      await mkdir(to, { recursive: true });
      for (const file of await readdir(from))
        if (file.endsWith('.min.js')) await copyFile(path.join(from, file), path.join(to, file));
    },
  };
}

// The gateway serves dist/ at `/`: index.html revalidated, assets/ content-hashed and cached for a year.
export default defineConfig({
  plugins: [react(), dwvWorkers()],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    // The strict CSP has no 'unsafe-inline' for scripts: never inline a script or a module-preload polyfill.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    // The DICOM viewer chunk is large by nature; the initial-load budget is checked by scripts/check-bundle.mjs.
    chunkSizeWarningLimit: 1000,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:3000', '/portal-config.json': 'http://127.0.0.1:3000' } },
});
