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
  disabled: number;
  created_at: string;
  /** 1: the password was handed out (CLI, admin reset); the officer must set their own first */
  must_change_password: number;
  /** Raised by a password change: tokens of older epochs die, except those of epoch_session_id. */
  session_epoch: number;
  /** The sign-in session that changed the password (it goes on); null after an admin reset. */
  epoch_session_id: string | null;
}

/** Facilities an officer may act in (supervisors may have several), each with its own role. */
export interface OfficerFacilitiesTable {
  officer_id: string;
  facility_id: string;
  role: OfficerRole;
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
  status: InmateStatus;
  /** Why the status last changed (null while it never did). */
  status_reason: string | null;
  status_changed_by: string | null;
  status_changed_at: string | null;
}

/** transferred / released: no longer bookable; their future visits were cancelled. */
export type InmateStatus = 'active' | 'transferred' | 'released';

/** A registered family member of one inmate. */
export interface VisitorsTable {
  id: string;
  inmate_id: string;
  name: string;
  /** Keyed HMAC of the 16-digit national ID number (NIK): lookups by equality only. */
  nik_hash: string;
  /** Last 4 digits, for display. */
  nik_last4: string;
  /** AES-256-GCM of the full NIK (see visits/nik-vault.ts); read only through an audited path. */
  nik_encrypted: string;
  relationship: string;
  /** Advocate credential number; required for kuasa_hukum, null for everyone else. */
  advocate_credential: string | null;
  created_at: string;
  /** Indonesian mobile number as +628…; null for visitors registered before phones were asked. */
  phone: string | null;
  /** A ban (all five set, or all null): not bookable, join links refused, until ban_until (facility-local date) ends. */
  ban_reason: string | null;
  ban_until: string | null;
  /** The instant ban_until ends in the facility's zone (start of the next local day). */
  ban_ends_at: string | null;
  banned_by: string | null;
  banned_at: string | null;
  /** The family account whose approved registration created this visitor; null for desk-registered ones. */
  family_account_id: string | null;
}

export type VisitStatus = 'scheduled' | 'live' | 'ended' | 'missed' | 'cancelled';

export type PrivilegedApproval = 'pending' | 'approved' | 'rejected';

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
  /** Privileged visits only (null otherwise): its call cannot start until a supervisor approved it. */
  privileged_approval: PrivilegedApproval | null;
  privileged_decided_by: string | null;
  privileged_decided_at: string | null;
  /** Why the approver refused it. */
  privileged_decision_reason: string | null;
  started_at: string | null;
  ended_at: string | null;
  end_reason: string | null;
  created_by: string;
  created_at: string;
  /** Family bookings in a facility that confirms them: 'pending' holds the slot but refuses the call until an officer confirms. null: nothing to confirm. */
  confirmation: VisitConfirmation | null;
  /** When the reminder sweep sent the day-before / 15-minute reminder for the current start (a move clears both). */
  day_before_reminded_at: string | null;
  soon_reminded_at: string | null;
}

export type VisitConfirmation = 'pending' | 'confirmed';

export interface VisitVisitorsTable {
  visit_id: string;
  visitor_id: string;
}

/** Remisi data of one inmate as last imported by the facility (one row per registration number). */
export interface RemisiRecordsTable {
  id: string;
  facility_id: string;
  registration_number: string;
  inmate_name: string;
  /** YYYY-MM-DD */
  expected_release_date: string | null;
  pb_eligible_date: string | null;
  cb_eligible_date: string | null;
  import_id: string;
  imported_at: string;
}

export type RemisiKind = 'umum' | 'khusus';

export interface RemisiEntriesTable {
  id: string;
  record_id: string;
  kind: RemisiKind;
  year: number;
  days: number;
  decree_number: string;
}

export type ComplaintStatus = 'new' | 'in_progress' | 'resolved' | 'rejected';

export interface ComplaintsTable {
  id: string;
  /** Public, random: ADU-XXXXXXXX */
  ticket: string;
  /** sha256 of the tracking code handed to the complainant */
  tracking_code_hash: string;
  facility_id: string;
  category: string;
  description: string;
  anonymous: number;
  reporter_name: string | null;
  contact: string | null;
  status: ComplaintStatus;
  assigned_to: string | null;
  due_at: string;
  created_at: string;
  updated_at: string;
}

/** An image attached to a complaint, kept in the database so every node can serve it. */
export interface ComplaintAttachmentsTable {
  id: string;
  complaint_id: string;
  media_type: string;
  size_bytes: number;
  data_base64: string;
  created_at: string;
}

/** Status history of a complaint; public_response is shown to the complainant. */
export interface ComplaintEventsTable {
  id: string;
  complaint_id: string;
  status: ComplaintStatus;
  public_response: string | null;
  officer_id: string | null;
  at: string;
}

export interface DriveThruSessionsTable {
  id: string;
  facility_id: string;
  /** YYYY-MM-DD, facility local */
  date: string;
  /** HH:MM, facility local */
  start_time: string;
  end_time: string;
  capacity: number;
  /** Tickets issued; only raised by a guarded update (booked < capacity). */
  booked: number;
  created_by: string;
  created_at: string;
}

export type DriveThruTicketStatus = 'booked' | 'serving' | 'inspected' | 'rejected' | 'delivered';

export interface DriveThruTicketsTable {
  id: string;
  /** Public, random: TB-XXXXXXXX (also the QR content) */
  ticket: string;
  tracking_code_hash: string;
  facility_id: string;
  session_id: string;
  queue_number: number;
  inmate_id: string;
  visitor_id: string;
  status: DriveThruTicketStatus;
  created_at: string;
  updated_at: string;
}

