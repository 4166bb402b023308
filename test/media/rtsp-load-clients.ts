// A separate process that plays an RTSP stream with N clients and throws the media away, so a
// benchmark can measure the server's CPU time alone. Usage: node rtsp-load-clients.js <port> <n> <tcp|udp>
// Prints "ready" once every client is playing; exits when its stdin closes.
import * as dgram from 'node:dgram';
import { RtspTestClient } from './rtsp-test-client';

async function playUdp(port: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  socket.on('message', () => undefined);
  const client = new RtspTestClient(port);
  const rtpPort = socket.address().port;
  await client.request('DESCRIBE');
  const setup = await client.request('SETUP', `${client.url}/trackID=0`, { Transport: `RTP/AVP;unicast;client_port=${rtpPort}-${rtpPort + 1}` });
  client.session = setup.headers.get('session')!.split(';')[0];
  await client.request('PLAY');
}

async function playTcp(port: number): Promise<void> {
  const client = new RtspTestClient(port);
  client.keepPackets = false;
  await client.playTcp();
}

async function main(): Promise<void> {
  const [port, count, transport] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
  for (let i = 0; i < count; i++) await (transport === 'udp' ? playUdp(port) : playTcp(port));
  process.stdout.write('ready\n');
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

main().catch((err) => {
  process.stderr.write(`${err}\n`);
  process.exit(1);
});
