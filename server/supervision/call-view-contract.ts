/**
 * GET /api/calls response: the one definition shared by the server (call-view.ts) and the
 * officer dashboard (client/officer). Types only, so the browser bundle can import it.
 */
/**
 * recording: every track of every party is being written; starting: a party's track is not
 * written yet (its recording has 2 s from its first packet); failed: a track could not be recorded.
 */
export type LiveRecordingState = 'recording' | 'starting' | 'not_recorded' | 'failed';

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
  /** which of the party's tracks are being written to a recording file right now */
  recorded: { audio: boolean; video: boolean };
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
