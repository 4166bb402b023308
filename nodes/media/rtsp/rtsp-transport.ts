// The Transport header of SETUP (RFC 2326 §12.39): which of the client's proposals we take, and
// what we answer. We serve unicast RTP/AVP only, over the RTSP connection (interleaved) or UDP.

export type TransportChoice =
  | { mode: 'tcp'; rtpChannel: number; rtcpChannel: number }
  | { mode: 'udp'; rtpPort: number; rtcpPort: number };

/**
 * Picks the first proposal we can serve; null when there is none (answer 461). A TCP proposal
 * without `interleaved` gets channels `defaultChannel` and `defaultChannel + 1`.
 */
export function chooseTransport(header: string | undefined, defaultChannel: number): TransportChoice | null {
  if (!header) return null;
  for (const proposal of header.split(',')) {
    const choice = readProposal(proposal.trim(), defaultChannel);
    if (choice) return choice;
  }
  return null;
}

function readProposal(proposal: string, defaultChannel: number): TransportChoice | null {
  const [spec, ...params] = proposal.split(';').map((p) => p.trim());
  const protocol = spec.toUpperCase();
  if (params.some((p) => p.toLowerCase() === 'multicast')) return null;
  if (params.some((p) => /^mode=/i.test(p) && !/^mode="?play"?$/i.test(p))) return null;
  if (protocol === 'RTP/AVP/TCP') {
    const interleaved = paramValue(params, 'interleaved');
    if (interleaved === undefined) return { mode: 'tcp', rtpChannel: defaultChannel, rtcpChannel: defaultChannel + 1 };
    const pair = numberPair(interleaved, 255);
    return pair ? { mode: 'tcp', rtpChannel: pair[0], rtcpChannel: pair[1] } : null;
  }
  if (protocol === 'RTP/AVP' || protocol === 'RTP/AVP/UDP') {
    const ports = paramValue(params, 'client_port');
    const pair = ports === undefined ? null : numberPair(ports, 65535);
    // Port 0 or a privileged port is no place to send a stream to.
    if (!pair || pair[0] < 1024 || pair[1] < 1024) return null;
    return { mode: 'udp', rtpPort: pair[0], rtcpPort: pair[1] };
  }
  return null;
}

function paramValue(params: string[], name: string): string | undefined {
  const prefix = `${name}=`;
  const found = params.find((p) => p.toLowerCase().startsWith(prefix));
  return found === undefined ? undefined : found.slice(prefix.length);
}

/** `a-b` or `a` (then b = a + 1), each within 0..max. */
function numberPair(value: string, max: number): [number, number] | null {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  if (!match) return null;
  const first = Number(match[1]);
  const second = match[2] === undefined ? first + 1 : Number(match[2]);
  return first <= max && second <= max ? [first, second] : null;
}

/** The Transport header of our SETUP answer. */
export function formatTransport(choice: TransportChoice, ssrc: number, serverPorts?: [number, number]): string {
  const ssrcHex = ssrc.toString(16).toUpperCase().padStart(8, '0');
  if (choice.mode === 'tcp') return `RTP/AVP/TCP;unicast;interleaved=${choice.rtpChannel}-${choice.rtcpChannel};ssrc=${ssrcHex}`;
  const server = serverPorts ? `;server_port=${serverPorts[0]}-${serverPorts[1]}` : '';
  return `RTP/AVP;unicast;client_port=${choice.rtpPort}-${choice.rtcpPort}${server};ssrc=${ssrcHex}`;
}
