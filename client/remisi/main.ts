import { applyTranslations, currentLang, languageToggle, t } from '../i18n/index.ts';
import { api, genericErrorText, jsonInit, labelFor, markFields } from '../public-services/api.ts';
import { $, formatDate, h } from '../public-services/dom.ts';

interface RemisiView {
  registrationNumber: string;
  name: string;
  facility: { name: string };
  remissions: Array<{ type: string; year: number; days: number; decreeNumber: string }>;
  totalDays: number;
  expectedReleaseDate: string | null;
  pbEligibleDate: string | null;
  cbEligibleDate: string | null;
  updatedAt: string;
}

const form = $<HTMLFormElement>('#lookup');
const status = $('#status');
const result = $('#result');
let shown: RemisiView | null = null;

function dateOrUnknown(date: string | null): string {
  return date ? formatDate(date, currentLang()) : t('remisi.unknownDate');
}

function showRecord(r: RemisiView): void {
  const rows = r.remissions.map((e) =>
    h('tr', {}, h('td', { text: labelFor('remisi.type', e.type) }), h('td', { text: e.year }), h('td', { text: e.days }), h('td', { text: e.decreeNumber })),
  );
  result.replaceChildren(
    h('h2', { text: t('remisi.result.title') }),
    h('p', {}, h('strong', { text: `${r.name} (${r.registrationNumber})` }), h('br'), r.facility.name),
    rows.length
      ? h('table', {},
          h('thead', {}, h('tr', {}, ...(['remisi.type', 'remisi.year', 'remisi.days', 'remisi.decree'] as const).map((k) => h('th', { text: t(k) })))),
          h('tbody', {}, ...rows))
      : h('p', { text: t('remisi.none') }),
    h('p', { class: 'success', id: 'total', text: t('remisi.total', { days: r.totalDays }) }),
    h('dl', {},
      h('dt', { text: t('remisi.expectedRelease') }), h('dd', { id: 'expected-release', text: dateOrUnknown(r.expectedReleaseDate) }),
      h('dt', { text: t('remisi.pb') }), h('dd', { text: dateOrUnknown(r.pbEligibleDate) }),
      h('dt', { text: t('remisi.cb') }), h('dd', { text: dateOrUnknown(r.cbEligibleDate) })),
    h('p', { class: 'notice', text: `${t('remisi.updated', { date: formatDate(r.updatedAt.slice(0, 10), currentLang()) })} ${t('remisi.disclaimer')}` }),
  );
  result.hidden = false;
}

function render(): void {
  applyTranslations();
  if (shown) showRecord(shown);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  status.className = 'status';
  status.textContent = t('services.loading');
  result.hidden = true;
  shown = null;
  const res = await api<RemisiView>('/api/remisi/lookup', jsonInit('POST', { registrationNumber: String(data.get('registrationNumber')), nik: String(data.get('nik')).trim() }));
  markFields(form, res.ok ? {} : res.error.fields);
  if (res.ok) {
    status.textContent = '';
    shown = res.data;
    showRecord(res.data);
    return;
  }
  status.className = 'status error';
  status.textContent = res.error.status === 404 ? t('remisi.notFound') : genericErrorText(res.error);
});

$('#lang').append(languageToggle(render));
render();
