import { currentLang, t, type MessageKey } from '../i18n/index.ts';
import { api, labelFor, type ApiError } from '../public-services/api.ts';
import { formatDateTime, h } from '../public-services/dom.ts';
import { officerHeaders } from '../public-services/officer-session.ts';
import {
  call, canManage, check, errorsOf, errorText, field, input, say, select, serverFieldErrors, showFieldErrors, status, value, type TabContext,
} from './admin-kit.ts';
import type { TabView } from './tabs.ts';

export interface Inmate { id: string; registrationNumber: string; name: string; block: string; status?: 'active' | 'transferred' | 'released'; createdAt: string }
/** A visit the transfer or release cancelled, with whom to tell (the server has no channel to the family yet). */
interface CancelledVisit { id: string; scheduledStart: string; boothName: string; visitors: Array<{ id: string; name: string; phone: string | null }> }
interface StatusChange { inmate: Inmate; cancelledVisitIds: string[]; cancelledVisits?: CancelledVisit[]; liveVisitIds?: string[] }
interface CsvLineError { line: number; column?: string | null; message: string }

const STATUSES = ['active', 'transferred', 'released'] as const;

export function inmateStatusLabel(status: string | undefined): string {
  return labelFor('admin.inmate.status', status ?? 'active');
}

/** WBP tab: search the facility's inmates; supervisors and admins add, edit, transfer/release and import them. */
export class InmatesView implements TabView {
  readonly el = h('section', { class: 'admin-tab', 'data-testid': 'inmates-view', 'aria-labelledby': 'inmates-title' });
  readonly #ctx: TabContext;
  #query = '';
  #statusFilter = '';
  #rows: Inmate[] = [];
  #error = '';
  /** The last action's outcome, shown above the list (the forms are rebuilt on every render). */
  #notice = '';
  #open = new Set<string>();
  /** The outcome of the last transfer/release, kept across re-renders (cancelled visits). */
  #outcome = new Map<string, HTMLElement>();

  constructor(ctx: TabContext) {
    this.#ctx = ctx;
  }

  show(): void {
    void this.load();
  }

