import { t, type MessageKey } from '../i18n/index.ts';
import { api, commonErrorText, jsonInit, loadFacilities } from '../public-services/api.ts';
import { h } from '../public-services/dom.ts';
import { nikIssue } from '../../server/visits/nik.ts';
import { field, input, say, showErrors, tx } from './form-kit.ts';
import { rememberedFacility, rememberFacility, saveSession, type FamilySession } from './session.ts';

const RESEND_AFTER_SECONDS = 60;

/** Masuk: NIK → a code is sent → the 6-digit code gives the family session. */
export function signInView(onSignedIn: (s: FamilySession) => void): HTMLElement {
  const facility = h('select', { name: 'facilityId', required: true });
  const nik = input('nik', { required: true, inputmode: 'numeric', maxlength: 16, autocomplete: 'off' });
  const nikStatus = h('p', { class: 'status', role: 'status' });
  const nikForm = h('form', { class: 'card stack', novalidate: true, 'data-testid': 'nik-form' },
    tx('portal.signIn.title', 'h2'),
    tx('portal.signIn.intro', 'p'),
    field('services.facility', facility),
    field('portal.field.nik', nik, 'admin.visitor.nikHint'),
    h('button', { type: 'submit', 'data-i18n': 'portal.signIn.sendCode', text: t('portal.signIn.sendCode') }),
    nikStatus);
  const code = input('code', { required: true, inputmode: 'numeric', maxlength: 6, autocomplete: 'one-time-code', class: 'code-input' });
  const resend = h('button', { type: 'button', class: 'secondary', 'data-testid': 'resend-code', text: t('portal.signIn.resend') });
  const codeStatus = h('p', { class: 'status', role: 'status', 'data-testid': 'code-status' });
  const codeForm = h('form', { class: 'card stack', novalidate: true, hidden: true, 'data-testid': 'code-form' },
    tx('portal.signIn.codeTitle', 'h2'),
    tx('portal.signIn.codeSent', 'p'),
    field('portal.signIn.code', code, 'portal.signIn.codeHint'),
    h('button', { type: 'submit', 'data-i18n': 'portal.signIn.submit', text: t('portal.signIn.submit') }),
    codeStatus,
    h('div', { class: 'row' }, resend, h('button', { type: 'button', class: 'secondary', 'data-i18n': 'portal.signIn.changeNik', text: t('portal.signIn.changeNik'), 'data-testid': 'change-nik' })));
  facility.value = rememberedFacility();
  void loadFacilities(facility).then(() => { if (!facility.value) facility.value = rememberedFacility(); });

  let sent: { facilityId: string; nik: string } | null = null;
  let resendAt = 0;
  let timer = 0;
  const tick = () => {
    const left = Math.ceil((resendAt - Date.now()) / 1000);
    resend.disabled = left > 0;
    resend.textContent = left > 0 ? t('portal.signIn.resendIn', { seconds: left }) : t('portal.signIn.resend');
    if (left <= 0) window.clearInterval(timer);
  };
  const startCooldown = (seconds: number) => {
    resendAt = Date.now() + seconds * 1000;
    window.clearInterval(timer);
    timer = window.setInterval(tick, 1000);
    tick();
  };

  async function sendCode(target: HTMLElement): Promise<boolean> {
    if (!sent) return false;
    say(target, t('portal.signIn.sending'));
    const res = await api<{ sent: boolean }>('/api/family/sign-in/code', jsonInit('POST', sent));
    if (!res.ok) {
      say(target, commonErrorText(res.error) ?? t('services.error.generic', { code: res.error.code }), 'error');
      if (res.error.status === 429) startCooldown(res.error.retryAfter || RESEND_AFTER_SECONDS);
      return false;
    }
    startCooldown(RESEND_AFTER_SECONDS);
    return true;
  }

  nikForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = nik.value.replace(/\s/g, '');
    const issue = value ? nikIssue(value) : null;
    const errors: Record<string, string> = {};
    if (!facility.value) errors.facilityId = t('portal.error.required');
    if (!value) errors.nik = t('portal.error.required');
    else if (issue) errors.nik = t(`admin.nik.${issue.code}` as MessageKey);
    showErrors(nikForm, errors);
    if (Object.keys(errors).length) return say(nikStatus, t('portal.error.checkFields'), 'error');
    sent = { facilityId: facility.value, nik: value };
    rememberFacility(facility.value);
    if (!(await sendCode(nikStatus))) return;
    say(nikStatus, '');
    nikForm.hidden = true;
    codeForm.hidden = false;
    say(codeStatus, '');
    code.value = '';
    code.focus();
  });

  resend.addEventListener('click', async () => {
    if (await sendCode(codeStatus)) say(codeStatus, t('portal.signIn.resent'), 'success');
  });
  codeForm.querySelector('[data-testid="change-nik"]')!.addEventListener('click', () => {
    codeForm.hidden = true;
    nikForm.hidden = false;
    nik.focus();
  });

  codeForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = code.value.replace(/\s/g, '');
    if (!/^\d{6}$/.test(value)) {
      showErrors(codeForm, { code: t('portal.signIn.codeFormat') });
      return say(codeStatus, t('portal.error.checkFields'), 'error');
    }
    showErrors(codeForm, {});
    if (!sent) return;
    say(codeStatus, t('services.loading'));
    const res = await api<{ token: string; expiresAt: string; account: { name: string; language: string } }>('/api/family/sign-in', jsonInit('POST', { ...sent, code: value }));
    if (res.ok) {
      window.clearInterval(timer);
      const session = { token: res.data.token, expiresAt: res.data.expiresAt, name: res.data.account.name };
      saveSession(session);
      onSignedIn(session);
      return;
    }
    if (res.error.code === 'too_many_attempts' || res.error.status === 429) {
      const minutes = Math.max(1, Math.ceil((res.error.retryAfter || 900) / 60));
      startCooldown(res.error.retryAfter || 900);
      return say(codeStatus, t('portal.signIn.tooMany', { minutes }), 'error');
    }
    if (res.error.status === 401 || res.error.code === 'bad_code') {
      showErrors(codeForm, { code: t('portal.signIn.badCode') });
      return say(codeStatus, t('portal.signIn.badCode'), 'error');
    }
    say(codeStatus, commonErrorText(res.error) ?? t('services.error.generic', { code: res.error.code }), 'error');
  });
  return h('div', {}, nikForm, codeForm);
}
