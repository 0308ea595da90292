import { dateIn, timeIn, zoneName } from '../common/facility-time.ts';
import { currentLang, t } from '../i18n/index.ts';
import { labelFor } from '../public-services/api.ts';
import { h } from '../public-services/dom.ts';
import { officerHeaders } from '../public-services/officer-session.ts';
import { call, check, errorsOf, errorText, field, input, say, select, serverFieldErrors, showFieldErrors, status, value, type TabContext } from './admin-kit.ts';
import type { TabView } from './tabs.ts';
import './family-desk.css';

type RegistrationStatus = 'pending' | 'approved' | 'rejected';
const STATUSES: readonly RegistrationStatus[] = ['pending', 'approved', 'rejected'];

/** GET /api/family/registrations. */
export interface Registration {
  id: string;
  name: string;
  nikMasked: string;
  relationship: string;
  phone: string;
  email: string | null;
  registrationNumber: string;
  inmate: { id: string; name: string; registrationNumber: string } | null;
  status: RegistrationStatus;
  reason: string | null;
  createdAt: string;
}

/**
 * Verifikasi keluarga: registrations sent from the family portal, the KTP photo beside what the
 * family typed, to approve (creates the visitor) or reject with a reason the family is sent.
 * The photo needs the officer's token, so it is fetched and shown from a blob: URL (the CSP
 * allows img blob:), released when the list is drawn anew or the officer leaves the tab.
 */
export class RegistrationsTab implements TabView {
  readonly el = h('section', { class: 'admin-tab family-desk', 'data-testid': 'registrations-view', 'aria-labelledby': 'registrations-title' });
  readonly #ctx: TabContext;
  #status: RegistrationStatus = 'pending';
  #registrations: Registration[] | undefined;
  #error = '';
  #notice = '';
  /** Registration id → its KTP photo as a blob: URL (or null: could not be loaded). */
  #photos = new Map<string, string | null>();

  constructor(ctx: TabContext) {
    this.#ctx = ctx;
  }

  show(): void {
    document.body.dataset.state = 'registrations';
    this.render();
    void this.load();
  }

  hide(): void {
    this.#releasePhotos();
  }

  stop(): void {
    this.#releasePhotos();
  }

  #releasePhotos(): void {
    for (const url of this.#photos.values()) if (url) URL.revokeObjectURL(url);
    this.#photos.clear();
  }

