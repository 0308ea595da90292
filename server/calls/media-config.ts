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

/** Bandwidth plan for what browsers send us (what we send them: DownlinkControl). */
export const bitrates = {
  /** Cap on what one browser may send us (all simulcast layers + audio). */
  maxIncoming: 1_500_000,
};

/** What a viewer gets of a camera at best; DownlinkControl starts one spatial layer lower. */
export const topLayers = { spatialLayer: 2, temporalLayer: 2 } as const;

const TRANSPORT_CC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

/**
 * What the SFU consumes with for a browser: its capabilities without transport-wide congestion
 * control or REMB, so mediasoup runs no bandwidth estimate towards viewers and DownlinkControl
 * alone picks the layers. What browsers send us keeps transport-cc (their own estimate).
 */
export function receiveCapabilities(caps: ms.RtpCapabilities): ms.RtpCapabilities {
  return {
    ...caps,
    codecs: caps.codecs?.map((c) => ({ ...c, rtcpFeedback: c.rtcpFeedback?.filter((fb) => fb.type !== 'transport-cc' && fb.type !== 'goog-remb') })),
    headerExtensions: caps.headerExtensions?.filter((h) => h.uri !== TRANSPORT_CC_URI),
  };
}

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
