import { t, type MessageKey } from '../i18n/index.ts';
import { id as catalog } from '../i18n/id.ts';
import { api, commonErrorText, jsonInit, type ApiError, type ApiResult } from '../public-services/api.ts';
import { officerHeaders } from '../public-services/officer-session.ts';

/** The API shapes the desk reads (server/visits). */
export type VisitStatus = 'scheduled' | 'live' | 'ended' | 'missed' | 'cancelled';

export interface Visit {
  id: string;
  status: VisitStatus;
  scheduledStart: string;
  durationSeconds: number;
  endsAt: string;
  privileged: boolean;
  privilegedApproval: null | { state: string };
  /** A family booking in a facility that confirms them: pending until an officer confirms. */
  confirmation?: 'pending' | 'confirmed' | null;
  endReason: string | null;
  inmate: { id: string; name: string; registrationNumber: string; block: string };
  booth: { id: string; name: string };
  visitors: Array<{ id: string; name: string; relationship: string }>;
}

export interface Inmate { id: string; name: string; registrationNumber: string; block: string; status?: string }

export interface Visitor {
  id: string;
  name: string;
  relationship: string;
  nikLast4?: string;
  phone?: string | null;
  ban?: null | { reason: string; until: string };
}

export interface VisitLinks { visitId: string; validFrom: string; validUntil: string; links: Array<{ visitorId: string; name: string; familyUrl: string }> }

export interface TimeWindow { from: string; to: string }
export interface FacilityRules {
  visitingHours: Record<string, TimeWindow[]>;
  slotMinutes: number;
  maxVisitorsPerVisit: number;
  quota: null | { count: number; period: 'week' | 'month' };
  /** Self-service booking by families (the server adds it; absent from an older server). */
  familyBooking?: { enabled: boolean; confirmation: 'auto' | 'officer'; changeDeadlineHours: number };
}

export type SlotReason = 'booth_busy' | 'inmate_busy' | 'visitor_busy' | 'quota_exceeded' | 'past';
export interface Slot { start: string; end: string; free: boolean; reason?: SlotReason }
export interface SlotGrid {
  date: string;
  timezone: string;
  slotMinutes: number;
  quota: null | { count: number; period: 'week' | 'month'; used: number };
  booths: Array<{ id: string; name: string; slots: Slot[] }>;
}

export interface CheckResult { ok: boolean; problems: Array<{ code: string; field: string; message: string }> }

/** An officer API call; a 401 ends the session (the desk goes back to the sign-in form). */
export async function deskApi<T>(path: string, signedOut: () => void, init: { method?: string; body?: unknown } = {}): Promise<ApiResult<T>> {
  const result = init.method && init.method !== 'GET'
    ? await api<T>(path, jsonInit(init.method, init.body ?? {}, officerHeaders()))
    : await api<T>(path, { headers: officerHeaders() });
  if (!result.ok && result.error.status === 401) signedOut();
  return result;
}

function known(key: string): key is MessageKey {
  return key in catalog;
}

/** A server error code in the page's language (desk.error.<code>), else the common texts. */
export function errorText(error: ApiError): string {
  const key = `desk.error.${error.code}`;
  if (known(key)) return t(key);
  if (error.status === 403) return t('officer.forbidden');
  return commonErrorText(error) ?? t('services.error.generic', { code: error.code });
}

/** "Field: reason" lines for the server's field errors (field path → its label, e.g. visitorIds.1 → Pengunjung 2). */
export function fieldErrorLines(fields: Record<string, string[]>, labelOf: (field: string) => string): string[] {
  return Object.entries(fields).map(([field, messages]) => t('desk.fieldError', { field: labelOf(field), reason: messages.join('; ') }));
}

/** A label key built from data (desk.status.live), or the raw value. */
export function label(prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return known(key) ? t(key) : value;
}
