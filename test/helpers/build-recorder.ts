import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** The recorder the tests run: the one npm run setup builds from server/recording/recorder. */
export const recorderPath = path.resolve(import.meta.dirname, '../../dist/recorder/kv-recorder');

/** vitest globalSetup: build kv-recorder when its source is newer than the binary, so tests run what is checked in. */
export default function buildRecorder(): void {
  execFileSync('bash', [path.resolve(import.meta.dirname, '../../server/recording/recorder/build.sh'), '--if-changed'], { stdio: 'inherit', timeout: 120_000 });
}
