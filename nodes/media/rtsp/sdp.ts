// The session description a DESCRIBE answer carries (RFC 4566, with the RTSP usage of RFC 2326
// Appendix C): one media section per track, each with its own control URL relative to the
// Content-Base, so SETUP can name the track.

export interface SdpTrack {
  media: 'video' | 'audio';
  payloadType: number;
  /** `H264/90000`, `PCMA/8000`…; empty for a static payload type that needs no rtpmap (JPEG). */
  rtpmap: string;
  /** The format parameters, without the `a=fmtp:<pt> ` prefix; empty when there are none. */
  fmtp: string;
  /** Relative control URL, e.g. `trackID=0`. */
  control: string;
}

export interface SdpSession {
  /** A number that stays the same for the life of the stream (RFC 4566 §5.2 sess-id). */
  sessionId: string;
  sessionName: string;
  /** The address the server is reached at, for the o= line. */
  address: string;
  tracks: SdpTrack[];
}

export function buildSdp(session: SdpSession): string {
  const family = session.address.includes(':') ? 'IP6' : 'IP4';
  const lines = [
    'v=0',
    `o=- ${session.sessionId} 1 IN ${family} ${session.address}`,
    `s=${session.sessionName.replace(/[\r\n]/g, ' ') || 'p2pcam'}`,
    `c=IN ${family} ${family === 'IP6' ? '::' : '0.0.0.0'}`,
    't=0 0',
    'a=tool:@p2pcam/node-red-cameras',
    'a=range:npt=0-',
    'a=control:*',
  ];
  for (const track of session.tracks) {
    lines.push(`m=${track.media} 0 RTP/AVP ${track.payloadType}`);
    if (track.rtpmap) lines.push(`a=rtpmap:${track.payloadType} ${track.rtpmap}`);
    if (track.fmtp) lines.push(`a=fmtp:${track.payloadType} ${track.fmtp}`);
    lines.push(`a=control:${track.control}`);
  }
  return lines.join('\r\n') + '\r\n';
}
