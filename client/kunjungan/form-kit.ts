import { t, type MessageKey } from '../i18n/index.ts';
import { h } from '../public-services/dom.ts';

let nextId = 0;

/** Text that follows the language toggle (applyTranslations fills it in). */
export function tx(key: MessageKey, tag: 'span' | 'p' | 'h2' | 'h3' | 'strong' = 'span', props: Record<string, string> = {}): HTMLElement {
  return h(tag, { ...props, 'data-i18n': key, text: t(key) });
}

/** A labelled control with an optional hint; errors are shown under it by showErrors. */
export function field(labelKey: MessageKey, control: HTMLInputElement | HTMLSelectElement, hintKey?: MessageKey): HTMLLabelElement {
  const hintId = `hint-${++nextId}`;
  const hint = hintKey ? tx(hintKey, 'span', { class: 'hint', id: hintId }) : null;
  if (hint) control.setAttribute('aria-describedby', hintId);
  control.dataset.label = labelKey;
  return h('label', {}, tx(labelKey), control, hint);
}

export function input(name: string, props: Record<string, string | number | boolean> = {}): HTMLInputElement {
  return h('input', { name, ...props });
}

/** Reasons per input name, each shown under its input as "<field>: <reason>" and linked to it. */
export function showErrors(form: HTMLFormElement, errors: Record<string, string>): void {
  for (const el of form.querySelectorAll<HTMLElement>('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const hint = el.getAttribute('aria-describedby')?.split(' ').filter((id) => !id.startsWith('err-')).join(' ');
    if (hint) el.setAttribute('aria-describedby', hint);
    else el.removeAttribute('aria-describedby');
  }
  for (const note of form.querySelectorAll('.field-error')) note.remove();
  let first: HTMLElement | null = null;
  for (const [name, reason] of Object.entries(errors)) {
    const control = form.querySelector<HTMLElement>(`[name="${CSS.escape(name)}"]`);
    if (!control) continue;
    const id = `err-${name}`;
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
    const label = control.dataset.label ? t(control.dataset.label as MessageKey) : name;
    control.closest('label')?.append(h('span', { class: 'field-error', id, 'data-field': name, text: `${label}: ${reason}` }));
    first ??= control;
  }
  first?.focus();
}

/** A status line (role=status) with a text and a kind. */
export function say(el: HTMLElement, text: string, kind: 'info' | 'error' | 'success' = 'info'): void {
  el.className = kind === 'info' ? 'status' : `status ${kind}`;
  el.textContent = text;
}
