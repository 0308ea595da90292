/**
 * Who the audit trail names for a public submission (complaint, drive-thru booking, remisi lookup):
 * nobody. The client's address would make an anonymous complaint traceable, so it is never
 * stored; only the rate limits see it, in memory.
 */
export const PUBLIC_ACTOR = { actorKind: 'public', actorId: 'anonymous' } as const;
