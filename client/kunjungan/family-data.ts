/** Shapes of the family API (/api/family/me, /visits, /slots). */
export interface FamilyMe {
  account: { name: string; nikMasked: string; phone: string; email: string | null; language: string };
  registrations: Array<{ id: string; registrationNumber: string; status: 'pending' | 'approved' | 'rejected'; reason: string | null; createdAt: string }>;
  visitors: Array<{ visitorId: string; relationship: string; inmate: { id: string; name: string; registrationNumber: string } }>;
}

export interface FamilyVisit {
  id: string;
  status: 'scheduled' | 'live' | 'ended' | 'missed' | 'cancelled';
  awaitingConfirmation: boolean;
  scheduledStart: string;
  durationSeconds: number;
  endsAt: string;
  timezone: string;
  inmate: { name: string };
  visitorId: string;
  changeableUntil: string;
  canJoinFrom: string;
}

export interface SlotDay {
  date: string;
  timezone: string;
  slotMinutes: number;
  durationMinutes: number;
  quota: unknown;
  slots: Array<{ start: string; end: string; free: boolean; reason?: string }>;
}
