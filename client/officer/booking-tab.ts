import { currentLang, t, type MessageKey } from '../i18n/index.ts';
import { id as catalog } from '../i18n/id.ts';
import { h } from '../public-services/dom.ts';
import { deskApi, errorText, label, type CheckResult, type FacilityRules, type Inmate, type Slot, type SlotGrid, type Visit, type Visitor } from './desk-api.ts';
import { dayName, localDate, timeIn, zoneName } from '../common/facility-time.ts';
import { LinkDelivery } from './link-delivery.ts';
import type { DeskContext, TabView } from './tabs.ts';

const DEFAULT_MAX_VISITORS = 3;

interface Choice { boothId: string; boothName: string; slot: Slot }

/**
 * Buat kunjungan: WBP → their visitors → a free slot of a booth on a day. The server's check runs
 * on every choice, so clashes (booth, inmate, visitor, quota) show before the officer submits.
 */
export class BookingTab implements TabView {
  readonly el = h('section', { class: 'booking', 'data-testid': 'booking-view' });
  readonly #ctx: DeskContext;
  readonly #signedOut: () => void;
  #query = '';
  #found: Inmate[] | undefined;
  #searchError = '';
  #inmate: Inmate | undefined;
  #visitors: Visitor[] = [];
  #visitorsError = '';
  #chosen: string[] = [];
  #maxVisitors = DEFAULT_MAX_VISITORS;
  #date: string;
  #grid: SlotGrid | undefined;
  #gridError = '';
  #choice: Choice | undefined;
  #check: CheckResult | undefined;
  #checking = 0;
  #submitError: string[] = [];
  #booked: Visit | undefined;
  #delivery: LinkDelivery | undefined;

  constructor(ctx: DeskContext) {
    this.#ctx = ctx;
    this.#signedOut = () => ctx.signedOut();
    this.#date = localDate(ctx.me.facility.timezone);
  }

