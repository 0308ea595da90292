import { t } from '../i18n/index.ts';
import type { CallClient, RemoteTile } from './call-client.ts';
import type { Quality, QualityDetail } from './connection-quality.ts';
import { attachVideo } from './media.ts';

/** Keeps one tile (<video> + name) per remote party in `container`. */
export function renderRemotes(container: HTMLElement, tiles: RemoteTile[]): void {
  const keep = new Set(tiles.map((x) => x.peer.peerId));
  for (const el of [...container.querySelectorAll<HTMLElement>('.remote-tile')]) {
    if (!keep.has(el.dataset.peerId ?? '')) el.remove();
  }
  for (const tile of tiles) {
    let el = container.querySelector<HTMLElement>(`.remote-tile[data-peer-id="${CSS.escape(tile.peer.peerId)}"]`);
    if (!el) {
      el = document.createElement('div');
      el.className = 'remote-tile';
      el.dataset.peerId = tile.peer.peerId;
      const video = document.createElement('video');
      video.dataset.testid = 'remote-video';
      const name = document.createElement('span');
      name.className = 'name';
      const cameraOff = document.createElement('span');
      cameraOff.className = 'camera-off';
      cameraOff.dataset.testid = 'remote-camera-off';
      const micMuted = document.createElement('span');
      micMuted.className = 'mic-muted';
      micMuted.dataset.testid = 'remote-mic-muted';
      el.append(video, cameraOff, name, micMuted);
      container.append(el);
    }
    el.dataset.peerState = tile.peer.state;
    el.dataset.role = tile.peer.role;
    el.dataset.reconnectingText = t('call.remoteReconnecting');
    el.dataset.video = tile.videoSuspended ? 'suspended' : 'forwarded';
    el.dataset.videoSuspendedText = t('call.videoSuspended');
    el.querySelector<HTMLElement>('.name')!.textContent = tile.peer.displayName;
    el.dataset.camera = tile.cameraOff ? 'off' : 'on';
    el.dataset.mic = tile.micMuted ? 'muted' : 'on';
    const cameraOff = el.querySelector<HTMLElement>('.camera-off')!;
    cameraOff.hidden = !tile.cameraOff;
    cameraOff.textContent = t('call.remote.cameraOff');
    const micMuted = el.querySelector<HTMLElement>('.mic-muted')!;
    micMuted.hidden = !tile.micMuted;
    micMuted.textContent = t('call.remote.micMuted');
    attachVideo(el.querySelector('video')!, tile.stream);
  }
}

export function renderQuality(el: HTMLElement, text: HTMLElement, q: Quality, detail: QualityDetail): void {
  el.dataset.quality = q;
  el.dataset.rttMs = detail.rttMs === null ? '' : String(detail.rttMs);
  el.dataset.lossPct = detail.lossPct === null ? '' : String(detail.lossPct);
  // data-i18n: a language switch re-translates it at once, not at the next sample
  text.dataset.i18n = `call.quality.${q}`;
  text.textContent = t(`call.quality.${q}`);
  el.title = detail.rttMs === null ? '' : `RTT ${detail.rttMs} ms, loss ${detail.lossPct ?? 0}%`;
}

/** Machine-readable hooks for tests and the benchmark (no secrets: counters only). */
export function exposeForTests(client: CallClient): void {
  (window as unknown as { kvCall: unknown }).kvCall = {
    mediaStats: () => client.mediaStats(),
    transportSecurity: () => client.transportSecurity(),
    counters: () => ({ rebuilds: client.rebuilds, iceRestarts: client.iceRestarts, state: client.state }),
  };
}

/**
 * The standing notice on every call page: monitored and recorded, except a privileged (legal
 * counsel) visit, which is neither; the page must not claim otherwise.
 */
export function renderMonitoredNotice(monitored: boolean): void {
  const notice = document.querySelector<HTMLElement>('[data-testid="monitored-notice"]');
  if (!notice) return;
  notice.dataset.i18n = monitored ? 'call.monitored' : 'call.privileged';
  notice.dataset.monitored = String(monitored);
  notice.textContent = t(monitored ? 'call.monitored' : 'call.privileged');
}
