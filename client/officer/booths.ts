import QRCode from 'qrcode';
import { currentLang, t } from '../i18n/index.ts';
import type { ApiError } from '../public-services/api.ts';
import { formatDateTime, h } from '../public-services/dom.ts';
import {
  call, canManage, check, errorsOf, errorText, field, input, say, serverFieldErrors, showFieldErrors, status, value, type TabContext,
} from './admin-kit.ts';
import type { TabView } from './tabs.ts';

interface Booth { id: string; name: string; createdAt: string }
interface Device { id: string; boothId: string; label: string; createdAt: string; revokedAt: string | null; active: boolean }
interface Enrolled { deviceId: string; boothUrl: string; device: Device }

/** Bilik tab: booths and their kiosk devices; enrolling shows the booth URL once, as a QR code and as text. */
export class BoothsView implements TabView {
  readonly el = h('section', { class: 'admin-tab', 'data-testid': 'booths-view', 'aria-labelledby': 'booths-title' });
  readonly #ctx: TabContext;
  #booths: Booth[] = [];
  #devices = new Map<string, Device[]>();
  #error = '';
  #notice = '';
  /** The one-time enrolment result, shown until dismissed; never stored anywhere else. */
  #enrolled: { boothId: string; url: string; qr: string; label: string } | undefined;
  #justEnrolled = false;

  constructor(ctx: TabContext) {
    this.#ctx = ctx;
  }

  show(): void {
    void this.load();
  }

