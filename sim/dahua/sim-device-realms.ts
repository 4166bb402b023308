// The device's side of the realms, for the simulator: a BIND connects to a local TCP service
// (the camera's RTSP server, its web server…), CONN once connected, DATA both ways, DISC when
// either side closes. What the real device does when the port is closed is unknown (spec §10.6);
// the simulator answers DISC.

import { connect, Socket } from 'net';
import { PtcpBody } from '../../nodes/dahua/ptcp-packet';
import { RealmLink, RealmPipe } from '../../nodes/dahua/realm-pipe';

export interface DeviceServices {
  /** Device-side port (as in BIND) → TCP port on 127.0.0.1 of the process serving it. */
  [devicePort: number]: number;
}

export class SimDeviceRealms {
  private readonly realms = new Map<number, RealmPipe>();
  opened = 0;

  constructor(private readonly link: RealmLink, private readonly services: () => DeviceServices) {}

  get size(): number {
    return this.realms.size;
  }

  handleBody(body: PtcpBody): void {
    if (body.type === 'bind') this.bind(body.realm, body.port);
    else if (body.type === 'data') {
      const pipe = this.realms.get(body.realm);
      if (pipe && !pipe.deliver(body.payload)) this.close(body.realm, true);
    } else if (body.type === 'status' && body.status === 'DISC') {
      // the client hung up; the PoC waits for this reply, so send it
        if (this.realms.has(body.realm)) this.close(body.realm, false);
      this.link.sendBody({ type: 'status', realm: body.realm, status: 'DISC' });
    }
  }

  drained(): void {
    for (const pipe of this.realms.values()) pipe.sessionDrained();
  }

  closeAll(): void {
    for (const realm of [...this.realms.keys()]) this.close(realm, false);
  }

  private bind(realm: number, port: number): void {
    if (this.realms.has(realm)) return;
    const target = this.services()[port];
    if (target === undefined) {
      this.link.sendBody({ type: 'status', realm, status: 'DISC' });
      return;
    }
    const socket: Socket = connect({ host: '127.0.0.1', port: target });
    socket.pause();
    const pipe = new RealmPipe(realm, socket, this.link, { maxBacklogBytes: 64 * 1024 * 1024 });
    this.realms.set(realm, pipe);
    socket.on('connect', () => {
      if (this.realms.get(realm) !== pipe) return;
      this.opened++;
      this.link.sendBody({ type: 'status', realm, status: 'CONN' });
      pipe.start();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.realms.get(realm) !== pipe) return;
      this.close(realm, true);
    });
  }

  private close(realm: number, tellClient: boolean): void {
    const pipe = this.realms.get(realm);
    if (!pipe) return;
    this.realms.delete(realm);
    pipe.close(!tellClient);
    if (tellClient) this.link.sendBody({ type: 'status', realm, status: 'DISC' });
  }
}
