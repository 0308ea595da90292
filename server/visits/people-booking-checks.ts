import type { Kysely } from 'kysely';
import type { Tables } from '../storage/tables.ts';
import { visitorBanProblems, type BanProblem } from './visitor-bans.ts';

export { visitorBanProblems } from './visitor-bans.ts';

/** A booking problem, in the shape of POST /api/visits/check's `problems`. */
export type PeopleProblem = BanProblem | { code: 'inmate_inactive'; field: 'inmateId'; message: string };

/** The inmate is no longer in the facility (transferred, released): nothing can be booked for them. */
export async function inmateStatusProblems(db: Kysely<Tables>, inmateId: string): Promise<PeopleProblem[]> {
  const inmate = await db.selectFrom('inmates').select('status').where('id', '=', inmateId).executeTakeFirst();
  if (!inmate || inmate.status === 'active') return [];
  return [{ code: 'inmate_inactive', field: 'inmateId', message: `inmate is ${inmate.status}, not active` }];
}

/**
 * What the people side refuses in a booking: an inmate who left, visitors banned on the day of
 * the visit (`at`: its start). Run it inside the booking transaction: an inmate's status change
 * takes the same facility schedule lock (PostgreSQL), so the two cannot interleave.
 */
export async function bookingPeopleProblems(db: Kysely<Tables>, booking: { inmateId: string; visitorIds: string[]; at: Date }): Promise<PeopleProblem[]> {
  return [...(await inmateStatusProblems(db, booking.inmateId)), ...(await visitorBanProblems(db, booking.visitorIds, booking.at))];
}
