import { applyTranslations, currentLang, languageToggle, t } from '../i18n/index.ts';
import { api, genericErrorText, loadFacilities } from '../public-services/api.ts';
import { $, h } from '../public-services/dom.ts';

interface Board {
  facility: { name: string };
  date: string;
  sessions: Array<{ id: string; startTime: string; endTime: string; serving: number[]; lastCalled: number | null; waiting: number }>;
}

const REFRESH_MS = 5000;
const select = $<HTMLSelectElement>('select[name="facilityId"]');
let board: Board | null = null;
let updatedAt: Date | null = null;

function show(): void {
  const container = $('#board');
  $('#facility-name').textContent = board ? `— ${board.facility.name}` : '';
  if (!board) return container.replaceChildren();
  if (board.sessions.length === 0) return container.replaceChildren(h('p', { class: 'card', text: t('queue.none') }));
  container.replaceChildren(...board.sessions.map((s) =>
    h('section', { class: 'card', 'data-session': s.id },
      h('h2', { text: `${s.startTime}–${s.endTime}` }),
      h('p', { text: t('queue.serving') }),
      h('p', { class: 'now', text: s.serving.length ? s.serving.join(', ') : t('queue.nobody') }),
      h('p', { text: t('queue.lastCalled', { n: s.lastCalled ?? t('queue.nobody') }) }),
      h('p', { text: t('queue.waiting', { n: s.waiting }) }))));
  if (updatedAt) {
    $('#updated').textContent = t('queue.updated', { time: updatedAt.toLocaleTimeString(currentLang() === 'id' ? 'id-ID' : 'en-GB') });
  }
}

async function refresh(): Promise<void> {
  if (!select.value) return;
  const res = await api<Board>(`/api/drive-thru/now-serving?facilityId=${encodeURIComponent(select.value)}`);
  if (res.ok) {
    board = res.data;
    updatedAt = new Date();
    show();
  } else {
    $('#updated').textContent = genericErrorText(res.error);
  }
}

select.addEventListener('change', () => {
  const url = new URL(location.href);
  url.searchParams.set('facility', select.value);
  history.replaceState(null, '', url);
  board = null;
  void refresh();
});

function render(): void {
  applyTranslations();
  show();
}

$('#lang').append(languageToggle(render));
void (async () => {
  render();
  await loadFacilities(select);
  // A board opened from a link (?facility=…) is a wall display: no chooser.
  $('#choose').hidden = !!new URLSearchParams(location.search).get('facility') && !!select.value;
  await refresh();
  setInterval(() => void refresh(), REFRESH_MS);
})();
