import { applyTranslations, currentLang, languageToggle, t } from '../i18n/index.ts';
import { api, genericErrorText, jsonInit, labelFor, loadFacilities, markFields } from '../public-services/api.ts';
import { $, formatDate, h } from '../public-services/dom.ts';

interface Session { id: string; date: string; startTime: string; endTime: string; remaining: number }
interface Categories { allowed: string[]; prohibited: Array<{ category: string; reason: string }> }
interface Booked { ticket: string; trackingCode: string; queueNumber: number; session: Session; qrCode: string }
interface TicketView {
  ticket: string;
  status: string;
  queueNumber: number;
  facility: { name: string };
  session: Omit<Session, 'remaining'>;
  items: Array<{ category: string; description: string; quantity: number; decision: string; reason: string | null }>;
}

const form = $<HTMLFormElement>('#booking');
const facilitySelect = $<HTMLSelectElement>('[name="facilityId"]', form);
const sessionSelect = $<HTMLSelectElement>('[name="sessionId"]', form);
const itemsBox = $('#items');
const status = $('#status');
let categories: Categories = { allowed: [], prohibited: [] };
let sessions: Session[] = [];
let booked: Booked | null = null;
let tracked: TicketView | null = null;

const sessionLabel = (s: Omit<Session, 'remaining'> & { remaining?: number }) =>
  t('driveThru.session.option', { date: formatDate(s.date, currentLang()), start: s.startTime, end: s.endTime, remaining: s.remaining ?? '-' });

function addItemRow(): void {
  const row = h('div', { class: 'row item' },
    h('label', {}, h('span', { text: t('driveThru.item.category') }), h('select', {}, ...categories.allowed.map((c) => new Option(labelFor('driveThru.category', c), c)))),
    h('label', {}, h('span', { text: t('driveThru.item.description') }), h('input', { maxlength: 200, required: true })),
    h('label', {}, h('span', { text: t('driveThru.item.quantity') }), h('input', { type: 'number', min: 1, max: 99, value: 1, required: true })),
    h('button', { type: 'button', class: 'secondary remove', text: t('driveThru.item.remove') }),
  );
  row.querySelector('.remove')!.addEventListener('click', () => {
    if (itemsBox.children.length > 1) row.remove();
    numberItems();
  });
  itemsBox.append(row);
  numberItems();
}

/** Names inputs items.N.field so the server's field errors land on them. */
function numberItems(): void {
  [...itemsBox.children].forEach((row, i) => {
    const [category, description, quantity] = row.querySelectorAll<HTMLInputElement | HTMLSelectElement>('select, input');
    category!.name = `items.${i}.category`;
    description!.name = `items.${i}.description`;
    quantity!.name = `items.${i}.quantity`;
  });
}

function fillSessions(selected?: string): void {
  sessionSelect.replaceChildren(...sessions.map((s) => new Option(sessionLabel(s), s.id, false, s.id === selected)));
  $('#no-sessions').hidden = sessions.length > 0 || !facilitySelect.value;
}

async function loadSessions(selected?: string): Promise<void> {
  sessions = [];
  const link = $<HTMLAnchorElement>('#queue-link');
  link.hidden = !facilitySelect.value;
  link.href = `../drive-thru-antrean/?facility=${encodeURIComponent(facilitySelect.value)}`;
  if (facilitySelect.value) {
    const res = await api<{ sessions: Session[] }>(`/api/drive-thru/sessions?facilityId=${encodeURIComponent(facilitySelect.value)}`);
    if (res.ok) sessions = res.data.sessions;
  }
  fillSessions(selected);
}