export type DriveThruItemDecision = 'pending' | 'accepted' | 'rejected';

export interface DriveThruItemsTable {
  id: string;
  ticket_id: string;
  position: number;
  category: string;
  description: string;
  quantity: number;
  decision: DriveThruItemDecision;
  reason: string | null;
  decided_by: string | null;
  decided_at: string | null;
}

/** incomplete: finished, but part of it is known to be missing: a track that was never recorded, or a recording interrupted by a server that did not stop cleanly (see the manifest). */
export type RecordingStatus = 'recording' | 'complete' | 'incomplete' | 'purged' | 'failed';

/** Index of call recordings; the files and manifest.json live under recordingsDir/dir. */
export interface RecordingsTable {
  visit_id: string;
  facility_id: string;
  /** Relative to recordingsDir: <facility>/<date>/<visit> */
  dir: string;
  status: RecordingStatus;
  started_at: string;
  ended_at: string | null;
  bytes: number;
  segment_count: number;
  gap_count: number;
  manifest_sha256: string | null;
  purged_at: string | null;
}

export interface OfficerSessionRevocationsTable {
  session_id: string;
  officer_id: string;
  revoked_at: string;
  /** when the last token of the session expires; the row is useless (and pruned) after that */
  expires_at: string;
}

/** A value derived from a key kept outside the database (e.g. the NIK key), to detect a swapped key. */
export interface KeyChecksTable {
  name: string;
  value: string;
  created_at: string;
}

/** A facility's saved booking rules (visits/facility-rules.ts); no row: the defaults. */
export interface FacilityRulesTable {
  facility_id: string;
  /** JSON text of FacilityRules */
  rules: string;
  updated_by: string;
  updated_at: string;
}

/** pending → sending → sent | (retry) pending | failed; manual (no channel) → handled; expired: too late to matter. */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'manual' | 'handled' | 'expired';

/** One message to one person (see server/notifications/outbox-store.ts). Addresses and params are cleared once it is done. */
export interface NotificationOutboxTable {
  id: string;
  /** One message per key: a second insert with the same key inserts nothing. */
  idempotency_key: string;
  facility_id: string;
  /** Whom it is for: a visitor id or registration id (no personal data). */
  recipient_ref: string;
  to_name: string | null;
  /** +628… */
  to_phone: string | null;
  to_email: string | null;
  /** Template key, e.g. visitCancelled (texts: notify.* in client/i18n). */
  template: string;
  language: 'id' | 'en';
  /** JSON object of the template's parameters. */
  params: string;
  status: OutboxStatus;
  /** Name of the configured channel that sent (or tried to send) it. */
  channel: string | null;
  attempts: number;
  next_attempt_at: string;
  /** Set by the sender that claimed the row; only it may mark the row done while its lease lasts. */
  claim_token: string | null;
  lease_until: string | null;
  last_error: string | null;
  /** SMTP Message-ID or WhatsApp message id. */
  provider_id: string | null;
  /** Not sent after this (a one-time code, a reminder for a visit that started). */
  expires_at: string | null;
  created_at: string;
  sent_at: string | null;
  handled_by: string | null;
  handled_at: string | null;
}

/** One person (NIK) registered online at one facility; contact details follow the last approved registration. */
export interface FamilyAccountsTable {
  id: string;
  facility_id: string;
  nik_hash: string;
  nik_last4: string;
  nik_encrypted: string;
  name: string;
  /** +628… */
  phone: string;
  email: string | null;
  language: 'id' | 'en';
  created_at: string;
}

export type FamilyRegistrationStatus = 'pending' | 'approved' | 'rejected';

/** A request to become a visitor of one inmate, with the KTP image, waiting for an officer. */
export interface FamilyRegistrationsTable {
  id: string;
  facility_id: string;
  account_id: string;
  /** As the family typed it (trimmed). */
  registration_number: string;
  /** The active inmate of the facility it matched when submitted; null when none did. */
  inmate_id: string | null;
  name: string;
  relationship: string;
  phone: string;
  email: string | null;
  language: 'id' | 'en';
  /** private-files name of the metadata-stripped KTP image */
  ktp_file: string;
  ktp_type: string;
  status: FamilyRegistrationStatus;
  reason: string | null;
  decided_by: string | null;
  decided_at: string | null;
  visitor_id: string | null;
  created_at: string;
}

/** The current one-time code and wrong-try count of one NIK at one facility (kept for unknown NIKs too). */
export interface FamilySignInCodesTable {
  facility_id: string;
  nik_hash: string;
  /** sha256 of salt + code; null when no live code */
  code_hash: string | null;
  code_salt: string | null;
  expires_at: string | null;
  failed_attempts: number;
  locked_until: string | null;
  updated_at: string;
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
  recordings: RecordingsTable;
  remisi_records: RemisiRecordsTable;
  remisi_entries: RemisiEntriesTable;
  complaints: ComplaintsTable;
  complaint_attachments: ComplaintAttachmentsTable;
  complaint_events: ComplaintEventsTable;
  drive_thru_sessions: DriveThruSessionsTable;
  drive_thru_tickets: DriveThruTicketsTable;
  drive_thru_items: DriveThruItemsTable;
  officer_session_revocations: OfficerSessionRevocationsTable;
  key_checks: KeyChecksTable;
  facility_rules: FacilityRulesTable;
  notification_outbox: NotificationOutboxTable;
  family_accounts: FamilyAccountsTable;
  family_registrations: FamilyRegistrationsTable;
  family_sign_in_codes: FamilySignInCodesTable;
}
