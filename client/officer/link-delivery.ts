import QRCode from 'qrcode';
import { currentLang, t } from '../i18n/index.ts';
import { id as indonesian } from '../i18n/id.ts';
import { h } from '../public-services/dom.ts';
import { deskApi, errorText, type Visit, type VisitLinks, type Visitor } from './desk-api.ts';
import { dateIn, timeIn, zoneName } from './facility-time.ts';

/** wa.me wants the number in international form, digits only: +62 812… / 0812… → 62812…; empty when unknown. */
export function whatsappDigits(phone: string | null | undefined): string {
  const digits = (phone ?? '').replace(/\D/g, '');
  if (!digits) return '';
  return digits.startsWith('0') ? `62${digits.slice(1)}` : digits;
}

/** The message families get, always in Bahasa Indonesia (whatever language the desk shows). */
export function whatsappMessage(v: { name: string; inmate: string; facility: string; start: string; timeZone: string; url: string }): string {
  const fill = (text: string, vars: Record<string, string>) => text.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? '');
  return fill(indonesian['desk.links.message'], {
    name: v.name,
    inmate: v.inmate,
    facility: v.facility,
    date: dateIn(v.start, v.timeZone, 'id'),
    time: timeIn(v.start, v.timeZone, 'id'),
    zone: zoneName(v.timeZone),
    url: v.url,
  });
}

export function whatsappHref(phone: string | null | undefined, message: string): string {
  return `https://wa.me/${whatsappDigits(phone)}?text=${encodeURIComponent(message)}`;
}

async function copy(text: string, fallbackInput: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Older desk browsers or a refused permission: copy from the visible field instead.
    fallbackInput.select();
    return document.execCommand('copy');
  }
}

/**
 * The join links of one visit, one card per visitor: the link (copy), a prepared WhatsApp
 * message (wa.me) and a QR code to scan from the screen. Each opening signs fresh links (audited).
 */
export class LinkDelivery {
  readonly el = h('section', { class: 'link-delivery', 'data-testid': 'link-delivery' });
  readonly #visit: Visit;
  readonly #facility: { name: string; timezone: string };
  readonly #signedOut: () => void;

  constructor(visit: Visit, facility: { name: string; timezone: string }, signedOut: () => void) {
    this.#visit = visit;
    this.#facility = facility;
    this.#signedOut = signedOut;
    this.el.dataset.visitId = visit.id;
    this.el.setAttribute('aria-label', t('desk.links.title', { inmate: visit.inmate.name }));
  }

  async load(): Promise<void> {
    this.el.replaceChildren(h('p', { class: 'status', role: 'status', text: t('desk.loading') }));
    const [links, visitors] = await Promise.all([
      deskApi<VisitLinks>(`/api/visits/${encodeURIComponent(this.#visit.id)}/links`, this.#signedOut),
      deskApi<{ visitors: Visitor[] }>(`/api/inmates/${encodeURIComponent(this.#visit.inmate.id)}/visitors`, this.#signedOut),
    ]);
    if (!links.ok) {
      this.el.replaceChildren(h('p', { class: 'error', role: 'alert', text: errorText(links.error) }));
      return;
    }
    const phoneOf = (id: string) => (visitors.ok ? visitors.data.visitors.find((v) => v.id === id)?.phone : undefined);
    const { timezone } = this.#facility;
    const lang = currentLang();
    const when = t('desk.links.when', {
      date: dateIn(this.#visit.scheduledStart, timezone, lang),
      time: timeIn(this.#visit.scheduledStart, timezone, lang),
      zone: zoneName(timezone),
      opens: timeIn(links.data.validFrom, timezone, lang),
    });
    const cards = await Promise.all(links.data.links.map((link) => this.#card(link, phoneOf(link.visitorId))));
    this.el.replaceChildren(h('p', { class: 'links-when', text: when }), h('div', { class: 'link-cards' }, ...cards));
  }

  async #card(link: VisitLinks['links'][number], phone: string | null | undefined): Promise<HTMLElement> {
    const inputId = `link-${this.#visit.id}-${link.visitorId}`;
    const input = h('input', { id: inputId, readonly: true, value: link.familyUrl, 'data-testid': 'link-url', class: 'link-url' });
    const status = h('span', { class: 'status', role: 'status', 'data-testid': 'copy-status' });
    const copyButton = h('button', { type: 'button', 'data-testid': 'copy-link', text: t('desk.links.copy') });
    copyButton.addEventListener('click', async () => {
      const ok = await copy(link.familyUrl, input);
      status.textContent = ok ? t('desk.links.copied') : t('desk.links.copyFailed');
      status.className = ok ? 'status success' : 'status error';
    });
    const message = whatsappMessage({
      name: link.name, inmate: this.#visit.inmate.name, facility: this.#facility.name, start: this.#visit.scheduledStart, timeZone: this.#facility.timezone, url: link.familyUrl,
    });
    const whatsapp = h('a', {
      class: 'button-link',
      href: whatsappHref(phone, message),
      target: '_blank',
      rel: 'noopener noreferrer',
      'data-testid': 'whatsapp-link',
      text: t('desk.links.whatsapp'),
    });
    const qr = h('img', {
      class: 'qr link-qr',
      alt: t('desk.links.qrAlt', { name: link.name }),
      'data-testid': 'link-qr',
      src: await QRCode.toDataURL(link.familyUrl, { errorCorrectionLevel: 'M', margin: 2, width: 220 }),
    });
    return h(
      'article',
      { class: 'link-card', 'data-testid': 'link-card', 'data-visitor-id': link.visitorId },
      h('h4', { text: link.name }),
      phone ? h('p', { class: 'muted', text: t('desk.links.phone', { phone }) }) : h('p', { class: 'muted', text: t('desk.links.noPhone') }),
      h('label', { for: inputId }, h('span', { text: t('desk.links.url') }), input),
      h('div', { class: 'link-actions' }, copyButton, whatsapp, status),
      qr,
    );
  }
}
