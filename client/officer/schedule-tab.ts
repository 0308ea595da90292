import { currentLang, t } from '../i18n/index.ts';
import { h } from '../public-services/dom.ts';
import { deskApi, errorText, fieldErrorLines, label, type Visit } from './desk-api.ts';
import { addDays, dayName, localDate, timeIn, zoneName } from '../common/facility-time.ts';
import { LinkDelivery } from './link-delivery.ts';
import type { DeskContext, TabView } from './tabs.ts';

const REFRESH_MS = 4000;

/**
 * Jadwal: the facility's visits of one local day, grouped by booth, in time order, with their
 * status kept current by polling. From a row: open the live call, hand over the links, cancel.
 */
export class ScheduleTab implements TabView {
  readonly el = h('section', { class: 'schedule', 'data-testid': 'schedule-view' });
  readonly #ctx: DeskContext;
  #date: string;
  #visits: Visit[] = [];
  #error = '';
  #loaded = false;
  #timer: number | undefined;
  #shown = '';
  /** Why confirming a family booking failed, per visit, shown in its row. */
  readonly #confirmErrors = new Map<string, string>();
  /** Open row panels survive the re-render of a poll (links already signed, a reason half typed). */
  readonly #panels = new Map<string, { kind: 'links' | 'cancel'; el: HTMLElement }>();

  constructor(ctx: DeskContext) {
    this.#ctx = ctx;
    this.#date = localDate(ctx.me.facility.timezone);
  }

