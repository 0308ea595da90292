import { currentLang, t } from '../i18n/index.ts';
import { api, genericErrorText } from '../public-services/api.ts';
import { $, formatDateTime, h } from '../public-services/dom.ts';
import { mountOfficerPage, officerErrorText, officerHeaders } from '../public-services/officer-session.ts';

const COLUMNS = 'registration_number,name,remission_type,remission_year,remission_days,decree_number,expected_release_date,pb_eligible_date,cb_eligible_date';
const root = $('#app');

function page(bar: HTMLElement, start: () => void): void {
  const summary = h('p', { id: 'summary' });
  const status = h('div', { id: 'import-status', class: 'status', role: 'status' });
  const form = h('form', { class: 'card stack', id: 'import' },
    h('p', { text: t('officer.remisi.help') }),
    h('pre', { class: 'code', text: COLUMNS }),
    h('p', { class: 'notice', text: t('officer.remisi.rule') }),
    h('label', {}, h('span', { text: t('officer.remisi.file') }), h('input', { type: 'file', name: 'file', accept: '.csv,text/csv', required: true })),
    h('button', { type: 'submit', text: t('officer.remisi.upload') }),
    status);
  const fail = (error: Parameters<typeof genericErrorText>[0]) => officerErrorText(error, start) ?? genericErrorText(error);

  async function loadSummary(): Promise<void> {
    const res = await api<{ records: number; lastImportAt: string | null }>('/api/officer/remisi', { headers: officerHeaders() });
    if (!res.ok) return void (summary.textContent = fail(res.error));
    summary.textContent = t('officer.remisi.summary', {
      records: res.data.records,
      date: res.data.lastImportAt ? formatDateTime(res.data.lastImportAt, currentLang()) : t('officer.remisi.never'),
    });
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.className = 'status';
    status.textContent = t('services.loading');
    const res = await api<{ records: number; entries: number; unmatchedRegistrationNumbers: string[] }>('/api/officer/remisi/import', {
      method: 'POST', headers: officerHeaders(), body: new FormData(form),
    });
    if (res.ok) {
      status.className = 'status success';
      status.replaceChildren(h('p', { text: t('officer.remisi.done', { records: res.data.records, entries: res.data.entries }) }));
      if (res.data.unmatchedRegistrationNumbers.length) {
        status.append(h('p', { class: 'notice', text: t('officer.remisi.unmatched', { list: res.data.unmatchedRegistrationNumbers.join(', ') }) }));
      }
      form.reset();
      return void loadSummary();
    }
    status.className = 'status error';
    if (res.error.code !== 'invalid_rows') return void (status.textContent = fail(res.error));
    status.replaceChildren(
      h('p', { text: t('officer.remisi.rejected') }),
      h('ul', {}, ...Object.entries(res.error.fields).map(([key, messages]) => {
        const [, line, column] = /^line\.(\d+)\.?(.*)$/.exec(key) ?? [];
        return h('li', { text: line ? t('officer.remisi.line', { line, column: column || '—', message: messages.join('; ') }) : `${key}: ${messages.join('; ')}` });
      })),
    );
  });

  root.append(bar, h('section', { class: 'card' }, summary), form);
  void loadSummary();
}

mountOfficerPage(root, page);
