import { t } from '../i18n/index.ts';
import { labelFor } from '../public-services/api.ts';
import { h } from '../public-services/dom.ts';
import {
  call, check, errorsOf, errorText, field, input, say, select, serverFieldErrors, showFieldErrors, status, value, type TabContext,
} from './admin-kit.ts';
import type { TabView } from './tabs.ts';
import { roleOptions } from './accounts.ts';

interface FacilityRow { id: string; code: string; name: string; kind?: string; timezone?: string }
interface OfficerRow { id: string; username: string; displayName: string }

const KINDS = ['lapas', 'rutan', 'lpka', 'lpp'] as const;
const TIMEZONES = ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'] as const;
const CODE = /^[A-Z][A-Z0-9-]{0,18}[A-Z0-9]$/;

/** Fasilitas tab (admins): the facilities they manage, add one, assign officers to them or remove them. */
export class FacilitiesView implements TabView {
  readonly el = h('section', { class: 'admin-tab', 'data-testid': 'facilities-view', 'aria-labelledby': 'facilities-title' });
  readonly #ctx: TabContext;
  #facilities: FacilityRow[] = [];
  #officers: OfficerRow[] = [];
  #error = '';
  #notice = '';

  constructor(ctx: TabContext) {
    this.#ctx = ctx;
  }

  show(): void {
    void this.load();
  }

  async load(): Promise<void> {
    const [facilities, officers] = await Promise.all([call<{ facilities: FacilityRow[] }>('/api/facilities'), call<{ officers: OfficerRow[] }>('/api/officers')]);
    this.#error = '';
    if (facilities.ok) this.#facilities = facilities.data.facilities;
    else this.#error = errorText(facilities.error, this.#ctx);
    if (officers.ok) this.#officers = officers.data.officers;
    else this.#error ||= errorText(officers.error, this.#ctx);
    this.render();
  }

  render(): void {
    this.el.replaceChildren(
      h('h2', { id: 'facilities-title', text: t('admin.facilities.title') }),
      h('p', { class: 'success', role: 'status', 'data-testid': 'facilities-notice', text: this.#notice }),
      h('p', { class: 'error', role: 'alert', text: this.#error, hidden: !this.#error }),
      h('ul', { class: 'item-list', 'data-testid': 'facility-list' }, ...this.#facilities.map((f) => h(
        'li',
        { class: 'item', 'data-testid': 'facility-row', 'data-facility-id': f.id },
        h('div', { class: 'item-head' },
          h('strong', { text: f.name }),
          h('span', { class: 'muted', text: f.code }),
          f.kind ? h('span', { class: 'badge', text: labelFor('admin.facility.kind', f.kind) }) : null,
          f.timezone ? h('span', { class: 'muted', text: labelFor('admin.facility.tz', f.timezone) }) : null),
      ))),
      this.#assignForm(),
      this.#createForm(),
    );
    // A fresh drawing is told apart from the one before (tests wait for it after opening the tab).
    this.el.dataset.drawn = String(Date.now());
  }

  #createForm(): HTMLElement {
    const message = status('facility-create-status');
    const form = h(
      'form',
      { class: 'stack', 'data-testid': 'facility-create', novalidate: true },
      h('div', { class: 'row' },
        field('admin.facility.code', input('code', { maxlength: 20, required: true, autocomplete: 'off' }), t('admin.facility.codeHint')),
        field('admin.facility.name', input('name', { maxlength: 120, required: true, autocomplete: 'off' }))),
      h('div', { class: 'row' },
        field('admin.facility.kind', select('kind', KINDS.map((k): [string, string] => [k, labelFor('admin.facility.kind', k)]))),
        field('admin.facility.timezone', select('timezone', TIMEZONES.map((z): [string, string] => [z, labelFor('admin.facility.tz', z)])))),
      h('button', { type: 'submit', text: t('admin.facilities.add') }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { code: value(form, 'code').toUpperCase(), name: value(form, 'name'), kind: value(form, 'kind'), timezone: value(form, 'timezone') };
      const problems = errorsOf({
        code: !body.code ? t('admin.error.required') : CODE.test(body.code) ? undefined : t('admin.facility.codeInvalid'),
        name: check.length(body.name, 3, 120),
      });
      if (showFieldErrors(form, problems)) return;
      const result = await call<{ facility: FacilityRow }>('/api/facilities', 'POST', body);
      if (!result.ok) {
        if (['facility_code_taken', 'code_taken'].includes(result.error.code)) showFieldErrors(form, { code: t('admin.facility.codeTaken') });
        else if (result.error.status === 400 && Object.keys(result.error.fields).length) showFieldErrors(form, serverFieldErrors(result.error));
        else say(message, errorText(result.error, this.#ctx), 'error');
        return;
      }
      this.#notice = t('admin.facilities.added', { name: body.name });
      await this.load();
    });
    return h('div', { class: 'card' }, h('h3', { text: t('admin.facilities.add') }), form);
  }

  #assignForm(): HTMLElement {
    const message = status('facility-assign-status');
    const officer = select('officerId', [['', t('admin.facilities.chooseOfficer')], ...this.#officers.map((o): [string, string] => [o.id, `${o.displayName} (${o.username})`])]);
    const facility = select('facilityId', [['', t('admin.facilities.chooseFacility')], ...this.#facilities.map((f): [string, string] => [f.id, `${f.name} (${f.code})`])]);
    const form = h(
      'form',
      { class: 'stack', 'data-testid': 'facility-assign', novalidate: true },
      h('div', { class: 'row' }, field('admin.facilities.officer', officer), field('admin.facilities.facility', facility), field('admin.accounts.role', select('role', roleOptions(), 'officer'))),
      h('div', { class: 'row button-row' },
        h('button', { type: 'submit', value: 'assign', 'data-testid': 'facility-assign-submit', text: t('admin.facilities.assign') }),
        h('button', { type: 'submit', value: 'remove', class: 'secondary', 'data-testid': 'facility-remove-submit', text: t('admin.facilities.remove') })),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      say(message, '');
      const action = ((event as SubmitEvent).submitter as HTMLButtonElement | null)?.value ?? 'assign';
      const chosen = { officerId: officer.value, facilityId: facility.value, role: value(form, 'role') };
      const problems = errorsOf({
        officerId: chosen.officerId ? undefined : t('admin.error.required'),
        facilityId: chosen.facilityId ? undefined : t('admin.error.required'),
      });
      if (showFieldErrors(form, problems)) return;
      const path = `/api/officers/${encodeURIComponent(chosen.officerId)}/facilities/${encodeURIComponent(chosen.facilityId)}`;
      const result = action === 'remove' ? await call(path, 'DELETE') : await call(path, 'PUT', { role: chosen.role });
      const who = officer.selectedOptions[0]?.text ?? '';
      const where = facility.selectedOptions[0]?.text ?? '';
      if (!result.ok) {
        const key = result.error.code === 'last_admin' ? 'admin.facilities.lastAdmin' : result.error.code === 'only_facility' ? 'admin.facilities.onlyFacility' : result.error.status === 404 ? 'admin.facilities.notAssigned' : undefined;
        if (result.error.status === 400 && Object.keys(result.error.fields).length) showFieldErrors(form, serverFieldErrors(result.error));
        else say(message, key ? t(key) : errorText(result.error, this.#ctx), 'error');
        return;
      }
      say(message, t(action === 'remove' ? 'admin.facilities.removed' : 'admin.facilities.assigned', { officer: who, facility: where }), 'ok');
    });
    return h('div', { class: 'card' }, h('h3', { text: t('admin.facilities.assignTitle') }), form);
  }
}