  show(): void {
    document.body.dataset.state = 'schedule';
    this.render();
    void this.refresh();
    clearInterval(this.#timer);
    this.#timer = window.setInterval(() => void this.refresh(), REFRESH_MS);
  }

  hide(): void {
    clearInterval(this.#timer);
  }

  stop(): void {
    this.hide();
  }

  async refresh(): Promise<void> {
    const date = this.#date;
    const result = await deskApi<{ date: string; visits: Visit[] }>(`/api/visits?date=${encodeURIComponent(date)}`, () => this.#ctx.signedOut());
    if (date !== this.#date) return; // the officer picked another day meanwhile
    if (result.ok) {
      this.#visits = result.data.visits;
      this.#error = '';
    } else this.#error = errorText(result.error);
    this.#loaded = true;
    const shown = JSON.stringify([this.#visits.map((v) => [v.id, v.status, v.endsAt, v.visitors.length, v.confirmation]), this.#error]);
    if (shown !== this.#shown) {
      this.#shown = shown;
      this.render();
    }
  }

  #setDate(date: string): void {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || date === this.#date) return;
    this.#date = date;
    this.#visits = [];
    this.#loaded = false;
    this.#panels.clear();
    this.render();
    void this.refresh();
  }

  render(): void {
    const lang = currentLang();
    const tz = this.#ctx.me.facility.timezone;
    const picker = h('input', { type: 'date', id: 'schedule-date', name: 'date', value: this.#date, 'data-testid': 'schedule-date' });
    picker.addEventListener('change', () => this.#setDate(picker.value));
    const dayButton = (key: 'desk.schedule.prev' | 'desk.schedule.today' | 'desk.schedule.next', target: () => string, testid: string) => {
      const b = h('button', { type: 'button', class: 'secondary', 'data-testid': testid, text: t(key) });
      b.addEventListener('click', () => this.#setDate(target()));
      return b;
    };
    const head = h(
      'div',
      { class: 'schedule-head' },
      h('h2', { text: t('desk.schedule.title') }),
      h(
        'div',
        { class: 'day-picker' },
        dayButton('desk.schedule.prev', () => addDays(this.#date, -1), 'schedule-prev'),
        h('label', { for: 'schedule-date', class: 'inline' }, h('span', { text: t('desk.schedule.date') }), picker),
        dayButton('desk.schedule.today', () => localDate(tz), 'schedule-today'),
        dayButton('desk.schedule.next', () => addDays(this.#date, 1), 'schedule-next'),
      ),
      h('p', { class: 'muted', 'data-testid': 'schedule-day', text: t('desk.schedule.day', { day: dayName(this.#date, lang), zone: zoneName(tz) }) }),
    );
    const byBooth = new Map<string, { name: string; visits: Visit[] }>();
    for (const v of this.#visits) {
      const group = byBooth.get(v.booth.id) ?? { name: v.booth.name, visits: [] };
      group.visits.push(v);
      byBooth.set(v.booth.id, group);
    }
    const groups = [...byBooth.entries()]
      .sort((a, b) => a[1].name.localeCompare(b[1].name, 'id', { numeric: true }))
      .map(([boothId, g]) => h(
        'section',
        { class: 'booth-group', 'data-testid': 'booth-group', 'data-booth-id': boothId, 'aria-label': g.name },
        h('h3', { text: t('desk.schedule.booth', { booth: g.name, count: g.visits.length }) }),
        h('ol', { class: 'visit-rows' }, ...g.visits.map((v) => this.#row(v))),
      ));
    const body = this.#error
      ? h('p', { class: 'error', role: 'alert', text: this.#error })
      : !this.#loaded
        ? h('p', { class: 'status', text: t('desk.loading') })
        : groups.length === 0
          ? h('p', { class: 'card', 'data-testid': 'schedule-empty', text: t('desk.schedule.empty') })
          : h('div', { class: 'booth-groups' }, ...groups);
    const active = (document.activeElement as HTMLElement | null)?.dataset?.testid;
    const activeVisit = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('[data-visit-id]')?.dataset.visitId;
    this.el.replaceChildren(head, body);
    if (active) this.el.querySelector<HTMLElement>(`${activeVisit ? `[data-visit-id="${activeVisit}"] ` : ''}[data-testid="${active}"]`)?.focus();
  }

  #row(v: Visit): HTMLElement {
    const lang = currentLang();
    const tz = this.#ctx.me.facility.timezone;
    const actions = h('div', { class: 'row-actions' });
    if (v.status === 'live') {
      const open = h('button', { type: 'button', 'data-testid': 'open-call', text: t('desk.schedule.openCall') });
      open.addEventListener('click', () => this.#ctx.open('live', { focus: v.id }));
      actions.append(open);
    }
    const awaiting = v.privileged && v.privilegedApproval?.state !== 'approved';
    const unconfirmed = v.confirmation === 'pending' && v.status === 'scheduled';
    if (unconfirmed) actions.append(this.#confirmButton(v));
    if ((v.status === 'scheduled' || v.status === 'live') && !awaiting && !unconfirmed) actions.append(this.#toggle(v, 'links', 'desk.schedule.links', 'show-links'));
    if (v.status === 'scheduled') actions.append(this.#toggle(v, 'cancel', 'desk.schedule.cancel', 'cancel-visit', 'danger-outline'));
    const panel = this.#panels.get(v.id);
    const visitors = v.visitors.map((x) => x.name).join(', ');
    return h(
      'li',
      { class: `visit-row status-${v.status}`, 'data-testid': 'visit-row', 'data-visit-id': v.id, 'data-status': v.status },
      h(
        'div',
        { class: 'visit-main' },
        h('span', { class: 'visit-time', 'data-testid': 'visit-time', text: `${timeIn(v.scheduledStart, tz, lang)}–${timeIn(v.endsAt, tz, lang)} ${zoneName(tz)}` }),
        h('span', { class: `badge status-badge status-${v.status}`, 'data-testid': 'visit-status', text: label('desk.status', v.status) }),
        h(
          'span',
          { class: 'visit-who' },
          h('strong', { text: `${v.inmate.name} (${v.inmate.registrationNumber})` }),
          ` · ${t('desk.schedule.visitors', { names: visitors })}`,
          v.privileged ? h('span', { class: 'badge', text: t(awaiting ? 'desk.schedule.privilegedPending' : 'desk.schedule.privileged') }) : null,
          unconfirmed ? h('span', { class: 'badge awaiting-badge', 'data-testid': 'visit-awaiting', text: t('familyDesk.schedule.awaiting') }) : null,
        ),
        actions,
      ),
      panel && (panel.kind !== 'cancel' || v.status === 'scheduled') ? panel.el : null,
      this.#confirmErrors.has(v.id) ? h('p', { class: 'error', role: 'alert', 'data-testid': 'confirm-error', text: this.#confirmErrors.get(v.id) }) : null,
    );
  }

  /** A family booking waiting for an officer (familyBooking.confirmation = officer): confirm it here, or reject it with Batalkan. */
  #confirmButton(v: Visit): HTMLElement {
    const button = h('button', { type: 'button', 'data-testid': 'confirm-visit', text: t('familyDesk.schedule.confirm') });
    button.addEventListener('click', async () => {
      button.disabled = true;
      const result = await deskApi(`/api/visits/${encodeURIComponent(v.id)}/confirm`, () => this.#ctx.signedOut(), { method: 'POST', body: {} });
      if (!result.ok) {
        const own = `familyDesk.error.${result.error.code}`;
        const reason = own === 'familyDesk.error.confirmation_not_pending' || own === 'familyDesk.error.awaiting_confirmation' ? t(own) : errorText(result.error);
        this.#confirmErrors.set(v.id, t('familyDesk.schedule.confirmFailed', { reason }));
        this.render();
        return;
      }
      this.#confirmErrors.delete(v.id);
      await this.refresh();
      this.el.querySelector<HTMLElement>(`[data-visit-id="${v.id}"] [data-testid="show-links"]`)?.focus();
    });
    return button;
  }

  #toggle(v: Visit, kind: 'links' | 'cancel', key: 'desk.schedule.links' | 'desk.schedule.cancel', testid: string, cls = 'secondary'): HTMLElement {
    const open = this.#panels.get(v.id)?.kind === kind;
    const button = h('button', { type: 'button', class: cls, 'aria-expanded': String(open), 'data-testid': testid, text: t(key) });
    button.addEventListener('click', () => {
      if (open) this.#panels.delete(v.id);
      else this.#panels.set(v.id, { kind, el: kind === 'links' ? this.#linksPanel(v) : this.#cancelForm(v) });
      this.render();
    });
    return button;
  }

  #linksPanel(v: Visit): HTMLElement {
    const delivery = new LinkDelivery(v, this.#ctx.me.facility, () => this.#ctx.signedOut());
    void delivery.load();
    return h('div', { class: 'row-panel' }, delivery.el);
  }

  #cancelForm(v: Visit): HTMLElement {
    const inputId = `cancel-reason-${v.id}`;
    const reason = h('input', { id: inputId, name: 'reason', maxlength: 500, required: true, minlength: 3, 'data-testid': 'cancel-reason', 'aria-describedby': `${inputId}-error` });
    const error = h('p', { id: `${inputId}-error`, class: 'field-error', role: 'alert', 'data-testid': 'cancel-error' });
    const form = h(
      'form',
      { class: 'row-panel cancel-form', 'data-testid': 'cancel-form', novalidate: true },
      h('label', { for: inputId }, h('span', { text: t('desk.cancel.reason') }), reason),
      error,
      h('button', { type: 'submit', class: 'danger', 'data-testid': 'cancel-submit', text: t('desk.cancel.submit') }),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = reason.value.trim();
      if (text.length < 3) {
        reason.setAttribute('aria-invalid', 'true');
        error.textContent = t('desk.fieldError', { field: t('desk.cancel.reason'), reason: t('desk.cancel.reasonShort') });
        return;
      }
      const result = await deskApi(`/api/visits/${encodeURIComponent(v.id)}/cancel`, () => this.#ctx.signedOut(), { method: 'POST', body: { reason: text } });
      if (!result.ok) {
        const lines = fieldErrorLines(result.error.fields, () => t('desk.cancel.reason'));
        error.textContent = lines.length ? lines.join(' ') : errorText(result.error);
        return;
      }
      this.#panels.delete(v.id);
      await this.refresh();
    });
    return form;
  }
}
