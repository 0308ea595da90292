import { applyTranslations, languageToggle, t } from '../i18n/index.ts';
import { api, jsonInit, type ApiError, type Facility } from './api.ts';
import { h } from './dom.ts';
import { passwordChangeForm } from './password-form.ts';

const TOKEN_KEY = 'kv.officer.token';
const SESSION_KEY = 'kv.officer.session';

/** Who is signed in, where, and which other facilities they may switch to. */
interface OfficerSession {
  displayName: string;
  facility: Facility;
  facilities: Facility[];
  /** Signed in with a password set by someone else: only the password change is possible until done. */
  mustChangePassword?: boolean;
}

function session(): OfficerSession | undefined {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') ?? undefined;
  } catch {
    return undefined;
  }
}

function saveSession(token: string, value: OfficerSession): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
}

/** The token after the officer changed their own password (the server ended the old session). */
export function replaceOfficerToken(token: string): void {
  const current = session();
  sessionStorage.setItem(TOKEN_KEY, token);
  if (current) sessionStorage.setItem(SESSION_KEY, JSON.stringify({ ...current, mustChangePassword: false }));
}

export function officerHeaders(): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(SESSION_KEY);
}

/** The sign-out button: the server ends the session (its token stops working everywhere), then the page forgets it. */
async function logOut(): Promise<void> {
  if (sessionStorage.getItem(TOKEN_KEY)) await api('/api/auth/logout', jsonInit('POST', {}, officerHeaders()));
  signOut();
}

/** Officer-page errors: 401 ends the session and shows the login again. */
export function officerErrorText(error: ApiError, onSignedOut: () => void): string | undefined {
  if (error.status === 401) {
    signOut();
    onSignedOut();
    return t('officer.session.expired');
  }
  if (error.code === 'password_change_required') {
    // The password was reset meanwhile: signing in again leads to the forced change.
    signOut();
    onSignedOut();
    return t('password.forced.lead');
  }
  if (error.status === 403) return t('officer.forbidden');
  return undefined;
}

interface LoginResponse { token: string; officer: { displayName: string }; facility: Facility; facilities: Facility[]; mustChangePassword?: boolean }

/**
 * For an officer assigned to several facilities: a picker that moves the session to another
 * one (a new token scoped to it) and reloads the page, so every view starts over there.
 */
function facilitySwitcher(current: OfficerSession, onSignedOut: () => void, message: HTMLElement): HTMLElement | undefined {
  if (current.facilities.length < 2) return undefined;
  const select = h('select', { name: 'facility', 'data-testid': 'facility-switch', 'aria-label': t('officer.facility.switch') });
  select.replaceChildren(...current.facilities.map((f) => new Option(f.name, f.id, false, f.id === current.facility.id)));
  select.addEventListener('change', async () => {
    const result = await api<{ token: string; facility: Facility; facilities: Facility[] }>('/api/auth/switch-facility', jsonInit('POST', { facilityId: select.value }, officerHeaders()));
    if (!result.ok) {
      select.value = current.facility.id;
      message.textContent = officerErrorText(result.error, onSignedOut) ?? t('services.error.generic', { code: result.error.code });
      return;
    }
    saveSession(result.data.token, { displayName: current.displayName, facility: result.data.facility, facilities: result.data.facilities });
    location.reload();
  });
  return select;
}

/**
 * Shows the sign-in form in `root` until an officer is signed in (token in sessionStorage,
 * sent as Authorization: Bearer), then calls `ready` with a bar naming who is signed in. Its
 * sign-out button ends the session on the server too, then calls `onLoggedOut`.
 */
