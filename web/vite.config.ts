import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The built assets are embedded in the Switchboard binary and served at `/`; in development
// the API (HTTPS, self-signed) and the console WebSocket are proxied to a local server.
const backend = 'https://127.0.0.1:8443';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: {
      output: {
        manualChunks: { react: ['react', 'react-dom'], jssip: ['jssip'] },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: backend, secure: false, ws: true, changeOrigin: false },
    },
  },
});
