import { t } from '../i18n/index.ts';
import { h } from '../public-services/dom.ts';
import { deskApi, errorText, type FacilityRules, type TimeWindow } from './desk-api.ts';
import type { DeskContext, TabView } from './tabs.ts';
import './family-desk.css';

/** Monday first, as the facility's week is read; keys are the contract's (0 = Sunday). */
const WEEK = ['1', '2', '3', '4', '5', '6', '0'] as const;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
/** A window may end at midnight (24:00). */
const END = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

const clone = (r: FacilityRules): FacilityRules => JSON.parse(JSON.stringify(r)) as FacilityRules;

/** Pengaturan (supervisor, admin): visiting hours per weekday, slot length, visitors per visit, quota. */
export class SettingsTab implements TabView {
  readonly el = h('section', { class: 'settings', 'data-testid': 'settings-view' });
  readonly #ctx: DeskContext;
  #rules: FacilityRules | undefined;
  #isDefault = false;
  #loadError = '';
  #errors: Record<string, string> = {};
  #status: { text: string; ok: boolean } | undefined;

  constructor(ctx: DeskContext) {
    this.#ctx = ctx;
  }

  show(): void {
    document.body.dataset.state = 'settings';
    this.render();
    void this.#load();
  }

  async #load(): Promise<void> {
    const r = await deskApi<{ rules: FacilityRules; isDefault?: boolean }>('/api/facility/rules', () => this.#ctx.signedOut());
    if (r.ok) {
      this.#rules = clone(r.data.rules);
      for (const day of WEEK) this.#rules.visitingHours[day] ??= [];
      this.#isDefault = r.data.isDefault === true;
      this.#loadError = '';
    } else this.#loadError = errorText(r.error);
    this.render();
  }

