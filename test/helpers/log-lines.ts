import type { Readable } from 'node:stream';

/** Calls `onEntry` with every JSON log line a child process writes (pino); other output is ignored. */
export function onLogEntries(stream: Readable, onEntry: (entry: Record<string, unknown>) => void): void {
  let buffer = '';
  stream.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      onEntry(entry);
    }
  });
}
