import type { types as ms } from 'mediasoup';

export interface SdpMedia {
  kind: 'audio' | 'video';
  port: number;
  rtpParameters: ms.RtpParameters;
}

/** SDP telling ffmpeg which RTP streams arrive on which loopback ports (rtcp on port+1). */
export function recordingSdp(media: SdpMedia[]): string {
  const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=kunjungan-video recording', 'c=IN IP4 127.0.0.1', 't=0 0'];
  for (const m of media) {
    const codec = m.rtpParameters.codecs[0];
    if (!codec) throw new Error(`consumer for ${m.kind} has no codec`);
    const name = codec.mimeType.split('/')[1]!;
    const channels = m.kind === 'audio' && codec.channels ? `/${codec.channels}` : '';
    lines.push(`m=${m.kind} ${m.port} RTP/AVP ${codec.payloadType}`);
    lines.push(`a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${channels}`);
    const fmtp = Object.entries(codec.parameters ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(';');
    if (fmtp) lines.push(`a=fmtp:${codec.payloadType} ${fmtp}`);
    lines.push('a=sendonly');
  }
  return lines.join('\n') + '\n';
}
