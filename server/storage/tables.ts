/**
 * Row types of every durable table, as stored (snake_case, ISO-8601 text timestamps,
 * 0/1 integer flags). Each capability adds its tables here and a migration beside it.
 */
export interface FacilitiesTable {
  id: string;
  code: string;
  name: string;
  /** 'lapas' | 'rutan' | 'lpka' | 'lpp' */
  kind: string;
  /** IANA zone, e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura. */
  timezone: string;
  created_at: string;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  actor_kind: string;
  actor_id: string;
  facility_id: string | null;
  action: string;
  subject_kind: string | null;
  subject_id: string | null;
  reason: string | null;
  /** JSON text */
  details: string;
  prev_hash: string;
  hash: string;
}

export type OfficerRole = 'officer' | 'supervisor' | 'admin';

export interface OfficersTable {
  id: string;
  username: string;
  display_name: string;
  /** argon2id encoded hash */
  password_hash: string;
  role: OfficerRole;
  disabled: number;
  created_at: string;
}

/** Facilities an officer may act in (supervisors may have several). */
export interface OfficerFacilitiesTable {
  officer_id: string;
  facility_id: string;
}

export interface BoothsTable {
  id: string;
  facility_id: string;
  name: string;
  created_at: string;
}

/** One enrolled booth PC/tablet; its device token names this row and dies with revoked_at. */
export interface BoothDevicesTable {
  id: string;
  booth_id: string;
  label: string;
  created_by: string;
  created_at: string;
  revoked_at: string | null;
}

export interface InmatesTable {
  id: string;
  facility_id: string;
  registration_number: string;
  name: string;
  block: string;
  created_at: string;
}

/** A registered family member of one inmate. */
export interface VisitorsTable {
  id: string;
  inmate_id: string;
  name: string;
  /** 16-digit national ID number */
  nik: string;
  relationship: string;
  created_at: string;
}

export type VisitStatus = 'scheduled' | 'live' | 'ended' | 'missed' | 'cancelled';

export interface VisitsTable {
  id: string;
  facility_id: string;
  inmate_id: string;
  booth_id: string;
  scheduled_start: string;
  duration_seconds: number;
  status: VisitStatus;
  /** 1: legal counsel, neither recorded nor monitored */
  privileged: number;
  started_at: string | null;
  ended_at: string | null;
  end_reason: string | null;
  created_by: string;
  created_at: string;
}

export interface VisitVisitorsTable {
  visit_id: string;
  visitor_id: string;
}

export interface Tables {
  facilities: FacilitiesTable;
  audit_log: AuditLogTable;
  officers: OfficersTable;
  officer_facilities: OfficerFacilitiesTable;
  booths: BoothsTable;
  booth_devices: BoothDevicesTable;
  inmates: InmatesTable;
  visitors: VisitorsTable;
  visits: VisitsTable;
  visit_visitors: VisitVisitorsTable;
}
