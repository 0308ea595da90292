import { currentLang, t } from '../i18n/index.ts';
import { commonErrorText, jsonInit, labelFor } from '../public-services/api.ts';
import { h } from '../public-services/dom.ts';
import { addDays, localDate, timeIn } from '../common/facility-time.ts';
import { field, say } from './form-kit.ts';
import type { FamilyMe, FamilyVisit, SlotDay } from './family-data.ts';
import { familyApi } from './session.ts';
import { whenText } from './visits.ts';

export interface BookOptions {
  visitorId?: string;
  /** Moving this visit instead of booking a new one. */
  moving?: FamilyVisit;
  done(notice: string): void;
  cancelMove(): void;
}

function refusal(code: string, fallback: string | undefined): string {
  const known = labelFor('portal.refused', code);
  return known !== code ? known : fallback ?? t('services.error.generic', { code });
}

/** Why a day offers nothing: a spent quota says so (another week or month helps), else "no free time". */
function noSlotsText(day: SlotDay): string {
  const quotaSpent = day.slots.some((s) => s.reason === 'quota_exceeded' && Date.parse(s.start) > Date.now());
  return quotaSpent ? refusal('quota_exceeded', undefined) : t('portal.book.noSlots');
}

/** Buat jadwal: the relative, a date, the free slots as big buttons. */
export function bookView(me: FamilyMe, options: BookOptions): HTMLElement {
  const status = h('p', { class: 'status', role: 'status', 'data-testid': 'book-status' });
  if (!me.visitors.length) {
    return h('section', { class: 'card stack', 'data-testid': 'book' }, h('h2', { text: t('portal.book.title') }), h('p', { text: t('portal.book.noVisitors') }));
  }
  const visitor = h('select', { name: 'visitorId', 'data-testid': 'book-visitor' },
    ...me.visitors.map((v) => h('option', { value: v.visitorId, text: `${v.inmate.name} (${v.inmate.registrationNumber}) – ${labelFor('desk.relationship', v.relationship)}` })));
  const chosenVisitor = options.moving?.visitorId ?? options.visitorId;
  if (chosenVisitor && me.visitors.some((v) => v.visitorId === chosenVisitor)) visitor.value = chosenVisitor;
  if (options.moving) visitor.disabled = true;
  const zone = options.moving?.timezone ?? 'Asia/Jakarta';
  const today = localDate(zone);
  const date = h('input', { name: 'date', type: 'date', min: today, value: options.moving ? localDate(zone, new Date(options.moving.scheduledStart)) : today, 'data-testid': 'book-date' });
  const prev = h('button', { type: 'button', class: 'secondary', text: t('portal.book.prevDay') });
  const next = h('button', { type: 'button', class: 'secondary', 'data-testid': 'next-day', text: t('portal.book.nextDay') });
  const slotsBox = h('div', { 'data-testid': 'slots-box', 'aria-live': 'polite' });
  const form = h('form', { class: 'stack', novalidate: true },
    field('portal.book.visitor', visitor),
    field('portal.book.date', date),
    h('div', { class: 'day-nav' }, prev, next));
  form.addEventListener('submit', (e) => e.preventDefault());

  let loading = 0;
  async function loadSlots(): Promise<void> {
    const mine = ++loading;
    slotsBox.replaceChildren(h('p', { text: t('services.loading') }));
    const res = await familyApi<SlotDay>(`/api/family/slots?visitorId=${encodeURIComponent(visitor.value)}&date=${encodeURIComponent(date.value)}`);
    if (mine !== loading) return;
    if (!res.ok) {
      slotsBox.replaceChildren(h('p', { class: 'error', text: refusal(res.error.code, commonErrorText(res.error)) }));
      return;
    }
    const day = res.data;
    const free = day.slots.filter((s) => s.free && Date.parse(s.start) > Date.now());
    const lang = currentLang();
    const buttons = free.map((s) => {
      const b = h('button', { type: 'button', 'data-testid': 'slot', 'data-start': s.start, text: `${timeIn(s.start, day.timezone, lang)}–${timeIn(s.end, day.timezone, lang)}` });
      b.addEventListener('click', () => void choose(s.start, day.timezone, b));
      return b;
    });
    slotsBox.replaceChildren(
      h('h3', { text: t('portal.book.slots', { minutes: day.durationMinutes }) }),
      buttons.length ? h('div', { class: 'slots', 'data-testid': 'slots' }, ...buttons) : h('p', { 'data-testid': 'no-slots', text: noSlotsText(day) }));
  }

  async function choose(start: string, timezone: string, button: HTMLButtonElement): Promise<void> {
    for (const b of slotsBox.querySelectorAll('button')) b.disabled = true;
    say(status, t('portal.book.booking'));
    const res = options.moving
      ? await familyApi<{ visit: FamilyVisit }>(`/api/family/visits/${options.moving.id}/move`, jsonInit('POST', { scheduledStart: start }))
      : await familyApi<{ visit: FamilyVisit }>('/api/family/visits', jsonInit('POST', { visitorId: visitor.value, scheduledStart: start }));
    button.disabled = false;
    if (res.ok) {
      const when = whenText(start, timezone);
      const key = options.moving ? 'portal.book.moved' : res.data.visit?.awaitingConfirmation ? 'portal.book.bookedPending' : 'portal.book.booked';
      return options.done(t(key, { time: when }));
    }
    say(status, refusal(res.error.code, commonErrorText(res.error)), 'error');
    await loadSlots();
  }

  const shift = (days: number) => {
    const target = addDays(date.value || today, days);
    date.value = target < today ? today : target;
    void loadSlots();
  };
  prev.addEventListener('click', () => shift(-1));
  next.addEventListener('click', () => shift(1));
  date.addEventListener('change', () => { if (date.value) void loadSlots(); });
  visitor.addEventListener('change', () => void loadSlots());
  void loadSlots();

  const cancelMove = h('button', { type: 'button', class: 'secondary', text: t('portal.book.cancelMove') });
  cancelMove.addEventListener('click', options.cancelMove);
  return h('section', { class: 'card stack', 'data-testid': 'book' },
    h('h2', { text: t(options.moving ? 'portal.book.moveTitle' : 'portal.book.title') }),
    options.moving ? h('p', { text: t('portal.book.moving', { time: whenText(options.moving.scheduledStart, options.moving.timezone) }) }) : null,
    form, status, slotsBox,
    options.moving ? cancelMove : null);
}
