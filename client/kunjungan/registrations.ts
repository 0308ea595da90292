import { currentLang, t } from '../i18n/index.ts';
import { labelFor } from '../public-services/api.ts';
import { formatDateTime, h } from '../public-services/dom.ts';
import type { FamilyMe } from './family-data.ts';

/** Status of the person's registrations; a rejection shows the facility's reason. */
export function registrationsView(me: FamilyMe, onRegister: () => void): HTMLElement {
  const lang = currentLang();
  const items = me.registrations.map((r) => h('li', { class: 'visit-item', 'data-testid': 'registration', 'data-status': r.status },
    h('p', {}, h('strong', { text: t('portal.registration.number', { number: r.registrationNumber }) }), ' ',
      h('span', { class: `badge ${r.status}`, text: labelFor('portal.registration.status', r.status) })),
    h('p', { class: 'muted', text: t('portal.registration.sent', { date: formatDateTime(r.createdAt, lang) }) }),
    r.status === 'rejected' && r.reason ? h('p', { class: 'error', 'data-testid': 'rejection-reason', text: t('portal.registration.reason', { reason: r.reason }) }) : null,
    r.status === 'pending' ? h('p', { text: t('portal.registration.pendingHelp') }) : null));
  const again = h('button', { type: 'button', class: 'secondary', text: t('portal.registration.another') });
  again.addEventListener('click', onRegister);
  return h('section', { class: 'card stack', 'data-testid': 'registrations' },
    h('h2', { text: t('portal.registrations.title') }),
    h('p', { text: t('portal.registrations.who', { name: me.account.name, nik: me.account.nikMasked }) }),
    items.length ? h('ul', { class: 'visit-list' }, ...items) : h('p', { text: t('portal.registrations.none') }),
    me.visitors.length ? h('p', { class: 'success', text: t('portal.registrations.canVisit', { names: me.visitors.map((v) => v.inmate.name).join(', ') }) }) : null,
    again);
}
