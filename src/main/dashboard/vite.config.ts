import { defineConfig } from 'vite';

// Everything is bundled into hashed files under assets/; index.html loads them with plain <script>/<link> tags,
// so the server's CSP (script-src 'self', no inline scripts) holds. `npm run dev` proxies the API to a local node.
export default defineConfig({
  base: '/',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: 'dist',
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:9000', ws: true },
    },
  },
});