  async load(): Promise<void> {
    const params = new URLSearchParams({ limit: '200' });
    if (this.#query) params.set('q', this.#query);
    if (this.#statusFilter) params.set('status', this.#statusFilter);
    const result = await call<{ inmates: Inmate[] }>(`/api/inmates?${params}`);
    if (result.ok) {
      this.#rows = result.data.inmates;
      this.#error = '';
    } else this.#error = errorText(result.error, this.#ctx);
    this.render();
  }

  render(): void {
    const manage = canManage(this.#ctx.me.officer.role);
    this.el.replaceChildren(
      h('h2', { id: 'inmates-title', text: t('admin.inmates.title') }),
      this.#searchForm(),
      manage ? this.#addForm() : '',
      manage ? this.#importForm() : '',
      h('p', { class: 'success', role: 'status', 'data-testid': 'inmates-notice', text: this.#notice }),
      h('p', { class: 'error', role: 'alert', text: this.#error, hidden: !this.#error }),
      this.#rows.length
        ? h('ul', { class: 'item-list', 'data-testid': 'inmate-list' }, ...this.#rows.map((r) => this.#row(r, manage)))
        : h('p', { class: 'card', 'data-testid': 'no-inmates', text: t('admin.inmates.empty') }),
    );
    // A fresh drawing is told apart from the one before (tests wait for it after opening the tab).
    this.el.dataset.drawn = String(Date.now());
  }

  #searchForm(): HTMLFormElement {
    const q = input('q', { type: 'search', value: this.#query, maxlength: 80, 'data-testid': 'inmate-search' });
    const filter = select('status', [['', t('admin.inmates.status.all')], ...STATUSES.map((s): [string, string] => [s, inmateStatusLabel(s)])], this.#statusFilter);
    const form = h('form', { class: 'row search-row', role: 'search' }, field('admin.inmates.search', q), field('admin.inmates.statusFilter', filter), h('button', { type: 'submit', text: t('admin.search') }));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#query = q.value.trim();
      this.#statusFilter = filter.value;
      this.#notice = '';
      void this.load();
    });
    return form;
  }

  #addForm(): HTMLElement {
    const message = status('inmate-add-status');
    const form = h(
      'form',
      { class: 'stack', 'data-testid': 'inmate-add', novalidate: true },
      h('div', { class: 'row' },
        field('admin.inmate.registrationNumber', input('registrationNumber', { maxlength: 40, required: true, autocomplete: 'off' })),
        field('admin.inmate.name', input('name', { maxlength: 120, required: true, autocomplete: 'off' })),
        field('admin.inmate.block', input('block', { maxlength: 40, required: true, autocomplete: 'off' }))),
      h('button', { type: 'submit', text: t('admin.inmates.add') }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { registrationNumber: value(form, 'registrationNumber'), name: value(form, 'name'), block: value(form, 'block') };
      const problems = errorsOf({ registrationNumber: check.length(body.registrationNumber, 1, 40), name: check.length(body.name, 1, 120), block: check.length(body.block, 1, 40) });
      if (showFieldErrors(form, problems)) return;
      const result = await call<{ inmate: Inmate }>('/api/inmates', 'POST', body);
      if (!result.ok) return this.#refused(form, message, result.error);
      this.#notice = t('admin.inmates.added', { name: result.data.inmate.name });
      this.#query = result.data.inmate.registrationNumber;
      this.#statusFilter = '';
      await this.load();
    });
    return h('details', { class: 'card', 'data-testid': 'inmate-add-panel' }, h('summary', { text: t('admin.inmates.add') }), form);
  }

  #refused(form: HTMLFormElement, message: HTMLElement, error: ApiError): void {
    if (error.code === 'registration_number_taken') {
      showFieldErrors(form, { registrationNumber: t('admin.inmate.registrationTaken') });
      return;
    }
    if (error.status === 400 && Object.keys(error.fields).length) {
      showFieldErrors(form, serverFieldErrors(error, { reason: t('admin.error.reasonRequired') }));
      return;
    }
    say(message, errorText(error, this.#ctx), 'error');
  }

  #importForm(): HTMLElement {
    const message = status('inmate-import-status');
    const lines = h('ul', { class: 'csv-errors', 'data-testid': 'inmate-import-errors' });
    const file = input('file', { type: 'file', accept: '.csv,text/csv', required: true });
    const form = h(
      'form',
      { class: 'stack', 'data-testid': 'inmate-import', novalidate: true },
      h('p', { class: 'hint', text: t('admin.inmates.import.help') }),
      field('admin.inmates.import.file', file),
      h('button', { type: 'submit', text: t('admin.inmates.import.submit') }),
      message,
      lines,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      lines.replaceChildren();
      say(message, '');
      const chosen = file.files?.[0];
      if (showFieldErrors(form, chosen ? {} : { file: t('admin.inmates.import.noFile') })) return;
      const data = new FormData();
      data.append('file', chosen!);
      const result = await api<{ created: number; updated: number }>('/api/inmates/import', { method: 'POST', headers: officerHeaders(), body: data });
      if (result.ok) {
        this.#notice = t('admin.inmates.import.done', { created: result.data.created, updated: result.data.updated });
        this.#query = '';
        this.#statusFilter = '';
        await this.load();
        return;
      }
      const bad = ((result.error.body.error ?? {}) as { lines?: CsvLineError[] }).lines ?? [];
      if (result.error.code === 'csv_invalid' || bad.length) {
        say(message, t('admin.inmates.import.rejected', { count: bad.length }), 'error');
        lines.replaceChildren(...bad.map((b) => h('li', { text: b.column ? t('admin.inmates.import.lineColumn', { line: b.line, column: b.column, message: b.message }) : t('admin.inmates.import.line', { line: b.line, message: b.message }) })));
        if (!bad.length) for (const [name, messages] of Object.entries(result.error.fields)) lines.append(h('li', { text: `${name}: ${messages.join('; ')}` }));
        return;
      }
      say(message, errorText(result.error, this.#ctx), 'error');
    });
    return h('details', { class: 'card', 'data-testid': 'inmate-import-panel' }, h('summary', { text: t('admin.inmates.import.title') }), form);
  }

  #row(inmate: Inmate, manage: boolean): HTMLElement {
    const state = inmate.status ?? 'active';
    const item = h(
      'li',
      { class: 'item', 'data-testid': 'inmate-row', 'data-inmate-id': inmate.id, 'data-status': state },
      h('div', { class: 'item-head' },
        h('strong', { text: inmate.name }),
        h('span', { class: 'muted', text: `${t('admin.inmate.registrationNumber')}: ${inmate.registrationNumber}` }),
        h('span', { class: 'muted', text: `${t('admin.inmate.block')}: ${inmate.block}` }),
        h('span', { class: `badge status-${state}`, text: inmateStatusLabel(state) })),
    );
    const family = h('button', { type: 'button', class: 'secondary', 'data-testid': 'inmate-family', 'aria-label': `${t('admin.inmates.family')}: ${inmate.name}`, text: t('admin.inmates.family') });
    family.addEventListener('click', () => this.#ctx.open('visitors', { inmateId: inmate.id }));
    const actions = h('div', { class: 'item-actions' }, family);
    item.append(actions);
    if (manage) {
      const edit = h('button', { type: 'button', class: 'secondary', 'data-testid': 'inmate-edit', 'aria-expanded': String(this.#open.has(inmate.id)), 'aria-label': `${t('admin.edit')}: ${inmate.name}`, text: t('admin.edit') });
      const panel = h('div', { class: 'item-panel', hidden: !this.#open.has(inmate.id) }, this.#editForm(inmate), state === 'active' ? this.#statusForm(inmate) : null);
      edit.addEventListener('click', () => {
        const show = panel.hidden;
        panel.hidden = !show;
        edit.setAttribute('aria-expanded', String(show));
        if (show) this.#open.add(inmate.id);
        else this.#open.delete(inmate.id);
      });
      actions.append(edit);
      item.append(panel);
    }
    const outcome = this.#outcome.get(inmate.id);
    if (outcome) item.append(outcome);
    return item;
  }

  #editForm(inmate: Inmate): HTMLFormElement {
    const message = status();
    const form = h(
      'form',
      { class: 'stack', 'data-testid': 'inmate-edit-form', novalidate: true },
      h('div', { class: 'row' },
        field('admin.inmate.name', input('name', { value: inmate.name, maxlength: 120, required: true, autocomplete: 'off' })),
        field('admin.inmate.block', input('block', { value: inmate.block, maxlength: 40, required: true, autocomplete: 'off' }))),
      h('button', { type: 'submit', text: t('admin.save') }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { name: value(form, 'name'), block: value(form, 'block') };
      if (showFieldErrors(form, errorsOf({ name: check.length(body.name, 1, 120), block: check.length(body.block, 1, 40) }))) return;
      const result = await call<{ inmate: Inmate }>(`/api/inmates/${encodeURIComponent(inmate.id)}`, 'PATCH', body);
      if (!result.ok) return this.#refused(form, message, result.error);
      Object.assign(inmate, result.data.inmate);
      this.render();
    });
    return form;
  }

  #statusForm(inmate: Inmate): HTMLFormElement {
    const message = status();
    const chosen = select('status', [['transferred', inmateStatusLabel('transferred')], ['released', inmateStatusLabel('released')]]);
    const form = h(
      'form',
      { class: 'stack status-change', 'data-testid': 'inmate-status-form', novalidate: true },
      h('p', { class: 'hint', text: t('admin.inmate.statusHelp') }),
      h('div', { class: 'row' }, field('admin.inmate.newStatus', chosen), field('admin.reason', input('reason', { maxlength: 500, required: true, autocomplete: 'off' }))),
      h('button', { type: 'submit', class: 'danger', text: t('admin.inmate.statusSubmit') }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { status: chosen.value, reason: value(form, 'reason') };
      if (showFieldErrors(form, errorsOf({ reason: check.length(body.reason, 3, 500) }))) return;
      const result = await call<StatusChange>(`/api/inmates/${encodeURIComponent(inmate.id)}`, 'PATCH', body);
      if (!result.ok) return this.#refused(form, message, result.error);
      Object.assign(inmate, result.data.inmate);
      this.#open.delete(inmate.id);
      this.#outcome.set(inmate.id, this.#cancelledList(result.data));
      this.render();
    });
    return form;
  }

  /** Which future visits the transfer or release cancelled: time, booth and the family members to tell. */
  #cancelledList(change: StatusChange): HTMLElement {
    const { inmate } = change;
    const visits = change.cancelledVisits ?? change.cancelledVisitIds.map((id) => ({ id, scheduledStart: '', boothName: '', visitors: [] }));
    const box = h('div', { class: 'outcome', role: 'status', 'data-testid': 'inmate-cancelled-visits', 'data-count': String(visits.length) });
    const statusKey: MessageKey = inmate.status === 'released' ? 'admin.inmate.releasedDone' : 'admin.inmate.transferredDone';
    box.append(h('p', { class: 'success', text: t(statusKey, { name: inmate.name }) }));
    if (change.liveVisitIds?.length) box.append(h('p', { class: 'notice', text: t('admin.inmate.liveNotCut', { count: change.liveVisitIds.length }) }));
    if (!visits.length) {
      box.append(h('p', { text: t('admin.inmate.noVisitsCancelled') }));
      return box;
    }
    box.append(h('p', { text: t('admin.inmate.visitsCancelled', { count: visits.length }) }));
    const lang = currentLang();
    box.append(h('ul', { class: 'cancelled-visits' }, ...visits.map((v) => h(
      'li',
      { 'data-visit-id': v.id },
      h('span', { text: [v.scheduledStart ? formatDateTime(v.scheduledStart, lang) : v.id, v.boothName].filter(Boolean).join(' · ') }),
      v.visitors.length
        ? h('span', { class: 'muted', text: ` — ${t('admin.inmate.tellVisitors', { who: v.visitors.map((x) => (x.phone ? `${x.name} (${x.phone})` : x.name)).join(', ') })}` })
        : null,
    ))));
    return box;
  }
}
