// v720-command: a named command (msg.topic) or a raw {code, …} object (msg.payload) to a V720
// camera, over MQTT or as a 301 forward on its TCP link (or a 502 on the link to a camera in AP
// mode); the camera's resulting state (its re-published Info, or the echo) comes out, or a
// timeout error that a Catch node gets. In AP mode also the memory card: dates, recordings,
// file info and downloads.

import type { DoneFn, NodeDef, NodeMessage, RedAPI, RedNode, SendFn } from '../core/node-red-types';
import { Status, StatusThrottle } from '../core/status';
import { buildCommand } from './commands';
import type { V720CloudNode } from './v720-cloud-node';

interface CommandDef extends NodeDef {
  cloud: string;
  camera?: string;
  via?: 'mqtt' | 'tcp';
  /** seconds */
  timeout?: number | string;
}

const ID = /^[A-Za-z0-9]{1,32}$/;

export = function register(RED: RedAPI): void {
  function V720CommandNode(this: RedNode, def: CommandDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(def.cloud) as V720CloudNode | null;
    const status = new StatusThrottle((s) => node.status(s));
    const seconds = Number(def.timeout);
    const timeoutMs = Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : 10_000;
    let pending = 0;
    let closed = false;

    if (!config || !config.cloud) status.set(Status.error('no cloud configured'));
    else status.set(Status.idle('ready'));

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      void (async () => {
        if (!config || !config.cloud) throw new Error('v720-command has no v720-cloud configured');
        const camera = typeof msg.camera === 'string' && msg.camera ? msg.camera : String(def.camera ?? '').trim();
        if (!ID.test(camera)) throw new Error('v720-command needs a camera id (in the node or in msg.camera)');
        const name = typeof msg.topic === 'string' && msg.topic.trim() ? msg.topic.trim() : undefined;
        const built = buildCommand(name, msg.payload);
        await config.ready;
        const via = built.tcpOnly ? 'tcp' : def.via === 'tcp' ? 'tcp' : 'mqtt';
        pending++;
        status.set(Status.connecting(`sent ${name ?? built.command.code}`));
        try {
          if (built.sd) {
            return { camera, command: built.command, state: await config.cloud.sdRequest(camera, built.sd, timeoutMs), filename: built.filename };
          }
          if (!built.expectsReply) {
            await config.cloud.send(camera, built.command, via);
            return { camera, command: built.command, sent: true };
          }
          const state = await config.cloud.command(camera, built.command, { via, timeoutMs });
          return { camera, command: built.command, state };
        } finally {
          pending--;
        }
      })().then((result) => {
        if (closed) return done();
        status.set(Status.connected(pending > 0 ? 'waiting' : 'done'));
        const out: NodeMessage = { ...msg, payload: result.state ?? { sent: true }, camera: result.camera, command: result.command };
        if ('filename' in result && result.filename) out.filename = result.filename;
        send(out);
        done();
      }, (err: Error) => {
        if (!closed) status.set(Status.error(/within \d/.test(err.message) ? 'timeout' : 'failed'));
        done(err);
      });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      status.dispose();
      done();
    });
  }

  RED.nodes.registerType('v720-command', V720CommandNode);
};
