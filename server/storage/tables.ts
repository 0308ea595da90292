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

export interface Tables {
  facilities: FacilitiesTable;
  audit_log: AuditLogTable;
}
