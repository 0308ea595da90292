import type { Call } from '../calls/call.ts';
import type { CallService } from '../calls/call-service.ts';
import type { Peer } from '../calls/peer.ts';
import type { Storage } from '../storage/database.ts';
import { getVisitsWithParties } from '../visits/visit-store.ts';
import type { CallView, PartyView } from './call-view-contract.ts';
import type { LiveRecording } from '../recording/live-recording.ts';
import type { LiveRecordingState } from './call-view-contract.ts';
import type { OfficerMutes } from './officer-mutes.ts';

export type { CallView, PartyView } from './call-view-contract.ts';

function muted(peer: Peer, kind: 'audio' | 'video', mutes: OfficerMutes | undefined): boolean {
  if (mutes?.isMuted(peer.id, kind)) return true;
  const producer = peer.producers().find((p) => p.kind === kind && !p.closed);
  return !producer || producer.paused;
}

function recorded(peer: Peer, kind: 'audio' | 'video', recording: LiveRecording | undefined): boolean {
  const producer = peer.producers().find((p) => p.kind === kind && !p.closed);
  return !!producer && !!recording?.records(producer.id);
}

export function partyView(peer: Peer, mutes: OfficerMutes | undefined, recording?: LiveRecording): PartyView {
  return {
    peerId: peer.id,
    role: peer.role,
    displayName: peer.displayName,
    state: peer.state,
    audioMuted: muted(peer, 'audio', mutes),
    videoMuted: muted(peer, 'video', mutes),
    officerMuted: { audio: mutes?.isMuted(peer.id, 'audio') ?? false, video: mutes?.isMuted(peer.id, 'video') ?? false },
    recorded: { audio: recorded(peer, 'audio', recording), video: recorded(peer, 'video', recording) },
  };
}

/** 'recording' only while every track a party sends is being written. */
function recordingState(parties: Peer[], recording: LiveRecording | undefined): LiveRecordingState {
  if (!recording) return 'failed';
  if (recording.state !== 'recording') return recording.state;
  const unrecorded = parties.some((p) => p.producers().some((producer) => !producer.closed && !recording.records(producer.id)));
  return unrecorded ? 'starting' : 'recording';
}

/** What the officers' dashboard shows about these live calls (hidden peers are not parties); one set of queries for all. */
export async function callViews(storage: Storage, calls: CallService, live: Call[]): Promise<CallView[]> {
  const visits = new Map((await getVisitsWithParties(storage, live.map((c) => c.visitId))).map((v) => [v.visit.id, v]));
  return live.flatMap((call) => {
    const v = visits.get(call.visitId);
    if (!v) return [];
    const supervision = calls.supervision(call.visitId);
    const parties = call.currentRoom.visiblePeers();
    return [{
      visitId: call.visitId,
      boothName: v.booth.name,
      inmate: { name: v.inmate.name, registrationNumber: v.inmate.registrationNumber },
      visitors: v.visitors.map((x) => ({ id: x.id, name: x.name })),
      startedAt: v.visit.started_at,
      deadline: call.deadline.toISOString(),
      privileged: v.visit.privileged === 1,
      recording: recordingState(parties, supervision?.recording),
      parties: parties.map((p) => partyView(p, supervision?.mutes, supervision?.recording)),
    }];
  });
}
