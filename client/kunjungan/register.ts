import { currentLang, t, type MessageKey } from '../i18n/index.ts';
import { api, commonErrorText, labelFor, loadFacilities } from '../public-services/api.ts';
import { h } from '../public-services/dom.ts';
import { nikIssue } from '../../server/visits/nik.ts';
import { field, input, say, showErrors, tx } from './form-kit.ts';
import { rememberedFacility, rememberFacility } from './session.ts';

const MAX_KTP_BYTES = 5 * 1024 * 1024;
const KTP_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
// Counsel register at the desk with their credential, not here.
const RELATIONSHIPS = ['orang_tua', 'suami_istri', 'anak', 'saudara_kandung', 'lainnya'] as const;

export const phoneOk = (phone: string) => /^(\+?62|0)8\d{7,12}$/.test(phone.replace(/[\s-]/g, ''));
const nikReason = (code: string) => t(`admin.nik.${code}` as MessageKey);

/** Daftar: the registration form; done → "menunggu verifikasi". */
export function registerView(onSignIn: () => void): HTMLElement {
  const facility = h('select', { name: 'facilityId', required: true });
  const relationship = h('select', { name: 'relationship', required: true },
    h('option', { value: '', 'data-i18n': 'portal.relationship.choose', text: t('portal.relationship.choose') }),
    ...RELATIONSHIPS.map((r) => h('option', { value: r, 'data-i18n': `desk.relationship.${r}`, text: labelFor('desk.relationship', r) })));
  const ktp = input('ktp', { type: 'file', accept: KTP_TYPES.join(','), required: true });
  const preview = h('img', { class: 'ktp-preview', alt: '', hidden: true, 'data-testid': 'ktp-preview' });
  const status = h('p', { class: 'status', role: 'status' });
  const form = h('form', { class: 'card stack', novalidate: true, 'data-testid': 'register-form' },
    tx('portal.register.title', 'h2'),
    tx('portal.register.intro', 'p'),
    field('services.facility', facility),
    field('portal.field.registrationNumber', input('registrationNumber', { required: true, maxlength: 40, autocomplete: 'off' }), 'portal.field.registrationNumberHint'),
    field('portal.field.name', input('name', { required: true, maxlength: 120, autocomplete: 'name' }), 'portal.field.nameHint'),
    field('portal.field.nik', input('nik', { required: true, inputmode: 'numeric', maxlength: 16, autocomplete: 'off' }), 'admin.visitor.nikHint'),
    field('portal.field.relationship', relationship),
    field('portal.field.phone', input('phone', { required: true, type: 'tel', inputmode: 'tel', maxlength: 20, autocomplete: 'tel' }), 'portal.field.phoneHint'),
    field('portal.field.email', input('email', { type: 'email', maxlength: 200, autocomplete: 'email' }), 'portal.field.emailHint'),
    field('portal.field.ktp', ktp, 'portal.field.ktpHint'),
    preview,
    h('button', { type: 'submit', 'data-i18n': 'portal.register.submit', text: t('portal.register.submit') }),
    status);
  const done = h('section', { class: 'card', hidden: true, 'data-testid': 'register-done' },
    tx('portal.register.doneTitle', 'h2'),
    h('p', {}, h('span', { class: 'badge pending', 'data-i18n': 'portal.registration.status.pending', text: t('portal.registration.status.pending') })),
    tx('portal.register.done', 'p'),
    h('button', { type: 'button', class: 'secondary', 'data-i18n': 'portal.register.toSignIn', text: t('portal.register.toSignIn') }));
  done.querySelector('button')!.addEventListener('click', onSignIn);
  facility.value = rememberedFacility();
  void loadFacilities(facility).then(() => { if (!facility.value) facility.value = rememberedFacility(); });

  let previewUrl = '';
  const ktpProblem = (): string | undefined => {
    const file = ktp.files?.[0];
    if (!file) return t('portal.error.required');
    if (!KTP_TYPES.includes(file.type)) return t('portal.error.ktpType');
    if (file.size > MAX_KTP_BYTES) return t('portal.error.ktpSize', { size: (file.size / 1024 / 1024).toFixed(1) });
    return undefined;
  };
  ktp.addEventListener('change', () => {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    const file = ktp.files?.[0];
    const problem = file ? ktpProblem() : undefined;
    showErrors(form, problem ? { ktp: problem } : {});
    preview.hidden = !file || Boolean(problem);
    if (file && !problem) {
      previewUrl = URL.createObjectURL(file);
      preview.src = previewUrl;
      preview.alt = t('portal.field.ktpPreview');
    }
  });

  function check(data: FormData): Record<string, string> {
    const errors: Record<string, string> = {};
    const text = (name: string) => String(data.get(name) ?? '').trim();
    for (const name of ['facilityId', 'registrationNumber', 'name', 'relationship', 'phone']) if (!text(name)) errors[name] = t('portal.error.required');
    const nik = text('nik').replace(/\s/g, '');
    const issue = nik ? nikIssue(nik) : null;
    if (!nik) errors.nik = t('portal.error.required');
    else if (issue) errors.nik = nikReason(issue.code);
    if (text('phone') && !phoneOk(text('phone'))) errors.phone = t('portal.error.phone');
    if (text('email') && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text('email'))) errors.email = t('portal.error.email');
    const ktpError = ktpProblem();
    if (ktpError) errors.ktp = ktpError;
    return errors;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const errors = check(data);
    showErrors(form, errors);
    if (Object.keys(errors).length) return say(status, t('portal.error.checkFields'), 'error');
    data.set('nik', String(data.get('nik')).replace(/\s/g, ''));
    data.set('phone', String(data.get('phone')).replace(/[\s-]/g, ''));
    if (!String(data.get('email')).trim()) data.delete('email');
    data.set('language', currentLang());
    say(status, t('portal.register.sending'));
    const button = form.querySelector('button[type="submit"]') as HTMLButtonElement;
    button.disabled = true;
    const res = await api<{ status: string }>('/api/family/registrations', { method: 'POST', body: data });
    button.disabled = false;
    if (res.ok) {
      rememberFacility(String(data.get('facilityId')));
      say(status, '');
      form.hidden = true;
      done.hidden = false;
      done.querySelector('h2')!.focus();
      return;
    }
    const fields: Record<string, string> = {};
    const problem = ((res.error.body.error ?? {}) as { details?: { nikProblem?: string } }).details?.nikProblem;
    for (const name of Object.keys(res.error.fields)) {
      const key = name.split('.')[0]!;
      fields[key] = key === 'nik' && problem ? nikReason(problem) : key === 'ktp' ? t('portal.error.ktpRefused') : t('portal.error.invalid');
    }
    if (res.error.code === 'ktp_invalid' || res.error.code === 'unsupported_image' || res.error.code === 'payload_too_large') fields.ktp = t('portal.error.ktpRefused');
    showErrors(form, fields);
    say(status, commonErrorText(res.error) ?? t('services.error.generic', { code: res.error.code }), 'error');
  });
  done.querySelector('h2')!.tabIndex = -1;
  return h('div', {}, form, done);
}
