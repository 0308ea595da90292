import { CALL_MEDIA } from './call-media.ts';

/** The camera started before the call script ran: its stream, getUserMedia's error, or null (not started). */
export type EarlyCamera = { stream: MediaStream } | { error: unknown } | null;

let early: Promise<EarlyCamera> | null = null;

async function checkThenOpen(token: string): Promise<EarlyCamera> {
  if (!navigator.mediaDevices?.getUserMedia) return null;
  try {
    const res = await fetch('/api/join-links/check', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    if (!res.ok || ((await res.json()) as { accepted?: unknown }).accepted !== true) return null;
  } catch {
    return null;
  }
  performance.mark?.('kv:camera-start');
  try {
    return { stream: await navigator.mediaDevices.getUserMedia(CALL_MEDIA) };
  } catch (error) {
    return { error };
  }
}

/**
 * Starts the camera while the page's call script still loads, once the server says the link
 * would be admitted now (POST /api/join-links/check): a refused or early link never opens it.
 */
export function startEarlyCamera(token: string): void {
  early ??= checkThenOpen(token);
}

/** What startEarlyCamera got, once; null when it was not started or already taken. */
export function takeEarlyCamera(): Promise<EarlyCamera> | null {
  const taken = early;
  early = null;
  return taken;
}
