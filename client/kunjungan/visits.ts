import { currentLang, t } from '../i18n/index.ts';
import { commonErrorText, jsonInit, labelFor } from '../public-services/api.ts';
import { h } from '../public-services/dom.ts';
import { dateIn, timeIn, zoneName } from '../common/facility-time.ts';
import { say } from './form-kit.ts';
import type { FamilyVisit } from './family-data.ts';
import { familyApi } from './session.ts';

export interface VisitActions {
  book(visitorId?: string): void;
  move(visit: FamilyVisit): void;
  reload(notice?: string): void;
}

/** "Senin, 1 Des 2026 · 09.00 WIB" in the facility's zone. */
export function whenText(iso: string, timeZone: string): string {
  const lang = currentLang();
  return `${dateIn(iso, timeZone, lang)} · ${timeIn(iso, timeZone, lang)} ${zoneName(timeZone)}`;
}

function errorText(code: string, fallback: string | undefined): string {
  const known = labelFor('portal.refused', code);
  return known !== code ? known : fallback ?? t('services.error.generic', { code });
}

function visitItem(v: FamilyVisit, actions: VisitActions, status: HTMLElement): HTMLElement {
  const now = Date.now();
  const open = v.status === 'scheduled' || v.status === 'live';
  const changeable = v.status === 'scheduled' && now < Date.parse(v.changeableUntil);
  const badge = v.awaitingConfirmation && open ? t('portal.visit.awaiting') : labelFor('desk.status', v.status);
  const buttons: HTMLElement[] = [];
  const notes: HTMLElement[] = [];
  if (open && !v.awaitingConfirmation) {
    if (now >= Date.parse(v.canJoinFrom)) {
      const join = h('button', { type: 'button', 'data-testid': 'join', text: t('portal.visit.join') });
      join.addEventListener('click', async () => {
        join.disabled = true;
        const res = await familyApi<{ familyUrl: string }>(`/api/family/visits/${v.id}/join`);
        join.disabled = false;
        if (res.ok) location.assign(res.data.familyUrl);
        else say(status, errorText(res.error.code, commonErrorText(res.error)), 'error');
      });
      buttons.push(join);
    } else {
      notes.push(h('p', { class: 'muted', text: t('portal.visit.joinFrom', { time: whenText(v.canJoinFrom, v.timezone) }) }));
    }
  }
  if (changeable) {
    notes.push(h('p', { class: 'muted', text: t('portal.visit.changeableUntil', { time: whenText(v.changeableUntil, v.timezone) }) }));
    const move = h('button', { type: 'button', class: 'secondary', 'data-testid': 'move', text: t('portal.visit.move') });
    move.addEventListener('click', () => actions.move(v));
    const cancel = h('button', { type: 'button', class: 'secondary', 'data-testid': 'cancel', text: t('portal.visit.cancel') });
    const confirm = h('button', { type: 'button', 'data-testid': 'cancel-confirm', hidden: true, text: t('portal.visit.cancelConfirm') });
    const keep = h('button', { type: 'button', class: 'secondary', hidden: true, text: t('portal.visit.cancelKeep') });
    const ask = (asking: boolean) => { confirm.hidden = keep.hidden = !asking; cancel.hidden = move.hidden = asking; if (asking) confirm.focus(); };
    cancel.addEventListener('click', () => ask(true));
    keep.addEventListener('click', () => ask(false));
    confirm.addEventListener('click', async () => {
      confirm.disabled = true;
      const res = await familyApi(`/api/family/visits/${v.id}/cancel`, jsonInit('POST', {}));
      confirm.disabled = false;
      if (res.ok) return actions.reload(t('portal.visit.cancelled'));
      say(status, errorText(res.error.code, commonErrorText(res.error)), 'error');
      if (res.error.status === 409) actions.reload();
    });
    buttons.push(move, cancel, confirm, keep);
  } else if (v.status === 'scheduled') {
    notes.push(h('p', { class: 'muted', text: t('portal.visit.deadlinePassed') }));
  }
  if (v.status === 'missed') {
    const again = h('button', { type: 'button', 'data-testid': 'book-again', text: t('portal.visit.bookAgain') });
    again.addEventListener('click', () => actions.book(v.visitorId));
    notes.push(h('p', { text: t('portal.visit.missed') }));
    buttons.push(again);
  }
  return h('li', { class: 'visit-item', 'data-testid': 'visit', 'data-visit-id': v.id, 'data-status': v.status },
    h('p', { class: 'when', text: whenText(v.scheduledStart, v.timezone) }),
    h('p', {}, t('portal.visit.with', { name: v.inmate.name, minutes: Math.round(v.durationSeconds / 60) }), ' ',
      h('span', { class: `badge ${v.awaitingConfirmation && open ? 'pending' : v.status}`, 'data-testid': 'visit-status', text: badge })),
    ...notes,
    buttons.length ? h('div', { class: 'actions' }, ...buttons) : null);
}

/** Kunjungan saya: upcoming and past visits. */
export function visitsView(data: { upcoming: FamilyVisit[]; past: FamilyVisit[] }, actions: VisitActions): HTMLElement {
  const status = h('p', { class: 'status', role: 'status', 'data-testid': 'visits-status' });
  const list = (items: FamilyVisit[], testid: string, empty: string) => items.length
    ? h('ul', { class: 'visit-list', 'data-testid': testid }, ...items.map((v) => visitItem(v, actions, status)))
    : h('p', { 'data-testid': testid, text: empty });
  const book = h('button', { type: 'button', 'data-testid': 'to-book', text: t('portal.nav.book') });
  book.addEventListener('click', () => actions.book());
  return h('div', {},
    h('section', { class: 'card stack' }, h('h2', { text: t('portal.visits.upcoming') }), status, list(data.upcoming, 'upcoming', t('portal.visits.noneUpcoming')), book),
    h('section', { class: 'card stack' }, h('h2', { text: t('portal.visits.past') }), list(data.past, 'past', t('portal.visits.nonePast'))));
}
