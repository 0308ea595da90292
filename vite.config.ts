import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vite';

const clientDir = path.resolve(import.meta.dirname, 'client');

// Every client/<page>/index.html is one page of the build (client/index.html is the home page).
const pages: Record<string, string> = { home: path.join(clientDir, 'index.html') };
for (const entry of readdirSync(clientDir, { withFileTypes: true })) {
  const html = path.join(clientDir, entry.name, 'index.html');
  if (entry.isDirectory() && existsSync(html)) pages[entry.name] = html;
}

export default defineConfig({
  root: clientDir,
  build: {
    outDir: path.resolve(import.meta.dirname, 'dist/client'),
    emptyOutDir: true,
    target: 'es2020',
    rollupOptions: { input: pages },
  },
});
