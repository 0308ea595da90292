import { t } from '../i18n/index.ts';
import { api, genericErrorText, jsonInit } from './api.ts';
import { h } from './dom.ts';

const MIN_LENGTH = 12;

/**
 * The form that changes the signed-in officer's own password (POST /api/auth/password, current
 * password required). The server answers with a fresh token (other sessions are ended), handed
 * to `done`. Used by the forced change at first sign-in and by the Kata sandi tab.
 */
export function passwordChangeForm(headers: () => Record<string, string>, done: (token: string) => void, onSignedOut: () => void): HTMLFormElement {
  const message = h('p', { class: 'status', role: 'status', 'data-testid': 'password-status' });
  const input = (name: string, labelKey: 'password.current' | 'password.new' | 'password.repeat', autocomplete: string) => {
    const el = h('input', { name, id: `pw-${name}`, type: 'password', autocomplete, required: true, maxlength: 256 });
    return { el, label: h('label', { for: el.id }, h('span', { text: t(labelKey) }), el), labelKey };
  };
  const current = input('currentPassword', 'password.current', 'current-password');
  const fresh = input('newPassword', 'password.new', 'new-password');
  const repeat = input('repeatPassword', 'password.repeat', 'new-password');
  const hint = h('span', { class: 'hint', id: 'pw-newPassword-hint', text: t('password.rule', { min: MIN_LENGTH }) });
  fresh.el.setAttribute('aria-describedby', hint.id);
  fresh.label.append(hint);
  const submit = h('button', { type: 'submit', text: t('password.submit') });
  const form = h('form', { class: 'card stack password-form', 'data-testid': 'password-form', novalidate: true }, current.label, fresh.label, repeat.label, submit, message);

  const showErrors = (errors: Array<[typeof current, string]>) => {
    for (const note of form.querySelectorAll('.field-error')) note.remove();
    for (const { el } of [current, fresh, repeat]) {
      el.removeAttribute('aria-invalid');
      el.setAttribute('aria-describedby', el === fresh.el ? hint.id : '');
      if (el !== fresh.el) el.removeAttribute('aria-describedby');
    }
    for (const [which, reason] of errors) {
      const note = h('span', { class: 'field-error', id: `${which.el.id}-error`, text: t('admin.error.field', { field: t(which.labelKey), reason }) });
      which.el.setAttribute('aria-invalid', 'true');
      which.el.setAttribute('aria-describedby', [which === fresh ? hint.id : '', note.id].filter(Boolean).join(' '));
      which.label.append(note);
    }
    errors[0]?.[0].el.focus();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    message.classList.remove('error', 'success');
    const errors: Array<[typeof current, string]> = [];
    if (!current.el.value) errors.push([current, t('admin.error.required')]);
    if (fresh.el.value.length < MIN_LENGTH) errors.push([fresh, t('password.tooShort', { min: MIN_LENGTH })]);
    else if (fresh.el.value === current.el.value) errors.push([fresh, t('password.sameAsCurrent')]);
    if (fresh.el.value.length >= MIN_LENGTH && repeat.el.value !== fresh.el.value) errors.push([repeat, t('password.mismatch')]);
    showErrors(errors);
    if (errors.length) return;
    submit.disabled = true;
    const result = await api<{ token: string; expiresAt: string }>('/api/auth/password', jsonInit('POST', { currentPassword: current.el.value, newPassword: fresh.el.value }, headers()));
    submit.disabled = false;
    if (result.ok) {
      form.reset();
      message.textContent = t('password.changed');
      message.classList.add('success');
      done(result.data.token);
      return;
    }
    const { error } = result;
    if (['wrong_password', 'bad_credentials', 'wrong_current_password'].includes(error.code) || error.fields.currentPassword) showErrors([[current, t('password.wrongCurrent')]]);
    else if (error.status === 401) onSignedOut();
    else if (error.fields.newPassword) showErrors([[fresh, t('admin.error.serverReason', { message: error.fields.newPassword.join('; ') })]]);
    else {
      message.textContent = genericErrorText(error);
      message.classList.add('error');
    }
  });
  return form;
}
