import { currentLang, t } from '../i18n/index.ts';
import { api, genericErrorText, jsonInit, labelFor, markFields, type ApiError } from '../public-services/api.ts';
import { $, formatDate, h } from '../public-services/dom.ts';
import { mountOfficerPage, officerErrorText, officerHeaders } from '../public-services/officer-session.ts';

interface Session { id: string; date: string; startTime: string; endTime: string; capacity: number; remaining: number }
interface Ticket {
  ticket: string; status: string; queueNumber: number; facility: { name: string };
  session: { date: string; startTime: string; endTime: string };
  items: Array<{ id: string; category: string; description: string; quantity: number; decision: string; reason: string | null }>;
  inmate: { name: string; registrationNumber: string; block: string };
  visitor: { name: string; nik: string; relationship: string };
}
/** Chromium's shape-detection API, where present: lets a phone or webcam read the ticket QR. */
interface BarcodeDetectorLike { detect(source: CanvasImageSource): Promise<Array<{ rawValue: string }>> }
declare const BarcodeDetector: { new (options: { formats: string[] }): BarcodeDetectorLike } | undefined;

const root = $('#app');

function page(bar: HTMLElement, start: () => void): void {
  const lang = currentLang();
  const status = h('p', { class: 'status', role: 'status', id: 'station-status' });
  const fail = (error: ApiError) => officerErrorText(error, start) ?? (error.status === 409 ? t('officer.driveThru.conflict') : genericErrorText(error));
  const say = (ok: boolean, text: string) => {
    status.className = ok ? 'status success' : 'status error';
    status.textContent = text;
  };

  // ---- find a ticket (USB scanners type the QR content and press Enter) ----
  const ticketInput = h('input', { name: 'ticket', autocomplete: 'off', autofocus: true });
  const findForm = h('form', { class: 'card row', id: 'find' },
    h('label', {}, h('span', { text: t('officer.driveThru.find') }), ticketInput),
    h('button', { type: 'submit', text: t('officer.driveThru.findButton') }));
  const panel = h('section', { class: 'card', id: 'ticket-panel', hidden: true });
  findForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void openTicket(ticketInput.value.trim());
  });
  if (typeof BarcodeDetector !== 'undefined' && navigator.mediaDevices) {
    const scan = h('button', { type: 'button', class: 'secondary', text: t('officer.driveThru.scan') });
    scan.addEventListener('click', () => void scanWithCamera());
    findForm.append(scan);
  }

  async function scanWithCamera(): Promise<void> {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).catch(() => null);
    if (!stream || typeof BarcodeDetector === 'undefined') return;
    const video = h('video', { autoplay: true, playsinline: true, muted: true, class: 'fit-width' });
    video.srcObject = stream;
    findForm.after(video);
    const detector = new BarcodeDetector({ formats: ['qr_code'] });
    const deadline = Date.now() + 30_000;
    try {
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 300));
        const [code] = await detector.detect(video).catch(() => []);
        if (code) {
          ticketInput.value = code.rawValue;
          await openTicket(code.rawValue);
          break;
        }
      }
    } finally {
      for (const track of stream.getTracks()) track.stop();
      video.remove();
    }
  }

  async function openTicket(code: string): Promise<void> {
    if (!code) return;
    const res = await api<Ticket>(`/api/officer/drive-thru/tickets/${encodeURIComponent(code)}`, { headers: officerHeaders() });
    if (!res.ok) {
      panel.hidden = true;
      return say(false, res.error.status === 404 ? t('officer.driveThru.notFound') : fail(res.error));
    }
    status.textContent = '';
    showTicket(res.data);
  }

  async function act(ticket: Ticket, path: 'serve' | 'inspect' | 'deliver', body: unknown = {}): Promise<void> {
    const res = await api<Ticket>(`/api/officer/drive-thru/tickets/${ticket.ticket}/${path}`, jsonInit('POST', body, officerHeaders()));
    if (res.ok) {
      say(true, t('officer.saved'));
      showTicket(res.data);
    } else {
      say(false, fail(res.error));
      if (res.error.status === 400) markFields(panel.querySelector('form') ?? h('form'), res.error.fields);
      if (res.error.status === 409) await openTicket(ticket.ticket);
    }
    void loadSessions();
  }

  function showTicket(ticket: Ticket): void {
    const button = (text: string, run: () => void, action: string) => {
      const b = h('button', { type: 'button', 'data-action': action, text });
      b.addEventListener('click', run);
      return b;
    };
    panel.replaceChildren(
      h('h2', {}, `${ticket.ticket} · ${t('driveThru.queueNumber', { n: ticket.queueNumber })} · `, h('span', { id: 'ticket-status', text: labelFor('driveThru.status', ticket.status) })),
      h('p', { text: `${formatDate(ticket.session.date, lang)} ${ticket.session.startTime}–${ticket.session.endTime}` }),
      h('p', { text: t('officer.driveThru.inmate', { name: ticket.inmate.name, reg: ticket.inmate.registrationNumber, block: ticket.inmate.block }) }),
      h('p', { text: t('officer.driveThru.visitor', { name: ticket.visitor.name, relationship: ticket.visitor.relationship, nik: ticket.visitor.nik }) }),
    );
    if (ticket.status === 'serving') {
      const form = h('form', { class: 'stack', id: 'inspect' });
      ticket.items.forEach((item, i) => {
        const accept = h('input', { type: 'radio', name: `decision-${i}`, value: 'accepted', checked: true });
        const reject = h('input', { type: 'radio', name: `decision-${i}`, value: 'rejected' });
        const reason = h('input', { name: `items.${i}.reason`, maxlength: 300, placeholder: t('officer.driveThru.reason'), 'aria-label': t('officer.driveThru.reason') });
        form.append(h('div', { class: 'item-decision', 'data-item': item.id },
          h('div', {}, h('strong', { text: `${labelFor('driveThru.category', item.category)} × ${item.quantity}` }), h('br'), item.description, reason),
          h('div', {},
            h('label', { class: 'inline' }, accept, t('officer.driveThru.accept')),
            h('label', { class: 'inline' }, reject, t('officer.driveThru.reject')))));
      });
      form.append(h('button', { type: 'submit', text: t('officer.driveThru.finish') }));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const items = ticket.items.map((item, i) => {
          const decision = form.querySelector<HTMLInputElement>(`input[name="decision-${i}"]:checked`)!.value;
          const reason = form.querySelector<HTMLInputElement>(`[name="items.${i}.reason"]`)!.value.trim();
          return { itemId: item.id, decision, ...(reason ? { reason } : {}) };
        });
        void act(ticket, 'inspect', { items });
      });
      panel.append(form);
    } else {
      panel.append(h('ul', {}, ...ticket.items.map((i) =>
        h('li', { text: `${labelFor('driveThru.category', i.category)} — ${i.description} × ${i.quantity}: ${labelFor('driveThru.decision', i.decision)}${i.reason ? ` (${i.reason})` : ''}` }))));
    }
    if (ticket.status === 'booked') panel.append(button(t('officer.driveThru.serve'), () => void act(ticket, 'serve'), 'serve'));
    if (ticket.status === 'inspected') panel.append(button(t('officer.driveThru.deliver'), () => void act(ticket, 'deliver'), 'deliver'));
    panel.hidden = false;
  }

  // ---- sessions of a day, their queue, and opening a new session ----
  const dateInput = h('input', { type: 'date', name: 'date' });
  const sessionList = h('div', { id: 'sessions', class: 'stack' });
  const newSession = h('form', { class: 'row', id: 'new-session' },
    h('label', {}, h('span', { text: t('officer.driveThru.start') }), h('input', { type: 'time', name: 'startTime', required: true, value: '08:00' })),
    h('label', {}, h('span', { text: t('officer.driveThru.end') }), h('input', { type: 'time', name: 'endTime', required: true, value: '10:00' })),
    h('label', {}, h('span', { text: t('officer.driveThru.capacity') }), h('input', { type: 'number', name: 'capacity', min: 1, max: 1000, value: 50, required: true })),
    h('button', { type: 'submit', class: 'secondary', text: t('officer.driveThru.create') }));
  newSession.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(newSession);
    const body = { date: dateInput.value, startTime: String(data.get('startTime')), endTime: String(data.get('endTime')), capacity: Number(data.get('capacity')) };
    const res = await api('/api/officer/drive-thru/sessions', jsonInit('POST', body, officerHeaders()));
    markFields(newSession, res.ok ? {} : res.error.fields);
    say(res.ok, res.ok ? t('officer.saved') : fail(res.error));
    void loadSessions();
  });
  dateInput.addEventListener('change', () => void loadSessions());

  async function loadSessions(): Promise<void> {
    const query = dateInput.value ? `?date=${dateInput.value}` : '';
    const res = await api<{ date: string; sessions: Session[] }>(`/api/officer/drive-thru/sessions${query}`, { headers: officerHeaders() });
    if (!res.ok) return say(false, fail(res.error));
    dateInput.value = res.data.date;
    if (res.data.sessions.length === 0) return void sessionList.replaceChildren(h('p', { text: t('officer.driveThru.noSessions') }));
    const blocks = await Promise.all(res.data.sessions.map(async (s) => {
      const queue = await api<{ tickets: Array<{ ticket: string; queueNumber: number; status: string; inmateName: string }> }>(
        `/api/officer/drive-thru/tickets?sessionId=${s.id}`, { headers: officerHeaders() });
      const rows = queue.ok ? queue.data.tickets : [];
      return h('details', { open: true },
        h('summary', { text: t('officer.driveThru.sessionLine', { start: s.startTime, end: s.endTime, booked: s.capacity - s.remaining, capacity: s.capacity }) }),
        h('ul', {}, ...rows.map((r) => {
          const link = h('a', { href: '#', text: `${r.queueNumber}. ${r.ticket} — ${r.inmateName} — ${labelFor('driveThru.status', r.status)}` });
          link.addEventListener('click', (e) => {
            e.preventDefault();
            ticketInput.value = r.ticket;
            void openTicket(r.ticket);
          });
          return h('li', {}, link);
        })));
    }));
    sessionList.replaceChildren(...blocks);
  }

  root.append(bar, findForm, status, panel,
    h('section', { class: 'card stack' },
      h('h2', { text: t('officer.driveThru.sessions') }),
      h('label', {}, h('span', { text: t('officer.driveThru.date') }), dateInput),
      sessionList, newSession));
  void loadSessions();
}

mountOfficerPage(root, page);
