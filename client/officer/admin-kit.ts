import { t, type MessageKey } from '../i18n/index.ts';
import { api, genericErrorText, jsonInit, type ApiError, type ApiResult } from '../public-services/api.ts';
import { h } from '../public-services/dom.ts';
import { officerErrorText, officerHeaders } from '../public-services/officer-session.ts';
import type { DeskContext, OfficerRole } from './tabs.ts';
import './admin.css';

export type Role = OfficerRole;
/** The desk's context (tabs.ts): who is signed in, how to end the session, how to open another tab. */
export type TabContext = DeskContext;

export const canManage = (role: Role): boolean => role === 'supervisor' || role === 'admin';

/** A JSON request as the signed-in officer. */
export function call<T>(path: string, method = 'GET', body?: unknown): Promise<ApiResult<T>> {
  return body === undefined ? api<T>(path, { method, headers: officerHeaders() }) : api<T>(path, jsonInit(method, body, officerHeaders()));
}

/** The message for a refused request: session ended, role refused, or the common cases. */
export function errorText(error: ApiError, ctx: TabContext, own: Partial<Record<string, MessageKey>> = {}): string {
  const key = own[error.code];
  if (key) return t(key);
  return officerErrorText(error, () => ctx.signedOut()) ?? genericErrorText(error);
}

let fieldCounter = 0;

/** A labelled input (or select) whose label text also names it in its error messages. */
export function field(labelKey: MessageKey, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLLabelElement {
  control.id ||= `adm-f${++fieldCounter}`;
  control.dataset.label = labelKey;
  const label = h('label', { for: control.id }, h('span', { text: t(labelKey) }), control);
  if (hint) {
    const note = h('span', { class: 'hint', id: `${control.id}-hint`, text: hint });
    control.setAttribute('aria-describedby', note.id);
    label.append(note);
  }
  return label;
}

export function input(name: string, props: Record<string, string | boolean | number | undefined> = {}): HTMLInputElement {
  return h('input', { name, ...props });
}

export function select(name: string, options: Array<[value: string, text: string]>, chosen = ''): HTMLSelectElement {
  const el = h('select', { name });
  el.replaceChildren(...options.map(([value, text]) => new Option(text, value, false, value === chosen)));
  return el;
}

/** Field name → reason (already in the page's language). */
export type FieldErrors = Record<string, string>;

/**
 * Shows each error next to its input as "<field>: <reason>", marks the input invalid and
 * focuses the first one; clears the previous errors of the form. Returns whether any was shown.
 */
export function showFieldErrors(form: HTMLElement, errors: FieldErrors): boolean {
  for (const el of form.querySelectorAll<HTMLElement>('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const hint = el.getAttribute('aria-describedby')?.split(' ').filter((id) => !id.endsWith('-error')).join(' ');
    if (hint) el.setAttribute('aria-describedby', hint);
    else el.removeAttribute('aria-describedby');
  }
  for (const note of form.querySelectorAll('.field-error')) note.remove();
  let first: HTMLElement | undefined;
  for (const [name, reason] of Object.entries(errors)) {
    const control = form.querySelector<HTMLElement>(`[name="${CSS.escape(name)}"]`);
    const labelKey = control?.dataset.label as MessageKey | undefined;
    const text = t('admin.error.field', { field: labelKey ? t(labelKey) : name, reason });
    if (!control) {
      form.append(h('p', { class: 'field-error', role: 'alert', text }));
      continue;
    }
    const note = h('span', { class: 'field-error', id: `${control.id}-error`, text });
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), note.id].filter(Boolean).join(' '));
    (control.closest('label') ?? control).append(note);
    first ??= control;
  }
  first?.focus();
  return Object.keys(errors).length > 0;
}

/** The server's field errors (English reasons) keyed by the form's input names. */
export function serverFieldErrors(error: ApiError, reasons: Record<string, string> = {}): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, messages] of Object.entries(error.fields)) {
    const name = path.split('.')[0]!;
    out[name] = reasons[name] ?? t('admin.error.serverReason', { message: messages.join('; ') });
  }
  return out;
}

/** Client-side checks that mirror the server's, so the reason is in the page's language. */
export const check = {
  required: (value: string): string | undefined => (value.trim() ? undefined : t('admin.error.required')),
  length: (value: string, min: number, max: number): string | undefined => {
    const n = value.trim().length;
    if (n === 0 && min > 0) return t('admin.error.required');
    if (n < min) return t('admin.error.tooShort', { min });
    if (n > max) return t('admin.error.tooLong', { max });
    return undefined;
  },
};

/** Collects the defined errors of named checks. */
export function errorsOf(checks: Record<string, string | undefined>): FieldErrors {
  return Object.fromEntries(Object.entries(checks).filter((e): e is [string, string] => e[1] !== undefined));
}

export function status(testid?: string): HTMLParagraphElement {
  return h('p', { class: 'status', role: 'status', 'data-testid': testid });
}

export function say(el: HTMLElement, text: string, kind: 'ok' | 'error' | '' = ''): void {
  el.textContent = text;
  el.classList.toggle('error', kind === 'error');
  el.classList.toggle('success', kind === 'ok');
}

export function value(form: HTMLFormElement, name: string): string {
  return String(new FormData(form).get(name) ?? '').trim();
}
