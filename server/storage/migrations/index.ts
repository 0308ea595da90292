import type { Migration } from 'kysely';
import * as m0001 from './0001_facilities_and_audit.ts';
import * as m0002 from './0002_visits_domain.ts';
import * as m0003 from './0003_public_services.ts';
import * as m0004 from './0004_recordings.ts';
import * as m0006 from './0006_officer_session_revocations.ts';

/** Append new migrations here; names sort in the order they run. Never edit a released one. */
export const migrations: Record<string, Migration> = {
  '0001_facilities_and_audit': m0001,
  '0002_visits_domain': m0002,
  '0003_public_services': m0003,
  '0004_recordings': m0004,
  '0006_officer_session_revocations': m0006,
};
