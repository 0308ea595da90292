/**
 * GET /api/calls response: the one definition shared by the server (call-view.ts) and the
 * officer dashboard (client/officer). Types only, so the browser bundle can import it.
 */
export type LiveRecordingState = 'recording' | 'not_recorded' | 'failed';

export interface PartyView {
  peerId: string;
  role: string;
  displayName: string;
  state: 'connected' | 'reconnecting';
  /** not sending: paused (by the party or an officer) or not produced yet */
  audioMuted: boolean;
  videoMuted: boolean;
  /** what an officer holds muted (the party cannot lift it) */
  officerMuted: { audio: boolean; video: boolean };
}

export interface CallView {
  visitId: string;
  boothName: string;
  inmate: { name: string; registrationNumber: string };
  visitors: Array<{ id: string; name: string }>;
  startedAt: string | null;
  deadline: string;
  privileged: boolean;
  recording: LiveRecordingState;
  parties: PartyView[];
}