  async load(): Promise<void> {
    const wanted = this.#status;
    const result = await call<{ registrations: Registration[] }>(`/api/family/registrations?status=${wanted}`);
    if (wanted !== this.#status) return;
    if (result.ok) {
      this.#registrations = result.data.registrations;
      for (const [id, url] of this.#photos) {
        if (this.#registrations.some((r) => r.id === id)) continue;
        if (url) URL.revokeObjectURL(url);
        this.#photos.delete(id);
      }
      this.#error = '';
    } else this.#error = errorText(result.error, this.#ctx);
    this.render();
  }

  render(): void {
    const chooser = select('status', STATUSES.map((s): [string, string] => [s, t(`familyDesk.reg.status.${s}`)]), this.#status);
    chooser.dataset.testid = 'registrations-status';
    chooser.addEventListener('change', () => {
      this.#status = chooser.value as RegistrationStatus;
      this.#registrations = undefined;
      this.#notice = '';
      this.#releasePhotos();
      this.render();
      void this.load();
    });
    const notice = status('registrations-notice');
    say(notice, this.#notice, this.#notice ? 'ok' : '');
    const list = this.#registrations;
    this.el.replaceChildren(
      h('div', { class: 'tab-head' }, h('h2', { id: 'registrations-title', tabindex: -1, text: t('familyDesk.reg.title') })),
      h('p', { class: 'muted', text: t('familyDesk.reg.intro') }),
      h('div', { class: 'row' }, field('familyDesk.reg.show', chooser)),
      notice,
      h('p', { class: 'error', role: 'alert', text: this.#error, hidden: !this.#error }),
      list === undefined
        ? h('p', { class: 'status', text: t('desk.loading') })
        : list.length
          ? h('ul', { class: 'item-list', 'data-testid': 'registration-list' }, ...list.map((r) => this.#item(r)))
          : h('p', { class: 'card', 'data-testid': 'registrations-empty', text: t('familyDesk.reg.empty') }),
    );
    this.el.dataset.drawn = String(Date.now());
  }

  #when(iso: string): string {
    const lang = currentLang();
    const tz = this.#ctx.me.facility.timezone;
    return `${dateIn(iso, tz, lang)} ${timeIn(iso, tz, lang)} ${zoneName(tz)}`;
  }

  #item(r: Registration): HTMLElement {
    const pair = (key: Parameters<typeof t>[0], text: string, testid?: string) => [h('dt', { text: t(key) }), h('dd', { 'data-testid': testid, text })];
    const data = h('dl', {},
      ...pair('familyDesk.reg.nik', r.nikMasked),
      ...pair('familyDesk.reg.relationship', labelFor('admin.rel', r.relationship)),
      ...pair('familyDesk.reg.phone', r.phone),
      ...(r.email ? pair('familyDesk.reg.email', r.email) : []),
      ...pair('familyDesk.reg.registrationNumber', r.registrationNumber),
      ...pair('familyDesk.reg.inmate', r.inmate ? `${r.inmate.name} (${r.inmate.registrationNumber})` : t('familyDesk.reg.noInmate'), 'registration-inmate'),
      ...pair('familyDesk.reg.created', this.#when(r.createdAt)),
      ...(r.status === 'rejected' && r.reason ? pair('familyDesk.reg.reasonShown', r.reason, 'registration-reason') : []),
    );
    return h(
      'li',
      { class: 'item', 'data-testid': 'registration-row', 'data-registration-id': r.id, 'data-name': r.name, 'data-status': r.status },
      h('div', { class: 'item-head' },
        h('h3', { text: r.name }),
        h('span', { class: 'badge', text: t(`familyDesk.reg.status.${r.status}`) })),
      h('div', { class: 'registration' }, this.#photo(r), data, r.status === 'pending' ? this.#decision(r) : null),
    );
  }

  #photo(r: Registration): HTMLElement {
    const figure = h('figure', { class: 'ktp', 'data-testid': 'registration-ktp' });
    const draw = () => {
      const url = this.#photos.get(r.id);
      if (url) figure.replaceChildren(h('img', { src: url, alt: t('familyDesk.reg.ktpAlt', { name: r.name }), 'data-testid': 'registration-ktp-image' }));
      else figure.replaceChildren(h('p', { class: url === null ? 'error' : 'status', text: t(url === null ? 'familyDesk.reg.ktpFailed' : 'familyDesk.reg.ktpLoading') }));
    };
    draw();
    if (!this.#photos.has(r.id)) {
      void this.#fetchPhoto(r.id).then((url) => {
        if (url && !this.#registrations?.some((x) => x.id === r.id)) {
          URL.revokeObjectURL(url); // the list changed meanwhile
          return;
        }
        this.#photos.set(r.id, url);
        draw();
      });
    }
    return figure;
  }

  async #fetchPhoto(id: string): Promise<string | null> {
    try {
      const res = await fetch(`/api/family/registrations/${encodeURIComponent(id)}/ktp`, { headers: officerHeaders(), cache: 'no-store' });
      if (res.status === 401) this.#ctx.signedOut();
      if (!res.ok || !res.headers.get('content-type')?.startsWith('image/')) return null;
      return URL.createObjectURL(await res.blob());
    } catch {
      return null;
    }
  }

  #decision(r: Registration): HTMLElement {
    const message = status();
    const approve = h('button', { type: 'button', 'data-testid': 'registration-approve', 'aria-label': t('familyDesk.reg.approveOf', { name: r.name }), text: t('familyDesk.reg.approve') });
    approve.addEventListener('click', async () => {
      approve.disabled = true;
      const result = await call(`/api/family/registrations/${encodeURIComponent(r.id)}/approve`, 'POST', {});
      approve.disabled = false;
      if (result.ok) return this.#decided(t('familyDesk.reg.approvedDone', { name: r.name }));
      const own = { no_matching_inmate: 'familyDesk.reg.noMatch', not_pending: 'familyDesk.reg.decided' } as const;
      say(message, errorText(result.error, this.#ctx, own), 'error');
    });
    const form = h(
      'form',
      { class: 'stack', 'data-testid': 'registration-reject-form', novalidate: true },
      field('familyDesk.reg.rejectReason', input('reason', { maxlength: 500, required: true, autocomplete: 'off', 'data-testid': 'registration-reject-reason' })),
      h('button', { type: 'submit', class: 'danger', 'data-testid': 'registration-reject-submit', text: t('familyDesk.reg.rejectSubmit') }),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const reason = value(form, 'reason');
      if (showFieldErrors(form, errorsOf({ reason: check.length(reason, 3, 500) }))) return;
      const result = await call(`/api/family/registrations/${encodeURIComponent(r.id)}/reject`, 'POST', { reason });
      if (result.ok) return this.#decided(t('familyDesk.reg.rejectedDone', { name: r.name }));
      if (result.error.status === 400 && Object.keys(result.error.fields).length) showFieldErrors(form, serverFieldErrors(result.error));
      else say(message, errorText(result.error, this.#ctx, { not_pending: 'familyDesk.reg.decided' }), 'error');
    });
    return h('div', { class: 'decision' },
      h('div', { class: 'item-actions' }, approve),
      h('details', { class: 'item-panel' }, h('summary', { 'data-testid': 'registration-reject-open', text: t('familyDesk.reg.reject') }), form),
      message);
  }

  async #decided(notice: string): Promise<void> {
    this.#notice = notice;
    await this.load();
    this.el.querySelector<HTMLElement>('#registrations-title')?.focus();
  }
}
