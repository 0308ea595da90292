import type { types as ms } from 'mediasoup';

/**
 * Codecs of every call router: Opus, VP8 (preferred: simulcast everywhere) and H264 constrained
 * baseline (packetization-mode 1, profile 42e01f) for endpoints that support it.
 */
export const mediaCodecs: ms.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, parameters: { useinbandfec: 1, usedtx: 1 } },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 600 } },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1, 'x-google-start-bitrate': 600 },
  },
];

/** Bandwidth plan: what a call may use per transport, and where it starts. */
export const bitrates = {
  /** Start estimate for server → browser; BWE raises or lowers it from here. */
  initialOutgoing: 600_000,
  /** Cap on what one browser may send us (all simulcast layers + audio). */
  maxIncoming: 1_500_000,
  /** Cap on what we send one browser. */
  maxOutgoing: 1_200_000,
};

/** Consumer priorities: audio first, so a weak link loses video layers before it loses audio. */
export const consumerPriority = { audio: 255, video: 1 } as const;
