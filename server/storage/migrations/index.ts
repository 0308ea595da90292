import type { Migration } from 'kysely';
import * as m0001 from './0001_facilities_and_audit.ts';
import * as m0002 from './0002_visits_domain.ts';
import * as m0003 from './0003_public_services.ts';
import * as m0004 from './0004_recordings.ts';
import * as m0005 from './0005_roles_per_facility.ts';
import * as m0006 from './0006_officer_session_revocations.ts';
import * as m0009 from './0009_privileged_visit_approval.ts';
import * as m0010 from './0010_visitor_nik_protection.ts';
import * as m0011 from './0011_facility_rules.ts';
import * as m0012 from './0012_people_status_and_bans.ts';
import * as m0013 from './0013_officer_password_change.ts';
import * as m0014 from './0014_notification_outbox.ts';
import * as m0015 from './0015_family_accounts.ts';
import * as m0016 from './0016_family_booking.ts';

/** Append new migrations here; names sort in the order they run. Never edit a released one. */
export const migrations: Record<string, Migration> = {
  '0001_facilities_and_audit': m0001,
  '0002_visits_domain': m0002,
  '0003_public_services': m0003,
  '0004_recordings': m0004,
  '0005_roles_per_facility': m0005,
  '0006_officer_session_revocations': m0006,
  '0009_privileged_visit_approval': m0009,
  '0010_visitor_nik_protection': m0010,
  '0011_facility_rules': m0011,
  '0012_people_status_and_bans': m0012,
  '0013_officer_password_change': m0013,
  '0014_notification_outbox': m0014,
  '0015_family_accounts': m0015,
  '0016_family_booking': m0016,
};
