import { applyTranslations, currentLang, languageToggle, t } from '../i18n/index.ts';
import { api, genericErrorText, labelFor, loadFacilities, markFields } from '../public-services/api.ts';
import { $, formatDateTime, h } from '../public-services/dom.ts';

const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

interface PublicView {
  ticket: string;
  facility: { name: string };
  category: string;
  status: string;
  createdAt: string;
  dueAt: string;
  history: Array<{ status: string; response: string | null; at: string }>;
}

const form = $<HTMLFormElement>('#complaint');
const status = $('#status');
const anonymous = $<HTMLInputElement>('[name="anonymous"]', form);
const identity = $('#identity');
const trackForm = $<HTMLFormElement>('#track');
let dueAt: string | null = null;
let tracked: PublicView | null = null;

anonymous.addEventListener('change', () => {
  identity.hidden = anonymous.checked;
  for (const input of identity.querySelectorAll('input')) input.disabled = anonymous.checked;
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  status.className = 'status';
  const file = $<HTMLInputElement>('[name="attachment"]', form).files?.[0];
  if (file && file.size > MAX_IMAGE_BYTES) {
    status.className = 'status error';
    status.textContent = t('complaint.attachment.tooLarge');
    return;
  }
  const data = new FormData(form);
  data.set('anonymous', anonymous.checked ? 'true' : 'false');
  if (!file) data.delete('attachment');
  status.textContent = t('services.loading');
  const res = await api<{ ticket: string; trackingCode: string; dueAt: string }>('/api/complaints', { method: 'POST', body: data });
  markFields(form, res.ok ? {} : res.error.fields);
  if (!res.ok) {
    status.className = 'status error';
    status.textContent = genericErrorText(res.error);
    return;
  }
  status.textContent = '';
  form.reset();
  identity.hidden = false;
  $('#ticket').textContent = res.data.ticket;
  $('#tracking-code').textContent = res.data.trackingCode;
  dueAt = res.data.dueAt;
  $('#created').hidden = false;
  $<HTMLInputElement>('[name="ticket"]', trackForm).value = res.data.ticket;
  $<HTMLInputElement>('[name="trackingCode"]', trackForm).value = res.data.trackingCode;
  render();
});

function showTracked(v: PublicView): void {
  const lang = currentLang();
  $('#track-result').replaceChildren(
    h('p', {}, `${v.facility.name} · ${labelFor('complaint.category', v.category)}`),
    h('p', {}, `${t('services.status')}: `, h('strong', { id: 'complaint-status', text: labelFor('complaint.status', v.status) })),
    h('h3', { text: t('services.history') }),
    h('ul', {}, ...v.history.map((e) => h('li', {}, `${formatDateTime(e.at, lang)} — ${labelFor('complaint.status', e.status)}`, e.response ? h('blockquote', { text: e.response }) : null))),
  );
}

trackForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(trackForm);
  const trackStatus = $('#track-status');
  trackStatus.className = 'status';
  trackStatus.textContent = t('services.loading');
  $('#track-result').replaceChildren();
  tracked = null;
  const ticket = encodeURIComponent(String(data.get('ticket')).trim());
  const res = await api<PublicView>(`/api/complaints/${ticket}`, { headers: { 'x-tracking-code': String(data.get('trackingCode')).trim() } });
  if (!res.ok) {
    trackStatus.className = 'status error';
    trackStatus.textContent = res.error.status === 404 ? t('complaint.track.notFound') : genericErrorText(res.error);
    return;
  }
  trackStatus.textContent = '';
  tracked = res.data;
  showTracked(res.data);
});

function render(): void {
  applyTranslations();
  if (dueAt) $('#due').textContent = t('complaint.dueAt', { date: formatDateTime(dueAt, currentLang()) });
  if (tracked) showTracked(tracked);
  void loadFacilities($<HTMLSelectElement>('[name="facilityId"]', form));
}

$('#lang').append(languageToggle(render));
render();
