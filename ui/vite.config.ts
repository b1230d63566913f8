import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The UI is served by the collector from ui/dist under a strict Content-Security-Policy: no inline scripts or styles.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One small JS file and one CSS file: fewer requests for the first paint.
    assetsInlineLimit: 0,
  },
});