  async load(): Promise<void> {
    // Shown once: coming back to the tab (a new load) no longer shows the last enrolment.
    if (!this.#justEnrolled) this.#enrolled = undefined;
    this.#justEnrolled = false;
    const result = await call<{ booths: Booth[] }>('/api/booths');
    if (!result.ok) {
      this.#error = errorText(result.error, this.#ctx);
      return this.render();
    }
    this.#booths = result.data.booths;
    this.#error = '';
    const lists = await Promise.all(this.#booths.map((b) => call<{ devices: Device[] }>(`/api/booths/${encodeURIComponent(b.id)}/devices`)));
    this.#devices = new Map(this.#booths.map((b, i) => [b.id, lists[i]!.ok ? (lists[i] as { data: { devices: Device[] } }).data.devices : []]));
    this.render();
  }

  render(): void {
    const manage = canManage(this.#ctx.me.officer.role);
    this.el.replaceChildren(
      h('h2', { id: 'booths-title', text: t('admin.booths.title') }),
      h('p', { class: 'success', role: 'status', 'data-testid': 'booths-notice', text: this.#notice }),
      h('p', { class: 'error', role: 'alert', text: this.#error, hidden: !this.#error }),
      this.#enrolled ? this.#enrolledCard(this.#enrolled) : '',
      this.#booths.length
        ? h('ul', { class: 'item-list', 'data-testid': 'booth-list' }, ...this.#booths.map((b) => this.#row(b, manage)))
        : h('p', { class: 'card', 'data-testid': 'no-booths', text: t('admin.booths.empty') }),
      manage ? this.#addForm() : '',
    );
    // A fresh drawing is told apart from the one before (tests wait for it after opening the tab).
    this.el.dataset.drawn = String(Date.now());
  }

  #nameForm(testid: string, submitKey: 'admin.booths.add' | 'admin.save', initial: string, send: (name: string) => Promise<{ ok: true } | { ok: false; error: ApiError }>): HTMLFormElement {
    const message = status();
    const form = h(
      'form',
      { class: 'row', 'data-testid': testid, novalidate: true },
      field('admin.booth.name', input('name', { value: initial, maxlength: 80, required: true, autocomplete: 'off' })),
      h('button', { type: 'submit', text: t(submitKey) }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const name = value(form, 'name');
      if (showFieldErrors(form, errorsOf({ name: check.length(name, 1, 80) }))) return;
      const result = await send(name);
      if (result.ok) return;
      if (result.error.code === 'booth_name_taken') showFieldErrors(form, { name: t('admin.booth.nameTaken') });
      else if (result.error.status === 400 && Object.keys(result.error.fields).length) showFieldErrors(form, serverFieldErrors(result.error));
      else say(message, errorText(result.error, this.#ctx), 'error');
    });
    return form;
  }

  #addForm(): HTMLElement {
    const form = this.#nameForm('booth-add', 'admin.booths.add', '', async (name) => {
      const result = await call<{ booth: Booth }>('/api/booths', 'POST', { name });
      if (result.ok) {
        this.#notice = t('admin.booths.added', { name });
        await this.load();
      }
      return result;
    });
    return h('div', { class: 'card' }, h('h3', { text: t('admin.booths.add') }), form);
  }

  #row(booth: Booth, manage: boolean): HTMLElement {
    const devices = this.#devices.get(booth.id) ?? [];
    const lang = currentLang();
    const item = h(
      'li',
      { class: 'item', 'data-testid': 'booth-row', 'data-booth-id': booth.id },
      h('div', { class: 'item-head' }, h('strong', { text: booth.name }), h('span', { class: 'muted', text: t('admin.booth.deviceCount', { count: devices.filter((d) => d.active).length }) })),
      devices.length
        ? h('ul', { class: 'device-list' }, ...devices.map((d) => {
          const row = h('li', { 'data-testid': 'device-row', 'data-device-id': d.id, 'data-active': String(d.active) },
            h('span', { text: d.label }),
            h('span', { class: 'muted', text: d.active ? t('admin.device.enrolledAt', { at: formatDateTime(d.createdAt, lang) }) : t('admin.device.revokedAt', { at: formatDateTime(d.revokedAt!, lang) }) }));
          if (manage && d.active) {
            const revoke = h('button', { type: 'button', class: 'secondary danger-text', 'data-testid': 'device-revoke', text: t('admin.device.revoke') });
            revoke.setAttribute('aria-label', `${t('admin.device.revoke')}: ${d.label}`);
            revoke.addEventListener('click', () => void this.#revoke(d, revoke));
            row.append(revoke);
          }
          return row;
        }))
        : h('p', { class: 'muted', text: t('admin.booth.noDevices') }),
    );
    if (!manage) return item;
    const rename = this.#nameForm('booth-rename', 'admin.save', booth.name, async (name) => {
      const result = await call<{ booth: Booth }>(`/api/booths/${encodeURIComponent(booth.id)}`, 'PATCH', { name });
      if (result.ok) {
        this.#notice = t('admin.booths.renamed', { name });
        await this.load();
      }
      return result;
    });
    item.append(
      h('details', { class: 'item-panel' }, h('summary', { 'data-testid': 'booth-rename-open', text: t('admin.booth.rename') }), rename),
      h('details', { class: 'item-panel' }, h('summary', { 'data-testid': 'device-enrol-open', text: t('admin.device.enrol') }), this.#enrolForm(booth)),
    );
    return item;
  }

  #enrolForm(booth: Booth): HTMLFormElement {
    const message = status();
    const form = h(
      'form',
      { class: 'row', 'data-testid': 'device-enrol', novalidate: true },
      field('admin.device.label', input('label', { maxlength: 80, required: true, autocomplete: 'off' }), t('admin.device.labelHint')),
      h('button', { type: 'submit', text: t('admin.device.enrol') }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const label = value(form, 'label');
      if (showFieldErrors(form, errorsOf({ label: check.length(label, 1, 80) }))) return;
      const result = await call<Enrolled>(`/api/booths/${encodeURIComponent(booth.id)}/devices`, 'POST', { label });
      if (!result.ok) {
        if (result.error.status === 400 && Object.keys(result.error.fields).length) showFieldErrors(form, serverFieldErrors(result.error));
        else say(message, errorText(result.error, this.#ctx), 'error');
        return;
      }
      const qr = await QRCode.toDataURL(result.data.boothUrl, { margin: 2, width: 320, errorCorrectionLevel: 'M' });
      this.#enrolled = { boothId: booth.id, url: result.data.boothUrl, qr, label };
      this.#notice = '';
      this.#justEnrolled = true;
      await this.load();
      this.el.querySelector<HTMLElement>('[data-testid="device-enrolled"] h3')?.focus();
    });
    return form;
  }

  #enrolledCard(enrolled: { boothId: string; url: string; qr: string; label: string }): HTMLElement {
    const booth = this.#booths.find((b) => b.id === enrolled.boothId);
    const done = h('button', { type: 'button', 'data-testid': 'device-enrolled-done', text: t('admin.device.shownDone') });
    done.addEventListener('click', () => {
      // The URL carries the device's credential: once dismissed it is gone from the page for good.
      this.#enrolled = undefined;
      this.render();
    });
    return h(
      'div',
      { class: 'card enrolled', 'data-testid': 'device-enrolled', role: 'region', 'aria-labelledby': 'enrolled-title' },
      h('h3', { id: 'enrolled-title', tabindex: -1, text: t('admin.device.enrolledTitle', { label: enrolled.label, booth: booth?.name ?? '' }) }),
      h('p', { class: 'notice', text: t('admin.device.onceWarning') }),
      h('img', { class: 'qr', src: enrolled.qr, alt: t('admin.device.qrAlt'), 'data-testid': 'device-qr' }),
      h('p', { class: 'url-text' }, h('span', { text: `${t('admin.device.url')}: ` }), h('code', { 'data-testid': 'device-url', text: enrolled.url })),
      done,
    );
  }

  async #revoke(device: Device, button: HTMLButtonElement): Promise<void> {
    if (!confirm(t('admin.device.revokeConfirm', { label: device.label }))) return;
    button.disabled = true;
    const result = await call<{ device: Device }>(`/api/booth-devices/${encodeURIComponent(device.id)}/revoke`, 'POST', {});
    if (!result.ok && result.error.code !== 'already_revoked') {
      this.#error = errorText(result.error, this.#ctx);
      this.render();
      return;
    }
    this.#notice = t('admin.device.revoked', { label: device.label });
    await this.load();
  }
}
