// Config node: one Dahua device reached over Dahua P2P. It owns the device's single PTCP
// session (a DahuaConnection) and shares it between every tunnel node that uses it: the first
// tunnel to register starts it, the last to deregister stops it.

import type { RedAPI } from '../core/node-red-types';
import { DahuaConnection } from './dahua-connection';
import { DahuaDeviceDef, DahuaDeviceNode, connectionOptions } from './device-config';
import { SharedUse } from '../core/shared-use';

export = function register(RED: RedAPI): void {
  function DahuaP2pDeviceNode(this: DahuaDeviceNode, def: DahuaDeviceDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    node.serial = String(def.serial ?? '').trim();
    node.connection = new DahuaConnection(connectionOptions(def, node.credentials, (m) => node.debug(m)));
    const tunnels = new SharedUse<object>(() => node.connection.start(), () => node.connection.stop());
    node.register = (user: object) => tunnels.add(user);
    node.deregister = (user: object) => void tunnels.remove(user);

    node.on('close', (_removed: boolean, done: () => void) => {
      tunnels.end().then(done, () => done());
    });
  }

  RED.nodes.registerType('dahua-p2p-device', DahuaP2pDeviceNode, {
    credentials: {
      appUser: { type: 'text' },
      appKey: { type: 'password' },
      username: { type: 'text' },
      password: { type: 'password' },
    },
  });
};
