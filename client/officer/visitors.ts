import { currentLang, t, type MessageKey } from '../i18n/index.ts';
import { labelFor, type ApiError } from '../public-services/api.ts';
import { formatDate, h } from '../public-services/dom.ts';
import {
  call, canManage, check, errorsOf, errorText, field, input, say, select, serverFieldErrors, showFieldErrors, status, value, type FieldErrors, type TabContext,
} from './admin-kit.ts';
import type { TabView } from './tabs.ts';
import { inmateStatusLabel, type Inmate } from './inmates.ts';

export const RELATIONSHIPS = ['orang_tua', 'suami_istri', 'anak', 'saudara_kandung', 'kuasa_hukum', 'lainnya'] as const;
const COUNSEL = 'kuasa_hukum';
const NIK_PROBLEMS = ['length', 'digits', 'province', 'regency', 'district', 'birth_month', 'birth_day', 'serial'] as const;

interface Ban { reason: string; until: string; by?: string; at?: string }
interface Visitor {
  id: string;
  name: string;
  nikMasked: string;
  relationship: string;
  advocateCredential: string | null;
  phone?: string | null;
  ban?: Ban | null;
}

/** Indonesian mobile numbers as people write them: 08…, 628…, +62 8…, with spaces or dashes. */
function phoneProblem(phone: string): string | undefined {
  if (!phone) return t('admin.error.required');
  return /^(\+?62|0)8\d{7,12}$/.test(phone.replace(/[\s-]/g, '')) ? undefined : t('admin.visitor.phoneInvalid');
}

/** Why the server refused a NIK, in the page's language (error.details.nikProblem). */
function nikReason(error: ApiError): string | undefined {
  const details = ((error.body.error ?? {}) as { details?: { nikProblem?: string } }).details;
  const problem = details?.nikProblem;
  if (problem && (NIK_PROBLEMS as readonly string[]).includes(problem)) return t(`admin.nik.${problem}` as MessageKey);
  return error.fields.nik ? t('admin.nik.invalid', { message: error.fields.nik.join('; ') }) : undefined;
}

/** The advocate card number input, with the characters the server takes (3–40 of letters, digits, . / - and spaces). */
function credentialField(current = ''): HTMLLabelElement {
  return field('admin.visitor.advocateCredential', input('advocateCredential', { maxlength: 40, autocomplete: 'off', value: current || undefined }), t('admin.visitor.credentialHint'));
}

/** The server refuses a card number only for its characters once its length passed here: say so in the page's language. */
const credentialReason = (): FieldErrors => ({ advocateCredential: t('admin.visitor.credentialInvalid') });

/** A counsel's card number, or a badge saying it is missing (privileged visits are refused until it is entered). */
function credentialNote(credential: string | null): HTMLElement {
  return credential
    ? h('span', { class: 'muted', 'data-testid': 'visitor-credential', text: `${t('admin.visitor.advocateCredential')}: ${credential}` })
    : h('span', { class: 'badge credential-missing', 'data-testid': 'visitor-credential-missing', text: t('admin.visitor.credentialMissing') });
}

function today(): string {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}

/** Keluarga tab: the registered visitors of one chosen inmate; register, ban and un-ban them. */
export class VisitorsView implements TabView {
  readonly el = h('section', { class: 'admin-tab', 'data-testid': 'visitors-view', 'aria-labelledby': 'visitors-title' });
  readonly #ctx: TabContext;
  #query = '';
  #matches: Inmate[] | undefined;
  #inmate: Inmate | undefined;
  #visitors: Visitor[] = [];
  #error = '';
  #notice = '';

  constructor(ctx: TabContext) {
    this.#ctx = ctx;
  }

  /** Opens the tab on one inmate (e.g. from the WBP tab). */
  async choose(inmate: Inmate): Promise<void> {
    this.#inmate = inmate;
    this.#notice = '';
    await this.load();
  }

