// amba-rpc: commands to an Ambarella camera (named in msg.topic, or a raw request object in
// msg.payload), replies on output 1, camera events and status messages on output 2.

import type { AmbaCameraNode } from './amba-camera-config';
import type { CameraEvent } from './amba-client';
import { COMMAND_NAMES, CommandName, isCommandName, runCommand, runRaw } from './amba-commands';
import type { StateInfo } from './amba-session';
import { AmbaError } from './rval';
import { NodeStatusLike, Status, StatusThrottle, statusMessage } from '../core/status';
import type { DoneFn, NodeDef, NodeMessage, RedAPI, RedNode, SendFn } from '../core/node-red-types';

interface AmbaRpcDef extends NodeDef {
  camera?: string;
  awaitEvent?: boolean;
  eventTimeout?: number | string;
}

/** Commands whose string payload is a setting name, a path or a directory. */
const NAME_ARG: readonly CommandName[] = ['getSetting', 'getOptions'];
const PATH_ARG: readonly CommandName[] = ['mediaInfo', 'deleteFile', 'download', 'thumbnail'];

export = function register(RED: RedAPI): void {
  function AmbaRpcNode(this: RedNode, def: AmbaRpcDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(def.camera ?? '') as AmbaCameraNode | null;
    const status = new StatusThrottle((s: NodeStatusLike) => node.status(s));
    const eventTimeoutMs = Math.max(1, Number(def.eventTimeout) || 15) * 1000;
    let running = 0;

    if (!config || !config.client) {
      status.set(Status.error(RED._('amba-rpc.status.no-camera')));
      node.on('input', (_msg: NodeMessage, _send: SendFn, done: DoneFn) => done(new Error(RED._('amba-rpc.errors.no-camera'))));
      node.on('close', (_removed: boolean, done: () => void) => {
        status.dispose();
        done();
      });
      return;
    }
    const client = config.client;
    const camera = config.cameraName;

    const onState = (st: StateInfo): void => {
      showState(st);
      node.send([null, statusMessage(camera, stateName(st), { reason: st.reason, retryMs: st.retryMs, profile: client.profile.name })]);
    };
    const onEvent = (e: CameraEvent): void => {
      const topic = e.raw ? String(e.raw.type ?? 'notification') : e.normalised?.event ?? 'event';
      node.send([null, { topic, payload: e.raw ?? e.normalised, event: e.normalised, camera }]);
    };
    client.on('state', onState);
    client.on('event', onEvent);
    config.register(node);
    showState(client.state);

    function showState(st: StateInfo): void {
      if (running > 0 && st.state === 'online') return;
      switch (st.state) {
        case 'connecting':
          status.set(Status.connecting(RED._('amba-rpc.status.connecting')));
          break;
        case 'online':
          status.set(Status.connected(RED._('amba-rpc.status.online')));
          break;
        case 'offline':
          status.set(st.retryMs === undefined ? Status.offline() : Status.offline(st.retryMs));
          break;
        case 'yielded':
          status.set(Status.idle(RED._('amba-rpc.status.yielded')));
          break;
        default:
          status.set(Status.idle(RED._('amba-rpc.status.idle')));
      }
    }

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      let command: string;
      let work: Promise<{ payload: unknown; extra?: Record<string, unknown> }>;
      try {
        const topic = typeof msg.topic === 'string' ? msg.topic.trim() : '';
        if (topic === '') {
          if (!isPlainObject(msg.payload)) throw new AmbaError(RED._('amba-rpc.errors.no-command', { commands: COMMAND_NAMES.join(', ') }), { code: 'BAD_REQUEST' });
          command = `msg_id ${String(msg.payload.msg_id)}`;
          work = runRaw(client, msg.payload);
        } else {
          if (!isCommandName(topic)) throw new AmbaError(RED._('amba-rpc.errors.unknown-command', { command: topic, commands: COMMAND_NAMES.join(', ') }), { code: 'BAD_REQUEST' });
          command = topic;
          const awaitEvent = typeof msg.awaitEvent === 'boolean' ? msg.awaitEvent : def.awaitEvent === true;
          work = runCommand(client, topic, commandArgs(topic, msg), { awaitEvent, eventTimeoutMs });
        }
      } catch (err) {
        fail(err, msg, done);
        return;
      }
      running++;
      status.set(Status.info(`${command}…`));
      work.then(
        (result) => {
          running--;
          showState(client.state);
          const out: NodeMessage = { ...msg, payload: result.payload, camera, ...(result.extra ?? {}) };
          send([out, null]);
          done();
        },
        (err: unknown) => {
          running--;
          showState(client.state);
          fail(err, msg, done);
        },
      );
    });

    function fail(err: unknown, msg: NodeMessage, done: DoneFn): void {
      const e = err instanceof Error ? err : new Error(String(err));
      if (e instanceof AmbaError) {
        // msg.error is Node-RED's own (message, source, stack); the camera's details go beside it.
        msg.amba = { code: e.code, rval: e.rval, msgId: e.msgId };
        if (e.rval !== undefined) status.set(Status.error(`rval ${e.rval}`));
      }
      done(e);
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      client.off('state', onState);
      client.off('event', onEvent);
      status.dispose();
      config.deregister(node).then(done, () => done());
    });
  }

  RED.nodes.registerType('amba-rpc', AmbaRpcNode);
};

/** msg.payload as the command's arguments; a bare string is the obvious single argument. */
function commandArgs(command: CommandName, msg: NodeMessage): Record<string, unknown> {
  const p = msg.payload;
  if (isPlainObject(p)) return p;
  if (command === 'upload') return { path: msg.path ?? msg.filename, data: p };
  if (typeof p === 'string' && p !== '') {
    if (NAME_ARG.includes(command)) return { name: p };
    if (PATH_ARG.includes(command)) return { path: p };
    if (command === 'listFiles') return { dir: p };
    if (command === 'setClock') return { time: p };
  }
  return {};
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function stateName(st: StateInfo): 'connecting' | 'online' | 'offline' | 'stopped' {
  if (st.state === 'online' || st.state === 'connecting' || st.state === 'offline') return st.state;
  return st.state === 'yielded' ? 'offline' : 'stopped';
}
