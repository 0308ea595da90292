import { currentLang, t } from '../i18n/index.ts';
import { api, genericErrorText, jsonInit, labelFor, type ApiError } from '../public-services/api.ts';
import { $, formatDateTime, h } from '../public-services/dom.ts';
import { mountOfficerPage, officerErrorText, officerHeaders } from '../public-services/officer-session.ts';

interface Row {
  id: string; ticket: string; category: string; status: string; summary: string; createdAt: string; dueAt: string;
  overdue: boolean; assignee: { id: string; displayName: string | null } | null; hasAttachment: boolean;
}
interface Detail {
  id: string; ticket: string; category: string; status: string; description: string; anonymous: boolean;
  reporterName: string | null; contact: string | null; dueAt: string; overdue: boolean; assignedTo: string | null;
  attachment: { mediaType: string } | null;
  history: Array<{ status: string; response: string | null; at: string }>;
}

const root = $('#app');
type Filter = 'open' | 'overdue' | 'all';

function page(bar: HTMLElement, start: () => void): void {
  let filter: Filter = 'open';
  const list = h('tbody');
  const detail = h('section', { class: 'card', id: 'detail', hidden: true });
  const status = h('p', { class: 'status', role: 'status', id: 'triage-status' });
  const lang = currentLang();
  const fail = (error: ApiError) => officerErrorText(error, start) ?? (error.status === 409 ? t('officer.complaints.conflict') : genericErrorText(error));
  let officers: Array<{ id: string; displayName: string }> = [];

  const filters = h('div', { class: 'row' }, ...(['open', 'overdue', 'all'] as const).map((f) => {
    const b = h('button', { type: 'button', class: f === filter ? '' : 'secondary', 'data-filter': f, text: t(`officer.complaints.filter.${f}`) });
    b.addEventListener('click', () => {
      filter = f;
      for (const other of filters.querySelectorAll('button')) other.className = other.dataset.filter === f ? '' : 'secondary';
      void loadList();
    });
    return b;
  }));

  async function loadList(): Promise<void> {
    const query = filter === 'overdue' ? '?overdue=true' : '';
    const res = await api<{ complaints: Row[] }>(`/api/officer/complaints${query}`, { headers: officerHeaders() });
    if (!res.ok) return void (status.textContent = fail(res.error));
    const rows = res.data.complaints.filter((c) => filter !== 'open' || c.status === 'new' || c.status === 'in_progress');
    list.replaceChildren(...(rows.length ? rows.map((c) => {
      const tr = h('tr', { class: c.overdue ? 'overdue' : undefined, 'data-ticket': c.ticket },
        h('td', {}, h('a', { href: '#', text: c.ticket })),
        h('td', { text: labelFor('complaint.category', c.category) }),
        h('td', { text: labelFor('complaint.status', c.status) }),
        h('td', {}, c.overdue ? h('span', { class: 'badge overdue', text: t('officer.complaints.overdue') }) : null, ' ', t('officer.complaints.due', { date: formatDateTime(c.dueAt, lang) })),
        h('td', { text: c.assignee?.displayName ?? t('officer.complaints.unassigned') }),
        h('td', { text: c.summary }));
      tr.querySelector('a')!.addEventListener('click', (e) => {
        e.preventDefault();
        void openDetail(c.id);
      });
      return tr;
    }) : [h('tr', {}, h('td', { colspan: 6, text: t('officer.complaints.empty') }))]));
  }

  async function openDetail(id: string): Promise<void> {
    const res = await api<Detail>(`/api/officer/complaints/${id}`, { headers: officerHeaders() });
    if (!res.ok) return void (status.textContent = fail(res.error));
    const c = res.data;
    const response = h('textarea', { name: 'response', maxlength: 2000 });
    const assignee = h('select', { name: 'officerId' }, ...officers.map((o) => new Option(o.displayName, o.id, false, o.id === c.assignedTo)));
    const act = async (path: string, body: unknown) => {
      const r = await api(`/api/officer/complaints/${c.id}/${path}`, jsonInit('POST', body, officerHeaders()));
      status.className = r.ok ? 'status success' : 'status error';
      status.textContent = r.ok ? t('officer.saved') : fail(r.error);
      await loadList();
      if (r.ok) await openDetail(c.id);
    };
    const button = (key: 'officer.complaints.assign' | 'officer.complaints.start' | 'officer.complaints.resolve' | 'officer.complaints.reject', run: () => void, cls = '') => {
      const b = h('button', { type: 'button', class: cls, text: t(key), 'data-action': key.split('.').pop() });
      b.addEventListener('click', run);
      return b;
    };
    const open = c.status === 'new' || c.status === 'in_progress';
    detail.replaceChildren(
      h('h2', {}, `${c.ticket} · ${labelFor('complaint.category', c.category)} · ${labelFor('complaint.status', c.status)} `, c.overdue ? h('span', { class: 'badge overdue', text: t('officer.complaints.overdue') }) : null),
      h('p', { text: t('officer.complaints.due', { date: formatDateTime(c.dueAt, lang) }) }),
      h('p', { text: c.anonymous ? t('officer.complaints.anonymous') : t('officer.complaints.reporter', { name: c.reporterName ?? '—', contact: c.contact ?? '—' }) }),
      h('blockquote', { text: c.description }),
      c.attachment ? h('p', {}, h('strong', { text: t('officer.complaints.attachment') })) : '',
      h('h3', { text: t('services.history') }),
      h('ul', {}, ...c.history.map((e) => h('li', {}, `${formatDateTime(e.at, lang)} — ${labelFor('complaint.status', e.status)}`, e.response ? h('blockquote', { text: e.response }) : null))),
    );
    if (c.attachment) {
      // Fetched with the officer token (an <img src> could not send it), shown from memory.
      const img = await fetch(`/api/officer/complaints/${c.id}/attachment`, { headers: officerHeaders() });
      if (img.ok) detail.append(h('img', { src: URL.createObjectURL(await img.blob()), alt: t('officer.complaints.attachment'), class: 'fit-width' }));
    }
    if (open) {
      detail.append(
        h('div', { class: 'row' }, h('label', {}, h('span', { text: t('officer.complaints.assignee') }), assignee), button('officer.complaints.assign', () => void act('assign', { officerId: assignee.value }), 'secondary')),
        h('label', {}, h('span', { text: t('officer.complaints.response') }), response),
        h('div', { class: 'row' },
          c.status === 'new' ? button('officer.complaints.start', () => void act('transition', { to: 'in_progress', ...(response.value.trim() ? { response: response.value } : {}) })) : null,
          c.status === 'in_progress' ? button('officer.complaints.resolve', () => void act('transition', { to: 'resolved', response: response.value })) : null,
          button('officer.complaints.reject', () => void act('transition', { to: 'rejected', response: response.value }), 'secondary')),
      );
    }
    detail.hidden = false;
  }

  root.append(bar, filters, status,
    h('section', { class: 'card' }, h('table', { id: 'complaints' },
      h('thead', {}, h('tr', {}, h('th', { text: t('services.ticket') }), h('th', { text: t('complaint.category') }), h('th', { text: t('services.status') }), h('th', {}), h('th', { text: t('officer.complaints.assignee') }), h('th', {}))),
      list)),
    detail);
  void (async () => {
    const res = await api<{ officers: typeof officers }>('/api/officer/complaint-assignees', { headers: officerHeaders() });
    if (res.ok) officers = res.data.officers;
    await loadList();
  })();
}

mountOfficerPage(root, page);