  /** A field path of the contract (visitingHours.1.0.from) in words: "Senin, jam ke-1: mulai". */
  #label(path: string): string {
    const [head, day, index, end] = path.split('.');
    if (head === 'visitingHours' && day !== undefined) {
      const dayName = t(`desk.weekday.${day}` as 'desk.weekday.0');
      if (index === undefined) return dayName;
      return t('desk.settings.windowField', { day: dayName, n: Number(index) + 1, part: end === 'to' ? t('desk.settings.to') : t('desk.settings.from') });
    }
    if (head === 'quota') return end === undefined && day === 'period' ? t('desk.settings.quotaPeriod') : t('desk.settings.quotaCount');
    if (head === 'slotMinutes') return t('desk.settings.slotMinutes');
    if (head === 'maxVisitorsPerVisit') return t('desk.settings.maxVisitors');
    if (head === 'familyBooking') return t(day === 'enabled' ? 'familyDesk.fb.enabled' : day === 'confirmation' ? 'familyDesk.fb.confirmation' : 'familyDesk.fb.deadline');
    return path;
  }

  /** The same limits the server applies, with the reason in the page's language. */
  #validate(r: FacilityRules): Record<string, string> {
    const errors: Record<string, string> = {};
    for (const day of WEEK) {
      const windows = r.visitingHours[day] ?? [];
      windows.forEach((w, i) => {
        if (!TIME.test(w.from)) errors[`visitingHours.${day}.${i}.from`] = t('desk.settings.badTime');
        if (!END.test(w.to)) errors[`visitingHours.${day}.${i}.to`] = t('desk.settings.badTime');
        else if (TIME.test(w.from) && w.to <= w.from) errors[`visitingHours.${day}.${i}.to`] = t('desk.settings.endBeforeStart');
      });
      const sorted = windows.map((w, i) => ({ ...w, i })).filter((w) => TIME.test(w.from) && END.test(w.to)).sort((a, b) => a.from.localeCompare(b.from));
      for (let k = 1; k < sorted.length; k++) {
        if (sorted[k]!.from < sorted[k - 1]!.to) errors[`visitingHours.${day}.${sorted[k]!.i}.from`] = t('desk.settings.overlap');
      }
    }
    if (!Number.isInteger(r.slotMinutes) || r.slotMinutes < 10 || r.slotMinutes > 120) errors.slotMinutes = t('desk.settings.range', { min: 10, max: 120 });
    if (!Number.isInteger(r.maxVisitorsPerVisit) || r.maxVisitorsPerVisit < 1 || r.maxVisitorsPerVisit > 3) errors.maxVisitorsPerVisit = t('desk.settings.range', { min: 1, max: 3 });
    const fb = r.familyBooking;
    if (fb && (!Number.isInteger(fb.changeDeadlineHours) || fb.changeDeadlineHours < 0 || fb.changeDeadlineHours > 168)) errors['familyBooking.changeDeadlineHours'] = t('desk.settings.range', { min: 0, max: 168 });
    if (r.quota && (!Number.isInteger(r.quota.count) || r.quota.count < 1 || r.quota.count > 50)) errors['quota.count'] = t('desk.settings.range', { min: 1, max: 50 });
    return errors;
  }

  async #save(): Promise<void> {
    const rules = this.#rules;
    if (!rules) return;
    this.#errors = this.#validate(rules);
    this.#status = undefined;
    if (Object.keys(this.#errors).length) {
      this.#status = { text: t('desk.settings.fix'), ok: false };
      this.render();
      return;
    }
    // The server wants each day's windows in order.
    const body: FacilityRules = { ...rules, visitingHours: Object.fromEntries(WEEK.map((d) => [d, [...(rules.visitingHours[d] ?? [])].sort((a, b) => a.from.localeCompare(b.from))])) };
    const r = await deskApi<{ rules: FacilityRules }>('/api/facility/rules', () => this.#ctx.signedOut(), { method: 'PUT', body });
    if (!r.ok) {
      this.#errors = Object.fromEntries(Object.entries(r.error.fields).map(([k, v]) => [k, v.join('; ')]));
      this.#status = { text: errorText(r.error), ok: false };
    } else {
      this.#rules = clone(r.data.rules);
      for (const day of WEEK) this.#rules.visitingHours[day] ??= [];
      this.#isDefault = false;
      this.#status = { text: t('desk.settings.saved'), ok: true };
    }
    this.render();
  }

  #field(path: string, input: HTMLInputElement | HTMLSelectElement, text: string): HTMLElement {
    const id = `rule-${path.replace(/\./g, '-')}`;
    input.id = id;
    input.name = path;
    const error = this.#errors[path];
    if (error) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', `${id}-error`);
    }
    return h('label', { for: id }, h('span', { text }), input, error ? h('span', { id: `${id}-error`, class: 'field-error', 'data-testid': 'field-error', text: error }) : null);
  }

  /** Booking by families through the portal: allowed, confirmed at once or by an officer, change deadline. */
  #familyBooking(rules: FacilityRules): HTMLElement | null {
    const fb = rules.familyBooking;
    if (!fb) return null;
    const enabled = h('input', { type: 'checkbox', checked: fb.enabled, 'data-testid': 'family-booking-enabled' });
    enabled.addEventListener('change', () => (fb.enabled = enabled.checked));
    const confirmation = h('select', { 'data-testid': 'family-booking-confirmation' },
      new Option(t('familyDesk.fb.auto'), 'auto', false, fb.confirmation === 'auto'),
      new Option(t('familyDesk.fb.officer'), 'officer', false, fb.confirmation === 'officer'));
    confirmation.addEventListener('change', () => (fb.confirmation = confirmation.value as 'auto' | 'officer'));
    const deadline = h('input', { type: 'number', min: 0, max: 168, step: 1, value: fb.changeDeadlineHours, 'data-testid': 'family-booking-deadline' });
    deadline.addEventListener('input', () => (fb.changeDeadlineHours = Number(deadline.value)));
    const check = this.#field('familyBooking.enabled', enabled, t('familyDesk.fb.enabled'));
    check.classList.add('checkbox-field');
    return h('fieldset', { class: 'card family-booking', 'data-testid': 'family-booking' }, h('legend', { text: t('familyDesk.fb.legend') }),
      check,
      h('div', { class: 'row' },
        this.#field('familyBooking.confirmation', confirmation, t('familyDesk.fb.confirmation')),
        this.#field('familyBooking.changeDeadlineHours', deadline, t('familyDesk.fb.deadline'))));
  }

  render(): void {
    const parts: HTMLElement[] = [h('h2', { text: t('desk.settings.title') })];
    if (this.#loadError) parts.push(h('p', { class: 'error', role: 'alert', text: this.#loadError }));
    const rules = this.#rules;
    if (!rules) {
      if (!this.#loadError) parts.push(h('p', { class: 'status', text: t('desk.loading') }));
      this.el.replaceChildren(...parts);
      return;
    }
    if (this.#isDefault) parts.push(h('p', { class: 'notice', 'data-testid': 'rules-default', text: t('desk.settings.isDefault') }));
    const errorLines = Object.entries(this.#errors).map(([path, reason]) => t('desk.fieldError', { field: this.#label(path), reason }));
    const status = h('div', { class: `status ${this.#status?.ok === false ? 'error' : 'success'}`, role: 'status', 'data-testid': 'settings-status' },
      this.#status ? h('p', { text: this.#status.text }) : null,
      errorLines.length ? h('ul', { 'data-testid': 'settings-errors' }, ...errorLines.map((l) => h('li', { text: l }))) : null,
    );

    const hours = h('fieldset', { class: 'card hours' }, h('legend', { text: t('desk.settings.hours') }));
    for (const day of WEEK) {
      const windows = rules.visitingHours[day]!;
      const dayBox = h('div', { class: 'weekday', 'data-testid': 'weekday', 'data-day': day }, h('h3', { text: t(`desk.weekday.${day}` as 'desk.weekday.0') }));
      if (windows.length === 0) dayBox.append(h('p', { class: 'muted', text: t('desk.settings.closed') }));
      windows.forEach((w, i) => {
        const time = (part: keyof TimeWindow) => {
          // Text, not type=time: a window may close at 24:00, which a time input cannot hold.
          const input = h('input', { type: 'text', inputmode: 'numeric', maxlength: 5, size: 5, autocomplete: 'off', pattern: (part === 'to' ? END : TIME).source, value: w[part], required: true, 'data-testid': `window-${part}` });
          input.addEventListener('input', () => (w[part] = input.value));
          return this.#field(`visitingHours.${day}.${i}.${part}`, input, t(part === 'from' ? 'desk.settings.from' : 'desk.settings.to'));
        };
        const remove = h('button', { type: 'button', class: 'secondary', 'data-testid': 'remove-window', 'aria-label': t('desk.settings.removeWindowOf', { day: t(`desk.weekday.${day}` as 'desk.weekday.0'), n: i + 1 }), text: t('desk.settings.removeWindow') });
        remove.addEventListener('click', () => {
          windows.splice(i, 1);
          this.#errors = {};
          this.render();
        });
        dayBox.append(h('div', { class: 'row window' }, time('from'), time('to'), remove));
      });
      const add = h('button', { type: 'button', class: 'secondary', 'data-testid': 'add-window', text: t('desk.settings.addWindow') });
      add.addEventListener('click', () => {
        const last = windows.at(-1);
        windows.push(last ? { from: last.to, to: last.to < '23:00' ? `${String(Number(last.to.slice(0, 2)) + 1).padStart(2, '0')}${last.to.slice(2)}` : '23:59' } : { from: '08:00', to: '12:00' });
        this.render();
      });
      dayBox.append(add);
      hours.append(dayBox);
    }

    const slot = h('input', { type: 'number', min: 10, max: 120, step: 5, value: rules.slotMinutes, 'data-testid': 'slot-minutes' });
    slot.addEventListener('input', () => (rules.slotMinutes = Number(slot.value)));
    const max = h('select', { 'data-testid': 'max-visitors' }, ...[1, 2, 3].map((n) => new Option(String(n), String(n), false, n === rules.maxVisitorsPerVisit)));
    max.addEventListener('change', () => (rules.maxVisitorsPerVisit = Number(max.value)));
    const period = h('select', { 'data-testid': 'quota-period' },
      new Option(t('desk.settings.quota.none'), '', false, !rules.quota),
      new Option(t('desk.settings.quota.week'), 'week', false, rules.quota?.period === 'week'),
      new Option(t('desk.settings.quota.month'), 'month', false, rules.quota?.period === 'month'),
    );
    const count = h('input', { type: 'number', min: 1, max: 50, value: rules.quota?.count ?? 1, disabled: !rules.quota, 'data-testid': 'quota-count' });
    period.addEventListener('change', () => {
      rules.quota = period.value ? { count: Number(count.value) || 1, period: period.value as 'week' | 'month' } : null;
      count.disabled = !rules.quota;
    });
    count.addEventListener('input', () => {
      if (rules.quota) rules.quota.count = Number(count.value);
    });
    const limits = h('fieldset', { class: 'card limits' }, h('legend', { text: t('desk.settings.limits') }),
      h('div', { class: 'row' },
        this.#field('slotMinutes', slot, t('desk.settings.slotMinutes')),
        this.#field('maxVisitorsPerVisit', max, t('desk.settings.maxVisitors')),
        this.#field('quota.period', period, t('desk.settings.quotaPeriod')),
        this.#field('quota.count', count, t('desk.settings.quotaCount')),
      ),
    );
    const save = h('button', { type: 'submit', 'data-testid': 'settings-save', text: t('desk.settings.save') });
    const form = h('form', { class: 'stack', 'data-testid': 'settings-form', novalidate: true }, hours, limits, this.#familyBooking(rules), status, save);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.#save();
    });
    parts.push(form);
    this.el.replaceChildren(...parts);
  }
}