  show(): void {
    document.body.dataset.state = 'book';
    this.render();
    void deskApi<{ rules: FacilityRules }>('/api/facility/rules', this.#signedOut).then((r) => {
      if (r.ok) this.#maxVisitors = r.data.rules.maxVisitorsPerVisit;
      this.render();
    });
  }

  render(): void {
    const parts: HTMLElement[] = [h('h2', { text: t('desk.book.title') })];
    if (this.#booked) parts.push(this.#bookedView(this.#booked));
    else parts.push(this.#inmateStep(), this.#visitorStep(), this.#slotStep(), this.#submitStep());
    const active = (document.activeElement as HTMLElement | null)?.dataset?.testid;
    const activeKey = (document.activeElement as HTMLElement | null)?.dataset?.key;
    this.el.replaceChildren(...parts);
    if (active) this.el.querySelector<HTMLElement>(`[data-testid="${active}"]${activeKey ? `[data-key="${CSS.escape(activeKey)}"]` : ''}`)?.focus();
  }

  // ---- 1. WBP ---------------------------------------------------------------------------------

  #inmateStep(): HTMLElement {
    const step = h('section', { class: 'card step', 'data-testid': 'step-inmate', 'aria-labelledby': 'step-inmate-title' }, h('h3', { id: 'step-inmate-title', text: t('desk.book.step.inmate') }));
    if (this.#inmate) {
      const change = h('button', { type: 'button', class: 'secondary', 'data-testid': 'change-inmate', text: t('desk.book.changeInmate') });
      change.addEventListener('click', () => {
        this.#inmate = undefined;
        this.#visitors = [];
        this.#chosen = [];
        this.#resetSlots();
        this.render();
      });
      step.append(h('div', { class: 'chosen' }, h('strong', { 'data-testid': 'chosen-inmate', text: this.#inmateLine(this.#inmate) }), change));
      return step;
    }
    const input = h('input', { id: 'inmate-q', name: 'q', type: 'search', value: this.#query, maxlength: 80, autocomplete: 'off', 'data-testid': 'inmate-search' });
    const form = h(
      'form',
      { class: 'row', role: 'search', 'data-testid': 'inmate-search-form' },
      h('label', { for: 'inmate-q' }, h('span', { text: t('desk.book.search') }), input),
      h('button', { type: 'submit', 'data-testid': 'inmate-search-submit', text: t('desk.book.searchButton') }),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#query = input.value.trim();
      void this.#search();
    });
    step.append(form);
    if (this.#searchError) step.append(h('p', { class: 'error', role: 'alert', text: this.#searchError }));
    if (this.#found) {
      step.append(
        this.#found.length === 0
          ? h('p', { 'data-testid': 'inmate-none', text: t('desk.book.noInmate') })
          : h(
              'ul',
              { class: 'pick-list', 'data-testid': 'inmate-results' },
              ...this.#found.map((inmate) => {
                const inactive = inmate.status !== undefined && inmate.status !== 'active';
                const pick = h('button', { type: 'button', class: 'secondary', 'data-testid': 'pick-inmate', 'data-key': inmate.id, 'data-inmate-id': inmate.id, disabled: inactive, text: t('desk.book.pick') });
                pick.addEventListener('click', () => void this.#pickInmate(inmate));
                return h('li', {}, h('span', { text: `${this.#inmateLine(inmate)}${inactive ? ` · ${label('desk.inmateStatus', inmate.status!)}` : ''}` }), pick);
              }),
            ),
      );
    }
    return step;
  }

  #inmateLine(i: Inmate): string {
    return t('desk.book.inmateLine', { name: i.name, number: i.registrationNumber, block: i.block });
  }

  async #search(): Promise<void> {
    const r = await deskApi<{ inmates: Inmate[] }>(`/api/inmates?q=${encodeURIComponent(this.#query)}&limit=20`, this.#signedOut);
    this.#found = r.ok ? r.data.inmates : undefined;
    this.#searchError = r.ok ? '' : errorText(r.error);
    this.render();
  }

  async #pickInmate(inmate: Inmate): Promise<void> {
    this.#inmate = inmate;
    this.#chosen = [];
    this.#visitors = [];
    this.#resetSlots();
    this.render();
    const r = await deskApi<{ visitors: Visitor[] }>(`/api/inmates/${encodeURIComponent(inmate.id)}/visitors`, this.#signedOut);
    if (this.#inmate !== inmate) return;
    this.#visitors = r.ok ? r.data.visitors : [];
    this.#visitorsError = r.ok ? '' : errorText(r.error);
    void this.#loadSlots();
  }

  // ---- 2. visitors ----------------------------------------------------------------------------

  #visitorStep(): HTMLElement {
    const step = h('section', { class: 'card step', 'data-testid': 'step-visitors', 'aria-labelledby': 'step-visitors-title' }, h('h3', { id: 'step-visitors-title', text: t('desk.book.step.visitors', { max: this.#maxVisitors }) }));
    if (!this.#inmate) {
      step.append(h('p', { class: 'muted', text: t('desk.book.inmateFirst') }));
      return step;
    }
    if (this.#visitorsError) step.append(h('p', { class: 'error', role: 'alert', text: this.#visitorsError }));
    if (this.#visitors.length === 0 && !this.#visitorsError) step.append(h('p', { 'data-testid': 'no-visitors', text: t('desk.book.noVisitors') }));
    const full = this.#chosen.length >= this.#maxVisitors;
    const list = h('fieldset', { class: 'visitor-pick' }, h('legend', { class: 'visually-hidden', text: t('desk.book.visitorsLegend') }));
    for (const v of this.#visitors) {
      const checked = this.#chosen.includes(v.id);
      const banned = !!v.ban;
      const box = h('input', { type: 'checkbox', name: 'visitorIds', value: v.id, checked, disabled: banned || (!checked && full), 'data-testid': 'pick-visitor', 'data-key': v.id });
      box.addEventListener('change', () => {
        this.#chosen = box.checked ? [...this.#chosen, v.id] : this.#chosen.filter((x) => x !== v.id);
        void this.#loadSlots();
      });
      const extra = banned ? ` · ${t('desk.book.banned', { until: v.ban!.until })}` : '';
      list.append(h('label', { class: 'inline' }, box, h('span', { text: `${v.name} (${label('desk.relationship', v.relationship)})${extra}` })));
    }
    step.append(list);
    if (full) step.append(h('p', { class: 'muted', 'data-testid': 'visitors-full', text: t('desk.book.visitorsFull', { max: this.#maxVisitors }) }));
    return step;
  }

  // ---- 3. slot grid ---------------------------------------------------------------------------

  #resetSlots(): void {
    this.#grid = undefined;
    this.#gridError = '';
    this.#choice = undefined;
    this.#check = undefined;
    this.#submitError = [];
  }

  async #loadSlots(): Promise<void> {
    const inmate = this.#inmate;
    if (!inmate) return;
    const keep = this.#choice;
    this.#resetSlots();
    this.render();
    if (this.#chosen.length === 0) return;
    const query = new URLSearchParams({ date: this.#date, inmateId: inmate.id, visitorIds: this.#chosen.join(',') });
    const date = this.#date;
    const r = await deskApi<SlotGrid>(`/api/slots?${query}`, this.#signedOut);
    if (this.#inmate !== inmate || this.#date !== date) return;
    this.#grid = r.ok ? r.data : undefined;
    this.#gridError = r.ok ? '' : errorText(r.error);
    // The same slot stays chosen when the visitors change, if it is still there: check it again.
    if (keep && this.#grid) {
      const slot = this.#grid.booths.find((b) => b.id === keep.boothId)?.slots.find((s) => s.start === keep.slot.start);
      if (slot) return this.#choose({ ...keep, slot });
    }
    this.render();
  }

  #slotStep(): HTMLElement {
    const tz = this.#ctx.me.facility.timezone;
    const lang = currentLang();
    const step = h('section', { class: 'card step', 'data-testid': 'step-slot', 'aria-labelledby': 'step-slot-title' }, h('h3', { id: 'step-slot-title', text: t('desk.book.step.slot') }));
    const picker = h('input', { type: 'date', id: 'book-date', name: 'date', value: this.#date, min: localDate(tz), 'data-testid': 'book-date' });
    picker.addEventListener('change', () => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(picker.value)) return;
      this.#date = picker.value;
      this.#choice = undefined;
      void this.#loadSlots();
    });
    step.append(h('div', { class: 'row' }, h('label', { for: 'book-date' }, h('span', { text: t('desk.book.date') }), picker)), h('p', { class: 'muted', text: t('desk.schedule.day', { day: dayName(this.#date, lang), zone: zoneName(tz) }) }));
    if (!this.#inmate || this.#chosen.length === 0) {
      step.append(h('p', { class: 'muted', text: t('desk.book.visitorsFirst') }));
      return step;
    }
    if (this.#gridError) {
      step.append(h('p', { class: 'error', role: 'alert', 'data-testid': 'slots-error', text: this.#gridError }));
      return step;
    }
    const grid = this.#grid;
    if (!grid) {
      step.append(h('p', { class: 'status', text: t('desk.loading') }));
      return step;
    }
    if (grid.quota) {
      const over = grid.quota.used >= grid.quota.count;
      step.append(h('p', { class: over ? 'notice quota over' : 'quota', 'data-testid': 'quota', 'data-over': String(over), text: t(`desk.book.quota.${grid.quota.period}`, { used: grid.quota.used, count: grid.quota.count }) }));
    }
    if (grid.booths.length === 0) step.append(h('p', { 'data-testid': 'no-booths', text: t('desk.book.noBooths') }));
    const anyFree = grid.booths.some((b) => b.slots.some((s) => s.free));
    if (grid.booths.length > 0 && !anyFree) step.append(h('p', { class: 'notice', 'data-testid': 'no-free-slot', text: t('desk.book.noFreeSlot') }));
    for (const booth of grid.booths) {
      const buttons = booth.slots.map((slot) => {
        const time = timeIn(slot.start, tz, lang);
        const chosen = this.#choice?.boothId === booth.id && this.#choice.slot.start === slot.start;
        const why = slot.free ? t('desk.slot.free') : label('desk.slot.reason', slot.reason ?? 'booth_busy');
        const b = h(
          'button',
          {
            type: 'button',
            class: `slot${slot.free ? '' : ' taken'}`,
            'aria-pressed': String(chosen),
            disabled: !slot.free,
            'data-testid': 'slot',
            'data-key': `${booth.id}|${slot.start}`,
            'data-booth-id': booth.id,
            'data-start': slot.start,
            'data-free': String(slot.free),
            'data-reason': slot.reason ?? '',
          },
          // The name is the visible text with the booth, the end and the state around it (not an
          // aria-label: its words must contain what is shown, WCAG 2.5.3).
          h('span', { class: 'visually-hidden', text: `${booth.name}, ` }),
          h('span', { class: 'slot-time', text: time }),
          h('span', { class: 'visually-hidden', text: `–${timeIn(slot.end, tz, lang)} ${zoneName(tz)}: ` }),
          h('span', { class: slot.free ? 'visually-hidden' : 'slot-reason', text: why }),
        );
        b.addEventListener('click', () => void this.#choose({ boothId: booth.id, boothName: booth.name, slot }));
        return b;
      });
      step.append(h('div', { class: 'slot-booth', 'data-testid': 'slot-booth', 'data-booth-id': booth.id }, h('h4', { text: booth.name }), h('div', { class: 'slot-grid' }, ...buttons)));
    }
    return step;
  }

  #body(choice: Choice) {
    return {
      inmateId: this.#inmate!.id,
      boothId: choice.boothId,
      visitorIds: this.#chosen,
      scheduledStart: choice.slot.start,
      durationMinutes: Math.round((new Date(choice.slot.end).getTime() - new Date(choice.slot.start).getTime()) / 60_000),
    };
  }

  async #choose(choice: Choice): Promise<void> {
    this.#choice = choice;
    this.#check = undefined;
    this.#submitError = [];
    const n = ++this.#checking;
    this.render();
    const r = await deskApi<CheckResult>('/api/visits/check', this.#signedOut, { method: 'POST', body: this.#body(choice) });
    if (n !== this.#checking) return;
    this.#check = r.ok ? r.data : { ok: false, problems: [] };
    if (!r.ok) this.#submitError = this.#errorLines(r.error.code, r.error.fields);
    this.render();
  }

  // ---- 4. check and submit --------------------------------------------------------------------

  #fieldLabel(field: string): string {
    const [head, index] = field.split('.');
    if (head === 'visitorIds' && index !== undefined) {
      const id = this.#chosen[Number(index)];
      const name = this.#visitors.find((v) => v.id === id)?.name ?? String(Number(index) + 1);
      return t('desk.field.visitor', { name });
    }
    return label('desk.field', head ?? field);
  }

  #codeText(code: string): string | undefined {
    const key = `desk.error.${code}`;
    return key in catalog ? t(key as MessageKey) : undefined;
  }

  /** Each refused field with its label and the reason in the page's language. */
  #errorLines(code: string, fields: Record<string, string[]>, fallback?: string): string[] {
    const known = this.#codeText(code);
    const entries = Object.entries(fields);
    if (entries.length === 0) return [known ?? fallback ?? t('services.error.generic', { code })];
    return entries.map(([field, messages]) => t('desk.fieldError', { field: this.#fieldLabel(field), reason: known ?? this.#codeText(`${field.split('.')[0]}_invalid`) ?? messages.join('; ') }));
  }

  #submitStep(): HTMLElement {
    const step = h('section', { class: 'card step', 'data-testid': 'step-submit', 'aria-labelledby': 'step-submit-title' }, h('h3', { id: 'step-submit-title', text: t('desk.book.step.submit') }));
    const choice = this.#choice;
    const tz = this.#ctx.me.facility.timezone;
    const lang = currentLang();
    if (choice) {
      step.append(h('p', { 'data-testid': 'booking-summary', text: t('desk.book.summary', {
        inmate: this.#inmate?.name ?? '',
        booth: choice.boothName,
        date: dayName(this.#date, lang),
        time: `${timeIn(choice.slot.start, tz, lang)}–${timeIn(choice.slot.end, tz, lang)} ${zoneName(tz)}`,
        visitors: this.#visitors.filter((v) => this.#chosen.includes(v.id)).map((v) => v.name).join(', '),
      }) }));
    } else step.append(h('p', { class: 'muted', text: t('desk.book.chooseSlot') }));
    const problems = [
      ...(this.#check?.problems ?? []).map((p) => t('desk.fieldError', { field: this.#fieldLabel(p.field), reason: this.#codeText(p.code) ?? this.#codeText(`${p.field.split('.')[0]}_invalid`) ?? p.message })),
      ...this.#submitError,
    ];
    const checkState = !choice ? '' : !this.#check ? 'checking' : problems.length ? 'problems' : 'ok';
    step.append(h(
      'div',
      { class: 'check', role: 'status', 'aria-live': 'polite', 'data-testid': 'check-result', 'data-state': checkState },
      checkState === 'checking' ? h('p', { text: t('desk.book.checking') }) : null,
      checkState === 'ok' ? h('p', { class: 'success', text: t('desk.book.noClash') }) : null,
      problems.length ? h('ul', { class: 'problems error', 'data-testid': 'problems' }, ...problems.map((p) => h('li', { 'data-testid': 'problem', text: p }))) : null,
    ));
    const submit = h('button', { type: 'button', 'data-testid': 'book-submit', disabled: checkState !== 'ok', text: t('desk.book.submit') });
    submit.addEventListener('click', () => void this.#submit());
    step.append(submit);
    return step;
  }

  async #submit(): Promise<void> {
    const choice = this.#choice;
    if (!choice || !this.#inmate) return;
    const r = await deskApi<{ visit: Visit }>('/api/visits', this.#signedOut, { method: 'POST', body: this.#body(choice) });
    if (!r.ok) {
      this.#submitError = this.#errorLines(r.error.code, r.error.fields, errorText(r.error));
      this.#check = { ok: false, problems: [] };
      this.render();
      return;
    }
    this.#booked = r.data.visit;
    this.#delivery = new LinkDelivery(r.data.visit, this.#ctx.me.facility, this.#signedOut);
    void this.#delivery.load();
    this.render();
  }

  #bookedView(visit: Visit): HTMLElement {
    const tz = this.#ctx.me.facility.timezone;
    const lang = currentLang();
    const again = h('button', { type: 'button', class: 'secondary', 'data-testid': 'book-another', text: t('desk.book.another') });
    again.addEventListener('click', () => {
      this.#booked = undefined;
      this.#delivery = undefined;
      this.#inmate = undefined;
      this.#found = undefined;
      this.#query = '';
      this.#chosen = [];
      this.#resetSlots();
      this.render();
    });
    return h(
      'section',
      { class: 'card', 'data-testid': 'booked', 'data-visit-id': visit.id },
      h('p', { class: 'success', role: 'status', text: t('desk.book.done', {
        inmate: visit.inmate.name, booth: visit.booth.name, date: dayName(this.#date, lang), time: `${timeIn(visit.scheduledStart, tz, lang)} ${zoneName(tz)}`,
      }) }),
      this.#delivery?.el ?? null,
      again,
    );
  }
}
