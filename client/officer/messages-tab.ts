import { dateIn, timeIn, zoneName } from '../common/facility-time.ts';
import { currentLang, t, type MessageKey } from '../i18n/index.ts';
import { labelFor } from '../public-services/api.ts';
import { h } from '../public-services/dom.ts';
import { call, errorText, say, status, type TabContext } from './admin-kit.ts';
import type { TabView } from './tabs.ts';
import './family-desk.css';

type DeskStatus = 'manual' | 'failed';
const STATUSES: readonly DeskStatus[] = ['manual', 'failed'];

/** GET /api/notifications (server/notifications/routes.ts). */
export interface DeskMessage {
  id: string;
  status: DeskStatus;
  template: string;
  language: string;
  recipient: { name: string | null; phone: string | null; email: string | null };
  subject: string;
  text: string;
  whatsappUrl: string | null;
  mailtoUrl: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  expiresAt: string | null;
}

/**
 * Pesan: the messages to families that no channel carried (none configured: `manual`; the
 * provider kept refusing: `failed`), for the desk to send by hand and mark as sent. Loaded when
 * the tab opens and on "Muat ulang", not polled: every listing is audited (it shows contact data
 * and one-time codes), and a poll would fill the audit log.
 */
export class MessagesTab implements TabView {
  readonly el = h('section', { class: 'admin-tab family-desk', 'data-testid': 'messages-view', 'aria-labelledby': 'messages-title' });
  readonly #ctx: TabContext;
  readonly #lists: Record<DeskStatus, DeskMessage[] | undefined> = { manual: undefined, failed: undefined };
  #error = '';
  #notice = '';

  constructor(ctx: TabContext) {
    this.#ctx = ctx;
  }

  show(): void {
    document.body.dataset.state = 'messages';
    this.render();
    void this.load();
  }

  async load(): Promise<void> {
    const results = await Promise.all(STATUSES.map((s) => call<{ messages: DeskMessage[] }>(`/api/notifications?status=${s}&limit=200`)));
    this.#error = '';
    results.forEach((r, i) => {
      if (r.ok) this.#lists[STATUSES[i]!] = r.data.messages;
      else this.#error = errorText(r.error, this.#ctx);
    });
    this.render();
  }

  render(): void {
    const refresh = h('button', { type: 'button', class: 'secondary', 'data-testid': 'messages-refresh', text: t('familyDesk.messages.refresh') });
    refresh.addEventListener('click', () => {
      this.#notice = '';
      void this.load();
    });
    const notice = status('messages-notice');
    say(notice, this.#notice, this.#notice ? 'ok' : '');
    const loaded = this.#lists.manual !== undefined;
    this.el.replaceChildren(
      h('div', { class: 'tab-head' }, h('h2', { id: 'messages-title', tabindex: -1, text: t('familyDesk.messages.title') }), refresh),
      h('p', { class: 'muted', text: t('familyDesk.messages.intro') }),
      notice,
      h('p', { class: 'error', role: 'alert', text: this.#error, hidden: !this.#error }),
      ...(loaded ? STATUSES.map((s) => this.#section(s)) : [h('p', { class: 'status', text: t('desk.loading') })]),
    );
    this.el.dataset.drawn = String(Date.now());
  }

  #section(kind: DeskStatus): HTMLElement {
    const messages = this.#lists[kind] ?? [];
    const titleId = `messages-${kind}-title`;
    return h(
      'section',
      { class: 'message-group', 'data-testid': `messages-${kind}`, 'aria-labelledby': titleId },
      h('h3', { id: titleId, text: t(kind === 'manual' ? 'familyDesk.messages.manual' : 'familyDesk.messages.failed', { count: messages.length }) }),
      messages.length
        ? h('ul', { class: 'item-list' }, ...messages.map((m) => this.#item(m)))
        : h('p', { class: 'card', 'data-testid': 'messages-empty', text: t('familyDesk.messages.empty') }),
    );
  }

  #when(iso: string): string {
    const lang = currentLang();
    const tz = this.#ctx.me.facility.timezone;
    return `${dateIn(iso, tz, lang)} ${timeIn(iso, tz, lang)} ${zoneName(tz)}`;
  }

  #item(m: DeskMessage): HTMLElement {
    const name = m.recipient.name ?? t('familyDesk.messages.someone');
    const links: HTMLElement[] = [];
    if (m.whatsappUrl) links.push(h('a', { class: 'button-link', href: m.whatsappUrl, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'message-whatsapp', text: t('familyDesk.messages.whatsapp') }));
    if (m.mailtoUrl) links.push(h('a', { class: 'button-link mail', href: m.mailtoUrl, 'data-testid': 'message-mailto', text: t('familyDesk.messages.mail') }));
    const done = h('button', { type: 'button', class: 'secondary', 'data-testid': 'message-handled', 'aria-label': t('familyDesk.messages.handledOf', { name }), text: t('familyDesk.messages.handled') });
    const problem = status();
    done.addEventListener('click', () => void this.#handled(m, name, done, problem));
    return h(
      'li',
      { class: 'item message', 'data-testid': 'message-row', 'data-message-id': m.id, 'data-template': m.template },
      h('div', { class: 'item-head' },
        h('strong', { text: name }),
        h('span', { class: 'badge', text: labelFor('familyDesk.template', m.template) }),
        m.recipient.phone ? h('span', { 'data-testid': 'message-phone', text: t('familyDesk.messages.phone', { phone: m.recipient.phone }) }) : null,
        m.recipient.email ? h('span', { text: t('familyDesk.messages.emailAddress', { email: m.recipient.email }) }) : null,
        h('span', { class: 'muted', text: t('familyDesk.messages.created', { time: this.#when(m.createdAt) }) }),
        m.expiresAt ? h('span', { class: 'muted', text: t('familyDesk.messages.expires', { time: this.#when(m.expiresAt) }) }) : null),
      h('blockquote', { class: 'message-text', 'data-testid': 'message-text', text: m.text }),
      m.status === 'failed' && m.lastError ? h('p', { class: 'muted', text: t('familyDesk.messages.lastError', { attempts: m.attempts, error: m.lastError }) }) : null,
      links.length ? null : h('p', { class: 'notice', text: t('familyDesk.messages.noContact') }),
      h('div', { class: 'item-actions' }, ...links, done),
      problem,
    );
  }

  async #handled(m: DeskMessage, name: string, button: HTMLButtonElement, problem: HTMLElement): Promise<void> {
    button.disabled = true;
    const result = await call(`/api/notifications/${encodeURIComponent(m.id)}/handled`, 'POST', {});
    if (!result.ok && result.error.code !== 'not_waiting') {
      button.disabled = false;
      say(problem, errorText(result.error, this.#ctx), 'error');
      return;
    }
    const key: MessageKey = result.ok ? 'familyDesk.messages.handledDone' : 'familyDesk.messages.alreadyHandled';
    this.#notice = t(key, { name });
    for (const s of STATUSES) this.#lists[s] = this.#lists[s]?.filter((x) => x.id !== m.id);
    this.render();
    // The row and its button are gone: keep the keyboard in the list, on the heading.
    this.el.querySelector<HTMLElement>('#messages-title')?.focus();
  }
}