export function withOfficer(root: HTMLElement, ready: (bar: HTMLElement) => void, onLoggedOut?: () => void): void {
  const render = () => {
    const current = session();
    if (sessionStorage.getItem(TOKEN_KEY) && current) {
      const logout = h('button', { type: 'button', class: 'secondary', 'data-i18n': 'officer.logout' });
      const signedOut = () => {
        signOut();
        render();
      };
      logout.addEventListener('click', () => {
        logout.setAttribute('disabled', '');
        void logOut().then(() => {
          onLoggedOut?.();
          render();
        });
      });
      const status = h('span', { class: 'status', role: 'status' });
      const who = h('span', { 'data-testid': 'signed-in-as', text: t('officer.signedInAs', { name: current.displayName, facility: current.facility.name }) });
      if (current.mustChangePassword) {
        // First sign-in (or after an admin reset): nothing but the change form until it is done.
        document.body.dataset.state = 'password-change';
        const form = passwordChangeForm(officerHeaders, (token) => {
          replaceOfficerToken(token);
          render();
        }, signedOut);
        root.replaceChildren(
          h('div', { class: 'officer-bar' }, who, status, logout),
          h('section', { class: 'forced-password', 'data-testid': 'forced-password' },
            h('h2', { 'data-i18n': 'password.forced.title' }), h('p', { 'data-i18n': 'password.forced.lead' }), form),
        );
        applyTranslations();
        return;
      }
      const bar = h('div', { class: 'officer-bar' }, who, ...[facilitySwitcher(current, signedOut, status)].filter((x) => x !== undefined), status, logout);
      root.replaceChildren();
      ready(bar);
      applyTranslations();
      return;
    }
    const message = h('p', { class: 'status', role: 'status', id: 'login-status' });
    const facilitySelect = h('select', { name: 'facilityId', hidden: true });
    const form = h(
      'form',
      { class: 'card stack', id: 'login-form' },
      h('h2', { 'data-i18n': 'officer.login.title' }),
      h('label', {}, h('span', { 'data-i18n': 'officer.username' }), h('input', { name: 'username', autocomplete: 'username', required: true })),
      h('label', {}, h('span', { 'data-i18n': 'officer.password' }), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      facilitySelect,
      h('button', { type: 'submit', 'data-i18n': 'officer.login' }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const body: Record<string, string> = { username: String(data.get('username')), password: String(data.get('password')) };
      if (!facilitySelect.hidden && facilitySelect.value) body.facilityId = facilitySelect.value;
      const result = await api<LoginResponse>('/api/auth/login', jsonInit('POST', body));
      if (result.ok) {
        saveSession(result.data.token, {
          displayName: result.data.officer.displayName, facility: result.data.facility, facilities: result.data.facilities, mustChangePassword: result.data.mustChangePassword === true,
        });
        render();
        return;
      }
      const { error } = result;
      if (error.code === 'choose_facility') {
        const known = await api<{ facilities: Facility[] }>('/api/public/facilities');
        const name = (id: string) => (known.ok ? known.data.facilities.find((f) => f.id === id)?.name : undefined) ?? id;
        facilitySelect.replaceChildren(...(error.fields.facilityId ?? []).map((id) => new Option(name(id), id)));
        facilitySelect.hidden = false;
        message.textContent = t('officer.login.chooseFacility');
      } else if (error.code === 'no_facility') message.textContent = t('officer.login.noFacility');
      else if (error.status === 401) message.textContent = t('officer.login.failed');
      else message.textContent = error.status === 429 ? t('services.error.rateLimited', { seconds: error.retryAfter || 60 }) : t('services.error.generic', { code: error.code });
    });
    root.replaceChildren(form);
    applyTranslations();
  };
  render();
}

/**
 * Boots an officer page: language toggle in #lang, translations, then login or `page`, which
 * gets `restart` to call when the session ends (back to the login form).
 */
export function mountOfficerPage(root: HTMLElement, page: (bar: HTMLElement, restart: () => void) => void): void {
  const start = (): void => withOfficer(root, (bar) => page(bar, start));
  document.querySelector('#lang')?.append(languageToggle(() => {
    applyTranslations();
    start();
  }));
  applyTranslations();
  start();
}