  /** From the WBP tab: open on the inmate given (params.inmateId). */
  show(params?: Record<string, string>): void {
    const id = params?.inmateId;
    if (!id || id === this.#inmate?.id) {
      void this.load();
      return;
    }
    void call<{ inmate: Inmate }>(`/api/inmates/${encodeURIComponent(id)}`).then((result) => {
      if (result.ok) return this.choose(result.data.inmate);
      this.#error = errorText(result.error, this.#ctx);
      this.render();
    });
  }

  async load(): Promise<void> {
    if (!this.#inmate) return this.render();
    const result = await call<{ visitors: Visitor[] }>(`/api/inmates/${encodeURIComponent(this.#inmate.id)}/visitors`);
    if (result.ok) {
      this.#visitors = result.data.visitors;
      this.#error = '';
    } else this.#error = errorText(result.error, this.#ctx);
    this.render();
  }

  render(): void {
    this.el.replaceChildren(
      h('h2', { id: 'visitors-title', text: t('admin.visitors.title') }),
      this.#picker(),
      h('p', { class: 'error', role: 'alert', text: this.#error, hidden: !this.#error }),
      ...(this.#inmate ? this.#family(this.#inmate) : [h('p', { class: 'hint', text: t('admin.visitors.chooseFirst') })]),
    );
    // A fresh drawing is told apart from the one before (tests wait for it after opening the tab).
    this.el.dataset.drawn = String(Date.now());
  }

  #picker(): HTMLElement {
    const q = input('q', { type: 'search', value: this.#query, maxlength: 80, 'data-testid': 'visitor-inmate-search' });
    const form = h('form', { class: 'row search-row', role: 'search' }, field('admin.visitors.findInmate', q), h('button', { type: 'submit', text: t('admin.search') }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      this.#query = q.value.trim();
      const result = await call<{ inmates: Inmate[] }>(`/api/inmates?${new URLSearchParams({ q: this.#query, limit: '20' })}`);
      this.#matches = result.ok ? result.data.inmates : [];
      this.#error = result.ok ? '' : errorText(result.error, this.#ctx);
      this.render();
      this.el.querySelector<HTMLElement>('[data-testid="visitor-inmate-choose"]')?.focus();
    });
    const matches = this.#matches;
    const list = matches === undefined
      ? null
      : matches.length
        ? h('ul', { class: 'choice-list' }, ...matches.map((m) => {
          const chosen = m.id === this.#inmate?.id;
          const button = h('button', { type: 'button', class: chosen ? '' : 'secondary', 'aria-pressed': String(chosen), 'data-testid': 'visitor-inmate-choose', 'data-inmate-id': m.id,
            text: `${m.name} · ${m.registrationNumber}${m.status && m.status !== 'active' ? ` (${inmateStatusLabel(m.status)})` : ''}` });
          button.addEventListener('click', () => void this.choose(m));
          return h('li', {}, button);
        }))
        : h('p', { text: t('admin.inmates.empty') });
    return h('div', { class: 'card' }, form, list);
  }

  #family(inmate: Inmate): HTMLElement[] {
    return [
      h('h3', { 'data-testid': 'visitors-of', text: t('admin.visitors.of', { name: inmate.name, number: inmate.registrationNumber }) }),
      h('p', { class: 'success', role: 'status', 'data-testid': 'visitors-notice', text: this.#notice }),
      this.#visitors.length
        ? h('ul', { class: 'item-list', 'data-testid': 'visitor-list' }, ...this.#visitors.map((v) => this.#row(v)))
        : h('p', { class: 'card', 'data-testid': 'no-visitors', text: t('admin.visitors.empty') }),
      this.#registerForm(inmate),
    ];
  }

  #row(visitor: Visitor): HTMLElement {
    const lang = currentLang();
    const ban = visitor.ban ?? null;
    const item = h(
      'li',
      { class: 'item', 'data-testid': 'visitor-row', 'data-visitor-id': visitor.id, 'data-banned': String(!!ban) },
      h('div', { class: 'item-head' },
        h('strong', { text: visitor.name }),
        h('span', { text: labelFor('admin.rel', visitor.relationship) }),
        h('span', { class: 'muted', text: `NIK ${visitor.nikMasked}` }),
        visitor.phone ? h('span', { class: 'muted', text: visitor.phone }) : null,
        visitor.relationship === COUNSEL ? credentialNote(visitor.advocateCredential) : null,
        ban ? h('span', { class: 'badge banned', 'data-testid': 'visitor-ban', text: t('admin.visitor.bannedUntil', { until: formatDate(ban.until, lang) }) }) : null),
      ban ? h('p', { class: 'muted', text: `${t('admin.reason')}: ${ban.reason}` }) : null,
    );
    // Any officer: the route is open to every role, as registering counsel is.
    if (visitor.relationship === COUNSEL) item.append(this.#credentialForm(visitor));
    if (canManage(this.#ctx.me.officer.role)) item.append(ban ? this.#unbanForm(visitor) : this.#banForm(visitor));
    return item;
  }

  /** Enters (or corrects) a counsel's advocate card number: counsel registered before it was asked for cannot be booked privileged without one. */
  #credentialForm(visitor: Visitor): HTMLElement {
    const message = status();
    const form = h(
      'form',
      { class: 'stack', 'data-testid': 'visitor-credential-form', novalidate: true },
      credentialField(visitor.advocateCredential ?? ''),
      h('button', { type: 'submit', text: t('admin.visitor.credentialSave') }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { advocateCredential: value(form, 'advocateCredential') };
      if (showFieldErrors(form, errorsOf({ advocateCredential: check.length(body.advocateCredential, 3, 40) }))) return;
      await this.#send(form, message, `/api/visitors/${encodeURIComponent(visitor.id)}/advocate-credential`, body,
        t('admin.visitor.credentialSaved', { name: visitor.name }), 'PUT');
    });
    const summary = visitor.advocateCredential ? 'admin.visitor.credentialChange' : 'admin.visitor.credentialEnter';
    return h('details', { class: 'item-panel' }, h('summary', { 'data-testid': 'visitor-credential-open', text: t(summary) }), form);
  }

  #banForm(visitor: Visitor): HTMLElement {
    const message = status();
    const form = h(
      'form',
      { class: 'stack', 'data-testid': 'visitor-ban-form', novalidate: true },
      h('div', { class: 'row' },
        field('admin.reason', input('reason', { maxlength: 500, required: true, autocomplete: 'off' })),
        field('admin.visitor.banUntil', input('until', { type: 'date', min: today(), required: true }))),
      h('button', { type: 'submit', class: 'danger', text: t('admin.visitor.ban') }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { reason: value(form, 'reason'), until: value(form, 'until') };
      const problems = errorsOf({
        reason: check.length(body.reason, 3, 500),
        until: !body.until ? t('admin.error.required') : body.until < today() ? t('admin.visitor.untilPast') : undefined,
      });
      if (showFieldErrors(form, problems)) return;
      await this.#send(form, message, `/api/visitors/${encodeURIComponent(visitor.id)}/ban`, body, t('admin.visitor.bannedDone', { name: visitor.name }));
    });
    return h('details', { class: 'item-panel' }, h('summary', { 'data-testid': 'visitor-ban-open', text: t('admin.visitor.ban') }), form);
  }

  #unbanForm(visitor: Visitor): HTMLElement {
    const message = status();
    const form = h(
      'form',
      { class: 'stack', 'data-testid': 'visitor-unban-form', novalidate: true },
      field('admin.reason', input('reason', { maxlength: 500, required: true, autocomplete: 'off' })),
      h('button', { type: 'submit', text: t('admin.visitor.unban') }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { reason: value(form, 'reason') };
      if (showFieldErrors(form, errorsOf({ reason: check.length(body.reason, 3, 500) }))) return;
      await this.#send(form, message, `/api/visitors/${encodeURIComponent(visitor.id)}/unban`, body, t('admin.visitor.unbannedDone', { name: visitor.name }));
    });
    return h('details', { class: 'item-panel' }, h('summary', { 'data-testid': 'visitor-unban-open', text: t('admin.visitor.unban') }), form);
  }

  async #send(form: HTMLFormElement, message: HTMLElement, path: string, body: unknown, done: string, method = 'POST'): Promise<void> {
    const result = await call(path, method, body);
    if (!result.ok) {
      if (result.error.status === 400 && Object.keys(result.error.fields).length) showFieldErrors(form, serverFieldErrors(result.error, credentialReason()));
      else say(message, errorText(result.error, this.#ctx), 'error');
      return;
    }
    this.#notice = done;
    await this.load();
  }

  #registerForm(inmate: Inmate): HTMLElement {
    const message = status('visitor-register-status');
    const relationship = select('relationship', [['', t('admin.visitor.relationshipChoose')], ...RELATIONSHIPS.map((r): [string, string] => [r, labelFor('admin.rel', r)])]);
    const credential = credentialField();
    credential.hidden = true;
    relationship.addEventListener('change', () => (credential.hidden = relationship.value !== COUNSEL));
    const form = h(
      'form',
      { class: 'stack', 'data-testid': 'visitor-register', novalidate: true },
      h('div', { class: 'row' },
        field('admin.visitor.name', input('name', { maxlength: 120, required: true, autocomplete: 'off' })),
        field('admin.visitor.nik', input('nik', { inputmode: 'numeric', maxlength: 16, required: true, autocomplete: 'off' }), t('admin.visitor.nikHint'))),
      h('div', { class: 'row' },
        field('admin.visitor.relationship', relationship),
        field('admin.visitor.phone', input('phone', { type: 'tel', inputmode: 'tel', maxlength: 20, required: true, autocomplete: 'off' }), t('admin.visitor.phoneHint'))),
      credential,
      h('button', { type: 'submit', text: t('admin.visitor.register') }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      say(message, '');
      const body: Record<string, string> = {
        name: value(form, 'name'), nik: value(form, 'nik').replace(/\s/g, ''), relationship: relationship.value, phone: value(form, 'phone'),
      };
      if (body.relationship === COUNSEL) body.advocateCredential = value(form, 'advocateCredential');
      const problems = errorsOf({
        name: check.length(body.name!, 1, 120),
        nik: check.required(body.nik!),
        relationship: body.relationship ? undefined : t('admin.visitor.relationshipRequired'),
        phone: phoneProblem(body.phone!),
        advocateCredential: body.relationship === COUNSEL ? check.length(body.advocateCredential!, 3, 40) : undefined,
      });
      if (showFieldErrors(form, problems)) return;
      const result = await call<{ visitor: Visitor }>(`/api/inmates/${encodeURIComponent(inmate.id)}/visitors`, 'POST', body);
      if (result.ok) {
        this.#notice = t('admin.visitor.registered', { name: result.data.visitor.name });
        await this.load();
        return;
      }
      const { error } = result;
      if (error.code === 'visitor_exists') {
        showFieldErrors(form, { nik: t('admin.visitor.exists') });
        return;
      }
      if (error.status === 400 && Object.keys(error.fields).length) {
        const reasons: FieldErrors = {};
        const nik = nikReason(error);
        if (nik) reasons.nik = nik;
        if (error.fields.phone) reasons.phone = t('admin.visitor.phoneInvalid');
        showFieldErrors(form, serverFieldErrors(error, { ...credentialReason(), ...reasons }));
        return;
      }
      say(message, errorText(error, this.#ctx), 'error');
    });
    return h('div', { class: 'card' }, h('h3', { text: t('admin.visitor.register') }), form);
  }
}
