import { t } from '../i18n/index.ts';
import { labelFor, type ApiError } from '../public-services/api.ts';
import { h } from '../public-services/dom.ts';
import {
  call, check, errorsOf, errorText, field, input, say, select, serverFieldErrors, showFieldErrors, status, value, type FieldErrors, type Role, type TabContext,
} from './admin-kit.ts';
import type { TabView } from './tabs.ts';

export const ROLES: Role[] = ['officer', 'supervisor', 'admin'];
export const roleOptions = (): Array<[string, string]> => ROLES.map((r) => [r, labelFor('admin.role', r)]);

interface OfficerRow { id: string; username: string; displayName: string; role: Role; disabled: boolean; mustChangePassword?: boolean; createdAt: string }

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,63}$/;
const MIN_PASSWORD = 12;

/** A password to hand over on paper: 16 characters without look-alikes (0/O, 1/l). */
export function generatedPassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Akun petugas tab (admins): the facility's officer accounts; create, disable/enable, change role, reset password. */
export class AccountsView implements TabView {
  readonly el = h('section', { class: 'admin-tab', 'data-testid': 'accounts-view', 'aria-labelledby': 'accounts-title' });
  readonly #ctx: TabContext;
  #rows: OfficerRow[] = [];
  #error = '';
  #notice = '';

  constructor(ctx: TabContext) {
    this.#ctx = ctx;
  }

  show(): void {
    void this.load();
  }

  async load(): Promise<void> {
    const result = await call<{ officers: OfficerRow[] }>('/api/officers');
    if (result.ok) {
      this.#rows = result.data.officers;
      this.#error = '';
    } else this.#error = errorText(result.error, this.#ctx);
    this.render();
  }

