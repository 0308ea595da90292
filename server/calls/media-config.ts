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

const ABS_CAPTURE_TIME_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time';

/**
 * The capabilities browsers load (device.load): the router's, without abs-capture-time. Where it
 * is negotiated mediasoup times simulcast layers by it, and Chromium sends it for no camera layer
 * here; mediasoup then never switches from the first layer it forwarded, so neither its bandwidth
 * estimate nor a viewer's preference could move a call to a lower layer (a weak link froze
 * instead of degrading). Without it mediasoup times layers by the browser's Sender Reports.
 */
export function browserRtpCapabilities(router: ms.RtpCapabilities): ms.RtpCapabilities {
  return { ...router, headerExtensions: router.headerExtensions?.filter((h) => h.uri !== ABS_CAPTURE_TIME_URI) };
}
