import { currentLang, t, type MessageKey } from '../i18n/index.ts';
import { api, jsonInit, type ApiError } from '../public-services/api.ts';
import { formatDateTime, h } from '../public-services/dom.ts';
import { officerHeaders } from '../public-services/officer-session.ts';

interface RecordingRow {
  visitId: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  bytes: number;
  segmentCount: number;
  gapCount: number;
  inmateName: string;
  registrationNumber: string;
  boothName: string;
}
interface Segment { party: string; index: number; file: string; startedAt: string; endedAt: string; bytes: number }
interface Manifest { parties: Array<{ id: string; role: string; name: string }>; segments: Segment[]; gaps: unknown[] }

function size(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.ceil(bytes / 1e3)} kB`;
}

function statusLabel(status: string): string {
  const key = `officer.dashboard.rec.status.${status}`;
  return ['recording', 'complete', 'incomplete', 'purged', 'failed'].includes(status) ? t(key as MessageKey) : status;
}

/** Recordings of the facility: list, one recording's segments, play a segment via a short-lived link. */
export class RecordingsView {
  readonly el = h('section', { class: 'recordings', 'data-testid': 'recordings-view' });
  readonly #onSignedOut: () => void;
  #rows: RecordingRow[] = [];
  #error = '';

  constructor(onSignedOut: () => void) {
    this.#onSignedOut = onSignedOut;
  }

  #failed(error: ApiError): string {
    if (error.status === 401) this.#onSignedOut();
    return t('officer.dashboard.rec.loadFailed', { code: error.code });
  }

  async load(): Promise<void> {
    const result = await api<{ recordings: RecordingRow[] }>('/api/recordings', { headers: officerHeaders() });
    if (result.ok) {
      this.#rows = result.data.recordings;
      this.#error = '';
    } else this.#error = this.#failed(result.error);
    this.render();
  }

  render(): void {
    const lang = currentLang();
    const detail = h('div', { 'data-testid': 'recording-detail' });
    const table = h(
      'table',
      { 'data-testid': 'recording-list' },
      h('thead', {}, h('tr', {}, ...(['start', 'inmate', 'booth', 'status', 'segments'] as const).map((c) => h('th', { text: t(`officer.dashboard.rec.col.${c}`) })), h('th', {}))),
      h(
        'tbody',
        {},
        ...this.#rows.map((r) => {
          const open = h('button', { type: 'button', class: 'secondary', 'data-testid': 'recording-open', 'data-visit-id': r.visitId, text: t('officer.dashboard.rec.open') });
          open.addEventListener('click', () => void this.#open(r, detail));
          return h(
            'tr',
            { 'data-testid': 'recording-row', 'data-visit-id': r.visitId, 'data-status': r.status },
            // data-label: on a narrow screen each row stacks, its cells named (officer.css).
            h('td', { 'data-label': t('officer.dashboard.rec.col.start'), text: formatDateTime(r.startedAt, lang) }),
            h('td', { 'data-label': t('officer.dashboard.rec.col.inmate'), text: `${r.inmateName} (${r.registrationNumber})` }),
            h('td', { 'data-label': t('officer.dashboard.rec.col.booth'), text: r.boothName }),
            h('td', { 'data-label': t('officer.dashboard.rec.col.status'), text: statusLabel(r.status) }),
            h('td', { 'data-label': t('officer.dashboard.rec.col.segments'), text: String(r.segmentCount) }),
            h('td', {}, open),
          );
        }),
      ),
    );
    this.el.replaceChildren(
      h('h2', { text: t('officer.dashboard.rec.title') }),
      h('p', { class: 'error', text: this.#error, hidden: !this.#error }),
      this.#rows.length ? table : h('p', { class: 'card', 'data-testid': 'no-recordings', text: t('officer.dashboard.rec.empty') }),
      detail,
    );
  }

  async #open(row: RecordingRow, detail: HTMLElement): Promise<void> {
    const result = await api<{ manifest: Manifest | null }>(`/api/recordings/${encodeURIComponent(row.visitId)}`, { headers: officerHeaders() });
    if (!result.ok || !result.data.manifest) {
      detail.replaceChildren(h('p', { class: 'error', text: result.ok ? t('officer.dashboard.rec.notFinished') : this.#failed(result.error) }));
      return;
    }
    const { manifest } = result.data;
    const player = h('video', { controls: true, 'data-testid': 'recording-player', hidden: true });
    const status = h('p', { class: 'status', role: 'status' });
    const name = (party: string) => manifest.parties.find((p) => p.id === party)?.name ?? party;
    const items = manifest.segments.map((s) => {
      const play = h('button', { type: 'button', 'data-testid': 'segment-play', 'data-file': s.file, text: t('officer.dashboard.rec.play') });
      play.addEventListener('click', async () => {
        const link = await api<{ url: string }>(`/api/recordings/${encodeURIComponent(row.visitId)}/playback`, jsonInit('POST', { file: s.file }, officerHeaders()));
        if (!link.ok) {
          status.textContent = this.#failed(link.error);
          return;
        }
        status.textContent = '';
        player.hidden = false;
        player.dataset.file = s.file;
        player.src = link.data.url;
        void player.play().catch(() => {});
      });
      return h('li', { 'data-testid': 'segment' }, `${t('officer.dashboard.rec.segment', { party: name(s.party), start: formatDateTime(s.startedAt, currentLang()), size: size(s.bytes) })} `, play);
    });
    detail.replaceChildren(
      h(
        'div',
        { class: 'card', 'data-visit-id': row.visitId },
        h('h3', { text: `${t('officer.dashboard.rec.segments')}: ${row.inmateName} · ${row.boothName}` }),
        manifest.gaps.length ? h('p', { class: 'notice', text: t('officer.dashboard.rec.gaps', { count: manifest.gaps.length }) }) : null,
        h('ul', { class: 'segments' }, ...items),
        status,
        player,
      ),
    );
  }
}
