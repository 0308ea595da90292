import type { Page } from 'puppeteer-core';

/** Counts a page's peer connections and camera requests (window.__kvCounts), from its first script on. */
const INSTRUMENT = `(() => {
  window.__kvCounts = { peerConnections: 0, getUserMedia: 0 };
  const PC = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) { window.__kvCounts.peerConnections++; return new PC(...args); };
  window.RTCPeerConnection.prototype = PC.prototype;
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (c) => { window.__kvCounts.getUserMedia++; return gum(c); };
})();`;

export async function countMediaRequests(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(INSTRUMENT);
}

export function mediaRequests(page: Page): Promise<{ peerConnections: number; getUserMedia: number }> {
  return page.evaluate(() => (globalThis as any).__kvCounts as { peerConnections: number; getUserMedia: number });
}
