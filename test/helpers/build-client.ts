import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** vitest globalSetup of the browser project: build the client pages once (dist/client). */
export default function buildClient(): void {
  if (process.env.SKIP_CLIENT_BUILD === '1') return;
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit', timeout: 120_000 });
}
