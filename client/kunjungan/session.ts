import { api, type ApiResult } from '../public-services/api.ts';

/** The family session (12 h JWT) lives only in this tab: a shared phone forgets it when the tab closes. */
export interface FamilySession { token: string; expiresAt: string; name: string }

const KEY = 'kv.family.session';
const FACILITY_KEY = 'kv.family.facility';
let onExpired: () => void = () => {};

export function currentSession(): FamilySession | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as FamilySession | null;
    return s && Date.parse(s.expiresAt) > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: FamilySession): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function endSession(): void {
  sessionStorage.removeItem(KEY);
}

/** What to do when the server no longer accepts the session (401): back to Masuk. */
export function whenSessionExpires(handler: () => void): void {
  onExpired = handler;
}

/** The facility last used, so Masuk is preselected after Daftar (not secret: stays on the device). */
export function rememberedFacility(): string {
  return localStorage.getItem(FACILITY_KEY) ?? '';
}

export function rememberFacility(id: string): void {
  if (id) localStorage.setItem(FACILITY_KEY, id);
}

/**
 * A call with the family session; a 401 ends that session. Without a session (the person signed
 * out while a page was still loading) nothing is sent and nothing expires: the page they went to stays.
 */
export async function familyApi<T>(path: string, init: RequestInit = {}): Promise<ApiResult<T>> {
  const session = currentSession();
  if (!session) return { ok: false, error: { status: 401, code: 'unauthorized', fields: {}, retryAfter: 0, body: {} } };
  const headers = { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${session.token}` };
  const result = await api<T>(path, { ...init, headers });
  if (!result.ok && result.error.status === 401 && currentSession()?.token === session.token) {
    endSession();
    onExpired();
  }
  return result;
}
