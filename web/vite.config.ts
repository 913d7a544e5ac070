import { fileURLToPath, URL } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import vuetify from 'vite-plugin-vuetify';

const root = fileURLToPath(new URL('.', import.meta.url));

// Built by `npm run build:web` from the repository root; the server serves web/dist at `/`.
export default defineConfig({
  root,
  base: '/',
  plugins: [
    vue(),
    // autoImport registers only the Vuetify components the templates use (tree-shaking).
    vuetify({ autoImport: true }),
  ],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      output: {
        // One long-lived vendor chunk for the framework; views are split per route (lazy imports).
        manualChunks: (id) => (/node_modules\/(vue|@vue|vue-router|pinia|vue-i18n|@intlify)\//.test(id) ? 'framework' : undefined),
      },
    },
  },
  server: {
    port: 5173,
    proxy: { '/api': 'http://localhost:8080', '/health': 'http://localhost:8080' },
  },
});