facilitySelect.addEventListener('change', () => void loadSessions());
$('#add-item').addEventListener('click', addItemRow);

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const refused = $('#refused');
  refused.replaceChildren();
  status.className = 'status';
  status.textContent = t('services.loading');
  const data = new FormData(form);
  const items = [...itemsBox.children].map((row) => {
    const [category, description, quantity] = row.querySelectorAll<HTMLInputElement | HTMLSelectElement>('select, input');
    return { category: category!.value, description: description!.value, quantity: Number(quantity!.value) };
  });
  const body = { sessionId: sessionSelect.value, visitorNik: String(data.get('visitorNik')).trim(), registrationNumber: String(data.get('registrationNumber')), items };
  const res = await api<Booked>('/api/drive-thru/tickets', jsonInit('POST', body));
  markFields(form, res.ok || res.error.status !== 400 ? {} : res.error.fields);
  if (res.ok) {
    status.textContent = '';
    booked = res.data;
    showBooked();
    void loadSessions(sessionSelect.value);
    return;
  }
  const { error } = res;
  status.className = 'status error';
  if (error.code === 'prohibited_items') {
    status.textContent = t('driveThru.refused');
    refused.replaceChildren(...Object.entries(error.fields).map(([key, reasons]) => {
      const item = items[Number(key.split('.')[1])];
      return h('li', { text: `${item ? labelFor('driveThru.category', item.category) : key}: ${reasons.join(' ')}` });
    }));
  } else if (error.code === 'session_full') {
    const next = error.body.nextSession as Session | null;
    status.textContent = `${t('driveThru.full')} ${next ? t('driveThru.full.next', { session: sessionLabel(next) }) : t('driveThru.full.none')}`;
    await loadSessions(next?.id);
  } else if (error.code === 'not_registered') status.textContent = t('driveThru.notRegistered');
  else if (error.code === 'already_booked') status.textContent = t('driveThru.alreadyBooked');
  else if (error.code === 'session_closed') status.textContent = t('driveThru.closed');
  else status.textContent = genericErrorText(error);
});

function showBooked(): void {
  if (!booked) return;
  $('#queue-number').textContent = t('driveThru.queueNumber', { n: booked.queueNumber });
  $('#booked-session').textContent = sessionLabel(booked.session);
  const qr = $<HTMLImageElement>('#qr');
  qr.src = booked.qrCode;
  qr.alt = t('driveThru.qrAlt');
  $('#ticket').textContent = booked.ticket;
  $('#tracking-code').textContent = booked.trackingCode;
  $('#booked').hidden = false;
  $<HTMLInputElement>('#track [name="ticket"]').value = booked.ticket;
  $<HTMLInputElement>('#track [name="trackingCode"]').value = booked.trackingCode;
}

function showTracked(v: TicketView): void {
  $('#track-result').replaceChildren(
    h('p', {}, `${v.facility.name} · ${sessionLabel(v.session)} · ${t('driveThru.queueNumber', { n: v.queueNumber })}`),
    h('p', {}, `${t('services.status')}: `, h('strong', { id: 'ticket-status', text: labelFor('driveThru.status', v.status) })),
    h('ul', {}, ...v.items.map((i) => h('li', {}, `${labelFor('driveThru.category', i.category)} — ${i.description} × ${i.quantity}: ${labelFor('driveThru.decision', i.decision)}${i.reason ? ` (${i.reason})` : ''}`))),
  );
}

$<HTMLFormElement>('#track').addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(event.currentTarget as HTMLFormElement);
  const trackStatus = $('#track-status');
  trackStatus.className = 'status';
  trackStatus.textContent = t('services.loading');
  $('#track-result').replaceChildren();
  tracked = null;
  const res = await api<TicketView>(`/api/drive-thru/tickets/${encodeURIComponent(String(data.get('ticket')).trim())}`, { headers: { 'x-tracking-code': String(data.get('trackingCode')).trim() } });
  if (!res.ok) {
    trackStatus.className = 'status error';
    trackStatus.textContent = res.error.status === 404 ? t('driveThru.track.notFound') : genericErrorText(res.error);
    return;
  }
  trackStatus.textContent = '';
  tracked = res.data;
  showTracked(res.data);
});

async function render(): Promise<void> {
  applyTranslations();
  $('#prohibited').replaceChildren(...categories.prohibited.map((p) => h('li', {}, h('strong', { text: labelFor('driveThru.category', p.category) }), `: ${p.reason}`)));
  for (const select of itemsBox.querySelectorAll('select')) {
    for (const option of select.options) option.text = labelFor('driveThru.category', option.value);
  }
  for (const span of itemsBox.querySelectorAll<HTMLElement>('label > span')) {
    const input = span.nextElementSibling as HTMLElement;
    span.textContent = t(input.tagName === 'SELECT' ? 'driveThru.item.category' : input.getAttribute('type') === 'number' ? 'driveThru.item.quantity' : 'driveThru.item.description');
  }
  for (const button of itemsBox.querySelectorAll('.remove')) button.textContent = t('driveThru.item.remove');
  fillSessions(sessionSelect.value);
  showBooked();
  if (tracked) showTracked(tracked);
  await loadFacilities(facilitySelect);
}

$('#lang').append(languageToggle(() => void render()));
void (async () => {
  const res = await api<Categories>('/api/drive-thru/categories');
  if (res.ok) categories = res.data;
  addItemRow();
  await render();
  if (facilitySelect.value) await loadSessions();
})();