  render(): void {
    this.el.replaceChildren(
      h('h2', { id: 'accounts-title', text: t('admin.accounts.title') }),
      h('p', { class: 'success', role: 'status', 'data-testid': 'accounts-notice', text: this.#notice }),
      h('p', { class: 'error', role: 'alert', text: this.#error, hidden: !this.#error }),
      h('ul', { class: 'item-list', 'data-testid': 'account-list' }, ...this.#rows.map((r) => this.#row(r))),
      this.#createForm(),
    );
    // A fresh drawing is told apart from the one before (tests wait for it after opening the tab).
    this.el.dataset.drawn = String(Date.now());
  }

  #passwordField(name: string, labelKey: 'admin.accounts.password' | 'admin.accounts.newPassword'): HTMLElement {
    const pw = input(name, { type: 'text', minlength: MIN_PASSWORD, maxlength: 256, required: true, autocomplete: 'off', spellcheck: 'false' });
    const generate = h('button', { type: 'button', class: 'secondary', text: t('admin.accounts.generate') });
    generate.addEventListener('click', () => {
      pw.value = generatedPassword();
      pw.focus();
    });
    return h('div', { class: 'row' }, field(labelKey, pw, t('admin.accounts.passwordHint', { min: MIN_PASSWORD })), generate);
  }

  #createForm(): HTMLElement {
    const message = status('account-create-status');
    const form = h(
      'form',
      { class: 'stack', 'data-testid': 'account-create', novalidate: true },
      h('div', { class: 'row' },
        field('admin.accounts.username', input('username', { maxlength: 64, required: true, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' }), t('admin.accounts.usernameHint')),
        field('admin.accounts.displayName', input('displayName', { maxlength: 120, required: true, autocomplete: 'off' }))),
      h('div', { class: 'row' }, field('admin.accounts.role', select('role', roleOptions(), 'officer'))),
      this.#passwordField('password', 'admin.accounts.password'),
      h('button', { type: 'submit', text: t('admin.accounts.create') }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { username: value(form, 'username').toLowerCase(), displayName: value(form, 'displayName'), role: value(form, 'role'), password: String(new FormData(form).get('password') ?? '') };
      const problems = errorsOf({
        username: !body.username ? t('admin.error.required') : USERNAME.test(body.username) ? undefined : t('admin.accounts.usernameInvalid'),
        displayName: check.length(body.displayName, 1, 120),
        password: body.password.length < MIN_PASSWORD ? t('password.tooShort', { min: MIN_PASSWORD }) : undefined,
      });
      if (showFieldErrors(form, problems)) return;
      const result = await call<{ officer: OfficerRow }>('/api/officers', 'POST', body);
      if (!result.ok) return this.#refused(form, message, result.error, { username_taken: ['username', t('admin.accounts.usernameTaken')] });
      this.#notice = t('admin.accounts.created', { username: body.username });
      await this.load();
    });
    return h('div', { class: 'card' }, h('h3', { text: t('admin.accounts.create') }), form);
  }

  #refused(form: HTMLFormElement, message: HTMLElement, error: ApiError, own: Record<string, [field: string, reason: string]> = {}): void {
    const mapped = own[error.code];
    if (mapped) {
      showFieldErrors(form, { [mapped[0]]: mapped[1] });
      return;
    }
    if (error.status === 400 && Object.keys(error.fields).length) {
      const reasons: FieldErrors = { reason: t('admin.error.tooShort', { min: 3 }) };
      showFieldErrors(form, serverFieldErrors(error, reasons));
      return;
    }
    const key = error.code === 'account_spans_other_facilities' ? 'admin.accounts.spansOther' : error.code === 'own_account' ? 'admin.accounts.ownAccount' : undefined;
    say(message, key ? t(key) : errorText(error, this.#ctx), 'error');
  }

  #row(officer: OfficerRow): HTMLElement {
    const own = officer.id === this.#ctx.me.officer.id;
    const item = h(
      'li',
      { class: 'item', 'data-testid': 'account-row', 'data-officer-id': officer.id, 'data-username': officer.username, 'data-disabled': String(officer.disabled), 'data-role': officer.role },
      h('div', { class: 'item-head' },
        h('strong', { text: officer.displayName }),
        h('span', { class: 'muted', text: officer.username }),
        h('span', { class: 'badge', text: labelFor('admin.role', officer.role) }),
        officer.disabled ? h('span', { class: 'badge banned', text: t('admin.accounts.disabled') }) : null,
        officer.mustChangePassword ? h('span', { class: 'badge', text: t('admin.accounts.mustChange') }) : null,
        own ? h('span', { class: 'muted', text: t('admin.accounts.you') }) : null),
    );
    if (!own) item.append(h('details', { class: 'item-panel' }, h('summary', { 'data-testid': 'account-change-open', text: t('admin.accounts.change') }), this.#changeForm(officer)));
    return item;
  }

  /** One form for the account's changes: the reason is shared, each button sends one change. */
  #changeForm(officer: OfficerRow): HTMLFormElement {
    const message = status();
    const role = select('role', roleOptions(), officer.role);
    const toggle = h('button', { type: 'submit', class: officer.disabled ? '' : 'danger', value: 'disabled', 'data-testid': 'account-toggle', text: t(officer.disabled ? 'admin.accounts.enable' : 'admin.accounts.disable') });
    const form = h(
      'form',
      { class: 'stack', 'data-testid': 'account-change', novalidate: true },
      field('admin.reason', input('reason', { maxlength: 500, required: true, autocomplete: 'off' }), t('admin.accounts.reasonHint')),
      h('div', { class: 'row' }, field('admin.accounts.role', role), h('button', { type: 'submit', value: 'role', 'data-testid': 'account-role-save', text: t('admin.accounts.saveRole') })),
      toggle,
      this.#passwordField('password', 'admin.accounts.newPassword'),
      h('button', { type: 'submit', class: 'secondary', value: 'password', 'data-testid': 'account-reset', text: t('admin.accounts.resetPassword') }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const action = ((event as SubmitEvent).submitter as HTMLButtonElement | null)?.value ?? 'role';
      const reason = value(form, 'reason');
      const password = String(new FormData(form).get('password') ?? '');
      const problems = errorsOf({
        reason: check.length(reason, 3, 500),
        password: action === 'password' && password.length < MIN_PASSWORD ? t('password.tooShort', { min: MIN_PASSWORD }) : undefined,
        role: action === 'role' && role.value === officer.role ? t('admin.accounts.sameRole') : undefined,
      });
      if (showFieldErrors(form, problems)) return;
      const body = action === 'disabled' ? { disabled: !officer.disabled, reason } : action === 'password' ? { password, reason } : { role: role.value, reason };
      const result = await call<{ officer: OfficerRow }>(`/api/officers/${encodeURIComponent(officer.id)}`, 'PATCH', body);
      if (!result.ok) return this.#refused(form, message, result.error);
      const done = action === 'disabled'
        ? t(officer.disabled ? 'admin.accounts.enabledDone' : 'admin.accounts.disabledDone', { username: officer.username })
        : action === 'password' ? t('admin.accounts.resetDone', { username: officer.username }) : t('admin.accounts.roleDone', { username: officer.username, role: labelFor('admin.role', role.value) });
      this.#notice = done;
      await this.load();
    });
    return form;
  }
}
