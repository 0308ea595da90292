import { t, type MessageKey } from '../i18n/index.ts';
import { id as catalog } from '../i18n/id.ts';

export interface ApiError {
  status: number;
  code: string;
  fields: Record<string, string[]>;
  retryAfter: number;
  body: Record<string, unknown>;
}

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; error: ApiError };

/** fetch + JSON with the server's error shape; a network failure is status 0. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    return { ok: false, error: { status: 0, code: 'network', fields: {}, retryAfter: 0, body: {} } };
  }
  const body = (res.headers.get('content-type')?.includes('json') ? await res.json().catch(() => ({})) : {}) as Record<string, unknown>;
  if (res.ok) return { ok: true, status: res.status, data: body as T };
  const error = (body.error ?? {}) as { code?: string; fields?: Record<string, string[]> };
  return {
    ok: false,
    error: { status: res.status, code: error.code ?? `http_${res.status}`, fields: error.fields ?? {}, retryAfter: Number(res.headers.get('retry-after') ?? 0), body },
  };
}

export function jsonInit(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** A message for the errors every page handles the same way; undefined for the page's own cases. */
export function commonErrorText(error: ApiError): string | undefined {
  if (error.status === 0) return t('services.error.network');
  if (error.status === 429) return t('services.error.rateLimited', { seconds: error.retryAfter || 60 });
  if (error.status === 400) return t('services.error.validation');
  return undefined;
}

export function genericErrorText(error: ApiError): string {
  return commonErrorText(error) ?? t('services.error.generic', { code: error.code });
}

/** Text for a key built from data (a category or status), or the raw value when the catalog lacks it. */
export function labelFor(prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return key in catalog ? t(key as MessageKey) : value;
}

/** Marks inputs named in the server's field errors (first path segment = input name). */
export function markFields(form: HTMLFormElement, fields: Record<string, string[]>): void {
  for (const el of form.querySelectorAll<HTMLElement>('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const note of form.querySelectorAll('.field-error')) note.remove();
  for (const key of Object.keys(fields)) {
    const input = form.querySelector<HTMLElement>(`[name="${CSS.escape(key)}"]`) ?? form.querySelector<HTMLElement>(`[name="${CSS.escape(key.split('.')[0]!)}"]`);
    if (!input) continue;
    input.setAttribute('aria-invalid', 'true');
    const note = document.createElement('span');
    note.className = 'field-error';
    note.textContent = t('services.error.field');
    input.insertAdjacentElement('afterend', note);
  }
}

export interface Facility { id: string; code: string; name: string }

export async function loadFacilities(select: HTMLSelectElement): Promise<void> {
  const result = await api<{ facilities: Facility[] }>('/api/public/facilities');
  const chosen = select.value || new URLSearchParams(location.search).get('facility') || '';
  select.replaceChildren(new Option(t('services.facility.choose'), ''));
  if (!result.ok) return;
  for (const f of result.data.facilities) select.append(new Option(f.name, f.id, false, f.id === chosen));
}
