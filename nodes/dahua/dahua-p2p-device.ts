// Config node: one Dahua device reached over Dahua P2P. It owns the device's single PTCP
// session (a DahuaConnection) and shares it between every tunnel node that uses it: the first
// tunnel to register starts it, the last to deregister stops it (Node-RED's MQTT broker pattern).

import type { RedAPI } from '../core/node-red-types';
import { DahuaConnection } from './dahua-connection';
import { DahuaDeviceDef, DahuaDeviceNode, connectionOptions } from './device-config';

export = function register(RED: RedAPI): void {
  function DahuaP2pDeviceNode(this: DahuaDeviceNode, def: DahuaDeviceDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const users = new Set<object>();
    node.serial = String(def.serial ?? '').trim();
    node.connection = new DahuaConnection(connectionOptions(def, node.credentials, (m) => node.debug(m)));

    node.register = (user: object) => {
      users.add(user);
      if (users.size === 1) node.connection.start();
    };
    node.deregister = (user: object) => {
      users.delete(user);
      if (users.size === 0) node.connection.stop();
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      users.clear();
      node.connection.stop();
      done();
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
